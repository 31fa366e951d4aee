import numpy as np
import torch

from training.config import TrainConfig
from training.data import Split, labels_for
from training.train import set_determinism, train_variant


def synthetic_splits(seed=0, n=24, k=5):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 12, 200)).astype(np.float32)
    y = (rng.random((n, k)) < 0.4).astype(np.float32)
    return Split(np.arange(n), x[:16], y[:16]), Split(np.arange(8), x[16:], y[16:])


def run_once(variant):
    cfg = TrainConfig(widths=(4, 8, 8), baseline_width=8, epochs=2, batch_size=8, seed=7, threads=1)
    set_determinism(cfg.seed, cfg.threads)
    train, val = synthetic_splits()
    model, info = train_variant(variant, train, val, cfg, log=lambda *_: None)
    return model, info


def test_two_seeded_runs_are_identical():
    for variant in ("imn", "imn-lfr", "baseline"):
        m1, i1 = run_once(variant)
        m2, i2 = run_once(variant)
        for (n1, p1), (n2, p2) in zip(m1.state_dict().items(), m2.state_dict().items()):
            assert n1 == n2 and torch.equal(p1, p2), (variant, n1)
        assert [h["trainLoss"] for h in i1["history"]] == [h["trainLoss"] for h in i2["history"]]


def test_training_changes_weights_and_records_history():
    m, info = run_once("imn-lfr")
    assert len(info["history"]) == 2 and "lfr" in info["history"][0]
    assert info["bestEpoch"] in (1, 2)


def test_label_aggregation():
    assert labels_for(["MI", "NORM"], "superdiag") == [1, 1, 0, 0, 0]
    assert labels_for(["NORM"], "binary") == [0.0]
    assert labels_for(["NORM", "CD"], "binary") == [1.0]
