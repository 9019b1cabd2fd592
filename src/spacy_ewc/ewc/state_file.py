"""The EWC state on disk: ``ewc.json`` (settings, keys, shapes, a checksum) and ``arrays.npz``.

Writing replaces the folder as a whole (`atomic.replaced_folder`); reading checks every
field and array before anything is used, so a damaged or edited state is one coded error
that names the file, never a penalty that silently pushes the wrong way.
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
import zipfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import numpy
import srsly

from ..atomic import fsync_file, replaced_folder
from ..checks import as_path
from ..errors import Errors, Warnings, warn
from . import math as ewc_math

STATE_FORMAT = 1
META_FILE = "ewc.json"
ARRAYS_FILE = "arrays.npz"
STATE_FILES = (META_FILE, ARRAYS_FILE)
FISHER_PARTS = ("empirical", "predicted")


def write_state(path: Path, meta: Dict[str, Any], arrays: Dict[str, numpy.ndarray]) -> None:
    """Write `arrays` and `meta` (plus the arrays' checksum) as the state folder `path`."""
    path = as_path(path)
    if path.is_file():
        raise FileExistsError(Errors.E031.format(path=path, problem="it is a file, not a folder"))
    if path.is_dir():
        others = sorted(p.name for p in path.iterdir() if p.name not in STATE_FILES)
        if others:
            problem = f"the folder holds other files ({', '.join(others[:5])}), so it is not an EWC state"
            raise FileExistsError(Errors.E031.format(path=path, problem=problem))
    with replaced_folder(path) as tmp:
        numpy.savez(tmp / ARRAYS_FILE, **arrays)
        fsync_file(tmp / ARRAYS_FILE)
        meta = dict(meta, arrays_sha256=_sha256(tmp / ARRAYS_FILE))
        (tmp / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf8")
        fsync_file(tmp / META_FILE)


def read_state(path: Path) -> Tuple[Dict[str, Any], Dict[str, numpy.ndarray]]:
    """The checked settings and arrays of the state folder `path`."""
    path = as_path(path)
    meta_path, arrays_path = path / META_FILE, path / ARRAYS_FILE
    if not meta_path.is_file() or not arrays_path.is_file():
        raise FileNotFoundError(Errors.E013.format(path=path, files=", ".join(STATE_FILES)))
    try:
        meta = json.loads(meta_path.read_text(encoding="utf8"))
    except (ValueError, UnicodeDecodeError) as err:
        problem = f"it is not valid JSON ({err})"
        raise ValueError(Errors.E030.format(path=meta_path, problem=problem)) from None
    _check_meta(meta, path, meta_path)
    checksum = meta.get("arrays_sha256")
    if checksum is None:
        warn(Warnings.W030.format(path=path))
    elif _sha256(arrays_path) != checksum:
        problem = "its checksum differs from the one in ewc.json: it was changed or only partly written"
        raise ValueError(Errors.E030.format(path=arrays_path, problem=problem))
    try:
        with numpy.load(arrays_path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as err:
        problem = f"it is not a readable .npz archive ({type(err).__name__}: {err})"
        raise ValueError(Errors.E030.format(path=arrays_path, problem=problem)) from None
    problem = arrays_problem(meta, arrays)
    if problem:
        raise ValueError(Errors.E030.format(path=arrays_path, problem=problem))
    return meta, arrays


def state_to_bytes(meta: Dict[str, Any], arrays: Dict[str, numpy.ndarray]) -> bytes:
    """`meta` and `arrays` as one msgpack message (arrays byte for byte, with dtype and shape)."""
    return srsly.msgpack_dumps({"meta": meta, "arrays": arrays})


def state_from_bytes(data: bytes) -> Tuple[Dict[str, Any], Dict[str, numpy.ndarray]]:
    """The checked settings and arrays of bytes written by `state_to_bytes`."""
    where = "the EWC state bytes"
    try:
        message = srsly.msgpack_loads(data)
    except Exception as err:
        problem = f"they are not an EWC state message ({type(err).__name__}: {err})"
        raise ValueError(Errors.E030.format(path=where, problem=problem)) from None
    if not isinstance(message, dict) or set(message) != {"meta", "arrays"} or not isinstance(
        message["arrays"], dict
    ):
        raise ValueError(Errors.E030.format(path=where, problem="they do not hold settings and arrays"))
    meta, arrays = message["meta"], message["arrays"]
    _check_meta(meta, where, where)
    problem = arrays_problem(meta, arrays)
    if problem:
        raise ValueError(Errors.E030.format(path=where, problem=problem))
    return meta, arrays


def _check_meta(meta: Any, path: Any, meta_path: Any) -> None:
    if not isinstance(meta, dict):
        raise ValueError(Errors.E030.format(path=meta_path, problem="it does not hold a JSON object"))
    if meta.get("format") != STATE_FORMAT:
        raise ValueError(Errors.E015.format(path=path, found=meta.get("format"), expected=STATE_FORMAT))
    problem = meta_problem(meta)
    if problem:
        raise ValueError(Errors.E030.format(path=meta_path, problem=problem))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _is_int(value: Any, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def fisher_kind_ok(value: Any) -> bool:
    return isinstance(value, str) and bool(value) and all(p in FISHER_PARTS for p in value.split("+"))


def shards_problem(shards: Any, n_examples: Any) -> Optional[str]:
    """What is wrong with a list of [start, end) example ranges, or None."""
    if shards is None:
        return None
    if not isinstance(shards, (list, tuple)) or not all(
        isinstance(r, (list, tuple)) and len(r) == 2 and _is_int(r[0], 0) and _is_int(r[1], 0) and r[0] < r[1]
        for r in shards
    ):
        return f"shards must be a list of [start, end) example ranges with 0 <= start < end, got {shards!r}"
    covered = sum(end - start for start, end in shards)
    if covered != n_examples:
        return f"the shards {shards!r} cover {covered} examples, n_examples says {n_examples!r}"
    return None


def meta_problem(meta: Dict[str, Any]) -> Optional[str]:
    """What is wrong with the settings of a state, or None."""
    keys, shapes, name = meta.get("keys"), meta.get("shapes"), meta.get("pipe_name")
    lam, scale = meta.get("lambda"), meta.get("fisher_scale")
    checks = [
        (isinstance(name, str) and bool(name), "pipe_name", "a component name"),
        (_is_number(lam) and lam >= 0, "lambda", "a finite number >= 0"),
        (fisher_kind_ok(meta.get("fisher_kind")), "fisher_kind", "'empirical', 'predicted' or both"),
        (meta.get("normalize") in ewc_math.NORMALIZATIONS, "normalize", "'peak', 'mean', 'max' or null"),
        (_is_number(scale) and scale > 0, "fisher_scale", "a number > 0"),
        (_is_int(meta.get("n_examples"), 1), "n_examples", "an integer >= 1"),
        (_is_int(meta.get("tasks", 1), 1), "tasks", "an integer >= 1"),
        (isinstance(keys, list) and bool(keys) and all(isinstance(k, str) for k in keys)
         and len(set(keys)) == len(keys), "keys", "a list of distinct parameter paths"),
        (isinstance(shapes, list) and isinstance(keys, list) and len(shapes) == len(keys)
         and all(isinstance(s, list) and all(_is_int(d, 0) for d in s) for s in shapes),
         "shapes", "one list of dimensions per key"),
        (meta.get("labels") is None or (isinstance(meta["labels"], list)
                                        and all(isinstance(x, str) for x in meta["labels"])),
         "labels", "a list of labels or null"),
        (meta.get("arrays_sha256") is None or isinstance(meta["arrays_sha256"], str),
         "arrays_sha256", "a hex digest"),
    ]
    for ok, field, expected in checks:
        if not ok:
            return f"{field} must be {expected}, got {meta.get(field)!r}"
    if meta.get("tasks", 1) == 1:
        return shards_problem(meta.get("shards"), meta["n_examples"])
    return None


def array_problem(name: str, array: Any, shape: Optional[Tuple[int, ...]] = None,
                  importance: bool = False) -> Optional[str]:
    """What is wrong with one state array, or None: float, of `shape`, finite, >= 0 for F."""
    if not isinstance(array, numpy.ndarray) or array.dtype.kind != "f":
        kind = getattr(array, "dtype", type(array).__name__)
        return f"{name} must be a float array, got {kind}"
    if shape is not None and tuple(array.shape) != tuple(shape):
        return f"{name} has shape {tuple(array.shape)}, expected {tuple(shape)}"
    if not numpy.isfinite(array).all():
        return f"{name} holds NaN or inf values"
    if importance and array.size and float(array.min()) < 0:
        return f"{name} holds negative importance (min {float(array.min()):g}); the Fisher is >= 0"
    return None


def arrays_problem(meta: Dict[str, Any], arrays: Dict[str, numpy.ndarray]) -> Optional[str]:
    """What is wrong with the arrays of a state whose settings passed `meta_problem`, or None."""
    expected = set()
    for i, (key, shape) in enumerate(zip(meta["keys"], meta["shapes"])):
        names = (f"theta_star_{i}", f"fisher_{i}", f"fisher_raw_{i}")
        expected.update(names)
        for name in names[:2]:
            if name not in arrays:
                return f"the array {name} (of parameter {key}) is missing"
        for name in names:
            if name in arrays:
                problem = array_problem(f"{name} ({key})", arrays[name], shape, importance=name != names[0])
                if problem:
                    return problem
    extra = sorted(set(arrays) - expected)
    if extra:
        return f"it holds arrays that ewc.json does not list: {', '.join(extra[:5])}"
    return None


def state_arrays(theta_star: Dict[str, Any], fisher: Dict[str, Any], raw: Dict[str, Any],
                 keys: List[str]) -> Dict[str, numpy.ndarray]:
    arrays = {}
    for i, key in enumerate(keys):
        arrays[f"theta_star_{i}"] = theta_star[key]
        arrays[f"fisher_{i}"] = fisher[key]
        if key in raw:
            arrays[f"fisher_raw_{i}"] = raw[key]
    return arrays
