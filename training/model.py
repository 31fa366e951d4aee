"""ECG-IMN: an Interpretable Mesomorphic Network for 12-lead ECG (Thambawita et al. 2026,
after Kadra et al. 2024). A deep hypernetwork produces, per input, a linear model
W (K x 12 x L) + b (K) whose dot product with the input IS the logit, so the explanation
W * x is exact (completeness holds by construction, not by approximation).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


W_INIT_SCALE = 1e-2


@dataclass(frozen=True)
class ImnArch:
    num_classes: int = 5
    widths: tuple[int, int, int] = (16, 32, 64)
    kernel: tuple[int, int] = (3, 15)  # (leads, time)


def conv_block(cin: int, cout: int, kernel: tuple[int, int]) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, kernel, padding="same", bias=False),
        nn.BatchNorm2d(cout),
        nn.GELU(),
    )


class EcgImn(nn.Module):
    def __init__(self, arch: ImnArch = ImnArch()):
        super().__init__()
        c1, c2, c3 = arch.widths
        k = arch.kernel
        # The ECG is a 1 x 12 x L image; pooling/upsampling act on time only so every
        # lead keeps its own row in W.
        self.encoder = nn.Sequential(
            conv_block(1, c1, k),
            nn.MaxPool2d((1, 2)),
            conv_block(c1, c2, k),
            nn.MaxPool2d((1, 2)),
            conv_block(c2, c3, k),
        )
        self.decoder = nn.Sequential(
            conv_block(c3, c2, k),
            nn.Upsample(scale_factor=(1.0, 2.0), mode="nearest"),
            conv_block(c2, c1, k),
            nn.Upsample(scale_factor=(1.0, 2.0), mode="nearest"),
            nn.Conv2d(c1, arch.num_classes, k, padding="same"),
        )
        self.bias_head = nn.Linear(c3, arch.num_classes)
        self.arch = arch
        # W is dotted with 12*L inputs, so a default-initialised last layer gives logits with
        # std ~ sqrt(12*L) and a saturated BCE at step 0. Start near the bias-only model.
        last = self.decoder[-1]
        with torch.no_grad():
            last.weight.mul_(W_INIT_SCALE)
            last.bias.zero_()

    def explain(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x: B x 12 x L (z-scored). Returns W: B x K x 12 x L and b: B x K."""
        if x.shape[-1] % 4:
            raise ValueError("input length must be divisible by 4 (two x2 poolings)")
        h = self.encoder(x.unsqueeze(1))
        w = self.decoder(h)
        b = self.bias_head(h.mean(dim=(2, 3)))
        return w, b

    @staticmethod
    def combine(w: torch.Tensor, x: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return (w * x.unsqueeze(1)).sum(dim=(2, 3)) + b

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        w, b = self.explain(x)
        return self.combine(w, x, b), w, b


class ImnLogitsOnly(nn.Module):
    """Adapter so the IMN and the black-box baseline share one training loop (logits only)."""

    def __init__(self, imn: EcgImn):
        super().__init__()
        self.imn = imn

    def forward(self, x):
        return self.imn(x)[0]
