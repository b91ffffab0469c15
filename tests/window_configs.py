"""Generated configurations of the window ops, shared by their PyTorch parity tests
(tests/functional) and the fast == reference tests of their kernels (tests/kernels)."""

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st


@st.composite
def conv_configs(draw):
    """A valid conv2d configuration: kernels 1-7 (non-square too), stride 1-3, padding 0-3 per
    axis, dilation 1-3, groups 1 / 2 / depthwise (with a channel multiplier), batch 1-3, input
    sizes odd and even from the smallest that fits up."""
    kernel = (draw(st.integers(1, 7)), draw(st.integers(1, 7)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 3)), draw(st.integers(0, 3)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    kind = draw(st.sampled_from(["dense", "grouped", "depthwise"]))
    groups = {"dense": 1, "grouped": 2, "depthwise": draw(st.integers(2, 4))}[kind]
    per_group_in = 1 if kind == "depthwise" else draw(st.integers(1, 2))
    per_group_out = draw(st.integers(1, 2))
    size = [
        max(1, d * (f - 1) + 1 - 2 * p) + draw(st.integers(0, 3))
        for f, p, d in zip(kernel, padding, dilation)
    ]
    x_shape = (draw(st.integers(1, 3)), per_group_in * groups, *size)
    w_shape = (per_group_out * groups, per_group_in, *kernel)
    bias = draw(st.booleans())
    options = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    return x_shape, w_shape, bias, options


@st.composite
def pool_configs(draw, dilation: bool):
    """kernel 1-5 (non-square too), stride 1-3 or None, padding up to half the kernel,
    dilation 1-3 (max pool only), ceil_mode both ways, odd and even input sizes."""
    kernel = (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    dil = (draw(st.integers(1, 3)), draw(st.integers(1, 3))) if dilation else (1, 1)
    spans = [d * (f - 1) + 1 for f, d in zip(kernel, dil)]
    padding = tuple(draw(st.integers(0, f // 2)) for f in kernel)
    stride = draw(st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    size = [max(1, span - 2 * p) + draw(st.integers(0, 4)) for span, p in zip(spans, padding)]
    shape = (draw(st.integers(1, 3)), draw(st.integers(1, 3)), *size)
    options = dict(
        kernel_size=kernel, stride=stride, padding=padding, ceil_mode=draw(st.booleans())
    )
    if dilation:
        options["dilation"] = dil
        # Skip windows whose dilated taps all fall in the padding: PyTorch then returns an
        # index outside the plane (and backward writes into the next one); hubel refuses.
        assume(
            all(
                sees_the_image(
                    size[a],
                    kernel[a],
                    (stride or kernel)[a],
                    padding[a],
                    dil[a],
                    options["ceil_mode"],
                )
                for a in (0, 1)
            )
        )
    return shape, options


def sees_the_image(size, kernel, stride, pad, dilation, ceil_mode) -> bool:
    span = dilation * (kernel - 1) + 1
    numerator = size + 2 * pad - span
    out = (-(-numerator // stride) if ceil_mode else numerator // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return all(
        any(0 <= o * stride - pad + t * dilation < size for t in range(kernel)) for o in range(out)
    )


def ties(shape, seed=0):
    """Small integers: many windows hold their max more than once."""
    return [np.random.default_rng(seed).integers(-2, 3, shape).astype(np.float64)]
