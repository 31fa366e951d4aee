"""Build no-op stand-ins for the CUDA shared libraries that PyPI's Linux torch wheel links against.

Why: PyPI only ships CUDA builds of torch for Linux x86_64; their native libraries
(libtorch_cuda.so, ...) carry DT_NEEDED entries for ~14 NVIDIA libraries that
normally come from gigabytes of nvidia-* wheels. On a CPU-only machine none of
their code is ever executed, but the dynamic loader still has to find every
library and every *versioned* symbol to load torch at all. We therefore compile
tiny stub libraries that export exactly the symbols torch imports (with the
right symbol-version nodes) and place them where torch's RPATH looks
(site-packages/nvidia/<pkg>/lib). Every stub returns a non-zero status, so
e.g. cudaGetDeviceCount() fails and torch.cuda.is_available() is False.

Usage: python -m training.tools.cuda_stubs [--check]
Idempotent: does nothing when torch already imports.
"""
from __future__ import annotations

import argparse
import collections
import os
import re
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

# soname -> folder under site-packages/nvidia that torch's RPATH searches.
LIBS = {
    "libcudart.so.13": "cu13",
    "libcublas.so.13": "cu13",
    "libcublasLt.so.13": "cu13",
    "libcufft.so.12": "cu13",
    "libcufile.so.0": "cu13",
    "libcupti.so.13": "cu13",
    "libcusolver.so.12": "cu13",
    "libcusparse.so.12": "cu13",
    "libcurand.so.10": "cu13",
    "libnvrtc.so.13": "cu13",
    "libnvJitLink.so.13": "cu13",
    "libcuda.so.1": "cu13",
    "libcudnn.so.9": "cudnn",
    "libnccl.so.2": "nccl",
    "libcusparseLt.so.0": "cusparselt",
    "libnvshmem_host.so.3": "nvshmem",
}
# Unversioned imports cannot be attributed by version node; attribute them by API prefix.
UNVERSIONED_PREFIX = [
    ("nccl", "libnccl.so.2"),
    ("cuFile", "libcufile.so.0"),
    ("cusparseLt", "libcusparseLt.so.0"),
    ("nvrtc", "libnvrtc.so.13"),
    ("nvshmem", "libnvshmem_host.so.3"),
    ("cupti", "libcupti.so.13"),
    ("cudnn", "libcudnn.so.9"),
    ("cublasLt", "libcublasLt.so.13"),
    ("cublas", "libcublas.so.13"),
    ("cusolver", "libcusolver.so.12"),
    ("cusparse", "libcusparse.so.12"),
    ("cufft", "libcufft.so.12"),
    ("cuda", "libcudart.so.13"),
    ("__cuda", "libcudart.so.13"),
    ("cu", "libcuda.so.1"),
]


def torch_lib_dir() -> Path:
    site = Path(sysconfig.get_paths()["purelib"])
    d = site / "torch" / "lib"
    if not d.is_dir():
        sys.exit(f"torch is not installed in {site}")
    return d


def needed(lib: Path) -> list[str]:
    out = subprocess.run(["readelf", "-d", str(lib)], capture_output=True, text=True, check=True).stdout
    return re.findall(r"\(NEEDED\).*\[(.+)\]", out)


def undefined_symbols(lib: Path) -> list[str]:
    out = subprocess.run(["nm", "-D", "--undefined-only", str(lib)], capture_output=True, text=True, check=True).stdout
    return [line.split()[-1] for line in out.splitlines() if line.strip()]


def collect(lib_dir: Path):
    """Return {soname: {version_node_or_None: set(symbols)}} for the NVIDIA libs torch needs."""
    libs = sorted(p for p in lib_dir.glob("*.so*") if p.is_file())
    wanted = set()
    for p in libs:
        wanted.update(n for n in needed(p) if n in LIBS)
    table: dict[str, dict[str | None, set[str]]] = {s: collections.defaultdict(set) for s in wanted}
    for p in libs:
        for sym in undefined_symbols(p):
            if "@" in sym:
                name, ver = sym.split("@", 1)
                ver = ver.lstrip("@")
                owner = next((s for s in wanted if ver == s or (ver == "NVSHMEM" and s.startswith("libnvshmem"))), None)
                if owner:
                    table[owner][ver].add(name)
            else:
                if sym.startswith("_Z"):
                    continue  # C++ symbols come from torch's own libraries
                for prefix, owner in UNVERSIONED_PREFIX:
                    if sym.startswith(prefix) and owner in wanted:
                        table[owner][None].add(sym)
                        break
    return table


def build(table, site: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for soname, by_ver in sorted(table.items()):
            out_dir = site / "nvidia" / LIBS[soname] / "lib"
            out_dir.mkdir(parents=True, exist_ok=True)
            target = out_dir / soname
            if target.exists() and not target.read_bytes().startswith(b"\x7fELF"):
                continue
            c_src = Path(tmp) / f"{soname}.c"
            lines = ["/* generated CPU-only stub: never called with real work */"]
            for syms in by_ver.values():
                for s in sorted(syms):
                    # 100 is cudaErrorNoDevice / CUDA_ERROR_NO_DEVICE: torch then reports
                    # "no GPU" quietly; it is also a failure code for every other NVIDIA API.
                    lines.append(f"int {s}(void) {{ return 100; }}")
            c_src.write_text("\n".join(lines) + "\n")
            vscript = Path(tmp) / f"{soname}.map"
            nodes = []
            for ver, syms in by_ver.items():
                if ver is None:
                    continue
                nodes.append(f'{ver} {{ global: ' + " ".join(f"{x};" for x in sorted(syms)) + " };")
            cmd = ["gcc", "-shared", "-fPIC", "-O0", "-o", str(target), f"-Wl,-soname,{soname}", str(c_src)]
            if nodes:
                vscript.write_text("\n".join(nodes) + "\n")
                cmd.append(f"-Wl,--version-script={vscript}")
            subprocess.run(cmd, check=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--force", action="store_true", help="rebuild even if torch imports")
    args = ap.parse_args()
    if not args.force:
        ok = subprocess.run([sys.executable, "-c", "import torch"], capture_output=True).returncode == 0
        if ok:
            print("torch imports already; no stubs needed")
            return
    lib_dir = torch_lib_dir()
    table = collect(lib_dir)
    build(table, lib_dir.parent.parent)
    print("built CUDA stubs for: " + ", ".join(sorted(table)))


if __name__ == "__main__":
    main()
