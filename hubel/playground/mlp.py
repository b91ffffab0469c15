"""MLP mode: TensorFlow Playground's small network on 2-D points, with the course's choices
(initialisation, optimizer, L1/L2, dropout, batch norm) and the gradients in view.

The network is ``(Linear → [BatchNorm1d] → activation → [Dropout]) × len(layers) → Linear(2)``
on the point's two coordinates, trained with cross-entropy on the two classes. After every step
the whole training and test sets are evaluated (eval mode) and ||dL/dW|| of every Linear layer
is recorded, so the vanishing gradient of a deep sigmoid net shows as it happens.
"""

from __future__ import annotations

import numpy as np

from .. import functional as F
from .. import nn, optim
from ..autograd import no_grad
from ..tensor import from_numpy
from .config import Field, PlaygroundError, parse_settings
from .datasets import DATASETS, EXTENT, make_dataset
from .session import TrainingSession, batch_indices, encode_map, finite_or_none, thin

MAX_LAYERS, MAX_UNITS = 6, 8
UNIT_GRID = 24  # each unit's heat map: UNIT_GRID x UNIT_GRID points of the square
BOUNDARY_GRID = 64  # the decision boundary's resolution

ACTIVATIONS = {"tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "relu": nn.ReLU, "linear": nn.Identity}
FIELDS = (
    Field("dataset", "choice", "circle", choices=DATASETS, help="the 2-D data set"),
    Field("noise", "float", 0.1, 0.0, 0.5, help="standard deviation of the noise on each point"),
    Field("points", "int", 400, 50, 1000, help="points in the data set"),
    Field("train_ratio", "float", 0.5, 0.1, 0.9, help="fraction of the points used to train"),
    Field(
        "layers",
        "ints",
        (4, 4),
        1,
        MAX_UNITS,
        max_length=MAX_LAYERS,
        help="units of each hidden layer",
    ),
    Field("activation", "choice", "tanh", choices=tuple(ACTIVATIONS), help="hidden activation"),
    Field("init", "choice", "xavier", choices=("zero", "xavier", "kaiming", "normal")),
    Field("init_std", "float", 1.0, 1e-4, 10.0, help="σ of the N(0, σ²) initialisation"),
    Field("optimizer", "choice", "sgd", choices=("sgd", "momentum", "adam")),
    Field("lr", "float", 0.03, 1e-5, 10.0, help="learning rate"),
    Field("batch_size", "int", 10, 1, 1000, help="examples per step"),
    Field("regularization", "choice", "none", choices=("none", "l1", "l2")),
    Field("reg_strength", "float", 1e-3, 0.0, 1.0, help="λ of the L1 or L2 penalty"),
    Field("dropout", "float", 0.0, 0.0, 0.9, help="probability of dropping a hidden unit"),
    Field("batchnorm", "bool", False, help="BatchNorm1d after each hidden Linear"),
    Field("seed", "int", 0, 0, 2**31 - 1, help="same seed, same data, weights and batches"),
)


def parse_mlp_settings(raw: dict) -> dict:
    """The MLP mode's settings from the page, checked field by field and against each other."""
    settings = parse_settings(FIELDS, raw, "mlp")
    train_count = int(round(settings["train_ratio"] * settings["points"]))
    if settings["batch_size"] > train_count:
        raise PlaygroundError(
            f"batch_size: expected at most the training set's {train_count} points "
            f"(points · train_ratio), got {settings['batch_size']}"
        )
    if settings["batchnorm"] and settings["batch_size"] < 2:
        raise PlaygroundError(
            "batch_size: batch norm needs at least 2 examples per batch to compute a batch "
            f"variance, got {settings['batch_size']}"
        )
    return settings


def init_linear(layer: nn.Linear, scheme: str, std: float, nonlinearity: str) -> None:
    """Initialise a Linear layer's weight by ``scheme``, its bias at zero.

    ``zero``: W = 0 (every unit of a layer computes the same thing and gets the same gradient:
    they stay identical). ``xavier``: U(±gain·sqrt(6/(n_in + n_out))). ``kaiming``:
    N(0, gain²/n_in). ``normal``: N(0, σ²) with ``std`` = σ.
    """
    if scheme == "zero":
        nn.init.zeros_(layer.weight)
    elif scheme == "xavier":
        nn.init.xavier_uniform_(layer.weight, gain=nn.init.calculate_gain(nonlinearity))
    elif scheme == "kaiming":
        nn.init.kaiming_normal_(layer.weight, nonlinearity=nonlinearity)
    else:
        nn.init.normal_(layer.weight, 0.0, std)
    nn.init.zeros_(layer.bias)


def grid_points(size: int) -> np.ndarray:
    """``size`` x ``size`` points covering the plotted square, row i at y = top − i·step (the
    first row is drawn at the top), as float32 ``(size², 2)``."""
    axis = np.linspace(-EXTENT, EXTENT, size, dtype=np.float32)
    x, y = np.meshgrid(axis, axis[::-1])
    return np.stack([x, y], axis=-1).reshape(-1, 2)


class MLPSession(TrainingSession):
    """One tab's MLP run (see the module docstring), from :func:`parse_mlp_settings`."""

    diverged_advice = "lower the learning rate, or switch on batch norm, then reset"

    def __init__(self, settings: dict) -> None:
        super().__init__(settings)
        s = settings
        self.train_x, self.train_y, self.test_x, self.test_y = make_dataset(
            s["dataset"], s["points"], s["noise"], s["train_ratio"], s["seed"]
        )
        self.model, self.linears, self.unit_outputs = self._build(s)
        params = self.model.parameters()
        if s["optimizer"] == "adam":
            self.optimizer = optim.Adam(params, lr=s["lr"])
        else:
            momentum = 0.9 if s["optimizer"] == "momentum" else 0.0
            self.optimizer = optim.SGD(params, lr=s["lr"], momentum=momentum)
        self.history: dict[str, list] = {"train": [], "test": [], "grad_norms": []}

    @staticmethod
    def _build(s: dict) -> tuple[nn.Sequential, list[nn.Linear], list[int]]:
        """The network, its Linear layers, and the index in it of each hidden layer's output
        (after the activation)."""
        layers: list[nn.Module] = []
        linears, unit_outputs = [], []
        width = 2
        for units in s["layers"]:
            linears.append(nn.Linear(width, units))
            init_linear(linears[-1], s["init"], s["init_std"], s["activation"])
            layers.append(linears[-1])
            if s["batchnorm"]:
                layers.append(nn.BatchNorm1d(units))
            layers.append(ACTIVATIONS[s["activation"]]())
            unit_outputs.append(len(layers) - 1)
            if s["dropout"] > 0:
                layers.append(nn.Dropout(s["dropout"]))
            width = units
        linears.append(nn.Linear(width, 2))
        init_linear(linears[-1], s["init"], s["init_std"], "linear")
        layers.append(linears[-1])
        return nn.Sequential(*layers), linears, unit_outputs

    def _penalty(self):
        weights = [layer.weight for layer in self.linears]
        strength = self.settings["reg_strength"]
        if self.settings["regularization"] == "l1":
            return F.l1_penalty(weights, strength)
        return F.l2_penalty(weights, strength)

    def train_step(self, step: int) -> float:
        """One update on a mini-batch; records every layer's ||dL/dW|| and the train/test loss
        after the update. Returns the batch's loss before the update."""
        pick = batch_indices(self.seed, step, len(self.train_y), self.settings["batch_size"])
        self.model.train()
        loss = F.cross_entropy(
            self.model(from_numpy(self.train_x[pick])), from_numpy(self.train_y[pick])
        )
        value = float(loss.item())
        if not np.isfinite(value):
            return value
        if self.settings["regularization"] != "none":
            loss = loss + self._penalty()
        self.optimizer.zero_grad()
        loss.backward()
        norms = [float(np.linalg.norm(layer.weight.grad.numpy())) for layer in self.linears]
        self.optimizer.step()
        train_loss, _ = self.evaluate(self.train_x, self.train_y)
        test_loss, _ = self.evaluate(self.test_x, self.test_y)
        self.history["train"].append(train_loss)
        self.history["test"].append(test_loss)
        self.history["grad_norms"].append(norms)
        return value

    def evaluate(self, points: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
        """(mean cross-entropy, accuracy) on ``points`` in eval mode."""
        if len(labels) == 0:
            return float("nan"), float("nan")
        self.model.eval()
        with no_grad(), np.errstate(over="ignore", invalid="ignore"):  # a diverged run draws too
            logits = self.model(from_numpy(points))
            loss = float(F.cross_entropy(logits, from_numpy(labels)).item())
        accuracy = float((logits.detach().numpy().argmax(axis=1) == labels).mean())
        return loss, accuracy

    def layer_outputs(self, points: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
        """Every hidden layer's outputs ``(N, units)`` at ``points`` and the probability of
        class 1 ``(N,)``, in eval mode."""
        self.model.eval()
        hidden = []
        with no_grad(), np.errstate(over="ignore", invalid="ignore"):
            value = from_numpy(points)
            for index, module in enumerate(self.model):
                value = module(value)
                if index in self.unit_outputs:
                    hidden.append(value.detach().numpy())
            probability = F.softmax(value, dim=1).detach().numpy()[:, 1]
        return hidden, probability

    def state(self) -> dict:
        """The page's picture: data, weights, every unit's heat map, the decision boundary,
        loss curves and per-layer gradient norms (curves thinned to ``CURVE_POINTS``)."""
        grid = grid_points(UNIT_GRID)
        hidden, _ = self.layer_outputs(grid)
        _, probability = self.layer_outputs(grid_points(BOUNDARY_GRID))
        inputs = [grid[:, 0], grid[:, 1]]
        units = [[encode_map(column.reshape(UNIT_GRID, UNIT_GRID)) for column in inputs]]
        units += [
            [
                encode_map(layer[:, unit].reshape(UNIT_GRID, UNIT_GRID))
                for unit in range(layer.shape[1])
            ]
            for layer in hidden
        ]
        train_loss, train_accuracy = self.evaluate(self.train_x, self.train_y)
        test_loss, test_accuracy = self.evaluate(self.test_x, self.test_y)
        keep = thin(self.step)
        norms = np.asarray(self.history["grad_norms"]).reshape(self.step, len(self.linears))
        return {
            "mode": "mlp",
            "settings": {**self.settings, "layers": list(self.settings["layers"])},
            "step": self.step,
            "stopped": self.stopped,
            "sizes": [2, *self.settings["layers"], 2],
            "weights": [layer.weight.detach().numpy().tolist() for layer in self.linears],
            "biases": [layer.bias.detach().numpy().tolist() for layer in self.linears],
            "distinct_units": [distinct_units(layer) for layer in self.linears[:-1]],
            "units": units,
            "boundary": encode_map(probability.reshape(BOUNDARY_GRID, BOUNDARY_GRID)),
            "extent": EXTENT,
            "points": {
                "train": np.column_stack([self.train_x, self.train_y]).round(4).tolist(),
                "test": np.column_stack([self.test_x, self.test_y]).round(4).tolist(),
            },
            "metrics": {
                "train_loss": finite_or_none(train_loss),
                "test_loss": finite_or_none(test_loss),
                "train_accuracy": finite_or_none(train_accuracy),
                "test_accuracy": finite_or_none(test_accuracy),
                "grad_norms": norms[-1].tolist() if self.step else [],
            },
            "curves": {
                "step": (keep + 1).tolist(),
                "train": [finite_or_none(self.history["train"][i]) for i in keep],
                "test": [finite_or_none(self.history["test"][i]) for i in keep],
                "grad_norms": [
                    [finite_or_none(v) for v in norms[keep, layer]]
                    for layer in range(norms.shape[1])
                ],
            },
        }


def distinct_units(layer: nn.Linear, tolerance: float = 1e-6) -> int:
    """How many different units a Linear layer has: units whose incoming weights and bias
    differ by more than ``tolerance``. Zero initialisation keeps this at 1 (the symmetry is
    never broken: identical units get identical gradients)."""
    rows = np.column_stack([layer.weight.detach().numpy(), layer.bias.detach().numpy()])
    distinct: list[np.ndarray] = []
    for row in rows:
        if not any(np.abs(row - other).max() <= tolerance for other in distinct):
            distinct.append(row)
    return len(distinct)
