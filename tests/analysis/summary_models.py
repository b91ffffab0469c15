"""Small models for the summary tests: a residual block, an Inception-like concatenation, a
layer type of the user's own, a layer that computes on raw arrays, a branch that never runs."""

from __future__ import annotations

import numpy as np

import hubel as hb
from hubel import nn


class Block(nn.Module):
    """conv-BN-ReLU, depthwise conv, then ``relu(out + x)``: the add is functional and the
    ReLU instance is called twice, as in torchvision's BasicBlock."""

    def __init__(self, channels: int = 8):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, groups=channels)

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.conv2(out) + x)


class ResidualNet(nn.Module):
    """Stem conv 7x7/2 + max pool, one Block, global average pool, flatten, fc."""

    def __init__(self, channels: int = 8, num_classes: int = 10):
        super().__init__()
        self.stem = nn.Conv2d(3, channels, 7, stride=2, padding=3)
        self.pool = nn.MaxPool2d(3, 2, 1)
        self.block = Block(channels)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(channels, num_classes)

    def forward(self, x):
        x = self.block(self.pool(self.stem(x)))
        return self.fc(hb.flatten(self.avgpool(x), 1))


class TwoBranches(nn.Module):
    """Inception's idea: two branches joined by ``hb.cat`` along the channels."""

    def __init__(self):
        super().__init__()
        self.left = nn.Conv2d(3, 4, 1)
        self.right = nn.Conv2d(3, 6, 3, padding=1)

    def forward(self, x):
        return hb.cat([self.left(x), self.right(x)], dim=1)


class Swish(nn.Module):
    """A layer type from outside hubel, built from hubel ops: x·sigmoid(βx)."""

    def __init__(self):
        super().__init__()
        self.beta = nn.Parameter(np.ones(1, dtype=np.float32))

    def forward(self, x):
        return x * hb.sigmoid(x * self.beta)


class RawArrays(nn.Module):
    """A layer that bypasses hubel's ops: nothing it computes can be seen or counted."""

    def forward(self, x):
        return hb.Tensor(np.maximum(x.data, 0))


class WithUnusedHead(nn.Module):
    """A head registered between the body and the classifier but never called (like
    GoogLeNet's auxiliary classifiers in eval mode)."""

    def __init__(self):
        super().__init__()
        self.body = nn.Linear(4, 8)
        self.aux = nn.Sequential(nn.Linear(8, 3), nn.ReLU())
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc(self.body(x))
