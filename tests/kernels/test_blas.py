"""Direct BLAS calls (hubel/kernels/blas.py): products on views with leading dimensions,
accumulation, transposes, and the checks that keep a bad call from reaching the library."""

import numpy as np
import pytest

from hubel.kernels import blas

pytestmark = pytest.mark.skipif(
    not blas.usable(np.zeros((1, 1))), reason="no OpenBLAS with a CBLAS interface loaded"
)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("trans_a", [False, True])
@pytest.mark.parametrize("trans_b", [False, True])
def test_gemm_on_bands_and_column_blocks_matches_numpy(dtype, trans_a, trans_b):
    """Operands are slices of larger arrays (row distance > row length), the output a block of
    columns; accumulate adds onto what is there and leaves every other cell alone."""
    rng = np.random.default_rng(0)
    big_a, big_b = rng.standard_normal((9, 11)).astype(dtype), rng.standard_normal((8, 12))
    big_b = big_b.astype(dtype)
    a = big_a[2:7, 1:5] if not trans_a else big_a[1:5, 3:8]  # op(a): 5 x 4
    b = big_b[1:5, 2:8] if not trans_b else big_b[0:6, 4:8]  # op(b): 4 x 6
    expected = (a.T if trans_a else a) @ (b.T if trans_b else b)
    canvas = rng.standard_normal((7, 10)).astype(dtype)
    before = canvas.copy()
    out = canvas[1:6, 3:9]
    blas.gemm(a, b, out, trans_a=trans_a, trans_b=trans_b)
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out, expected, rtol=tolerance, atol=tolerance)
    blas.gemm(a, b, out, trans_a=trans_a, trans_b=trans_b, accumulate=True)
    np.testing.assert_allclose(out, 2 * expected, rtol=tolerance, atol=tolerance)
    outside = np.ones(canvas.shape, dtype=bool)
    outside[1:6, 3:9] = False
    np.testing.assert_array_equal(canvas[outside], before[outside])


def test_gemm_single_row_and_empty_products():
    a = np.arange(3.0)[None, :]  # one row with a zero row stride
    b = np.arange(6.0).reshape(3, 2)
    out = np.empty((1, 2))
    blas.gemm(a, b, out)
    np.testing.assert_array_equal(out, a @ b)
    out = np.full((2, 3), 7.0)
    blas.gemm(np.empty((2, 0)), np.empty((0, 3)), out)  # an inner size of 0 gives zeros
    np.testing.assert_array_equal(out, np.zeros((2, 3)))


def test_usable_only_for_float_numpy_arrays_of_one_dtype():
    f32, f64 = np.zeros((2, 2), np.float32), np.zeros((2, 2))
    assert blas.usable(f32, f32) and blas.usable(f64, f64)
    assert not blas.usable(f32, f64)
    assert not blas.usable(np.zeros((2, 2), np.int64))
    assert not blas.usable(np.zeros((2, 2), np.float16))
    assert not blas.usable(np.zeros((2, 2), ">f8"))  # byte-swapped
    assert not blas.usable([[1.0]])


@pytest.mark.parametrize(
    "a, b, out, message",
    [
        (
            np.zeros((2, 3)),
            np.zeros((4, 2)),
            np.zeros((2, 2)),
            r"op\(a\) \(2, 3\) @ op\(b\) \(4, 2\)",
        ),
        (np.zeros((2, 3)), np.zeros((3, 2)), np.zeros((3, 2)), r"does not give out \(3, 2\)"),
        (np.zeros((3, 2)).T, np.zeros((3, 2)), np.zeros((2, 2)), r"a must have contiguous rows"),
        (np.zeros((2, 3)), np.zeros((3, 2)), np.zeros((2, 4))[:, ::2], r"out must have contiguous"),
        (np.zeros(3), np.zeros((3, 2)), np.zeros((1, 2)), r"a must be 2-D"),
    ],
)
def test_gemm_refuses_mismatched_shapes_and_strided_rows(a, b, out, message):
    with pytest.raises(ValueError, match=message):
        blas.gemm(a, b, out)


def test_gemm_refuses_overlapping_rows_and_read_only_output():
    flat = np.zeros(10)
    overlapping = np.lib.stride_tricks.as_strided(flat, (4, 3), (8, 8))  # rows share cells
    with pytest.raises(ValueError, match=r"a must have contiguous rows that do not overlap"):
        blas.gemm(overlapping, np.zeros((3, 2)), np.zeros((4, 2)))
    out = np.zeros((2, 2))
    out.flags.writeable = False
    with pytest.raises(ValueError, match="out must be writeable"):
        blas.gemm(np.zeros((2, 3)), np.zeros((3, 2)), out)


def test_gemm_refuses_arrays_it_cannot_take():
    with pytest.raises(TypeError, match="float32/float64 NumPy arrays of one dtype"):
        blas.gemm(np.zeros((2, 2), np.float32), np.zeros((2, 2)), np.zeros((2, 2)))


def test_the_thread_functions_come_from_the_same_library():
    assert blas.symbol("openblas_get_num_threads") is not None
    assert blas.symbol("no_such_function") is None
