"""Peak memory of VGG-16's convolution stack, forward at 224x224, batch 8, float32, no_grad.

im2col would need a (N·H·W, 9·C) matrix per layer: 925 MB for the first 64-channel layer at
224x224 alone. hubel builds it in pieces of at most ``CHUNK_BYTES`` (64 MiB), so the peak is
the activations plus one piece. Measured in a fresh subprocess: peak RSS (getrusage) and the
peak of NumPy's traced allocations (tracemalloc), each over the state before the forward.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/conv_memory.py
"""

from __future__ import annotations

import subprocess
import sys

CHILD = r"""
import resource, time, tracemalloc
import numpy as np
import hubel as hb
from hubel.models.vgg import CONFIGS, make_layers

features = make_layers(CONFIGS[16]).eval()
x = hb.tensor(np.random.default_rng(0).standard_normal((8, 3, 224, 224)).astype(np.float32))
weights = sum(p.numel() for p in features.parameters()) * 4 / 2**20
rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
tracemalloc.start()
start = time.perf_counter()
with hb.no_grad():
    y = features(x)
seconds = time.perf_counter() - start
_, traced_peak = tracemalloc.get_traced_memory()
rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"VGG-16 features, input {tuple(x.shape)} -> {tuple(y.shape)} in {seconds:.1f} s; "
      f"weights {weights:.0f} MiB, input {x.detach().numpy().nbytes / 2**20:.0f} MiB")
print(f"peak of traced allocations during the forward: {traced_peak / 2**20:.0f} MiB")
print(f"peak RSS {rss_peak:.0f} MiB (before the forward {rss_before:.0f} MiB, "
      f"+{rss_peak - rss_before:.0f} MiB)")
"""


def main() -> None:
    subprocess.run([sys.executable, "-c", CHILD], check=True)


if __name__ == "__main__":
    main()
