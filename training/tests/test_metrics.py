import numpy as np
import torch

from training import metrics
from training.config import TrainConfig
from training.model import EcgImn, ImnArch
from training.train import step_loss


def test_degeneracy_uniform_and_collapsed():
    uniform = np.ones((2, 1, 12, 1000))
    top, lead, _ = metrics.degeneracy_per_record(uniform)
    np.testing.assert_allclose(top, 0.01)
    np.testing.assert_allclose(lead, 1 / 12)
    spike = np.zeros((1, 1, 12, 1000))
    spike[0, 0, 7, 123] = 5.0
    top, lead, idx = metrics.degeneracy_per_record(spike)
    np.testing.assert_allclose(top, 1.0)
    np.testing.assert_allclose(lead, 1.0)
    assert idx[0, 0] == 7


def test_auroc_bootstrap_perfect_and_undefined():
    y = np.array([[0, 0], [0, 0], [1, 0], [1, 0]] * 5, dtype=float)
    p = np.array([[0.1, 0.3], [0.2, 0.4], [0.8, 0.5], [0.9, 0.6]] * 5)
    t = metrics.auroc_table(y, p, ["A", "B"], n_boot=50)
    assert t["perClass"]["A"]["auroc"] == 1.0 and t["perClass"]["A"]["ci95"] == [1.0, 1.0]
    assert np.isnan(t["perClass"]["B"]["auroc"]) and t["perClass"]["B"]["ci95"] is None
    assert t["macro"]["auroc"] == 1.0


def test_brier():
    b = metrics.brier(np.array([[1.0], [0.0]]), np.array([[0.75], [0.25]]), ["A"])
    assert b["mean"] == 0.0625


def test_lfr_penalty_vanishes_without_noise_and_not_with_it():
    torch.manual_seed(0)
    model = EcgImn(ImnArch(widths=(4, 8, 8)))
    model.decoder[-1].reset_parameters()  # O(1) W so the penalty is visible
    x, y = torch.randn(4, 12, 200), torch.zeros(4, 5)
    gen = torch.Generator().manual_seed(0)
    _, parts = step_loss(model, "imn-lfr", x, y, TrainConfig(lfr_sigma=0.0), gen)
    assert parts["lfr"] < 1e-8  # W(x).x + b(x) is exactly the logit at x
    _, parts = step_loss(model, "imn-lfr", x, y, TrainConfig(lfr_sigma=0.5), gen)
    assert parts["lfr"] > 1e-4
