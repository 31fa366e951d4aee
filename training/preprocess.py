"""Reference preprocessing for ECG-IMN. The TypeScript app (src/core/signal) reimplements
this bit-for-bit and is tested against tests/fixtures/preprocessing, so every numeric
choice here is part of a contract: change one and the fixtures, the manifest and the app
must change with it.

Pipeline for one record (signal: leads x samples, any float dtype, physical units):
  1. select_leads  -> 12 x n in LEAD_ORDER (names matched case-insensitively)
  2. resample      -> scipy.signal.resample_poly(x, up, down, axis=-1) with scipy defaults
                      (window=('kaiser', 5.0), padtype='constant'); up/down = reduced
                      fraction target/source; skipped when the rates are equal
  3. windows       -> windows of L samples, hop L/2; a final end-aligned window is added
                      when the hop grid leaves a tail uncovered; n < L is an error
  4. zscore        -> per window and lead: (x - mean) / (std + 1e-6), population std
                      (ddof=0), float64 math, float32 result

Sums are sequential left-to-right float64 accumulations (np.cumsum), not numpy's default
pairwise summation, so a plain loop in another language reproduces them exactly.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
from scipy.signal import resample_poly

LEAD_ORDER = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")
ZSCORE_EPSILON = 1e-6
WINDOW_OVERLAP = 0.5


class PreprocessError(ValueError):
    """Raised for input the model cannot take (missing leads, record shorter than L)."""


def select_leads(signal: np.ndarray, lead_names: list[str] | tuple[str, ...]) -> np.ndarray:
    """Reorder (and drop extra) leads to LEAD_ORDER. Names are compared case-insensitively
    because WFDB files spell the augmented leads 'AVR', 'aVR' or 'avr'."""
    signal = np.asarray(signal)
    if signal.ndim != 2 or signal.shape[0] != len(lead_names):
        raise PreprocessError(f"signal shape {signal.shape} does not match {len(lead_names)} lead names")
    index = {name.strip().upper(): i for i, name in enumerate(lead_names)}
    missing = [lead for lead in LEAD_ORDER if lead.upper() not in index]
    if missing:
        raise PreprocessError(f"missing leads: {missing}")
    return signal[[index[lead.upper()] for lead in LEAD_ORDER]]


def resample_factors(source_hz: int, target_hz: int) -> tuple[int, int]:
    if source_hz <= 0 or target_hz <= 0 or int(source_hz) != source_hz or int(target_hz) != target_hz:
        raise PreprocessError(f"sampling rates must be positive integers, got {source_hz} -> {target_hz}")
    f = Fraction(int(target_hz), int(source_hz))
    return f.numerator, f.denominator


def resample(signal: np.ndarray, source_hz: int, target_hz: int) -> np.ndarray:
    """float64 leads x n' ; identity (as float64) when the rates are equal."""
    x = np.asarray(signal, dtype=np.float64)
    up, down = resample_factors(source_hz, target_hz)
    if up == 1 and down == 1:
        return x.copy()
    return resample_poly(x, up, down, axis=-1)


def window_starts(n_samples: int, length: int, overlap: float = WINDOW_OVERLAP) -> list[int]:
    if n_samples < length:
        raise PreprocessError(f"record has {n_samples} samples after resampling; the model needs {length}")
    hop = int(round(length * (1.0 - overlap)))
    starts = list(range(0, n_samples - length + 1, hop))
    if starts[-1] + length < n_samples:
        starts.append(n_samples - length)
    return starts


def _sequential_sum(x: np.ndarray) -> np.ndarray:
    # np.cumsum accumulates strictly left to right (unlike np.sum's pairwise scheme).
    return np.cumsum(x, axis=-1)[..., -1]


def zscore(window: np.ndarray) -> np.ndarray:
    x = np.asarray(window, dtype=np.float64)
    n = x.shape[-1]
    mean = _sequential_sum(x) / n
    centered = x - mean[..., None]
    std = np.sqrt(_sequential_sum(centered * centered) / n)  # population std (ddof=0)
    return (centered / (std[..., None] + ZSCORE_EPSILON)).astype(np.float32)


def preprocess_record(
    signal: np.ndarray,
    lead_names: list[str] | tuple[str, ...],
    source_hz: int,
    target_hz: int,
    length: int,
) -> np.ndarray:
    """Return float32 windows x 12 x length, ready for the ONNX input `ecg`."""
    x = resample(select_leads(signal, lead_names), source_hz, target_hz)
    starts = window_starts(x.shape[-1], length)
    return np.stack([zscore(x[:, s : s + length]) for s in starts])


def preprocess_single_window(signal, lead_names, source_hz, target_hz, length) -> np.ndarray:
    """Training/eval view: the first window only (PTB-XL records are exactly 10 s = one window)."""
    x = resample(select_leads(signal, lead_names), source_hz, target_hz)
    if x.shape[-1] < length:
        raise PreprocessError(f"record has {x.shape[-1]} samples after resampling; the model needs {length}")
    return zscore(x[:, :length])
