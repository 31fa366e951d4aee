import math

import numpy as np
import pytest
import torch

from training.config import TrainConfig
from training.data import Split, labels_for
from training.train import lr_factor, set_determinism, train_variant


def synthetic_splits(seed=0, n=24, k=5):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 12, 200)).astype(np.float32)
    y = (rng.random((n, k)) < 0.4).astype(np.float32)
    return Split(np.arange(n), x[:16], y[:16]), Split(np.arange(8), x[16:], y[16:])


def tiny_config(out, **kw):
    base = dict(widths=(4, 8, 8), baseline_width=8, epochs=2, batch_size=8, seed=7, threads=1, warmup_steps=2, out=out)
    return TrainConfig(**{**base, **kw})


def run_once(variant, out, **kw):
    cfg = tiny_config(out, **{k: v for k, v in kw.items() if k in ("epochs", "resume")})
    set_determinism(cfg.seed, cfg.threads)
    train, val = synthetic_splits()
    stop = kw.get("stop_after_epochs")
    model, info = train_variant(variant, train, val, cfg, log=lambda *_: None, stop_after_epochs=stop)
    return model, info


def assert_same_weights(m1, m2, what):
    for (n1, p1), (n2, p2) in zip(m1.state_dict().items(), m2.state_dict().items()):
        assert n1 == n2 and torch.equal(p1, p2), (what, n1)


def test_two_seeded_runs_are_identical(tmp_path):
    for variant in ("imn", "imn-lfr", "baseline"):
        m1, i1 = run_once(variant, tmp_path / "a")
        m2, i2 = run_once(variant, tmp_path / "b")
        assert_same_weights(m1, m2, variant)
        assert [h["trainLoss"] for h in i1["history"]] == [h["trainLoss"] for h in i2["history"]]


def test_a_killed_run_resumes_to_the_uninterrupted_result(tmp_path):
    for variant in ("imn", "baseline"):  # the baseline also draws dropout masks from torch's global RNG
        whole, info_whole = run_once(variant, tmp_path / f"whole-{variant}", epochs=3)
        run_once(variant, tmp_path / f"killed-{variant}", epochs=3, stop_after_epochs=1)
        resumed, info_resumed = run_once(variant, tmp_path / f"killed-{variant}", epochs=3, resume=True)
        assert_same_weights(whole, resumed, variant)
        assert [h["trainLoss"] for h in info_whole["history"]] == [h["trainLoss"] for h in info_resumed["history"]]
        assert info_resumed["bestEpoch"] == info_whole["bestEpoch"]


def test_warm_up_then_cosine():
    assert lr_factor(0, 4, 100) == pytest.approx(0.25 * 0.5 * (1 + math.cos(0)))
    assert lr_factor(3, 4, 100) == pytest.approx(0.5 * (1 + math.cos(math.pi * 3 / 100)))  # warm-up done
    assert lr_factor(100, 4, 100) == pytest.approx(0.0)


def test_training_changes_weights_and_records_history(tmp_path):
    m, info = run_once("imn-lfr", tmp_path)
    assert len(info["history"]) == 2 and "lfr" in info["history"][0]
    assert info["bestEpoch"] in (1, 2)


def test_label_aggregation():
    assert labels_for(["MI", "NORM"], "superdiag") == [1, 1, 0, 0, 0]
    assert labels_for(["NORM"], "binary") == [0.0]
    assert labels_for(["NORM", "CD"], "binary") == [1.0]
