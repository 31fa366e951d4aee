"""Black-box baseline: resnet1d_wang from the PTB-XL benchmark family (Wang et al. 2017,
as configured in Strodthoff et al. 2021): a stem conv, three residual blocks of 1-D convs
(kernels 5 and 3), then concat(avg, max) pooling and a linear head. Width is a flag
(the benchmark uses 128; we default to 64 so the subset trains fast on 2 CPU cores)."""
from __future__ import annotations

import torch
from torch import nn


class BasicBlock1d(nn.Module):
    def __init__(self, channels: int, kernels=(5, 3)):
        super().__init__()
        k1, k2 = kernels
        self.conv1 = nn.Conv1d(channels, channels, k1, padding=k1 // 2, bias=False)
        self.bn1 = nn.BatchNorm1d(channels)
        self.conv2 = nn.Conv1d(channels, channels, k2, padding=k2 // 2, bias=False)
        self.bn2 = nn.BatchNorm1d(channels)
        self.relu = nn.ReLU()

    def forward(self, x):
        h = self.relu(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        return self.relu(h + x)


class ResNet1dWang(nn.Module):
    def __init__(self, num_classes: int = 5, width: int = 64, leads: int = 12):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv1d(leads, width, 7, padding=3, bias=False), nn.BatchNorm1d(width), nn.ReLU())
        self.blocks = nn.Sequential(*[BasicBlock1d(width) for _ in range(3)])
        self.head = nn.Sequential(nn.BatchNorm1d(2 * width), nn.Dropout(0.25), nn.Linear(2 * width, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.blocks(self.stem(x))
        pooled = torch.cat([h.mean(dim=-1), h.amax(dim=-1)], dim=1)
        return self.head(pooled)
