"""Topics ``macs`` and ``separable``: the cost of a layer in multiply-accumulates.

    conv:      F·F·(C_in/groups)·K·H_out·W_out      (depthwise: groups = C_in = K)
    pointwise: C_in·K·H_out·W_out                   (a 1x1 conv)
    linear:    in·out
    separable / standard = 1/N + 1/D_K²              (MobileNet)

Answers come from :func:`hubel.analysis.conv2d_cost`, :func:`~hubel.analysis.linear_macs` and
:func:`~hubel.analysis.depthwise_separable_cost`, with their worked steps.
"""

from hubel.analysis import conv2d_cost, depthwise_separable_cost, linear_macs
from hubel.quiz.dice import Dice
from hubel.quiz.question import INTEGER, NUMBER, Question
from hubel.quiz.topic import Topic
from hubel.quiz.wording import conv_call, shape_text

MAPS = (
    (56, 56, 64),
    (28, 28, 128),
    (14, 14, 256),
    (32, 32, 3),
    (32, 32, 16),
    (112, 112, 32),
    (7, 7, 512),
    (28, 28, 6),
    (16, 16, 64),
    (8, 8, 128),
)
FILTERS = (16, 32, 64, 128, 256)


def _conv_kind(dice: Dice, level: int) -> str:
    kinds = ("standard", "pointwise") if level == 1 else ("standard", "depthwise", "pointwise")
    return dice.choice(kinds)


def _conv(dice: Dice, level: int) -> Question:
    """A standard, depthwise or pointwise conv; 'same' padding below hard, any stride above easy."""
    height, width, channels = dice.choice(MAPS)
    kind = _conv_kind(dice, level)
    kernel = 1 if kind == "pointwise" else dice.choice((3, 5) if level < 3 else (3, 5, 7))
    filters = channels if kind == "depthwise" else dice.choice(FILTERS)
    groups = channels if kind == "depthwise" else 1
    stride = 1 if level == 1 or height % 2 else dice.choice((1, 2))
    padding = kernel // 2 if level < 3 else dice.integer(0, kernel // 2)
    cost = conv2d_cost(
        (height, width, channels), filters, kernel, stride, padding, groups=groups, bias=False
    )
    layer = conv_call(channels, filters, kernel, stride, padding, groups=groups, bias=False)
    name = {"standard": "a", "depthwise": "the depthwise", "pointwise": "the pointwise (1x1)"}[kind]
    prompt = (
        f"How many multiply-accumulates (MACs) does {name} convolution {layer} need for one "
        f"{shape_text((height, width, channels))} input?"
    )
    problem = dict(
        layer="Conv2d",
        input=(channels, height, width),
        out_channels=filters,
        kernel_size=kernel,
        stride=stride,
        padding=padding,
        groups=groups,
    )
    # the output size first, then the MACs: the parameter line is not asked for
    steps = tuple(step for step in cost.steps if not step.startswith("params"))
    formula = "MACs = F·F·(C_in/groups)·K·H_out·W_out"
    return Question(prompt, INTEGER, cost.macs, formula, steps, problem=problem)


def _linear(dice: Dice, level: int) -> Question:
    in_features = dice.choice((84, 120, 400, 512, 1024, 3072, 4096, 9216))
    out_features = dice.choice((10, 84, 120, 256, 1000, 4096))
    answer = linear_macs(in_features, out_features)
    prompt = (
        f"How many multiply-accumulates (MACs) does Linear({in_features}, {out_features}) need "
        "for one input vector?"
    )
    problem = dict(layer="Linear", in_features=in_features, out_features=out_features)
    return Question(prompt, INTEGER, answer.value, answer.formula, answer.steps, problem=problem)


def generate_macs(dice: Dice, level: int) -> Question:
    """A convolution (standard, depthwise or pointwise) three times in four, else a Linear."""
    return _linear(dice, level) if dice.chance(0.25) else _conv(dice, level)


def generate_separable(dice: Dice, level: int) -> Question:
    """MobileNet's trade: a depthwise 3x3 plus a pointwise 1x1 instead of a standard 3x3."""
    height, width, channels = dice.choice(MAPS)
    filters = dice.choice(FILTERS)
    kernel = 3 if level < 3 else dice.choice((3, 5))
    cost = depthwise_separable_cost((height, width, channels), filters, kernel)
    setting = (
        f"A standard {kernel}x{kernel} convolution from {channels} to {filters} channels "
        f"('same' padding, stride 1, no bias) on a {shape_text((height, width, channels))} "
        f"input is replaced by a depthwise {kernel}x{kernel} convolution followed by a "
        f"pointwise 1x1 convolution (MobileNet)."
    )
    problem = dict(input=(channels, height, width), out_channels=filters, kernel_size=kernel)
    formula = "standard D_K·D_K·M·N·D_F·D_F; separable D_K·D_K·M·D_F·D_F + M·N·D_F·D_F"
    ask = dice.choice(("macs", "ratio") if level < 3 else ("macs", "ratio", "params"))
    if ask == "macs":
        return Question(
            f"{setting} How many MACs does the separable pair need?",
            INTEGER,
            cost.separable_macs,
            formula,
            cost.steps[:5],
            problem={**problem, "ask": ask},
        )
    if ask == "params":
        depthwise, pointwise = cost.depthwise.params, cost.pointwise.params
        steps = (
            f"depthwise = D_K·D_K·M = {kernel}·{kernel}·{channels} = {depthwise:,}",
            f"pointwise = M·N = {channels}·{filters} = {pointwise:,}",
            f"separable = {depthwise:,} + {pointwise:,} = {cost.separable_params:,}",
        )
        return Question(
            f"{setting} How many weights does the separable pair have?",
            INTEGER,
            cost.separable_params,
            "params = D_K·D_K·M + M·N",
            steps,
            problem={**problem, "ask": ask},
        )
    return Question(
        f"{setting} What fraction of the standard convolution's MACs does the "
        "separable pair need (separable / standard)?",
        NUMBER,
        cost.ratio,
        "separable / standard = 1/N + 1/D_K²",
        cost.steps,
        tolerance=0.001,
        problem={**problem, "ask": ask},
    )


MACS = Topic(
    "macs",
    "MACs of conv, depthwise, pointwise and linear layers",
    "MACs = F·F·(C_in/groups)·K·H_out·W_out (output size first), linear in·out; "
    "try `hubel calc conv --groups`",
    generate_macs,
)
SEPARABLE = Topic(
    "separable",
    "standard vs depthwise separable convolution: MACs, weights and savings",
    "depthwise D_K·D_K·M·D_F², pointwise M·N·D_F², ratio 1/N + 1/D_K²; try `hubel calc depthwise`",
    generate_separable,
)
