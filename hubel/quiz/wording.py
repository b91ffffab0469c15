"""How the questions write layers and numbers: PyTorch's calls, the course's shapes.

A layer is written as the PyTorch call that builds it, with only the arguments that differ
from the defaults, so the question is exact and can be typed into Python as it stands:
``Conv2d(3, 16, kernel_size=5, padding=2)``.
"""

from hubel.analysis.shapes import format_shape


def conv_call(
    in_channels: int,
    out_channels: int,
    kernel_size: int,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    groups: int = 1,
    bias: bool = True,
) -> str:
    """``Conv2d(3, 16, kernel_size=5, stride=2)``: defaults (stride 1, padding 0...) left out."""
    arguments = [str(in_channels), str(out_channels), f"kernel_size={kernel_size}"]
    for name, value, default in (
        ("stride", stride, 1),
        ("padding", padding, 0),
        ("dilation", dilation, 1),
        ("groups", groups, 1),
        ("bias", bias, True),
    ):
        if value != default:
            arguments.append(f"{name}={value}")
    return f"Conv2d({', '.join(arguments)})"


def pool_call(
    name: str, kernel_size: int, stride: int | None = None, padding: int = 0, ceil_mode=False
) -> str:
    """``MaxPool2d(kernel_size=3, stride=2)``; stride left out when it is the kernel size."""
    arguments = [f"kernel_size={kernel_size}"]
    if stride is not None and stride != kernel_size:
        arguments.append(f"stride={stride}")
    if padding:
        arguments.append(f"padding={padding}")
    if ceil_mode:
        arguments.append("ceil_mode=True")
    return f"{name}({', '.join(arguments)})"


def channels_first(shape: tuple[int, ...]) -> tuple[int, ...]:
    """A feature map ``(H, W, C)``, as the calculators take it, in PyTorch's order ``(C, H, W)``,
    the order every hubel command writes; a vector ``(N,)`` as it is."""
    if len(shape) != 3:
        return tuple(shape)
    height, width, channels = shape
    return channels, height, width


def shape_text(shape: tuple[int, ...]) -> str:
    """A feature map ``(H, W, C)`` written channels first: ``(32, 32, 3)`` → ``3x32x32``."""
    return format_shape(channels_first(shape))


def number_text(value: float) -> str:
    """A given number as short as it is exact: ``0.5``, ``-1.25``, ``3`` (not ``3.0``)."""
    return f"{value:g}"


def operand_text(value: float) -> str:
    """A number inside a formula: negatives in parentheses, ``(0.3 - (-0.5))``."""
    text = number_text(value)
    return f"({text})" if value < 0 else text


def decimal_text(value: float, places: int) -> str:
    """``value`` rounded to ``places`` decimals, trailing zeros dropped: ``0.08500`` → ``0.085``."""
    text = f"{value:.{places}f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text == "-0" else text
