"""The two checks every op goes through.

``gradcheck``: analytic gradients against central differences, in float64.
``assert_matches_torch``: forward value, dtype, shape and every input gradient against PyTorch,
with a random upstream gradient, in float64 (tight) and float32 (loose), plus the gradcheck.
"""

from __future__ import annotations

import numpy as np
import torch

import hubel as hb


def _as_list(out):
    return list(out) if isinstance(out, tuple | list) else [out]


def numeric_gradients(fn, arrays, upstream, eps=1e-6):
    """d<fn(x), upstream>/dx for each floating array, by central differences."""
    grads = []
    for base in arrays:
        if base.dtype.kind != "f":
            grads.append(None)
            continue
        grad = np.zeros_like(base)
        flat = base.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            values = []
            for delta in (eps, -eps):
                flat[i] = old + delta
                inputs = [hb.tensor(a) for a in arrays]
                outs = _as_list(fn(*inputs))
                values.append(
                    sum(float((o.detach().numpy() * u).sum()) for o, u in zip(outs, upstream))
                )
            flat[i] = old
            grad.reshape(-1)[i] = (values[0] - values[1]) / (2 * eps)
        grads.append(grad)
    return grads


def gradcheck(fn, arrays, *, eps=1e-6, atol=1e-6, rtol=1e-5, seed=0, upstream=None):
    """Compare hubel's backward of ``fn`` with central differences at float64 ``arrays``."""
    rng = np.random.default_rng(seed)
    arrays = [
        np.array(a, dtype=np.float64) if np.asarray(a).dtype.kind == "f" else np.asarray(a)
        for a in arrays
    ]
    tensors = [hb.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    outs = _as_list(fn(*tensors))
    if upstream is None:
        upstream = [rng.standard_normal(o.shape) for o in outs]
    total = None
    for o, u in zip(outs, upstream):
        term = (o * hb.tensor(u)).sum()
        total = term if total is None else total + term
    total.backward()
    numeric = numeric_gradients(fn, [a.copy() for a in arrays], upstream, eps)
    for k, (t, num) in enumerate(zip(tensors, numeric)):
        if num is None:
            continue
        assert t.grad is not None, f"input {k}: no gradient reached it"
        np.testing.assert_allclose(
            t.grad.numpy(), num, atol=atol, rtol=rtol, err_msg=f"gradcheck: input {k}"
        )


def random_inputs(shapes, dtype=np.float64, seed=0, low=None, high=None):
    rng = np.random.default_rng(seed)
    arrays = []
    for shape in shapes:
        a = rng.standard_normal(shape) if low is None else rng.uniform(low, high, size=shape)
        arrays.append(a.astype(dtype))
    return arrays


def assert_matches_torch(
    hb_fn,
    torch_fn,
    shapes=None,
    inputs=None,
    *,
    atol=1e-10,
    rtol=1e-8,
    atol32=1e-5,
    rtol32=1e-4,
    check_gradcheck=True,
    gc_atol=1e-6,
    gc_rtol=1e-5,
    low=None,
    high=None,
    seed=0,
):
    """Run ``hb_fn`` and ``torch_fn`` on the same inputs; compare outputs and all gradients.

    ``inputs`` (arrays; integer arrays are passed through and get no gradient) or ``shapes``
    (standard normal, or uniform in [low, high]). Checked in float64 and float32, plus a
    float64 central-difference gradcheck of the hubel op.
    """
    base = inputs if inputs is not None else random_inputs(shapes, seed=seed, low=low, high=high)
    base = [np.asarray(a) for a in base]
    for dtype, a_tol, r_tol in ((np.float64, atol, rtol), (np.float32, atol32, rtol32)):
        arrays = [a.astype(dtype) if a.dtype.kind == "f" else a for a in base]
        hb_in = [hb.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
        th_in = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
        hb_out = _as_list(hb_fn(*hb_in))
        th_out = _as_list(torch_fn(*th_in))
        assert len(hb_out) == len(th_out)
        rng = np.random.default_rng(seed + 1)
        upstream = [rng.standard_normal(o.shape).astype(dtype) for o in hb_out]
        for k, (h, t) in enumerate(zip(hb_out, th_out)):
            assert tuple(h.shape) == tuple(t.shape), f"output {k}: shape {h.shape} vs {t.shape}"
            assert str(h.dtype) == str(t.dtype).replace("torch.", ""), (
                f"output {k}: dtype {h.dtype} vs {t.dtype}"
            )
            np.testing.assert_allclose(
                h.detach().numpy(),
                t.detach().numpy(),
                atol=a_tol,
                rtol=r_tol,
                err_msg=f"{dtype.__name__} forward output {k}",
            )
        differentiable = [
            (h, t, u)
            for h, t, u in zip(hb_out, th_out, upstream)
            if h.requires_grad and t.requires_grad
        ]
        if not differentiable:
            continue
        sum(
            ((h * hb.tensor(u)).sum() for h, _, u in differentiable[1:]),
            (differentiable[0][0] * hb.tensor(differentiable[0][2])).sum(),
        ).backward()
        torch.autograd.backward(
            [t for _, t, _ in differentiable], [torch.tensor(u) for _, _, u in differentiable]
        )
        for k, (h, t) in enumerate(zip(hb_in, th_in)):
            if not t.requires_grad:
                continue
            if t.grad is None:
                assert h.grad is None or not np.any(h.grad.numpy()), f"input {k}: spurious grad"
                continue
            assert h.grad is not None, f"{dtype.__name__} input {k}: hubel computed no gradient"
            assert h.grad.dtype == h.dtype, f"input {k}: grad dtype {h.grad.dtype} != {h.dtype}"
            np.testing.assert_allclose(
                h.grad.numpy(),
                t.grad.numpy(),
                atol=a_tol,
                rtol=r_tol,
                err_msg=f"{dtype.__name__} gradient of input {k}",
            )
    if check_gradcheck:
        gradcheck(hb_fn, base, atol=gc_atol, rtol=gc_rtol, seed=seed)


def copy_state_to_torch(hb_module, torch_module) -> None:
    """Copy a hubel module's state_dict into the PyTorch twin by key (shapes must agree)."""
    state = {k: torch.tensor(np.asarray(v)) for k, v in hb_module.state_dict().items()}
    torch_module.load_state_dict(state)
