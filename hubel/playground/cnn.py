"""CNN mode: CNN Explainer's view of a small CNN on the bundled digits, and it trains.

The network (digits enlarged to 16x16, one channel)::

    conv1 → [bn1] → relu1 → pool1 → conv2 → [bn2] → relu2 → pool2 → flatten → fc (10 classes)

with each conv's filters, kernel, stride and padding chosen on the page and 2x2 max pools. The
page shows every layer's feature maps for one test image, the costs of every layer with the
course's formulas (``hb.summary``, which applies ``hb.analysis``), the first layer's filters as
they train, one unit's arithmetic worked out, and the network with its batch norms folded
(``hb.analysis.fold_batchnorm``): the same outputs from fewer layers.
"""

from __future__ import annotations

from collections import OrderedDict
from functools import lru_cache

import numpy as np

from .. import functional as F
from .. import nn, optim
from ..analysis import conv_output_size, fold_batchnorm, pool_output_size, summary
from ..autograd import no_grad
from ..lab.common import digits
from ..tensor import from_numpy
from .config import Field, PlaygroundError, parse_settings
from .session import TrainingSession, batch_indices, encode_map, finite_or_none, thin

IMAGE_SIZE = 16
MAX_FILTERS = 16


def _conv_fields(name: str, filters: int) -> tuple[Field, ...]:
    return (
        Field(f"{name}_filters", "int", filters, 1, MAX_FILTERS, help=f"{name}'s output channels"),
        Field(f"{name}_kernel", "int", 3, 1, 7, help=f"{name}'s kernel size F"),
        Field(f"{name}_stride", "int", 1, 1, 4, help=f"{name}'s stride S"),
        Field(f"{name}_padding", "int", 1, 0, 3, help=f"{name}'s zero padding P on each side"),
    )


FIELDS = (
    *_conv_fields("conv1", 8),
    *_conv_fields("conv2", 16),
    Field("batchnorm", "bool", True, help="BatchNorm2d after each conv"),
    Field("lr", "float", 0.01, 1e-5, 1.0, help="Adam's learning rate"),
    Field("batch_size", "int", 32, 2, 256, help="images per step"),
    Field("seed", "int", 0, 0, 2**31 - 1, help="same seed, same weights and batches"),
)


@lru_cache(maxsize=2)
def dataset(train: bool) -> tuple[np.ndarray, np.ndarray]:
    """The bundled digits enlarged to 16x16: float32 images ``(N, 1, 16, 16)`` in [0, 1]."""
    return digits(train=train, size=IMAGE_SIZE)


def view_fields() -> tuple[Field, ...]:
    """What the page looks at, apart from the run: the test image and whether BN is folded."""
    count = len(dataset(False)[1])
    return (
        Field("image", "int", 0, 0, count - 1, help="the test image whose maps are shown"),
        Field("fold", "bool", False, help="show the network with its batch norms folded"),
    )


def parse_cnn_settings(raw: dict) -> dict:
    """The CNN's settings, checked field by field, and the layer sizes they give: a kernel
    that does not fit its input is refused with the course's formula filled in."""
    settings = parse_settings(FIELDS, raw, "cnn")
    feature_map_sizes(settings)
    return settings


def feature_map_sizes(settings: dict) -> list[tuple[int, int]]:
    """(H, W) after conv1, pool1, conv2 and pool2, by ``hb.analysis``'s formulas; a layer
    that would have no output is a :class:`PlaygroundError` naming it."""
    size = (IMAGE_SIZE, IMAGE_SIZE)
    sizes = []
    for conv, pool in (("conv1", "pool1"), ("conv2", "pool2")):
        try:
            size = conv_output_size(
                size,
                settings[f"{conv}_kernel"],
                settings[f"{conv}_stride"],
                settings[f"{conv}_padding"],
                layer_name=conv,
            ).value
            sizes.append(size)
            size = pool_output_size(size, 2, layer_name=pool).value
            sizes.append(size)
        except ValueError as error:
            raise PlaygroundError(
                f"{error}; choose a smaller kernel or stride, or more padding"
            ) from None
    return sizes


def build_cnn(settings: dict) -> nn.Sequential:
    """The network of the module docstring for ``settings`` (PyTorch's default init)."""
    layers: OrderedDict[str, nn.Module] = OrderedDict()
    channels = 1
    for index in (1, 2):
        name = f"conv{index}"
        filters = settings[f"{name}_filters"]
        layers[name] = nn.Conv2d(
            channels,
            filters,
            settings[f"{name}_kernel"],
            stride=settings[f"{name}_stride"],
            padding=settings[f"{name}_padding"],
        )
        if settings["batchnorm"]:
            layers[f"bn{index}"] = nn.BatchNorm2d(filters)
        layers[f"relu{index}"] = nn.ReLU()
        layers[f"pool{index}"] = nn.MaxPool2d(2)
        channels = filters
    height, width = feature_map_sizes(settings)[-1]
    layers["flatten"] = nn.Flatten()
    layers["fc"] = nn.Linear(channels * height * width, 10)
    return nn.Sequential(layers)


def layer_count(model: nn.Sequential) -> int:
    """The layers that compute something: Identity (a folded batch norm) does not count."""
    return sum(not isinstance(module, nn.Identity) for module in model)


class CNNSession(TrainingSession):
    """One tab's CNN run (see the module docstring), from :func:`parse_cnn_settings`."""

    def __init__(self, settings: dict) -> None:
        super().__init__(settings)
        self.model = build_cnn(settings)
        self.optimizer = optim.Adam(self.model.parameters(), lr=settings["lr"])
        self.view = parse_settings(view_fields(), {}, "view")
        self.losses: list[float] = []
        self._costs: dict[bool, dict] = {}
        self._folded: tuple | None = None  # (step, folded model, report)

    def set_view(self, raw: dict) -> None:
        """Change the image shown or the folding (checked like the settings)."""
        self.view = parse_settings(view_fields(), {**self.view, **raw}, "view")

    def train_step(self, step: int) -> float:
        """One Adam update on a mini-batch of training digits; the batch loss before it."""
        images, labels = dataset(True)
        pick = batch_indices(self.seed, step, len(labels), self.settings["batch_size"])
        self.model.train()
        loss = F.cross_entropy(self.model(from_numpy(images[pick])), from_numpy(labels[pick]))
        value = float(loss.item())
        if np.isfinite(value):
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            self.losses.append(value)
        return value

    def shown_model(self) -> tuple[nn.Sequential, dict | None]:
        """The model the page shows, in eval mode: as trained, or folded; with the folding's
        report (layer counts before and after, the largest change of any test logit). The fold
        is kept until the next training step changes the weights."""
        self.model.eval()
        if not self.view["fold"]:
            return self.model, None
        if self._folded is None or self._folded[0] != self.step:
            self._folded = (self.step, *self._fold())
        return self._folded[1], self._folded[2]

    def _fold(self) -> tuple[nn.Sequential, dict]:
        result = fold_batchnorm(self.model, input_size=(1, IMAGE_SIZE, IMAGE_SIZE))
        images, _ = dataset(False)
        with no_grad():
            before = self.model(from_numpy(images)).detach().numpy()
            after = result.model(from_numpy(images)).detach().numpy()
        report = {
            "layers_before": layer_count(self.model),
            "layers_after": layer_count(result.model),
            "folded": len(result.folded),
            "max_abs_difference": float(np.abs(before - after).max()),
            "report": str(result),
        }
        return result.model, report

    def costs(self, fold: bool) -> dict:
        """Every layer's shapes, parameters and MACs with the worked formulas (``hb.summary``),
        of the network as trained or folded. They depend on the architecture only, not on the
        weights, so each is worked out once per run."""
        if fold not in self._costs:
            table = summary(
                self.model,
                input_size=(1, IMAGE_SIZE, IMAGE_SIZE),
                explain=True,
                fold_bn=fold,
                name="playground CNN",
            )
            rows = [
                {
                    "name": row.name,
                    "type": row.layer_type,
                    "input": list(row.input_shapes[0]) if row.input_shapes else [],
                    "output": list(row.output_shapes[0]) if row.output_shapes else [],
                    "params": row.trainable_params,
                    "macs": row.macs,
                    "steps": list(row.steps),
                    "note": row.note,
                }
                for row in table.rows
            ]
            self._costs[fold] = {
                "rows": rows,
                "total_params": table.total_params,
                "total_macs": table.total_macs,
            }
        return self._costs[fold]

    def activations(self, model: nn.Sequential) -> list[tuple[str, nn.Module, np.ndarray]]:
        """(name, layer, output) of every layer for the shown image, input first as
        ``('input', None, image)``; outputs without the batch axis."""
        images, _ = dataset(False)
        value = from_numpy(images[self.view["image"] : self.view["image"] + 1])
        outputs = [("input", None, value.detach().numpy()[0])]
        with no_grad():
            for name, module in model.named_children():
                value = module(value)
                outputs.append((name, module, value.detach().numpy()[0]))
        return outputs

    def state(self) -> dict:
        """Feature maps, probabilities, filters, costs with worked formulas, curves, folding."""
        model, fold = self.shown_model()
        outputs = self.activations(model)
        images, labels = dataset(False)
        with no_grad():
            logits = model(from_numpy(images))
            test_loss = float(F.cross_entropy(logits, from_numpy(labels)).item())
        probabilities = F.softmax(from_numpy(outputs[-1][2][None]), dim=1).detach().numpy()[0]
        keep = thin(len(self.losses))
        conv1 = self.model.conv1.weight.detach().numpy()
        return {
            "mode": "cnn",
            "settings": self.settings,
            "view": self.view,
            "step": self.step,
            "stopped": self.stopped,
            "layers": [
                {
                    "name": name,
                    "type": "Input" if module is None else type(module).__name__,
                    "shape": list(output.shape),
                    "maps": [encode_map(channel) for channel in output] if output.ndim == 3 else [],
                }
                for name, module, output in outputs
            ],
            "image": {
                "index": self.view["image"],
                "label": int(labels[self.view["image"]]),
                "prediction": int(probabilities.argmax()),
                "probabilities": probabilities.tolist(),
            },
            "filters": [encode_map(kernel[0]) for kernel in conv1],
            "filter_range": float(np.abs(conv1).max()),
            "summary": self.costs(self.view["fold"]),
            "fold": fold,
            "metrics": {
                "test_loss": finite_or_none(test_loss),
                "test_accuracy": float((logits.detach().numpy().argmax(axis=1) == labels).mean()),
                "train_loss": finite_or_none(self.losses[-1]) if self.losses else None,
            },
            "curves": {
                "step": (keep + 1).tolist(),
                "train": [finite_or_none(self.losses[i]) for i in keep],
            },
        }
