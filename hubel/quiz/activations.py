"""Topics ``activations`` and ``softmax``: values and derivatives, probabilities and the loss.

    σ(x) = 1 / (1 + e^-x),   σ'(x) = σ(x)·(1 - σ(x))
    tanh'(x) = 1 - tanh(x)²,  ReLU(x) = max(0, x), ReLU'(x) = 1 if x > 0 else 0
    softmax: p_k = e^s_k / Σ_j e^s_j,   cross-entropy: L = -ln p_y

Answers are computed by the engine, not by these formulas: the activation is applied to a
float64 tensor and differentiated by autograd (``y.backward()``, then ``x.grad``); softmax
and the loss are :func:`hubel.functional.softmax` and :func:`hubel.functional.cross_entropy`.
The formulas only write the worked steps.
"""

import math

import numpy as np

import hubel.functional as F
from hubel.quiz.dice import Dice
from hubel.quiz.question import NUMBER, Question
from hubel.quiz.topic import Topic
from hubel.quiz.wording import number_text
from hubel.tensor import tensor

ACTIVATIONS = {"sigmoid": F.sigmoid, "tanh": F.tanh, "ReLU": F.relu}


def activation_and_derivative(name: str, x: float) -> tuple[float, float]:
    """(f(x), f'(x)) for ``name`` in sigmoid, tanh, ReLU: the engine's op and its autograd."""
    point = tensor(np.array([x], dtype=np.float64), requires_grad=True)
    y = ACTIVATIONS[name](point)
    y.sum().backward()
    return float(y.item()), float(point.grad.item())


def _value_steps(name: str, x: float, value: float) -> list[str]:
    shown = number_text(x)
    if name == "sigmoid":
        e = math.exp(-x)
        return [
            f"e^(-x) = e^({number_text(-x)}) = {e:.4f}",
            f"σ({shown}) = 1 / (1 + e^(-x)) = 1 / (1 + {e:.4f}) = {value:.4f}",
        ]
    if name == "tanh":
        up, down = math.exp(x), math.exp(-x)
        return [
            f"e^x = {up:.4f}, e^(-x) = {down:.4f}",
            f"tanh({shown}) = (e^x - e^(-x)) / (e^x + e^(-x)) = ({up:.4f} - {down:.4f}) / "
            f"({up:.4f} + {down:.4f}) = {value:.4f}",
        ]
    return [f"ReLU({shown}) = max(0, {shown}) = {number_text(value)}"]


def _derivative_steps(name: str, x: float, value: float, slope: float) -> list[str]:
    if name == "sigmoid":
        return [
            *_value_steps(name, x, value),
            f"σ'(x) = σ(x)·(1 - σ(x)) = {value:.4f}·(1 - {value:.4f}) = {slope:.4f}",
        ]
    if name == "tanh":
        return [
            *_value_steps(name, x, value),
            f"tanh'(x) = 1 - tanh(x)² = 1 - ({value:.4f})² = {slope:.4f}",
        ]
    side = "x > 0" if x > 0 else "x < 0"
    return [f"ReLU'(x) = 1 if x > 0 else 0; here {side}, so ReLU'({number_text(x)}) = {slope:g}"]


def generate_activation(dice: Dice, level: int) -> Question:
    """f(x) (easy), f(x) or f'(x) (medium), f'(x) mostly (hard), at a nonzero x for ReLU'."""
    name = dice.choice(tuple(ACTIVATIONS))
    x = dice.integer(-3, 3) if level == 1 else dice.decimal(-3.0, 3.0, level - 1)
    ask = {1: "value", 2: dice.choice(("value", "derivative")), 3: "derivative"}[level]
    if name == "ReLU" and x == 0:
        x = 1.5  # ReLU has no derivative at 0 (PyTorch takes 0 there): do not ask about it
    value, slope = activation_and_derivative(name, x)
    problem = dict(function=name, x=x, ask=ask)
    if ask == "value":
        formula = {
            "sigmoid": "σ(x) = 1 / (1 + e^(-x))",
            "tanh": "tanh(x) = (e^x - e^(-x)) / (e^x + e^(-x))",
            "ReLU": "ReLU(x) = max(0, x)",
        }[name]
        return Question(
            f"What is {name}({number_text(x)})?",
            NUMBER,
            value,
            formula,
            tuple(_value_steps(name, x, value)),
            tolerance=0.001,
            problem=problem,
        )
    formula = {
        "sigmoid": "σ'(x) = σ(x)·(1 - σ(x))",
        "tanh": "tanh'(x) = 1 - tanh(x)²",
        "ReLU": "ReLU'(x) = 1 if x > 0 else 0",
    }[name]
    prompt = f"What is {name}'({number_text(x)}), the derivative of {name} at x = {number_text(x)}?"
    return Question(
        prompt,
        NUMBER,
        slope,
        formula,
        tuple(_derivative_steps(name, x, value, slope)),
        tolerance=0.001,
        problem=problem,
    )


def softmax_and_loss(scores: list[float], target: int) -> tuple[list[float], float]:
    """(softmax probabilities, cross-entropy loss for class ``target``), by the engine."""
    logits = tensor(np.array([scores], dtype=np.float64))
    probabilities = F.softmax(logits, dim=1).detach().numpy()[0].tolist()
    loss = F.cross_entropy(logits, tensor(np.array([target]))).item()
    return probabilities, float(loss)


def generate_softmax(dice: Dice, level: int) -> Question:
    """Scores for 2 to 4 classes: a probability (easy, medium) or the loss (medium, hard)."""
    classes = {1: dice.integer(2, 3), 2: 3, 3: 4}[level]
    if level == 1:
        scores = [float(dice.integer(-2, 3)) for _ in range(classes)]
    else:
        scores = [dice.decimal(-2.0, 3.0, 1) for _ in range(classes)]
    target = dice.integer(0, classes - 1)
    probabilities, loss = softmax_and_loss(scores, target)
    ask = {1: "probability", 2: dice.choice(("probability", "loss")), 3: "loss"}[level]
    shown = ", ".join(number_text(score) for score in scores)
    labels = ", ".join(str(k) for k in range(classes))
    intro = f"A classifier gives the scores (logits) s = [{shown}] for the classes {labels}."
    exponentials = [math.exp(score) for score in scores]
    total = sum(exponentials)
    steps = [
        f"e^s = [{', '.join(f'{e:.4f}' for e in exponentials)}]",
        f"Σ e^s = {' + '.join(f'{e:.4f}' for e in exponentials)} = {total:.4f}",
        f"p_{target} = e^s_{target} / Σ e^s = {exponentials[target]:.4f} / {total:.4f}"
        f" = {probabilities[target]:.4g}",
    ]
    problem = dict(scores=tuple(scores), target=target, ask=ask)
    if ask == "probability":
        return Question(
            f"{intro} What probability does softmax give class {target}?",
            NUMBER,
            probabilities[target],
            "p_k = e^s_k / Σ_j e^s_j",
            tuple(steps),
            tolerance=0.001,
            problem=problem,
        )
    steps.append(f"L = -ln p_{target} = -ln({probabilities[target]:.4g}) = {loss:.4f}")
    return Question(
        f"{intro} The true class is {target}. What is the cross-entropy loss (natural log)?",
        NUMBER,
        loss,
        "L = -ln(e^s_y / Σ_j e^s_j)",
        tuple(steps),
        tolerance=0.005,
        problem=problem,
    )


ACTIVATION = Topic(
    "activations",
    "activation values and derivatives (sigmoid, tanh, ReLU at given points)",
    "σ' = σ(1 - σ), tanh' = 1 - tanh², ReLU' = 1 for x > 0 else 0",
    generate_activation,
)
SOFTMAX = Topic(
    "softmax",
    "softmax probabilities and cross-entropy loss of given scores",
    "p_k = e^s_k / Σ e^s_j, L = -ln p_y (natural log)",
    generate_softmax,
)
