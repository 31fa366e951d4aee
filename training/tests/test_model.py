import numpy as np
import torch

from training.model import EcgImn, ImnArch


def small(seed=0, k=5):
    torch.manual_seed(seed)
    return EcgImn(ImnArch(num_classes=k, widths=(4, 8, 8)))


def test_shapes():
    m = small().eval()
    x = torch.randn(3, 12, 1000)
    logits, w, b = m(x)
    assert logits.shape == (3, 5) and w.shape == (3, 5, 12, 1000) and b.shape == (3, 5)


def test_completeness_identity():
    m = small().eval()
    x = torch.randn(2, 12, 1000, dtype=torch.float64)
    m = m.double()
    logits, w, b = m(x)
    recon = (w * x[:, None]).sum(dim=(2, 3)) + b
    assert torch.allclose(recon, logits, atol=1e-10, rtol=0)


def test_bias_depends_only_on_encoder_summary():
    # bias is a function of x (hypernetwork), not a constant parameter
    m = small().eval()
    _, _, b1 = m(torch.randn(1, 12, 1000))
    _, _, b2 = m(torch.randn(1, 12, 1000) * 3)
    assert not torch.allclose(b1, b2)


def test_weights_differ_between_leads():
    m = small().eval()
    _, w, _ = m(torch.randn(1, 12, 1000))
    assert (w[0, 0, 0] - w[0, 0, 1]).abs().max() > 0


def test_binary_head():
    m = small(k=1).eval()
    logits, w, b = m(torch.randn(2, 12, 1000))
    assert logits.shape == (2, 1) and w.shape == (2, 1, 12, 1000)


def test_length_must_be_divisible_by_4():
    m = small().eval()
    try:
        m(torch.randn(1, 12, 1002))
    except ValueError:
        return
    raise AssertionError("expected ValueError")
