"""Learning-rate schedules, as ``torch.optim.lr_scheduler``.

A scheduler rewrites ``group["lr"]`` in its optimizer's groups each time ``step()`` is called
(once per epoch, or once per batch for ``OneCycleLR``), after ``optimizer.step()``::

    scheduler = StepLR(optimizer, step_size=30, gamma=0.1)
    for epoch in range(100):
        train_one_epoch(...)          # calls optimizer.step() per batch
        scheduler.step()

Each group's starting rate is recorded as ``group["initial_lr"]`` (and in ``base_lrs``).
``last_epoch`` counts the calls to ``step()``; creating a scheduler makes the first one.
The rates are computed as PyTorch computes them (most recursively from the current rate, so
schedules can be chained), and agree with it exactly.
"""

from .decay import CosineAnnealingLR, ExponentialLR, LinearLR, MultiStepLR, StepLR
from .one_cycle import OneCycleLR
from .scheduler import LRScheduler

__all__ = [
    "CosineAnnealingLR",
    "ExponentialLR",
    "LRScheduler",
    "LinearLR",
    "MultiStepLR",
    "OneCycleLR",
    "StepLR",
]
