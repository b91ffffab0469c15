"""What BN folding did, in words and numbers: one worked example (channel 0) per folded pair,
and the reason for every BatchNorm left in place."""

from __future__ import annotations

from dataclasses import dataclass

from ..nn import Module


def _number(value: float) -> str:
    return f"{value:.6g}"


def _operand(value: float) -> str:
    """A number written after an operator: negatives in parentheses, ``+ (-0.5)``."""
    return f"({value:.6g})" if value < 0 else f"{value:.6g}"


@dataclass(frozen=True)
class FoldedPair:
    """One BatchNorm absorbed into the layer before it, with channel 0's numbers.

    ``weight`` is channel 0's first weight (``W[0, 0, 0, 0]`` for a Conv2d, ``W[0, 0]`` for a
    Linear) and ``weights_per_channel`` how many weights share channel 0's scale ``s``;
    ``bias`` is the layer's bias before folding (0 where it had none, ``had_bias`` False).
    """

    layer: str
    batchnorm: str
    layer_type: str
    channels: int
    gamma: float
    beta: float
    mean: float
    var: float
    eps: float
    scale: float
    weight: float
    new_weight: float
    weights_per_channel: int
    bias: float
    had_bias: bool
    new_bias: float

    def explain(self) -> str:
        """The algebra for channel 0, step by step, with this pair's numbers."""
        n, o = _number, _operand
        no_bias = "" if self.had_bias else f" ({self.layer_type} had no bias: b = 0)"
        return "\n".join(
            [
                f"{self.layer} + {self.batchnorm} ({self.layer_type}, {self.channels} channels), "
                "channel 0:",
                f"  s  = γ/√(σ²+ε) = {n(self.gamma)}/√({n(self.var)}+{n(self.eps)}) "
                f"= {n(self.scale)}",
                f"  W' = W·s = {n(self.weight)}·{o(self.scale)} = {n(self.new_weight)} "
                f"(the same s for all {self.weights_per_channel} weights of channel 0)",
                f"  b' = (b − μ)·s + β = ({n(self.bias)} − {o(self.mean)})·{o(self.scale)} + "
                f"{o(self.beta)} = {n(self.new_bias)}{no_bias}",
            ]
        )


@dataclass(frozen=True)
class SkippedBatchNorm:
    """A BatchNorm that folding left in place, and why."""

    name: str
    reason: str


@dataclass
class FoldResult:
    """What :func:`~hubel.analysis.fold_batchnorm` returns.

    ``model``: the folded copy, in eval mode (the original is untouched); ``folded``: one
    :class:`FoldedPair` per absorbed BatchNorm, in module order; ``skipped``: the BatchNorms left
    in place with the reason. ``print(result)`` shows :meth:`report`. It also unpacks as
    ``folded_model, result = fold_batchnorm(model)``.
    """

    model: Module
    folded: list[FoldedPair]
    skipped: list[SkippedBatchNorm]

    def __iter__(self):
        return iter((self.model, self))

    def report(self) -> str:
        """Every folded pair with channel 0's worked numbers, then every BatchNorm left in place."""
        lines = [
            f"BN folding: {len(self.folded)} BatchNorm layer(s) absorbed into the Conv2d/Linear "
            f"before them, {len(self.skipped)} left in place.",
            "Per output channel, with s = γ/√(σ²+ε): W' = W·s and b' = (b − μ)·s + β; each "
            "absorbed BatchNorm becomes Identity.",
        ]
        for pair in self.folded:
            lines += ["", pair.explain()]
        if self.skipped:
            lines += ["", "Left in place:"]
            lines += [f"  {skip.name}: {skip.reason}" for skip in self.skipped]
        return "\n".join(lines)

    def _repr_html_(self) -> str:  # Jupyter: the folded pairs and the report
        from hubel.viz.html import fold_html

        return fold_html(self)

    def __str__(self) -> str:
        return self.report()
