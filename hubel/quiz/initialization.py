"""Topic ``init``: the scale of Xavier (Glorot) and Kaiming (He) initialisations.

    Xavier uniform:  W ~ U(-a, a),  a = gain·√(6 / (fan_in + fan_out))      (tanh, sigmoid)
    Kaiming normal:  W ~ N(0, std²), std = gain / √fan_in, gain = √2 for ReLU, so 2/fan_in
    Kaiming uniform: W ~ U(-b, b),  b = gain·√(3 / fan_in) = √(6 / fan_in) for ReLU

fan_in and fan_out come from the library (``hubel.nn.init``'s own fan computation, on a
weight of the layer's shape: a Linear's is (out, in), a conv's (K, C_in, F, F) multiplies both
fans by F·F), and so does the gain (:func:`hubel.nn.init.calculate_gain`). The tests draw
large weights with ``hubel.nn.init`` and PyTorch's ``torch.nn.init`` and check the bound and
the spread against the answer.
"""

import math

from hubel.nn import init
from hubel.quiz.dice import Dice
from hubel.quiz.question import NUMBER, Question
from hubel.quiz.topic import Topic
from hubel.quiz.wording import conv_call
from hubel.tensor import zeros

# easy pairs: fan_in + fan_out = 6·k² (Xavier bound 1/k); fan_in = 2·k² (Kaiming std 1/k)
EASY_XAVIER = ((16, 8), (100, 50), (120, 30), (400, 200), (500, 100), (1600, 800), (2000, 400))
EASY_KAIMING = (8, 32, 50, 128, 200, 512, 800, 2048, 5000)
FEATURES = (64, 100, 120, 256, 300, 400, 512, 784, 1000, 1024, 3072)
TOLERANCE = 0.01  # relative: 1%


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of this shape, as ``hubel.nn.init`` computes them."""
    return init._calculate_fan_in_and_fan_out(zeros(shape))


def _layer(dice: Dice, level: int, scheme: str) -> tuple[str, tuple[int, ...]]:
    """The layer's call and its weight's shape."""
    if level == 3 and dice.chance(0.6):
        channels, filters = dice.choice((3, 16, 32, 64)), dice.choice((16, 32, 64, 128))
        kernel = dice.choice((3, 5))
        return conv_call(channels, filters, kernel), (filters, channels, kernel, kernel)
    if level == 1 and scheme == "xavier":
        in_features, out_features = dice.choice(EASY_XAVIER)
    elif level == 1:
        in_features, out_features = dice.choice(EASY_KAIMING), dice.choice(FEATURES)
    else:
        in_features, out_features = dice.choice(FEATURES), dice.choice(FEATURES)
    return f"Linear({in_features}, {out_features})", (out_features, in_features)


def _fan_step(shape: tuple[int, ...], fan_in: int, fan_out: int) -> str:
    if len(shape) == 2:
        return f"weight (out, in) = {shape}: fan_in = {fan_in}, fan_out = {fan_out}"
    filters, channels, height, width = shape
    return (
        f"weight (K, C_in, F, F) = {shape}: fan_in = C_in·F·F = {channels}·{height}·{width}"
        f" = {fan_in}, fan_out = K·F·F = {filters}·{height}·{width} = {fan_out}"
    )


def generate(dice: Dice, level: int) -> Question:
    """Xavier's uniform bound or Kaiming's std (and, when hard, Kaiming's uniform bound)."""
    schemes = ("xavier", "kaiming_normal") + (("kaiming_uniform",) if level == 3 else ())
    scheme = dice.choice(schemes)
    layer, shape = _layer(dice, level, scheme)
    fan_in, fan_out = fans(shape)
    steps = [_fan_step(shape, fan_in, fan_out)]
    problem = dict(scheme=scheme, shape=shape)
    if scheme == "xavier":
        gain = init.calculate_gain("linear")  # the course's formula: gain 1
        bound = gain * math.sqrt(6 / (fan_in + fan_out))
        steps.append(f"a = √(6 / (fan_in + fan_out)) = √(6 / {fan_in + fan_out}) = {bound:.4g}")
        prompt = (
            f"{layer} is initialised with Xavier uniform (gain 1): W ~ U(-a, a). "
            "What is the bound a?"
        )
        formula, answer = "a = √(6 / (fan_in + fan_out))", bound
    else:
        gain = init.calculate_gain("relu")
        std = gain / math.sqrt(fan_in)
        steps.append(f"gain = √2 for ReLU; std = √2 / √fan_in = √(2 / {fan_in}) = {std:.4g}")
        if scheme == "kaiming_normal":
            prompt = (
                f"{layer} is followed by a ReLU and initialised with Kaiming (He) normal "
                "(fan_in mode): W ~ N(0, std²). What is std?"
            )
            formula, answer = "std = √(2 / fan_in)", std
        else:
            bound = math.sqrt(3) * std
            steps.append(f"b = √3·std = √(6 / fan_in) = √(6 / {fan_in}) = {bound:.4g}")
            prompt = (
                f"{layer} is followed by a ReLU and initialised with Kaiming (He) uniform "
                "(fan_in mode): W ~ U(-b, b). What is the bound b?"
            )
            formula, answer = "b = √(6 / fan_in)", bound
    return Question(
        prompt,
        NUMBER,
        answer,
        formula,
        tuple(steps),
        tolerance=TOLERANCE,
        relative=True,
        problem=problem,
    )


TOPIC = Topic(
    "init",
    "Xavier and Kaiming bounds and standard deviations for given fan-in and fan-out",
    "Xavier U(±√(6/(fan_in + fan_out))), Kaiming N(0, 2/fan_in); a conv's fans include F·F",
    generate,
)
