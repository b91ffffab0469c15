"""Topic ``dropout``: what dropout does to an activation at training and at test time.

PyTorch's ``p`` is the probability of *dropping* a unit. In training each activation is zeroed
with probability p and the survivors are scaled by 1/(1 - p) ("inverted dropout"), so that the
expected value is unchanged and nothing needs rescaling at test time, when dropout is off.

The answers are the engine's: :class:`hubel.nn.Dropout` is run in ``train()`` mode (a survivor's
value) and in ``eval()`` mode, without disturbing the global random state that a student's
``hb.manual_seed`` set.
"""

import numpy as np

from hubel.backend import get_rng_state, set_rng_state
from hubel.nn import Dropout
from hubel.quiz.dice import Dice
from hubel.quiz.question import NUMBER, Question
from hubel.quiz.topic import Topic
from hubel.quiz.wording import number_text
from hubel.tensor import tensor

SURVIVORS_FROM = 64  # copies of the activation: for p ≤ 0.7 some survive (P(none) < 1e-9)


def dropout_outputs(p: float, activation: float) -> tuple[float, float]:
    """(a surviving activation's value in training, the value at test time), by the engine."""
    layer = Dropout(p)
    inputs = tensor(np.full(SURVIVORS_FROM, activation, dtype=np.float64))
    state = get_rng_state()
    try:
        trained = layer.train()(inputs).detach().numpy()
    finally:
        set_rng_state(state)
    tested = layer.eval()(inputs).detach().numpy()
    return float(trained[trained != 0][0]), float(tested[0])


def generate(dice: Dice, level: int) -> Question:
    """At test time or in training (easy, medium); awkward drop rates when hard."""
    p = dice.choice((0.5, 0.2, 0.25) if level < 3 else (0.3, 0.4, 0.6, 0.7))
    activation = dice.choice((1.0, 2.0, 3.0, 4.0)) if level == 1 else dice.decimal(0.5, 5.0, 1)
    trained, tested = dropout_outputs(p, activation)
    when = "test" if level == 1 and dice.chance(0.5) else dice.choice(("train", "test", "train"))
    setting = (
        f"A layer's output is {number_text(activation)} for some unit, and it goes "
        f"through nn.Dropout(p={p:g})."
    )
    problem = dict(p=p, activation=activation, when=when)
    if when == "test":
        prompt = f"{setting} At test time (model.eval()), what value comes out?"
        steps = (
            f"eval mode: dropout is off, the value passes unchanged: {number_text(activation)}",
        )
        return Question(
            prompt, NUMBER, tested, "y = x at test time", steps, tolerance=0.001, problem=problem
        )
    prompt = (
        f"{setting} In training (model.train()), the unit is not dropped this time. "
        "What value comes out?"
    )
    steps = (
        f"PyTorch's p = {p:g} is the drop probability; survivors are scaled by "
        f"1/(1 - p) = 1/{1 - p:g}",
        f"y = x / (1 - p) = {number_text(activation)} / {1 - p:g} = {trained:.4f}",
    )
    return Question(
        prompt,
        NUMBER,
        trained,
        "y = x / (1 - p) for a kept unit in training",
        steps,
        tolerance=0.001,
        problem=problem,
    )


TOPIC = Topic(
    "dropout",
    "dropout's scaling at train time vs test time",
    "p is the drop probability; survivors ×1/(1 - p) in training; identity at test time",
    generate,
)
