"""Train ECG-IMN, ECG-IMN with local-fidelity regularisation (LFR) and the black-box
resnet1d_wang baseline on the same PTB-XL data, split, preprocessing and seed.

    python -m training.train [--ptbxl PATH] [--task superdiag|binary] [--sampling-rate 100|500] ...

Checkpoint selection uses fold 9 only; fold 10 is evaluated once, after selection.
Writes <out>/<variant>.pt, <out>/<variant>_test.npz and <out>/results.json.
"""
from __future__ import annotations

import copy
import json
import multiprocessing
import os
import platform
import random
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import torch
from torch import nn

from . import metrics
from .baseline import ResNet1dWang
from .config import TrainConfig, parse_args
from .data import Split, class_codes, load_splits
from .model import EcgImn, ImnArch
from .preprocess import LEAD_ORDER


def set_determinism(seed: int, threads: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass  # already set in this process (e.g. a second run inside one pytest session)
    torch.use_deterministic_algorithms(True)


def build_model(variant: str, cfg: TrainConfig, k: int) -> nn.Module:
    torch.manual_seed(cfg.seed)  # identical init per variant regardless of what ran before
    if variant in ("imn", "imn-lfr"):
        return EcgImn(ImnArch(num_classes=k, widths=tuple(cfg.widths)))
    return ResNet1dWang(num_classes=k, width=cfg.baseline_width)


def step_loss(model: nn.Module, variant: str, xb, yb, cfg: TrainConfig, noise_gen: torch.Generator):
    bce = nn.functional.binary_cross_entropy_with_logits
    if variant == "baseline":
        return bce(model(xb), yb), {}
    logits, w, b = model(xb)
    task = bce(logits, yb)
    sparsity = w.abs().mean()
    loss = task + cfg.lam * sparsity
    parts = {"bce": task.item(), "meanAbsW": sparsity.item()}
    if variant == "imn-lfr":
        # Local fidelity: the linear model the IMN emits at x must predict the network's
        # own logit at a nearby x' = x + noise (Hammer/Thambawita et al.).
        x_near = xb + cfg.lfr_sigma * torch.randn(xb.shape, generator=noise_gen)
        local = EcgImn.combine(w, x_near, b)
        real, _, _ = model(x_near)
        fidelity = ((local - real) ** 2).mean()
        loss = loss + cfg.lfr_weight * fidelity
        parts["lfr"] = fidelity.item()
    return loss, parts


@torch.no_grad()
def predict(model: nn.Module, variant: str, x: np.ndarray, batch: int = 64, want_w: bool = False):
    """Logits (N x K); for the IMN also per-record degeneracy stats and the completeness gap."""
    model.eval()
    logits, deg, gap = [], [], 0.0
    for i in range(0, len(x), batch):
        xb = torch.from_numpy(x[i : i + batch])
        if variant == "baseline":
            logits.append(model(xb).numpy())
            continue
        lg, w, b = model(xb)
        logits.append(lg.numpy())
        recon = (w.double() * xb.double()[:, None]).sum((2, 3)) + b.double()
        gap = max(gap, float((recon - lg.double()).abs().max()))
        if want_w:
            deg.append(metrics.degeneracy_per_record((w * xb[:, None]).abs().numpy()))
    out = {"logits": np.concatenate(logits) if logits else np.zeros((0, 0))}
    if variant != "baseline":
        out["completenessMaxAbs"] = gap
    if deg:
        out["degeneracy"] = tuple(np.concatenate([d[j] for d in deg]) for j in range(3))
    return out


@torch.no_grad()
def local_fidelity(model: EcgImn, x: np.ndarray, sigma: float, seed: int, batch: int = 64) -> dict:
    """How well the emitted linear model predicts the network nearby: for x' = x + N(0, sigma^2),
    |sum(W(x) * x') + b(x) - logit(x')| per record and class (logit units). This is what LFR
    trains for; the same seeded noise is used for every variant so they are comparable."""
    model.eval()
    gen = torch.Generator().manual_seed(seed)
    gaps, logits = [], []
    for i in range(0, len(x), batch):
        xb = torch.from_numpy(x[i : i + batch])
        near = xb + sigma * torch.randn(xb.shape, generator=gen)
        _, w, b = model(xb)
        real, _, _ = model(near)
        gaps.append((EcgImn.combine(w, near, b) - real).abs().numpy())
        logits.append(real.numpy())
    g = np.concatenate(gaps)
    return {"sigma": sigma, "meanAbsGap": float(g.mean()), "medianAbsGap": float(np.median(g)),
            "rmsGap": float(np.sqrt((g ** 2).mean())), "logitStd": float(np.concatenate(logits).std())}


def val_score(y: np.ndarray, logits: np.ndarray) -> float:
    aucs = [metrics._auc(y[:, c], logits[:, c]) for c in range(y.shape[1])]
    aucs = [a for a in aucs if not np.isnan(a)]
    return float(np.mean(aucs)) if aucs else float("nan")


def train_variant(variant: str, train: Split, val: Split, cfg: TrainConfig, log=None) -> tuple[nn.Module, dict]:
    log = log or (lambda msg: print(msg, flush=True))
    k = train.y.shape[1]
    model = build_model(variant, cfg, k)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    steps_per_epoch = max(1, -(-len(train.x) // cfg.batch_size))
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.epochs * steps_per_epoch)
    order_gen = torch.Generator().manual_seed(cfg.seed)
    noise_gen = torch.Generator().manual_seed(cfg.seed + 1)
    xt, yt = torch.from_numpy(train.x), torch.from_numpy(train.y)
    best = {"score": -np.inf, "epoch": -1, "state": None}
    history = []
    t0 = time.perf_counter()
    c0 = time.process_time()  # CPU seconds: comparable across runs when the shared machine is busy
    for epoch in range(cfg.epochs):
        model.train()
        perm = torch.randperm(len(xt), generator=order_gen)
        total, parts_sum = 0.0, {}
        for i in range(0, len(perm), cfg.batch_size):
            idx = perm[i : i + cfg.batch_size]
            if len(idx) < 2:
                continue  # BatchNorm needs more than one sample
            loss, parts = step_loss(model, variant, xt[idx], yt[idx], cfg, noise_gen)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
            for key, v in parts.items():
                parts_sum[key] = parts_sum.get(key, 0.0) + v * len(idx)
        score = val_score(val.y, predict(model, variant, val.x)["logits"]) if len(val.x) else float("nan")
        row = {"epoch": epoch + 1, "trainLoss": total / len(xt), "valMacroAuroc": score,
               "elapsedS": round(time.perf_counter() - t0, 1), **{k_: v / len(xt) for k_, v in parts_sum.items()}}
        history.append(row)
        log(f"[{variant}] epoch {epoch + 1}/{cfg.epochs} loss {row['trainLoss']:.4f} val macro AUROC {score:.4f} ({row['elapsedS']} s)")
        # strict '>' keeps the earliest best epoch; NaN never wins
        if score > best["score"] or best["state"] is None:
            best = {"score": score, "epoch": epoch + 1, "state": copy.deepcopy(model.state_dict())}
    model.load_state_dict(best["state"])
    info = {"history": history, "bestEpoch": best["epoch"], "bestValMacroAuroc": best["score"],
            "trainWallTimeS": round(time.perf_counter() - t0, 1), "trainCpuTimeS": round(time.process_time() - c0, 1)}
    return model.eval(), info


def evaluate_test(model, variant: str, test: Split, cfg: TrainConfig) -> tuple[dict, np.ndarray]:
    codes = class_codes(cfg.task)
    pred = predict(model, variant, test.x, want_w=variant != "baseline")
    prob = metrics.sigmoid(pred["logits"])
    res = {
        "auroc": metrics.auroc_table(test.y, prob, codes, n_boot=cfg.bootstrap, seed=cfg.seed),
        "brier": metrics.brier(test.y, prob, codes),
        "reliability": metrics.reliability(test.y, prob),
    }
    if variant != "baseline":
        res["completenessMaxAbs"] = pred["completenessMaxAbs"]
        res["degeneracy"] = metrics.summarize_degeneracy(*pred["degeneracy"], codes, LEAD_ORDER)
        res["localFidelity"] = local_fidelity(model, test.x, cfg.lfr_sigma, cfg.seed + 2)
    return res, prob


def save_checkpoint(path: Path, model: nn.Module, variant: str, cfg: TrainConfig, k: int) -> None:
    torch.save({"variant": variant, "state_dict": model.state_dict(), "numClasses": k,
                "widths": list(cfg.widths), "baselineWidth": cfg.baseline_width, "config": cfg.to_json()}, path)


def run_variant(variant: str, splits: dict[str, Split], cfg: TrainConfig) -> dict:
    """Train, select on fold 9, evaluate on fold 10 and save one variant. Self-contained
    (sets its own seeds/threads) so it gives the same result in a worker process."""
    set_determinism(cfg.seed, cfg.threads)
    k = splits["train"].y.shape[1]
    model, info = train_variant(variant, splits["train"], splits["val"], cfg)
    test_res, prob = evaluate_test(model, variant, splits["test"], cfg)
    info["test"] = test_res
    info["parameters"] = int(sum(p.numel() for p in model.parameters()))
    save_checkpoint(cfg.out / f"{variant}.pt", model, variant, cfg, k)
    np.savez(cfg.out / f"{variant}_test.npz", ids=splits["test"].ids, y=splits["test"].y, p=prob)
    a = test_res["auroc"]["macro"]
    ci = f"95% CI {a['ci95'][0]:.3f}-{a['ci95'][1]:.3f}" if a["ci95"] else "no CI"
    print(f"[{variant}] test macro AUROC {a['auroc']:.3f} ({ci}); "
          f"train {info['trainWallTimeS']} s wall, {info['trainCpuTimeS']} s CPU", flush=True)
    return info


def main(argv=None) -> None:
    cfg = parse_args(argv)
    set_determinism(cfg.seed, cfg.threads)
    cfg.out.mkdir(parents=True, exist_ok=True)
    t_all = time.perf_counter()
    t = time.perf_counter()
    splits, data_info = load_splits(cfg.ptbxl, cfg.task, cfg.sampling_rate, cfg.length, cfg.max_records)
    data_info["loadWallTimeS"] = round(time.perf_counter() - t, 1)
    print(f"data: {data_info}", flush=True)
    results = {
        "config": cfg.to_json(),
        "data": data_info,
        "device": f"CPU ({platform.machine()}), torch {torch.__version__}, {cfg.threads} intra-op thread(s) per variant, "
                  f"{min(cfg.jobs, len(cfg.variants))} variant(s) in parallel",
        "variants": {},
    }
    if cfg.jobs > 1 and len(cfg.variants) > 1:
        # One process per variant: each is seeded and single-threaded by itself, so the result
        # equals the sequential run; on a shared 2-core box this avoids OpenMP barrier stalls.
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=cfg.jobs, mp_context=ctx) as pool:
            futures = {v: pool.submit(run_variant, v, splits, cfg) for v in cfg.variants}
            infos = {v: f.result() for v, f in futures.items()}
    else:
        infos = {v: run_variant(v, splits, cfg) for v in cfg.variants}
    results["variants"] = {v: infos[v] for v in cfg.variants}
    results["totalWallTimeS"] = round(time.perf_counter() - t_all, 1)
    results["totalCpuTimeS"] = round(sum(i["trainCpuTimeS"] for i in infos.values()), 1)
    results["loadAverageAtEnd"] = list(os.getloadavg())
    (cfg.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {cfg.out / 'results.json'}; total {results['totalWallTimeS']} s wall", flush=True)


if __name__ == "__main__":
    main()
