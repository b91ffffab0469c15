"""Topics ``network`` and ``receptive-field``: whole stacks of layers.

``network``: a LeNet-like stack (conv → pool blocks, then fully connected layers); the shape
that reaches the classifier, the features after flattening, or the total parameters, from
:func:`hubel.analysis.calc_stack`.

``receptive-field``: how many input pixels one output pixel sees after a stack,
``r_out = r_in + (k - 1)·d·j_in``, ``j_out = j_in·s``, from
:func:`hubel.analysis.receptive_field`.
"""

from hubel.analysis import calc_stack, receptive_field
from hubel.analysis.answer import fmt
from hubel.quiz.dice import Dice
from hubel.quiz.question import INTEGER, SHAPE, Question
from hubel.quiz.topic import Topic
from hubel.quiz.wording import channels_first, shape_text

INPUTS = ((32, 32, 1), (28, 28, 1), (32, 32, 3))
WIDTHS = ((6, 16), (8, 16), (16, 32), (32, 64), (16, 32, 64))
HEADS = ((120, 84), (128,), (256,), (100,))


def _block_tokens(dice: Dice, level: int, filters: int) -> tuple[str, ...]:
    """One conv → pool block in the stack grammar, e.g. ``('conv5x5x6', 'pool2')``."""
    kernel = dice.choice((3, 5))
    padding = dice.choice((0, kernel // 2)) if level > 1 else 0
    conv = f"conv{kernel}x{kernel}x{filters}" + (f"p{padding}" if padding else "")
    pool = dice.choice(("pool2", "avgpool2")) if level == 3 else "pool2"
    return conv, pool


def _stack(dice: Dice, level: int) -> tuple[tuple[int, ...], list[str], int]:
    """(input shape, tokens, how many tokens are conv/pool): retried until every layer fits."""
    while True:
        shape = dice.choice(INPUTS)
        widths = dice.choice(WIDTHS if level == 3 else WIDTHS[:4])
        features = [token for width in widths for token in _block_tokens(dice, level, width)]
        head = [f"fc{width}" for width in (*dice.choice(HEADS), 10)]
        try:
            result = calc_stack(shape, " ".join(features + head))
        except ValueError:
            continue  # a kernel larger than its input: draw again
        # pooling 2x2 of an odd size floors; below hard, keep every size even
        sizes = [row.input_shape[0] for row in result.rows if row.name.startswith(("pool", "avg"))]
        if level == 3 or all(size % 2 == 0 for size in sizes):
            return shape, features + head, len(features)


def _torch_text(tokens: list[str], shape: tuple[int, ...]) -> str:
    """The stack as PyTorch layers, the first Linear's input left as '?' for the student."""
    parts, channels, previous = [], shape[2], "?"
    for token in tokens:
        if token.startswith("conv"):
            body, _, padding = token[4:].partition("p")
            kernel, _, filters = body.split("x")
            extra = f", padding={padding}" if padding else ""
            parts.append(f"Conv2d({channels}, {filters}, kernel_size={kernel}{extra})")
            channels = int(filters)
        elif token.startswith(("pool", "avgpool")):
            parts.append(f"{'AvgPool2d' if token.startswith('avg') else 'MaxPool2d'}(2)")
        else:
            width = token[2:]
            parts.append(("Flatten → " if previous == "?" else "") + f"Linear({previous}, {width})")
            previous = width
    return " → ".join(parts)


def generate_network(dice: Dice, level: int) -> Question:
    """A LeNet-like stack: ask the shape before the classifier, the flat size or the params."""
    shape, tokens, feature_count = _stack(dice, level)
    result = calc_stack(shape, " ".join(tokens))
    network = _torch_text(tokens, shape)
    intro = (
        f"A {shape_text(shape)} input (C x H x W) goes through {network} "
        "(ReLUs left out: they change no shape and have no parameters)."
    )
    problem = dict(layer="network", input=channels_first(shape), spec=" ".join(tokens))
    shape_steps = tuple(
        f"{row.name}: {shape_text(row.input_shape)} → {shape_text(row.output_shape)}"
        f" ({row.steps[0]})"
        for row in result.rows[:feature_count]
    )
    flat = result.rows[feature_count]  # the implied flatten before the first fc
    ask = {1: "shape", 2: dice.choice(("shape", "features", "params")), 3: "params"}[level]
    if ask == "shape":
        return Question(
            f"{intro} What is the shape of the feature map that gets flattened?",
            SHAPE,
            channels_first(flat.input_shape),
            "W_out = floor((W_in - F + 2P) / S) + 1 per layer",
            shape_steps,
            problem={**problem, "ask": ask},
        )
    if ask == "features":
        return Question(
            f"{intro} How many features does Flatten pass to the first Linear (the ?)?",
            INTEGER,
            flat.output_shape[0],
            "features = C·H·W",
            (*shape_steps, *flat.steps),
            problem={**problem, "ask": ask},
        )
    param_steps = tuple(
        f"{row.name}: {row.steps[1] if row.name.startswith('conv') else row.steps[0]}"
        for row in result.rows
        if row.params
    )
    return Question(
        f"{intro} How many trainable parameters does it have in total?",
        INTEGER,
        result.total_params,
        "conv (F·F·C_in + 1)·K, linear in·out + out, summed",
        (*shape_steps, *flat.steps, *param_steps, result.steps[0]),
        problem={**problem, "ask": ask},
    )


def _window_text(kind: str, kernel: int, stride: int, dilation: int) -> str:
    text = f"{kernel}x{kernel} {kind}"
    details = [f"stride {stride}"] if stride != 1 else []
    details += [f"dilation {dilation}"] if dilation != 1 else []
    return text + (f" ({', '.join(details)})" if details else "")


def generate_receptive_field(dice: Dice, level: int) -> Question:
    """A stack of convs and poolings: how wide is the window one output pixel sees?"""
    if level == 1:
        kernel = dice.choice((3, 5))
        layers = [("conv", kernel, 1, 1)] * dice.integer(2, 4)
    else:
        layers = []
        for _ in range(dice.integer(3, 4 if level == 2 else 5)):
            if layers and dice.chance(0.3):
                layers.append(("max pool", 2, 2, 1))
            else:
                stride = dice.choice((1, 1, 2)) if level == 3 else 1
                dilation = dice.choice((1, 1, 2)) if level == 3 else 1
                layers.append(("conv", dice.choice((3, 3, 5)), stride, dilation))
    answer = receptive_field([(k, s, d) for _, k, s, d in layers])
    stack = " → ".join(_window_text(*layer) for layer in layers)
    prompt = (
        f"A stack of layers: {stack} (stride 1 and no dilation unless said; padding does "
        "not matter). How many input pixels wide is the receptive field of one output "
        "pixel of the last layer?"
    )
    problem = dict(layers=tuple((k, s, d) for _, k, s, d in layers))
    formula = "r_out = r_in + (k - 1)·d·j_in, j_out = j_in·s, from r = 1, j = 1"
    steps = (*answer.steps, f"receptive field = {fmt(answer.value)}x{fmt(answer.value)}")
    return Question(prompt, INTEGER, answer.value, formula, steps, problem=problem)


NETWORK = Topic(
    "network",
    "a small network's shapes and total parameters (LeNet-like stacks)",
    "follow the shape layer by layer, flatten C·H·W, then sum the parameters; "
    'try `hubel calc stack --input 1x32x32 "conv5x5x6 pool2 conv5x5x16 pool2 fc120 fc84 fc10"`',
    generate_network,
)
RECEPTIVE_FIELD = Topic(
    "receptive-field",
    "receptive field of a stack of convolutions and poolings",
    "r_out = r_in + (k - 1)·d·j_in and j_out = j_in·s, layer by layer from r = j = 1",
    generate_receptive_field,
)
