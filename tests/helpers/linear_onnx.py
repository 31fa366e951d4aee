"""Writes a hand-built linear ECG-IMN model folder (model.onnx + model.json) for the report tests.

logits[c] = sum(W[c] * ecg) + bias[c] with W[c][l][t] = 0.01 * sin(0.013 * (t + 1) * (l + 1) + 0.7 * c) and
bias[c] = 0.1 * c - 0.2, constant over inputs, so W * x is an exact attribution and every perturbed run has a
closed-form answer. Outputs logits [B,K], W [B,K,12,L], bias [B,K] as the manifest contract requires.

Usage: linear_onnx.py OUT_DIR TEMPLATE_MANIFEST   (prints {"dir": ...} on stdout)
"""
import hashlib
import json
import os
import sys

try:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
except ImportError as err:
    sys.stderr.write(f"missing reference package: {err}\n")
    sys.exit(3)

CLASSES = [("NORM", "Normal ECG"), ("MI", "Myocardial infarction"), ("STTC", "ST/T change")]
LEADS = 12
LENGTH = 1000


def weights():
    k = np.arange(len(CLASSES))[:, None, None]
    l = np.arange(LEADS)[None, :, None]
    t = np.arange(LENGTH)[None, None, :]
    w = 0.01 * np.sin(0.013 * (t + 1) * (l + 1) + 0.7 * k)
    b = 0.1 * np.arange(len(CLASSES)) - 0.2
    return w.astype(np.float32)[None], b.astype(np.float32)[None]


def build():
    w, b = weights()
    K = len(CLASSES)
    nodes = [
        helper.make_node("Unsqueeze", ["ecg", "axis1"], ["x4"]),
        helper.make_node("Mul", ["x4", "Wc"], ["prod"]),
        helper.make_node("ReduceSum", ["prod", "axes23"], ["sums"], keepdims=0),
        helper.make_node("Add", ["sums", "bc"], ["logits"]),
        helper.make_node("Shape", ["prod"], ["prod_shape"]),
        helper.make_node("Expand", ["Wc", "prod_shape"], ["W"]),
        helper.make_node("Shape", ["logits"], ["logit_shape"]),
        helper.make_node("Expand", ["bc", "logit_shape"], ["bias"]),
    ]
    inits = [
        numpy_helper.from_array(w, "Wc"),
        numpy_helper.from_array(b, "bc"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "axis1"),
        numpy_helper.from_array(np.array([2, 3], dtype=np.int64), "axes23"),
    ]
    graph = helper.make_graph(
        nodes,
        "linear-imn",
        [helper.make_tensor_value_info("ecg", TensorProto.FLOAT, ["batch", LEADS, LENGTH])],
        [
            helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", K]),
            helper.make_tensor_value_info("W", TensorProto.FLOAT, ["batch", K, LEADS, LENGTH]),
            helper.make_tensor_value_info("bias", TensorProto.FLOAT, ["batch", K]),
        ],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def main():
    out_dir, template = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    data = build().SerializeToString()
    with open(os.path.join(out_dir, "model.onnx"), "wb") as f:
        f.write(data)
    with open(template) as f:
        manifest = json.load(f)
    K = len(CLASSES)
    manifest.update(
        id="linear-imn",
        name="Hand-built linear ECG-IMN (test fixture)",
        classes=[{"code": c, "name": n} for c, n in CLASSES],
        training={"note": "not trained: W and bias are closed-form constants, see tests/helpers/linear_onnx.py"},
        metrics=None,
    )
    manifest["onnx"].update(
        file="model.onnx",
        sha256=hashlib.sha256(data).hexdigest(),
        opset=17,
        inputs=[{"name": "ecg", "shape": ["batch", LEADS, LENGTH], "type": "float32"}],
        outputs=[
            {"name": "logits", "shape": ["batch", K], "type": "float32"},
            {"name": "W", "shape": ["batch", K, LEADS, LENGTH], "type": "float32"},
            {"name": "bias", "shape": ["batch", K], "type": "float32"},
        ],
    )
    with open(os.path.join(out_dir, "model.json"), "w") as f:
        json.dump(manifest, f, indent=2)
    json.dump({"dir": out_dir}, sys.stdout)


main()
