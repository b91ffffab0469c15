"""Shapes written the course's way: a feature map is ``HxWxC`` (``32x32x3``), a vector is ``N``.

Note the order: the course (and these calculators) write height x width x channels, while
PyTorch tensors are ``(N, C, H, W)``. Shapes here are tuples ``(H, W, C)`` or ``(N,)``.
"""

from hubel.analysis.validate import Pair, check_int

Shape = tuple[int, ...]


def _numbers(text: str, name: str, expected: str) -> list[int]:
    parts = text.strip().lower().replace("×", "x").split("x")
    if not all(part.strip().isdigit() for part in parts):
        raise ValueError(f"{name}: expected {expected}, got {text!r}")
    return [int(part) for part in parts]


def parse_shape(text: str, name: str = "input") -> Shape:
    """``'32x32x3'`` → ``(32, 32, 3)`` (height, width, channels); ``'3072'`` → ``(3072,)``."""
    if not isinstance(text, str):
        raise TypeError(f"{name}: expected a string like '32x32x3', got {text!r}")
    expected = "'HxWxC' like '32x32x3', or 'N' like '3072' for a vector"
    numbers = _numbers(text, name, expected)
    if len(numbers) not in (1, 3):
        raise ValueError(f"{name}: expected {expected}, got {text!r}")
    return as_shape(tuple(numbers), name)


def as_shape(shape: str | Shape, name: str = "input_shape") -> Shape:
    """A validated ``(H, W, C)`` or ``(N,)`` tuple, parsing strings like ``'32x32x3'``."""
    if isinstance(shape, str):
        return parse_shape(shape, name)
    if not isinstance(shape, tuple | list) or len(shape) not in (1, 3):
        raise TypeError(
            f"{name}: expected (H, W, C), (N,) or a string like '32x32x3', got {shape!r}"
        )
    try:
        return tuple(check_int(name, size) for size in shape)
    except (TypeError, ValueError) as error:
        raise type(error)(f"{name}: expected positive int sizes, got {shape!r}") from None


def as_feature_map(shape: str | Shape, name: str = "input_shape") -> tuple[int, int, int]:
    """A validated ``(H, W, C)``; a vector is refused with a message saying so."""
    shape = as_shape(shape, name)
    if len(shape) != 3:
        raise ValueError(f"{name}: expected a feature map HxWxC, got a vector of {shape[0]}")
    return shape


def parse_size(text: str, name: str = "kernel_size") -> int | Pair:
    """``'3'`` → ``3``, ``'3x5'`` → ``(3, 5)`` (height x width), for kernel, stride, padding..."""
    numbers = _numbers(str(text), name, "'N' or 'HxW' like '3' or '3x5'")
    if len(numbers) == 1:
        return numbers[0]
    if len(numbers) == 2:
        return numbers[0], numbers[1]
    raise ValueError(f"{name}: expected 'N' or 'HxW' like '3' or '3x5', got {text!r}")


def format_shape(shape: Shape) -> str:
    """``(28, 28, 6)`` → ``'28x28x6'``; ``(400,)`` → ``'400'``."""
    return "x".join(str(size) for size in shape)
