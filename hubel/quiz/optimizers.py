"""Topic ``optimizers``: one or two updates of a single weight by SGD, momentum and Adam.

    SGD:       w ← w - lr·g                 (weight decay: g ← g + wd·w first)
    momentum:  b ← μ·b + g  (b = g on the first step, PyTorch's convention), w ← w - lr·b
    Adam:      m ← β1·m + (1 - β1)·g,  v ← β2·v + (1 - β2)·g²,
               m̂ = m / (1 - β1^t),  v̂ = v / (1 - β2^t),  w ← w - lr·m̂ / (√v̂ + ε)

The answer is the engine's: a one-element float64 :class:`~hubel.nn.Parameter` is given the
gradient and :class:`hubel.optim.SGD` or :class:`hubel.optim.Adam` takes the step(s). The
formulas only write the worked steps. Adam's first step is the classic surprise: m̂/√v̂ = g/|g|,
so it moves the weight by lr, whatever the size of the gradient.
"""

import math
from collections.abc import Sequence

import numpy as np

from hubel.nn import Parameter
from hubel.optim import SGD, Adam
from hubel.quiz.dice import Dice
from hubel.quiz.question import NUMBER, Question
from hubel.quiz.topic import Topic
from hubel.quiz.wording import decimal_text, number_text, operand_text
from hubel.tensor import tensor

TOLERANCE = 1e-4  # the updates are small: a looser tolerance would accept no update at all
BETAS, EPS = (0.9, 0.999), 1e-8  # Adam's defaults


def run_steps(optimizer: str, weight: float, gradients: Sequence[float], **options) -> list[float]:
    """The weight after each step of ``optimizer`` ("SGD" or "Adam") given these gradients."""
    param = Parameter(np.array([weight], dtype=np.float64))
    step = {"SGD": SGD, "Adam": Adam}[optimizer]([param], **options)
    weights = []
    for gradient in gradients:
        param.grad = tensor(np.array([gradient], dtype=np.float64))
        step.step()
        weights.append(float(param.item()))
    return weights


def _gradient(dice: Dice) -> float:
    """A nonzero gradient with one decimal."""
    value = dice.decimal(-2.0, 2.0, 1)
    return value if value != 0 else 0.5


def _sgd(dice: Dice, weight: float, lr: float, weight_decay: float) -> Question:
    gradient = _gradient(dice)
    (answer,) = run_steps("SGD", weight, [gradient], lr=lr, weight_decay=weight_decay)
    call = f"SGD([w], lr={lr:g}" + (f", weight_decay={weight_decay:g})" if weight_decay else ")")
    prompt = (
        f"A weight w = {number_text(weight)} has gradient dL/dw = {number_text(gradient)}. "
        f"What is w after one step of {call}?"
    )
    steps = []
    if weight_decay:
        effective = gradient + weight_decay * weight
        steps.append(
            f"g = dL/dw + wd·w = {number_text(gradient)} + {weight_decay:g}·"
            f"{operand_text(weight)} = {effective:.4f}"
        )
    else:
        effective = gradient
    steps.append(
        f"w = w - lr·g = {number_text(weight)} - {lr:g}·{operand_text(round(effective, 4))}"
        f" = {decimal_text(answer, 5)}"
    )
    problem = dict(
        optimizer="SGD",
        weight=weight,
        gradients=(gradient,),
        options=dict(lr=lr, weight_decay=weight_decay),
    )
    formula = "w ← w - lr·(g + wd·w)" if weight_decay else "w ← w - lr·g"
    return Question(
        prompt, NUMBER, answer, formula, tuple(steps), tolerance=TOLERANCE, problem=problem
    )


def _momentum(dice: Dice, weight: float, lr: float) -> Question:
    momentum = dice.choice((0.9, 0.5))
    gradients = (_gradient(dice), _gradient(dice))
    first, answer = run_steps("SGD", weight, gradients, lr=lr, momentum=momentum)
    g1, g2 = (number_text(g) for g in gradients)
    prompt = (
        f"A weight w = {number_text(weight)} is trained with SGD([w], lr={lr:g}, "
        f"momentum={momentum:g}). The first gradient is {g1}, the second "
        f"{g2}. What is w after the second step?"
    )
    velocity = momentum * gradients[0] + gradients[1]
    w0, w1, w2 = number_text(weight), decimal_text(first, 5), decimal_text(answer, 5)
    b1, b2 = operand_text(gradients[0]), operand_text(round(velocity, 4))
    steps = (
        f"step 1: b = g1 = {g1} (PyTorch starts the velocity at the first gradient); "
        f"w = {w0} - {lr:g}·{b1} = {w1}",
        f"step 2: b = μ·b + g2 = {momentum:g}·{b1} + {operand_text(gradients[1])} = "
        f"{velocity:.4f}; w = {w1} - {lr:g}·{b2} = {w2}",
    )
    problem = dict(
        optimizer="SGD", weight=weight, gradients=gradients, options=dict(lr=lr, momentum=momentum)
    )
    return Question(
        prompt,
        NUMBER,
        answer,
        "b ← μ·b + g, w ← w - lr·b",
        steps,
        tolerance=TOLERANCE,
        problem=problem,
    )


def _adam(dice: Dice, weight: float, lr: float, count: int) -> Question:
    gradients = tuple(_gradient(dice) for _ in range(count))
    weights = run_steps("Adam", weight, gradients, lr=lr)
    (beta1, beta2), steps = BETAS, []
    m = v = 0.0
    previous = weight
    for t, (gradient, after) in enumerate(zip(gradients, weights), start=1):
        m = beta1 * m + (1 - beta1) * gradient
        v = beta2 * v + (1 - beta2) * gradient**2
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        shown_m_hat = operand_text(float(f"{m_hat:.6g}"))
        steps += [
            f"t = {t}, g = {number_text(gradient)}: m = β1·m + (1 - β1)·g = {m:.6g}, "
            f"v = β2·v + (1 - β2)·g² = {v:.6g}",
            f"  m̂ = m / (1 - 0.9^{t}) = {m_hat:.6g}, v̂ = v / (1 - 0.999^{t}) = {v_hat:.6g}",
            f"  w = {decimal_text(previous, 5)} - {lr:g}·{shown_m_hat} / (√{v_hat:.6g} + 1e-8)"
            f" = {decimal_text(after, 5)}",
        ]
        previous = after
    if count == 1:
        steps.append(
            f"(m̂ / √v̂ = g / |g| = {math.copysign(1, gradients[0]):+g}: Adam's first step "
            "moves the weight by lr, whatever the gradient's size)"
        )
    given = " then ".join(number_text(g) for g in gradients)
    which = "one step" if count == 1 else "two steps"
    prompt = (
        f"A weight w = {number_text(weight)} is trained with Adam([w], lr={lr:g}) "
        f"(β1 = 0.9, β2 = 0.999, ε = 1e-8). The gradient{'s are' if count > 1 else ' is'} "
        f"{given}. What is w after {which}?"
    )
    problem = dict(optimizer="Adam", weight=weight, gradients=gradients, options=dict(lr=lr))
    formula = "m ← β1·m + (1 - β1)·g, v ← β2·v + (1 - β2)·g², w ← w - lr·m̂/(√v̂ + ε)"
    return Question(
        prompt, NUMBER, weights[-1], formula, tuple(steps), tolerance=TOLERANCE, problem=problem
    )


def generate(dice: Dice, level: int) -> Question:
    """SGD (easy); momentum or Adam's first step (medium); two Adam steps or decay (hard)."""
    weight, lr = dice.decimal(-1.0, 1.0, 1), dice.choice((0.1, 0.05, 0.01))
    if level == 1:
        return _sgd(dice, weight, lr, 0.0)
    if level == 2:
        kind = dice.choice(("momentum", "adam"))
        return _momentum(dice, weight, lr) if kind == "momentum" else _adam(dice, weight, lr, 1)
    kind = dice.choice(("decay", "momentum", "adam"))
    if kind == "decay":
        return _sgd(dice, weight, lr, dice.choice((0.1, 0.01)))
    return _momentum(dice, weight, lr) if kind == "momentum" else _adam(dice, weight, lr, 2)


TOPIC = Topic(
    "optimizers",
    "one SGD, momentum or Adam update of a scalar weight",
    "SGD w - lr·g; momentum b = μ·b + g (b = g at first), w - lr·b; Adam's bias-corrected "
    "m̂/(√v̂ + ε), so its first step has size lr",
    generate,
)
