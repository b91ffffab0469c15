"""Topics ``params`` and ``mlp``: how many numbers a layer (or a whole MLP) learns.

    conv:   (F·F·C_in/groups + 1)·K       (no ``+ 1`` without bias)
    linear: in·out + out
    BN:     2·C trainable (γ, β); 2·C + 1 buffers (running mean, running var, batch count)

Answers come from :func:`hubel.analysis.conv_params`, :func:`~hubel.analysis.linear_params`,
:func:`~hubel.analysis.batchnorm_params` and, for a whole MLP, :func:`~hubel.analysis.calc_stack`.
"""

from hubel.analysis import batchnorm_params, calc_stack, conv_params, linear_params
from hubel.analysis.answer import fmt
from hubel.quiz.dice import Dice
from hubel.quiz.question import INTEGER, Question
from hubel.quiz.topic import Topic
from hubel.quiz.wording import conv_call

CHANNELS = (1, 3, 16, 32, 64, 128, 256)
FILTERS = (6, 16, 32, 64, 128, 256, 512)
FEATURES = (10, 84, 100, 120, 256, 400, 512, 784, 1024, 3072, 4096)


def _conv(dice: Dice, level: int) -> Question:
    channels, filters = dice.choice(CHANNELS), dice.choice(FILTERS)
    kernel = dice.choice((1, 3, 5, 7) if level > 1 else (3, 5))
    bias = level == 1 or dice.chance(0.5)
    groups = 1
    divisors = [g for g in (2, 4, channels) if g > 1 and channels % g == 0 and filters % g == 0]
    if level == 3 and divisors and dice.chance(0.4):
        groups = dice.choice(divisors)
    answer = conv_params(channels, filters, kernel, groups, bias)
    layer = conv_call(channels, filters, kernel, groups=groups, bias=bias)
    problem = dict(
        layer="Conv2d",
        in_channels=channels,
        out_channels=filters,
        kernel_size=kernel,
        groups=groups,
        bias=bias,
    )
    prompt = f"How many trainable parameters does {layer} have?"
    return Question(prompt, INTEGER, answer.value, answer.formula, answer.steps, problem=problem)


def _linear(dice: Dice, level: int) -> Question:
    in_features, out_features = dice.choice(FEATURES), dice.choice(FEATURES)
    bias = level == 1 or dice.chance(0.6)
    answer = linear_params(in_features, out_features, bias)
    layer = f"Linear({in_features}, {out_features}{'' if bias else ', bias=False'})"
    problem = dict(layer="Linear", in_features=in_features, out_features=out_features, bias=bias)
    prompt = f"How many trainable parameters does {layer} have?"
    return Question(prompt, INTEGER, answer.value, answer.formula, answer.steps, problem=problem)


def _conv_bn(dice: Dice, level: int) -> Question:
    """Conv2d(bias=False) → BatchNorm2d: trainable parameters, or the numbers BN also stores."""
    channels, filters, kernel = dice.choice(CHANNELS), dice.choice(FILTERS), dice.choice((1, 3))
    conv = conv_params(channels, filters, kernel, bias=False)
    norm = batchnorm_params(filters)
    layers = (
        f"{conv_call(channels, filters, kernel, bias=False)} followed by BatchNorm2d({filters})"
    )
    problem = dict(
        layer="Conv2d+BatchNorm2d",
        in_channels=channels,
        out_channels=filters,
        kernel_size=kernel,
        groups=1,
        bias=False,
    )
    if dice.chance(0.5):
        total = conv.value + norm.trainable
        steps = (
            *conv.steps,
            norm.steps[0],
            f"total = {fmt(conv.value)} + {fmt(norm.trainable)} = {fmt(total)}",
        )
        return Question(
            f"How many trainable parameters do {layers} have together?",
            INTEGER,
            total,
            f"{conv.formula}; BN: 2·C",
            steps,
            problem={**problem, "count": "trainable"},
        )
    prompt = (
        f"{layers}: besides its trainable parameters, how many numbers does the BatchNorm2d "
        "keep as buffers in its state_dict (PyTorch's defaults)?"
    )
    return Question(
        prompt,
        INTEGER,
        norm.buffers,
        "buffers = 2·C + 1",
        (norm.steps[1],),
        problem={**problem, "count": "buffers"},
    )


def generate_params(dice: Dice, level: int) -> Question:
    """A conv, a linear layer, or (from medium on) a conv followed by batch norm."""
    makers = (_conv, _linear) if level == 1 else (_conv, _linear, _conv_bn)
    return dice.choice(makers)(dice, level)


HIDDEN = (128, 256, 512, 1024, 2048, 4096)


def generate_mlp(dice: Dice, level: int) -> Question:
    """The homework's MLP on 32x32x3 CIFAR-10 images: the first layer alone is huge."""
    depth = {1: 1, 2: dice.integer(1, 2), 3: dice.integer(2, 3)}[level]
    hidden = sorted((dice.choice(HIDDEN) for _ in range(depth)), reverse=True)
    spec = " ".join(f"fc{width}" for width in (*hidden, 10))
    result = calc_stack("32x32x3", spec)
    layers = " → ".join(
        f"Linear({row.input_shape[0]}, {row.output_shape[0]})"
        for row in result.rows
        if row.name.startswith("fc")
    )
    problem = dict(layer="MLP", input=(32, 32, 3), hidden=tuple(hidden), classes=10)
    steps = tuple(
        f"{row.name}: {step}"
        for row in result.rows
        for step in row.steps
        if not step.startswith("MACs")
    )
    if level == 1:
        first = result.rows[1]
        prompt = (
            f"A 32x32x3 CIFAR-10 image is flattened and fed to Linear(3072, {hidden[0]}). "
            "How many trainable parameters does that one layer have?"
        )
        return Question(
            prompt,
            INTEGER,
            first.params,
            "params = in·out + out",
            steps[:2],
            problem={**problem, "count": "first"},
        )
    prompt = (
        f"An MLP for 32x32x3 CIFAR-10 images flattens them, then {layers}. How many "
        "trainable parameters does it have in total?"
    )
    return Question(
        prompt,
        INTEGER,
        result.total_params,
        "params = Σ (in·out + out)",
        (*steps, result.steps[0]),
        problem={**problem, "count": "total"},
    )


PARAMS = Topic(
    "params",
    "parameter counts of conv and linear layers (bias or not; batch norm's parameters and buffers)",
    "conv (F·F·C_in/groups + 1)·K, linear in·out + out, BN 2·C trainable and 2·C + 1 buffers; "
    "try `hubel calc conv` and `hubel calc linear`",
    generate_params,
)
MLP = Topic(
    "mlp",
    "parameter count of an MLP on 32x32x3 inputs (the homework's explosion of parameters)",
    "flatten 32·32·3 = 3,072 inputs, then in·out + out per Linear; "
    'try `hubel calc stack --input 3x32x32 "fc1024 fc512 fc10"`',
    generate_mlp,
)
