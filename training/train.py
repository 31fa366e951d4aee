"""Train ECG-IMN, ECG-IMN with local-fidelity regularisation (LFR) and the black-box
resnet1d_wang baseline on the same PTB-XL data, split, preprocessing and seed.

    python -m training.train [--ptbxl PATH] [--task superdiag|binary] [--sampling-rate 100|500] ...

Checkpoint selection uses fold 9 only; fold 10 is evaluated once, after selection.
Writes <out>/<variant>.pt, <out>/<variant>_test.npz and <out>/results.json.
"""
from __future__ import annotations

import copy
import json
import math
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
        # channels-last convolutions: 10-14 ms per sample instead of 15-19 on 2 CPU threads
        # (python -m training.tools.step_cost); the exported graph is layout-free.
        return EcgImn(ImnArch(num_classes=k, widths=tuple(cfg.widths))).to(memory_format=torch.channels_last)
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
        xb = torch.from_numpy(np.array(x[i : i + batch]))  # a copy: x may be a read-only memory map
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
        xb = torch.from_numpy(np.array(x[i : i + batch]))  # a copy: x may be a read-only memory map
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


def lr_factor(step: int, warmup: int, total: int) -> float:
    """Linear warm-up, then cosine decay to 0 over the whole run."""
    warm = min(1.0, (step + 1) / warmup) if warmup > 0 else 1.0
    return warm * 0.5 * (1.0 + math.cos(math.pi * min(step, total) / total))


def batch_tensors(split: Split, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    # Sorted indices read the memory-mapped cache in file order; the batch order itself is
    # irrelevant to the loss (a mean over the batch).
    rows = np.sort(idx.numpy())
    return torch.from_numpy(np.ascontiguousarray(split.x[rows])), torch.from_numpy(split.y[rows])


def checkpoint_path(cfg: TrainConfig, variant: str) -> Path:
    return cfg.out / f"{variant}.last.pt"


def train_variant(variant: str, train: Split, val: Split, cfg: TrainConfig, log=None, deadline: float | None = None,
                  stop_after_epochs: int | None = None) -> tuple[nn.Module, dict]:
    """Train with a checkpoint after every epoch (model, optimiser, schedule, RNG states, history,
    best state), so --resume continues exactly where a killed run stopped. deadline
    (time.time()) stops before an epoch that would end past it; stop_after_epochs simulates
    a kill (tests)."""
    log = log or (lambda msg: print(msg, flush=True))
    k = train.y.shape[1]
    model = build_model(variant, cfg, k)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    steps_per_epoch = max(1, -(-len(train.x) // cfg.batch_size))
    total_steps = cfg.epochs * steps_per_epoch
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_factor(s, cfg.warmup_steps, total_steps))
    order_gen = torch.Generator().manual_seed(cfg.seed)
    noise_gen = torch.Generator().manual_seed(cfg.seed + 1)
    best = {"score": -np.inf, "epoch": -1, "state": None}
    history, start_epoch, prior_wall, prior_cpu = [], 0, 0.0, 0.0
    ckpt_file = checkpoint_path(cfg, variant)
    cfg.out.mkdir(parents=True, exist_ok=True)
    if cfg.resume and ckpt_file.exists():
        ck = torch.load(ckpt_file, map_location="cpu", weights_only=False)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        sched.load_state_dict(ck["sched"])
        order_gen.set_state(ck["orderGen"])
        noise_gen.set_state(ck["noiseGen"])
        torch.set_rng_state(ck["torchRng"])
        best, history, start_epoch = ck["best"], ck["history"], ck["epoch"]
        prior_wall, prior_cpu = ck["wallS"], ck["cpuS"]
        log(f"[{variant}] resumed after epoch {start_epoch}")
    t0 = time.perf_counter()
    c0 = time.process_time()  # CPU seconds: comparable across runs when the shared machine is busy
    stopped_by_budget = False
    for epoch in range(start_epoch, cfg.epochs):
        if deadline is not None and history:
            last = history[-1]["epochWallS"]
            if time.time() + last > deadline:
                stopped_by_budget = True
                log(f"[{variant}] time budget: stopping after epoch {epoch} of {cfg.epochs}")
                break
        e0 = time.perf_counter()
        model.train()
        perm = torch.randperm(len(train.x), generator=order_gen)
        total, parts_sum, max_grad = 0.0, {}, 0.0
        for i in range(0, len(perm), cfg.batch_size):
            idx = perm[i : i + cfg.batch_size]
            if len(idx) < 2:
                continue  # BatchNorm needs more than one sample
            xb, yb = batch_tensors(train, idx)
            loss, parts = step_loss(model, variant, xb, yb, cfg, noise_gen)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.clip_norm > 0:
                max_grad = max(max_grad, float(nn.utils.clip_grad_norm_(model.parameters(), cfg.clip_norm)))
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
            step = i // cfg.batch_size + 1
            if step % 100 == 0:
                log(f"[{variant}] epoch {epoch + 1} step {step}/{steps_per_epoch} loss {loss.item():.4f} "
                    f"({time.perf_counter() - e0:.0f} s)")
            for key, v in parts.items():
                parts_sum[key] = parts_sum.get(key, 0.0) + v * len(idx)
        score = val_score(val.y, predict(model, variant, val.x)["logits"]) if len(val.x) else float("nan")
        row = {"epoch": epoch + 1, "trainLoss": total / len(train.x), "valMacroAuroc": score,
               "maxGradNormBeforeClip": max_grad, "epochWallS": round(time.perf_counter() - e0, 1),
               "elapsedS": round(prior_wall + time.perf_counter() - t0, 1), **{k_: v / len(train.x) for k_, v in parts_sum.items()}}
        history.append(row)
        log(f"[{variant}] epoch {epoch + 1}/{cfg.epochs} loss {row['trainLoss']:.4f} val macro AUROC {score:.4f} "
            f"({row['epochWallS']} s)")
        # strict '>' keeps the earliest best epoch; NaN never wins
        if score > best["score"] or best["state"] is None:
            best = {"score": score, "epoch": epoch + 1, "state": copy.deepcopy(model.state_dict())}
        tmp = ckpt_file.with_suffix(".tmp")
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
                    "orderGen": order_gen.get_state(), "noiseGen": noise_gen.get_state(), "torchRng": torch.get_rng_state(),
                    "best": best, "history": history, "epoch": epoch + 1,
                    "wallS": prior_wall + time.perf_counter() - t0, "cpuS": prior_cpu + time.process_time() - c0}, tmp)
        os.replace(tmp, ckpt_file)
        if stop_after_epochs is not None and epoch + 1 >= stop_after_epochs:
            break
    model.load_state_dict(best["state"])
    info = {"history": history, "bestEpoch": best["epoch"], "bestValMacroAuroc": best["score"],
            "epochsRun": len(history), "stoppedByTimeBudget": stopped_by_budget,
            "trainWallTimeS": round(prior_wall + time.perf_counter() - t0, 1),
            "trainCpuTimeS": round(prior_cpu + time.process_time() - c0, 1)}
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


def run_variant(variant: str, splits: dict[str, Split], cfg: TrainConfig, deadline: float | None = None) -> dict:
    """Train, select on fold 9, evaluate on fold 10 and save one variant. Self-contained
    (sets its own seeds/threads) so it gives the same result in a worker process."""
    set_determinism(cfg.seed, cfg.threads)
    k = splits["train"].y.shape[1]
    model, info = train_variant(variant, splits["train"], splits["val"], cfg, deadline=deadline)
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


def write_results(cfg: TrainConfig, data_info: dict, variants: dict, t_all: float) -> None:
    """results.json after every variant; variants trained by an earlier invocation into the same
    --out (for example the baseline after the IMN) are kept when the data is the same."""
    path = cfg.out / "results.json"
    prev = json.loads(path.read_text()) if path.exists() else {}
    same = prev.get("data", {}).get("recordFilesSha256") == data_info.get("recordFilesSha256")
    merged = {**(prev.get("variants", {}) if same else {}), **variants}
    configs = {**(prev.get("configPerVariant", {}) if same else {}), **{v: cfg.to_json() for v in variants}}
    results = {
        "config": cfg.to_json(),
        "configPerVariant": configs,
        "data": data_info,
        "device": f"CPU ({platform.machine()}), torch {torch.__version__}, {cfg.threads} intra-op thread(s)",
        "variants": merged,
        "wallTimeThisRunS": round(time.perf_counter() - t_all, 1),
        "loadAverage": list(os.getloadavg()),
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(results, indent=2) + "\n")
    os.replace(tmp, path)


def main(argv=None) -> None:
    cfg = parse_args(argv)
    set_determinism(cfg.seed, cfg.threads)
    cfg.out.mkdir(parents=True, exist_ok=True)
    log_file = open(cfg.out / "train.log", "a", buffering=1)

    def log(msg: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} {msg}"
        print(line, flush=True)
        log_file.write(line + "\n")

    t_all = time.perf_counter()
    deadline = time.time() + 60 * cfg.time_budget_min if cfg.time_budget_min > 0 else None
    t = time.perf_counter()
    splits, data_info = load_splits(cfg.ptbxl, cfg.task, cfg.sampling_rate, cfg.length, cfg.max_records,
                                    labels=cfg.labels, cache_dir=cfg.cache_dir, workers=max(1, cfg.threads), log=log)
    data_info["loadWallTimeS"] = round(time.perf_counter() - t, 1)
    log(f"data: { {k: v for k, v in data_info.items() if k != 'droppedRefused'} }")
    done: dict[str, dict] = {}
    if cfg.jobs > 1 and len(cfg.variants) > 1:
        # One process per variant: each is seeded by itself, so the result equals the sequential run.
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=cfg.jobs, mp_context=ctx) as pool:
            futures = {v: pool.submit(run_variant, v, splits, cfg, deadline) for v in cfg.variants}
            for v in cfg.variants:
                done[v] = futures[v].result()
                write_results(cfg, data_info, done, t_all)
    else:
        for v in cfg.variants:
            if deadline is not None and time.time() >= deadline:
                log(f"[{v}] skipped: time budget spent")
                continue
            done[v] = run_variant(v, splits, cfg, deadline)
            write_results(cfg, data_info, done, t_all)
    log(f"wrote {cfg.out / 'results.json'}; {round(time.perf_counter() - t_all, 1)} s wall")


if __name__ == "__main__":
    main()
