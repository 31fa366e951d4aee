#!/usr/bin/env bash
# Lean CPU-only install of the training environment from PyPI alone.
# PyPI's Linux torch wheel is a CUDA build whose dependencies are ~3 GB of nvidia-* wheels.
# We install torch with --no-deps, add its pure-Python deps, and compile tiny no-op stubs
# for the CUDA sonames it links against (training/tools/cuda_stubs.py) so it loads on CPU.
# Idempotent: every step is skipped when already satisfied. Uses $PYTHON (default python3).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
TORCH_VERSION="2.15.0"
pipi() { flock /tmp/pip.lock "$PY" -m pip install --disable-pip-version-check -q "$@"; }

if ! "$PY" -c "import torch, sys; sys.exit(0 if torch.__version__.split('+')[0] == '$TORCH_VERSION' else 1)" 2>/dev/null; then
  if ! "$PY" -m pip show torch 2>/dev/null | grep -q "^Version: $TORCH_VERSION"; then
    pipi --no-deps "torch==$TORCH_VERSION"
  fi
fi

# pip check would complain about the missing nvidia/triton deps by design; only check our pins.
if ! "$PY" - <<'PYEOF' 2>/dev/null
import sys
from importlib.metadata import version, PackageNotFoundError
for line in open("training/requirements.txt"):
    line = line.split("#")[0].strip()
    if not line:
        continue
    name, want = line.split("==")
    try:
        if version(name) != want:
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
PYEOF
then
  pipi -r training/requirements.txt
fi

"$PY" -m training.tools.cuda_stubs
"$PY" -c "import torch, onnxruntime, wfdb, scipy; assert not torch.cuda.is_available(); print('training env ok: torch', torch.__version__, 'scipy', scipy.__version__)"
