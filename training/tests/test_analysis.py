import numpy as np
import torch
from sklearn.metrics import roc_auc_score

from training.analysis import fit_temperatures, fold_temperature, paired_difference, score_table
from training.model import EcgImn, ImnArch


def test_folded_temperature_divides_w_b_and_logit_exactly_per_class():
    torch.manual_seed(0)
    model = EcgImn(ImnArch(num_classes=3, widths=(4, 8, 8))).eval()
    temps = np.array([0.5, 1.0, 4.0])
    x = torch.randn(2, 12, 200)
    with torch.no_grad():
        lg, w, b = model(x)
        lg2, w2, b2 = fold_temperature(model, temps)(x)
    t = torch.tensor(temps, dtype=torch.float32)
    assert torch.allclose(w2, w / t.view(1, -1, 1, 1), rtol=1e-5, atol=1e-7)
    assert torch.allclose(b2, b / t, rtol=1e-5, atol=1e-7)
    assert torch.allclose(lg2, lg / t, rtol=1e-4, atol=1e-6)
    # completeness still holds for the calibrated model
    assert torch.allclose((w2 * x[:, None]).sum((2, 3)) + b2, lg2, atol=1e-4)


def test_temperature_recovers_a_known_scale():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(20000, 1)) * 2
    y = (rng.random((20000, 1)) < 1 / (1 + np.exp(-z))).astype(float)
    t = fit_temperatures(z * 3, y)  # logits 3x too confident
    assert abs(t[0] - 3) < 0.15


def test_score_table_and_paired_difference_match_sklearn():
    rng = np.random.default_rng(1)
    y = (rng.random((1000, 2)) < 0.4).astype(float)
    pa, pb = y + rng.normal(size=y.shape), y + 2 * rng.normal(size=y.shape)
    t = score_table(y, pa, ["A", "B"], roc_auc_score, n_boot=50)
    assert t["perClass"]["A"]["value"] == roc_auc_score(y[:, 0], pa[:, 0])
    lo, hi = t["perClass"]["A"]["ci95"]
    assert lo < t["perClass"]["A"]["value"] < hi
    d = paired_difference(y, pa, pb, ["A", "B"], n_boot=200)
    expect = roc_auc_score(y[:, 1], pa[:, 1]) - roc_auc_score(y[:, 1], pb[:, 1])
    assert abs(d["perClass"]["B"]["difference"] - expect) < 1e-12
    assert d["perClass"]["B"]["ci95"][0] > 0 and d["perClass"]["B"]["pTwoSided"] < 0.05  # a is clearly better
