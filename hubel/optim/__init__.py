"""Optimizers and learning-rate schedules, as ``torch.optim``.

>>> opt = hubel.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
>>> loss.backward(); opt.step(); opt.zero_grad()
"""

from . import lr_scheduler
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Adam", "AdamW", "Optimizer", "RMSprop", "SGD", "lr_scheduler"]
