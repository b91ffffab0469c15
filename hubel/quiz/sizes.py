"""Topic ``output-size``: the output size of convolution and pooling layers.

    W_out = floor((W_in - F + 2P) / S) + 1,   F → D·(F - 1) + 1 with dilation D.

Answers come from :func:`hubel.analysis.conv_output_size` and
:func:`hubel.analysis.pool_output_size`, with their worked steps.
"""

from hubel.analysis import conv_output_size, pool_output_size
from hubel.quiz.dice import Dice
from hubel.quiz.question import INTEGER, SHAPE, Question
from hubel.quiz.topic import Topic
from hubel.quiz.wording import conv_call, pool_call, shape_text

# input sizes seen in the course: digits, CIFAR, MNIST, ImageNet crops, feature maps
SIZES = (8, 12, 14, 16, 24, 27, 28, 32, 48, 55, 56, 64, 112, 224, 227)
CHANNELS = (1, 3, 6, 16, 32, 64)
FILTERS = (6, 8, 16, 32, 64, 96, 128)


def _fits(size: int, kernel: int, stride: int, padding: int, dilation: int, exact: bool) -> bool:
    room = size + 2 * padding - dilation * (kernel - 1) - 1
    return room >= 0 and (room % stride == 0) == exact


def _conv_numbers(dice: Dice, level: int) -> tuple[int, int, int, int, int]:
    """(size, kernel, stride, padding, dilation): well posed for the level."""
    while True:
        size = dice.choice(SIZES)
        if level == 1:
            kernel = dice.choice((3, 5))
            stride, padding, dilation = 1, dice.choice((0, kernel // 2)), 1
        elif level == 2:
            kernel = dice.choice((1, 3, 5, 7, 11))
            stride = 4 if kernel == 11 else dice.choice((1, 2))
            padding, dilation = dice.integer(0, kernel // 2), 1
        else:
            kernel = dice.choice((3, 5, 7))
            stride, dilation = dice.choice((1, 2, 3)), dice.integer(1, 3)
            padding = dice.integer(0, dilation * (kernel // 2))  # at most 'same' padding
        # hard questions may floor: that is the point of asking them
        exact = level < 3 or dice.chance(0.5)
        if _fits(size, kernel, stride, padding, dilation, exact):
            return size, kernel, stride, padding, dilation


def conv_question(dice: Dice, level: int) -> Question:
    """The output width or the whole output shape of a Conv2d."""
    size, kernel, stride, padding, dilation = _conv_numbers(dice, level)
    channels, filters = dice.choice(CHANNELS), dice.choice(FILTERS)
    answer = conv_output_size((size, size), kernel, stride, padding, dilation)
    layer = conv_call(channels, filters, kernel, stride, padding, dilation)
    problem = dict(
        layer="Conv2d",
        input=(channels, size, size),
        out_channels=filters,
        kernel_size=kernel,
        stride=stride,
        padding=padding,
        dilation=dilation,
    )
    intro = f"{layer} takes a {shape_text((size, size, channels))} input (C x H x W)."
    if level > 1 and dice.chance(0.5):
        output = (filters, *answer.value)
        steps = (*answer.steps, f"C_out = K = {filters} (one output channel per filter)")
        return Question(
            f"{intro} What is the output shape?",
            SHAPE,
            output,
            answer.formula,
            steps,
            problem=problem,
        )
    return Question(
        f"{intro} What is the output width W_out?",
        INTEGER,
        answer.value[1],
        answer.formula,
        answer.steps,
        problem=problem,
    )


def _pool_numbers(dice: Dice, level: int) -> tuple[int, int, int, int, bool]:
    """(size, kernel, stride, padding, ceil_mode)."""
    while True:
        size = dice.choice(SIZES)
        ceil_mode = False
        if level == 1:
            kernel, stride, padding = 2, 2, 0
        elif level == 2:
            kernel, stride = dice.choice(((2, 2), (3, 2), (3, 3), (4, 4)))
            padding = dice.integer(0, kernel // 2)
        else:
            kernel, stride = dice.choice(((2, 2), (3, 2), (3, 3), (5, 2), (2, 1)))
            padding, ceil_mode = dice.integer(0, kernel // 2), dice.chance(0.3)
        exact = level < 3 or dice.chance(0.5)
        if _fits(size, kernel, stride, padding, 1, exact):
            return size, kernel, stride, padding, ceil_mode


def pool_question(dice: Dice, level: int) -> Question:
    """The output shape of a max or average pooling: channels unchanged."""
    size, kernel, stride, padding, ceil_mode = _pool_numbers(dice, level)
    channels = dice.choice(CHANNELS)
    name = dice.choice(("MaxPool2d", "AvgPool2d")) if level > 1 else "MaxPool2d"
    answer = pool_output_size((size, size), kernel, stride, padding, ceil_mode=ceil_mode)
    layer = pool_call(name, kernel, stride, padding, ceil_mode)
    intro = f"{layer} takes a {shape_text((size, size, channels))} input (C x H x W)."
    problem = dict(
        layer=name,
        input=(channels, size, size),
        kernel_size=kernel,
        stride=stride,
        padding=padding,
        ceil_mode=ceil_mode,
    )
    steps = (*answer.steps, f"C_out = C_in = {channels} (pooling works on each channel alone)")
    return Question(
        f"{intro} What is the output shape?",
        SHAPE,
        (channels, *answer.value),
        answer.formula,
        steps,
        problem=problem,
    )


def generate(dice: Dice, level: int) -> Question:
    """A convolution (two times in three) or a pooling."""
    return pool_question(dice, level) if dice.chance(1 / 3) else conv_question(dice, level)


TOPIC = Topic(
    "output-size",
    "output size of conv and pooling layers (stride, padding, dilation)",
    "W_out = floor((W_in - F + 2P) / S) + 1, with F → D·(F - 1) + 1 when dilated; "
    "try `hubel calc conv` and `hubel calc pool`",
    generate,
)
