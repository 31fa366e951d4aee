import json
from pathlib import Path

import numpy as np
import onnx
import pytest

from training.make_test_vectors import tiny_model
from training.onnx_export import OPSET, export_onnx, parity, run_onnx, sha256

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"


def test_tiny_model_export_parity(tmp_path):
    model = tiny_model()
    path = tmp_path / "tiny.onnx"
    export_onnx(model, path, 1000)
    graph = onnx.load(str(path))
    assert graph.opset_import[0].version >= 17
    assert [i.name for i in graph.graph.input] == ["ecg"]
    assert [o.name for o in graph.graph.output] == ["logits", "W", "bias"]
    x = np.random.default_rng(0).normal(size=(5, 12, 1000)).astype(np.float32)
    err = parity(model, path, x)
    assert err["logits"] < 1e-4 and err["W"] < 1e-4 and err["bias"] < 1e-4
    assert err["completeness"] < 1e-4
    # dynamic batch axis
    assert run_onnx(path, x[:1])["W"].shape == (1, 5, 12, 1000)


def test_committed_tiny_model_matches_generator():
    """The fixture in tests/fixtures/models/tiny-imn must be what make_test_vectors produces
    (otherwise the TS tests would compare against stale numbers)."""
    manifest = json.loads((FIXTURES / "models" / "tiny-imn" / "model.json").read_text())
    onnx_path = FIXTURES / "models" / "tiny-imn" / "model.onnx"
    assert manifest["onnx"]["sha256"] == sha256(onnx_path)
    assert manifest["onnx"]["opset"] == OPSET
    assert manifest["preprocessing"]["zscore"]["std"] == "population"
    index = json.loads((FIXTURES / "preprocessing" / "index.json").read_text())
    model = tiny_model()
    case = next(c for c in index["cases"] if c["id"] == "sines-500hz-10s")
    win = case["windows"]
    x = np.fromfile(FIXTURES / "preprocessing" / win["file"], "<f4").reshape(win["shape"])
    from training.onnx_export import run_torch
    out = run_torch(model, x)
    np.testing.assert_allclose(out["logits"], np.array(case["tinyImn"]["torch"]["logits"]), atol=1e-5)


def test_fixture_windows_match_reference_preprocessing():
    from training import preprocess as pp
    index = json.loads((FIXTURES / "preprocessing" / "index.json").read_text())
    for case in index["cases"]:
        raw = np.fromfile(FIXTURES / "preprocessing" / case["raw"]["file"], "<f4").reshape(case["raw"]["shape"])
        if case["error"]:
            with pytest.raises(pp.PreprocessError):
                pp.preprocess_record(raw, case["leadNames"], case["sourceRateHz"], 100, 1000)
            continue
        got = pp.preprocess_record(raw, case["leadNames"], case["sourceRateHz"], 100, 1000)
        exp = np.fromfile(FIXTURES / "preprocessing" / case["windows"]["file"], "<f4").reshape(case["windows"]["shape"])
        assert np.array_equal(got, exp), case["id"]
