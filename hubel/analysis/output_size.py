"""Output size of a sliding window (a convolution or a pooling), with the worked steps.

The course's formula, for one spatial dimension of width W_in, kernel size F, stride S and
padding P on each side:

    W_out = floor((W_in - F + 2P) / S) + 1

- Dilation D spaces the kernel's taps D apart, so the kernel spans F_eff = D·(F - 1) + 1
  inputs, and F_eff takes F's place.
- Different padding on each side (left, right): 2P becomes P_left + P_right.
- ceil_mode (pooling) rounds up instead of down, so a partial last window still counts;
  but, as in PyTorch, a last window that would start past the input and its left padding
  (so it would see only right padding) is dropped.
- An output below 1 means the kernel does not fit. The ValueError shows the formula with the
  numbers, so a layer can tell its user exactly why the input is too small.

The dimensions follow ``size``: an int is one dimension (the course's W), an ``(H, W)`` pair is
two, and then kernel_size, stride, padding and dilation may each be an int or an ``(h, w)`` pair.
"""

from dataclasses import dataclass, replace

from hubel.analysis.answer import Answer, fmt, fmt_decimal
from hubel.analysis.validate import Pair, check_bool, check_int, check_padding, check_pair
from hubel.geometry import output_size, same_padding, span

AXIS_NAMES = {"H": "height", "W": "width"}
Size = int | Pair


@dataclass(frozen=True)
class _Window:
    """The numbers of one spatial dimension, ``axis`` "H" or "W"."""

    axis: str
    size: int
    kernel: int
    stride: int
    padding: Pair  # (before, after)
    dilation: int
    ceil_mode: bool

    @property
    def effective_kernel(self) -> int:
        return span(self.kernel, self.dilation)

    @property
    def numerator(self) -> int:
        # the room the window has to slide in: the padded input minus one window
        return self.size + sum(self.padding) - self.effective_kernel

    @property
    def rounding(self) -> str:
        return "ceil" if self.ceil_mode else "floor"

    @property
    def quotient(self) -> int:
        if self.ceil_mode:
            return -(-self.numerator // self.stride)
        return self.numerator // self.stride  # Python's // is floor, also below zero

    @property
    def output(self) -> int:
        return output_size(
            self.size, self.kernel, self.stride, self.padding, self.dilation, self.ceil_mode
        )

    @property
    def last_window_dropped(self) -> bool:
        # PyTorch's rule (hubel.geometry): in ceil_mode the last window must start inside the
        # input or the left padding; one that would start in the right padding is not counted
        return self.output != self.quotient + 1

    def padding_text(self) -> str:
        before, after = self.padding
        return f"2·{fmt(before)}" if before == after else f"{fmt(before)} + {fmt(after)}"

    def steps(self, out_label: str, kernel_label: str) -> list[str]:
        """The worked lines, e.g. ``W_out = floor((224 - 7 + 2·3) / 2) + 1 = 112 (...)``."""
        steps = []
        if self.dilation != 1:
            steps.append(
                f"{kernel_label} = D·(F - 1) + 1 = {self.dilation}·({fmt(self.kernel)} - 1) + 1"
                f" = {fmt(self.effective_kernel)}"
            )
        line = (
            f"{out_label} = {self.rounding}(({fmt(self.size)} - {fmt(self.effective_kernel)}"
            f" + {self.padding_text()}) / {self.stride}) + 1 = {fmt(self.quotient + 1)}"
        )
        if self.numerator % self.stride:
            exact = fmt_decimal(self.numerator / self.stride)
            line += f" (not exact: {exact} → {self.rounding} {fmt(self.quotient)})"
        steps.append(line)
        if self.last_window_dropped:
            steps.append(
                f"ceil_mode: the last window would start at ({fmt(self.quotient + 1)} - 1)·"
                f"{self.stride} = {fmt(self.quotient * self.stride)} ≥ {fmt(self.size)} + "
                f"{self.padding[0]} (past the input and its left padding), so PyTorch drops it:"
                f" {out_label} = {fmt(self.output)}"
            )
        return steps

    def too_small_text(self) -> str:
        """``input width 3 gives output width (3 - 5 + 0)/1 + 1 = -1 < 1``."""
        name = AXIS_NAMES[self.axis]
        before, after = self.padding
        padding = fmt(before + after) if before == after else f"{before} + {after}"
        division = f"({fmt(self.size)} - {fmt(self.effective_kernel)} + {padding})/{self.stride}"
        if self.numerator % self.stride:
            division = f"{self.rounding}({division})"
        size, output = fmt(self.size), self.output
        text = f"input {name} {size} gives output {name} {division} + 1 = {output} < 1"
        if self.dilation != 1:
            dilated = f"{self.dilation}·({self.kernel} - 1) + 1 = {self.effective_kernel}"
            text += f" (dilated kernel {dilated})"
        return text


def _windows(size, kernel_size, stride, padding, dilation, ceil_mode) -> list[_Window]:
    """Validate the arguments and split them into one _Window per spatial dimension."""
    check_bool("ceil_mode", ceil_mode)
    two_dimensional = isinstance(size, tuple | list)
    if two_dimensional:
        sizes = check_pair("size", size)
        kernels = check_pair("kernel_size", kernel_size)
        strides = check_pair("stride", stride)
        dilations = check_pair("dilation", dilation)
        axes = ("H", "W")
    else:
        for name, value in (
            ("kernel_size", kernel_size),
            ("stride", stride),
            ("dilation", dilation),
        ):
            if isinstance(value, tuple | list):
                raise TypeError(
                    f"{name}: the pair {value!r} needs size given as a pair (H, W) too, "
                    f"got size={size!r}"
                )
        sizes = (check_int("size", size),)
        kernels = (check_int("kernel_size", kernel_size),)
        strides = (check_int("stride", stride),)
        dilations = (check_int("dilation", dilation),)
        axes = ("W",)
    if isinstance(padding, str):
        paddings = _named_padding(padding, kernels, strides, dilations)
    else:
        paddings = check_padding(padding, two_dimensional)
    return [
        _Window(axis, *numbers, ceil_mode)
        for axis, *numbers in zip(axes, sizes, kernels, strides, paddings, dilations, strict=True)
    ]


def _named_padding(padding: str, kernels, strides, dilations) -> tuple[Pair, ...]:
    """PyTorch's ``padding='valid'`` (none) and ``'same'`` (output size = input size)."""
    if padding == "valid":
        return tuple((0, 0) for _ in kernels)
    if padding == "same":
        if any(stride != 1 for stride in strides):
            shown = strides[0] if len(strides) == 1 else strides
            raise ValueError(f"padding: 'same' needs stride 1, as in PyTorch; got stride={shown}")
        return tuple(same_padding(kernel, dilation) for kernel, dilation in zip(kernels, dilations))
    raise ValueError(f"padding: expected an int, a pair, 'same' or 'valid', got {padding!r}")


def _layer_text(layer_name, kernel_size, stride, padding, dilation, ceil_mode) -> str:
    """``Conv2d(kernel_size=5, stride=1, padding=0)``; dilation and ceil_mode only when set."""
    text = f"{layer_name}(kernel_size={kernel_size}, stride={stride}, padding={padding!r}"
    if dilation not in (1, (1, 1), [1, 1]):
        text += f", dilation={dilation}"
    if ceil_mode:
        text += ", ceil_mode=True"
    return text + ")"


def _window_output(layer_name, size, kernel_size, stride, padding, dilation, ceil_mode) -> Answer:
    if not isinstance(layer_name, str):
        raise TypeError(f"layer_name: expected a string like 'Conv2d', got {layer_name!r}")
    windows = _windows(size, kernel_size, stride, padding, dilation, ceil_mode)
    # width first: the course's W_1/W_2 is the dimension a learner reads first
    too_small = [window.too_small_text() for window in reversed(windows) if window.output < 1]
    if too_small:
        layer = _layer_text(layer_name, kernel_size, stride, padding, dilation, ceil_mode)
        raise ValueError(f"{layer}: {'; '.join(too_small)}")

    first = windows[0]
    kernel = "F_eff" if any(window.dilation != 1 for window in windows) else "F"
    symmetric = all(window.padding[0] == window.padding[1] for window in windows)
    padding = "2P" if symmetric else "P_left + P_right"
    formula = f"W_out = {first.rounding}((W_in - {kernel} + {padding}) / S) + 1"
    if len(windows) == 1:
        return Answer(first.output, formula, tuple(first.steps("W_out", "F_eff")))

    height, width = windows
    formula += ", and the same for H"
    if _same_numbers(height, width):
        steps = height.steps("H_out = W_out", "F_eff")
    else:
        steps = height.steps("H_out", "F_eff(H)") + width.steps("W_out", "F_eff(W)")
    return Answer((height.output, width.output), formula, tuple(steps))


def _same_numbers(height: _Window, width: _Window) -> bool:
    return replace(height, axis=width.axis) == width


def conv_output_size(
    size: Size,
    kernel_size: Size,
    stride: Size = 1,
    padding: int | tuple | str = 0,
    dilation: Size = 1,
    ceil_mode: bool = False,
    *,
    layer_name: str = "Conv2d",
) -> Answer[Size]:
    """Output size of a convolution: ``W_out = floor((W_in - D·(F - 1) - 1 + 2P) / S) + 1``.

    Args:
        size: the input width W_in (one dimension) or ``(H, W)``.
        kernel_size, stride, dilation: an int, or ``(h, w)`` when ``size`` is a pair.
        padding: an int (each side); ``(left, right)`` for one dimension; for two,
            ``(P_h, P_w)`` or ``((top, bottom), (left, right))``; or PyTorch's ``'valid'``
            (no padding) or ``'same'`` (stride 1; D·(F - 1) in all, the odd one on the right).
        ceil_mode: round up instead of down (PyTorch's pooling option, with its rule that the
            last window must start inside the input or the left padding).
        layer_name: names the layer in the error raised when the kernel does not fit.

    Returns:
        An :class:`Answer` whose value is an int for one dimension, ``(H_out, W_out)`` for two.

    Example:
        >>> print(conv_output_size(224, 7, stride=2, padding=3))
        W_out = floor((224 - 7 + 2·3) / 2) + 1 = 112 (not exact: 111.5 → floor 111)
    """
    return _window_output(layer_name, size, kernel_size, stride, padding, dilation, ceil_mode)


def pool_output_size(
    size: Size,
    kernel_size: Size,
    stride: Size | None = None,
    padding: int | tuple = 0,
    dilation: Size = 1,
    ceil_mode: bool = False,
    *,
    layer_name: str = "MaxPool2d",
) -> Answer[Size]:
    """Output size of a pooling: the same formula as :func:`conv_output_size`, plus PyTorch's rules.

    ``stride`` defaults to ``kernel_size`` (windows side by side), and each side's padding
    may be at most ``kernel_size // 2``. Pooling has no parameters.
    """
    if isinstance(padding, str):
        raise TypeError(f"padding: pooling takes an int or a pair (h, w), got {padding!r}")
    stride = kernel_size if stride is None else stride
    windows = _windows(size, kernel_size, stride, padding, dilation, ceil_mode)
    for window in windows:
        if max(window.padding) > window.kernel // 2:
            raise ValueError(
                f"padding: expected at most kernel_size // 2 = {window.kernel // 2} on each side "
                f"(PyTorch's pooling rule), got {padding!r}"
            )
    return _window_output(layer_name, size, kernel_size, stride, padding, dilation, ceil_mode)


def check_output_size(
    layer_name: str,
    size: Size,
    kernel_size: Size,
    stride: Size = 1,
    padding: int | tuple | str = 0,
    dilation: Size = 1,
    ceil_mode: bool = False,
) -> Size:
    """The output size for a layer's forward, or a ValueError that shows the formula.

    For layers to call on each input, e.g. ``check_output_size("Conv2d", (3, 3), 5)`` raises
    ``Conv2d(kernel_size=5, stride=1, padding=0): input width 3 gives output width
    (3 - 5 + 0)/1 + 1 = -1 < 1; input height 3 gives ...``.
    """
    return conv_output_size(
        size, kernel_size, stride, padding, dilation, ceil_mode, layer_name=layer_name
    ).value
