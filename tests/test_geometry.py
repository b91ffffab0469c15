"""The course's window geometry, once: the ops and the analyzer read the same formula."""

import pytest

from hubel.analysis import conv_output_size, pool_output_size
from hubel.geometry import Window, output_size, positive_int, same_padding


@pytest.mark.parametrize("size", [1, 4, 7, 32])
@pytest.mark.parametrize(
    "kernel, stride, padding, dilation",
    [(3, 1, 1, 1), (3, 2, 1, 1), (2, 2, 0, 1), (3, 2, 1, 2), (5, 3, 2, 1)],
)
@pytest.mark.parametrize("ceil_mode", [False, True])
def test_ops_and_analyzer_agree_on_the_output_size(
    size, kernel, stride, padding, dilation, ceil_mode
):
    expected = output_size(size, kernel, stride, (padding, padding), dilation, ceil_mode)
    if expected < 1:
        with pytest.raises(ValueError):
            conv_output_size(size, kernel, stride, padding, dilation, ceil_mode)
        return
    answer = conv_output_size(size, kernel, stride, padding, dilation, ceil_mode)
    assert answer.value == expected
    window = Window((kernel, kernel), (stride, stride), (padding,) * 4, (dilation, dilation))
    assert window.output_shape(size, size, "conv2d", ceil_mode) == (expected, expected)


def test_ceil_mode_drops_a_last_window_that_starts_in_the_right_padding():
    # (5 + 2 - 2)/2 = 2.5 → ceil 3 windows, but the third would start at 4·... past input + left pad
    assert output_size(5, 2, 2, (1, 1), 1, ceil_mode=True) == 3
    assert output_size(4, 2, 2, (1, 1), 1, ceil_mode=True) == 3
    assert output_size(3, 3, 2, (1, 1), 1, ceil_mode=True) == 2
    assert pool_output_size(3, 3, 2, 1, ceil_mode=True).value == 2


@pytest.mark.parametrize(
    "kernel, dilation, expected",
    [(3, 1, (1, 1)), (4, 1, (1, 2)), (4, 2, (3, 3)), (1, 1, (0, 0)), (2, 3, (1, 2))],
)
def test_same_padding_puts_the_odd_cell_after(kernel, dilation, expected):
    assert same_padding(kernel, dilation) == expected
    answer = conv_output_size(9, kernel, 1, "same", dilation)
    assert answer.value == 9


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2", None])
def test_positive_int_names_the_owner_and_the_argument(bad):
    with pytest.raises(ValueError, match=r"Conv2d: groups must be a positive int, got"):
        positive_int("Conv2d", "groups", bad)
    assert positive_int("Conv2d", "groups", 3) == 3


def test_fast_paths_still_refuse_what_the_checks_refuse():
    """``pair`` takes plain ints and int pairs without its full checks, and
    ``Window.output_shape`` remembers answers for int sizes: a bool (equal to 1 and hashed
    alike), a NumPy int or a list still goes through the checks, and a size that does not fit
    raises every time."""
    import numpy as np

    from hubel.errors import ShapeError
    from hubel.functional.conv import conv_window
    from hubel.geometry import pair

    window = conv_window(3, 1, 1, 1, "conv2d")
    for bad in (
        dict(stride=True),
        dict(kernel_size=(3, False)),
        dict(dilation=np.int64(0)),
        dict(stride=0),
        dict(kernel_size=(3, -1)),
        dict(padding=(1, 1, 1)),
    ):
        arguments = dict(kernel_size=3, stride=1, padding=1, dilation=1) | bad
        with pytest.raises(ValueError, match="must be"):
            conv_window(**arguments, owner="conv2d")
    assert pair(0, "padding", "conv2d", minimum=0) == (0, 0)
    assert conv_window([3, 3], [1, 1], [1, 1], [1, 1], "conv2d") == window
    assert conv_window(np.int64(3), 1, 1, 1, "conv2d") == window
    tight = Window((5, 5), (1, 1), (0, 0, 0, 0), (1, 1))
    for _ in range(2):
        with pytest.raises(ShapeError, match="input height 4 gives output height"):
            tight.output_shape(4, 9, "conv2d")
    assert tight.output_shape(9, 9, "conv2d") == (5, 5)
    assert tight.output_shape(np.int64(9), 9, "conv2d") == (5, 5)
