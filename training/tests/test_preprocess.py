import math

import numpy as np
import pytest
from scipy.signal import resample_poly

from training import preprocess as pp


def loop_zscore(x):
    """What a plain JS loop does: sequential float64 sums, then Math.fround."""
    out = np.empty(x.shape, dtype=np.float32)
    for lead in range(x.shape[0]):
        row = [float(v) for v in x[lead]]
        s = 0.0
        for v in row:
            s += v
        mean = s / len(row)
        ss = 0.0
        for v in row:
            ss += (v - mean) * (v - mean)
        std = math.sqrt(ss / len(row))
        out[lead] = np.array([(v - mean) / (std + 1e-6) for v in row], dtype=np.float64).astype(np.float32)
    return out


def test_zscore_population_std_and_epsilon():
    rng = np.random.default_rng(0)
    x = rng.normal(3.0, 2.0, (12, 1000))
    z = pp.zscore(x)
    assert z.dtype == np.float32
    expected = ((x - x.mean(-1, keepdims=True)) / (x.std(-1, ddof=0, keepdims=True) + 1e-6)).astype(np.float32)
    np.testing.assert_allclose(z, expected, rtol=0, atol=1e-6)
    # ddof=1 would give a visibly different scale: make sure we are not using it
    biased = (x - x.mean(-1, keepdims=True)) / (x.std(-1, ddof=1, keepdims=True) + 1e-6)
    assert np.abs(z - biased).max() > 1e-4


def test_zscore_matches_plain_loop_bit_for_bit():
    rng = np.random.default_rng(1)
    x = rng.normal(0, 1, (12, 1000)) + np.linspace(0, 2500, 12)[:, None]  # large offsets stress the sums
    assert np.array_equal(pp.zscore(x), loop_zscore(x))


def test_flat_lead_is_finite_and_zero():
    x = np.zeros((12, 1000))
    z = pp.zscore(x)
    assert np.all(z == 0)


def test_resample_uses_reduced_fraction_and_scipy_defaults():
    assert pp.resample_factors(500, 100) == (1, 5)
    assert pp.resample_factors(360, 100) == (5, 18)
    assert pp.resample_factors(100, 500) == (5, 1)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 3600))
    y = pp.resample(x, 360, 100)
    assert np.array_equal(y, resample_poly(x, 5, 18, axis=-1, window=("kaiser", 5.0), padtype="constant"))
    assert y.shape == (2, 1000)
    assert np.array_equal(pp.resample(x, 100, 100), x)


def test_lead_selection_is_case_insensitive_and_reorders():
    names = ["V6", "v5", "V4", "V3", "V2", "V1", "AVF", "avl", "aVR", "III", "II", "I", "X"]
    sig = np.arange(13)[:, None] * np.ones((13, 5))
    out = pp.select_leads(sig, names)
    assert list(out[:, 0]) == [11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]
    with pytest.raises(pp.PreprocessError):
        pp.select_leads(sig[:12], names[:11] + ["X"])


def test_windows_half_overlap_end_aligned_and_short_error():
    assert pp.window_starts(1000, 1000) == [0]
    assert pp.window_starts(1200, 1000) == [0, 200]
    assert pp.window_starts(2000, 1000) == [0, 500, 1000]
    assert pp.window_starts(2100, 1000) == [0, 500, 1000, 1100]
    with pytest.raises(pp.PreprocessError):
        pp.window_starts(999, 1000)
    with pytest.raises(pp.PreprocessError):
        pp.preprocess_record(np.zeros((12, 4995)), list(pp.LEAD_ORDER), 500, 100, 1000)


def test_record_windows_are_zscored_independently():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(12, 7500)) * np.linspace(1, 3, 7500)  # non-stationary scale
    w = pp.preprocess_record(x, list(pp.LEAD_ORDER), 500, 100, 1000)
    assert w.shape == (2, 12, 1000) and w.dtype == np.float32
    np.testing.assert_allclose(w.std(axis=-1), 1.0, atol=1e-4)
    r = pp.resample(x, 500, 100)
    assert np.array_equal(w[1], pp.zscore(r[:, 500:1500]))
