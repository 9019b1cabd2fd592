"""Replace a folder as a whole: the new content is complete before the old one goes.

The new folder is written as a hidden sibling, the old one is moved aside, the new one
moved in (`os.replace`, atomic on one filesystem) and only then the old one deleted. A
failure at any point leaves the old folder where it was.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Iterator, Union


@contextlib.contextmanager
def replaced_folder(path: Union[str, Path]) -> Iterator[Path]:
    """Yield an empty temporary folder beside `path`; on success it becomes `path`."""
    path = Path(path).absolute()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.new-", dir=path.parent))
    try:
        yield tmp
        _swap(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _swap(new: Path, path: Path) -> None:
    if not path.exists():
        os.replace(new, path)
        return
    old = path.parent / f".{path.name}.old-{uuid.uuid4().hex[:8]}"
    os.replace(path, old)
    try:
        os.replace(new, path)
    except BaseException:
        os.replace(old, path)
        raise
    shutil.rmtree(old, ignore_errors=True)


def fsync_file(path: Path) -> None:
    """Flush a written file to disk, so a crash cannot leave a swapped-in empty file."""
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())
