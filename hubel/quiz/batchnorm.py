"""Topic ``bn-folding``: batch norm absorbed into the layer before it, for one channel.

At inference BN is a fixed affine map, so ``BN(W·x + b)`` is again ``W'·x + b'`` with

    s  = γ / √(σ² + ε)
    W' = W·s
    b' = (b - μ)·s + β

The answer is not computed from these formulas but by the engine: the real
:func:`hubel.functional.linear` and :func:`hubel.functional.batch_norm` (in eval mode) are run,
``b'`` is the output at x = 0 and ``W'`` its derivative in x, by autograd. The formulas give
the worked steps; the tests check both against PyTorch.
"""

import math

import numpy as np

import hubel.functional as F
from hubel.quiz.dice import Dice
from hubel.quiz.question import NUMBER, Question
from hubel.quiz.topic import Topic
from hubel.quiz.wording import number_text, operand_text
from hubel.tensor import Tensor, tensor

EPS = 1e-5  # PyTorch's default


def _scalar(value: float) -> Tensor:
    return tensor(np.array([value], dtype=np.float64))


def folded(
    weight: float, bias: float, gamma: float, beta: float, mean: float, var: float, eps: float = EPS
) -> tuple[float, float]:
    """(W', b') of ``BatchNorm(eval)(W·x + b)`` for one channel, by running the engine."""
    x = tensor(np.zeros((1, 1)), requires_grad=True)  # float64: one input, one channel
    z = F.linear(x, tensor(np.array([[weight]])), _scalar(bias))
    y = F.batch_norm(
        z, _scalar(mean), _scalar(var), _scalar(gamma), _scalar(beta), training=False, eps=eps
    )
    y.sum().backward()
    return float(x.grad.item()), float(y.item())


def generate(dice: Dice, level: int) -> Question:
    """Fold one channel: the weight W' (easy), either (medium), the bias b' (hard)."""
    if level == 1:
        gamma, var = dice.choice((0.5, 1.0, 1.5, 2.0)), dice.choice((0.25, 1.0, 4.0))
    else:
        gamma, var = dice.decimal(0.5, 2.0, 2), dice.decimal(0.1, 4.0, 2)
    weight, bias = dice.decimal(-2.0, 2.0, 1), dice.decimal(-1.0, 1.0, 1)
    beta, mean = dice.decimal(-1.0, 1.0, 1), dice.decimal(-1.0, 1.0, 1)
    new_weight, new_bias = folded(weight, bias, gamma, beta, mean, var)
    ask = {1: "weight", 2: dice.choice(("weight", "bias")), 3: "bias"}[level]
    given = {"W": weight, "b": bias, "γ": gamma, "β": beta, "μ": mean, "σ²": var}
    numbers = ", ".join(f"{name} = {number_text(value)}" for name, value in given.items())
    prompt = (
        f"At inference a BatchNorm folds into the layer before it. One channel: y = W·x + b, "
        f"then BatchNorm with {numbers} (running mean μ and variance σ²), ε = 1e-5. Folded, "
        f"BN(W·x + b) = W'·x + b'. What is {'W' if ask == 'weight' else 'b'}'?"
    )
    scale = gamma / math.sqrt(var + EPS)
    steps = [
        f"s = γ / √(σ² + ε) = {number_text(gamma)} / √({number_text(var)} + 1e-5) = {scale:.4f}"
    ]
    if ask == "weight":
        steps.append(f"W' = W·s = {operand_text(weight)}·{scale:.4f} = {new_weight:.4f}")
        formula, answer = "W' = W·γ/√(σ² + ε)", new_weight
    else:
        steps.append(
            f"b' = (b - μ)·s + β = ({number_text(bias)} - {operand_text(mean)})·"
            f"{scale:.4f} + {operand_text(beta)} = {new_bias:.4f}"
        )
        formula, answer = "b' = (b - μ)·γ/√(σ² + ε) + β", new_bias
    problem = dict(
        weight=weight, bias=bias, gamma=gamma, beta=beta, mean=mean, var=var, eps=EPS, ask=ask
    )
    return Question(prompt, NUMBER, answer, formula, tuple(steps), tolerance=0.001, problem=problem)


TOPIC = Topic(
    "bn-folding",
    "batch norm folded into the previous layer's weight and bias (one channel)",
    "s = γ/√(σ² + ε), W' = W·s, b' = (b - μ)·s + β",
    generate,
)
