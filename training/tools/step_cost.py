"""Cost of one IMN training step on this CPU, per sample, for candidate widths and memory
layouts: what chose the widths and channels-last of the bundled model.

    python -m training.tools.step_cost [--out RUN_DIR] [--threads 2]

Writes <out>/step_cost.json, which training.export puts in the model card.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from ..config import DEFAULT_RUN_DIR
from ..model import EcgImn, ImnArch

WIDTHS = ((8, 16, 32), (8, 16, 64), (16, 32, 64))


def ms_per_sample(widths, batch: int, channels_last: bool, steps: int = 6) -> float:
    torch.manual_seed(0)
    model = EcgImn(ImnArch(widths=widths))
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(model.parameters())
    x, y = torch.randn(batch, 12, 1000), (torch.rand(batch, 5) < 0.3).float()
    times = []
    for _ in range(steps):
        t = time.perf_counter()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x)[0], y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - t)
    times = sorted(times[1:])  # the first step allocates
    return 1000 * times[len(times) // 2] / batch


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m training.tools.step_cost", description=__doc__)
    ap.add_argument("--out", type=Path, default=DEFAULT_RUN_DIR)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    rows = []
    for widths in WIDTHS:
        for cl in (False, True):
            rows.append({"widths": list(widths), "channelsLast": cl, "msPerSample": ms_per_sample(widths, a.batch, cl)})
            print(rows[-1], flush=True)
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "step_cost.json").write_text(json.dumps({"threads": a.threads, "batch": a.batch, "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
