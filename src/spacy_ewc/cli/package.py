"""`spacy-ewc package`: `spacy package` that leaves the EWC states out of the wheel unless asked.

`python -m spacy package` copies the whole pipeline folder, so ``model-best/ewc/`` (θ* and F,
tens of MB for en_core_web_sm's ner) would ship inside every installed copy of the model.
A deployed model never trains again, so the default drops it; ``--with-ewc`` keeps it for a
package that later runs continue training from.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Optional

from spacy.cli.package import package as spacy_package
from wasabi import msg

from ..serialize import STATES_DIR
from ._util import Arg, Opt, app, user_errors


def package_pipeline(
    input_dir: Path,
    output_dir: Path,
    *,
    include_ewc: bool = False,
    name: Optional[str] = None,
    version: Optional[str] = None,
    create_sdist: bool = True,
    create_wheel: bool = False,
    force: bool = False,
    silent: bool = True,
) -> None:
    """Build a pip package of the pipeline at `input_dir`, with or without its EWC states."""
    input_dir, output_dir = Path(input_dir), Path(output_dir)
    options = dict(
        name=name, version=version, create_sdist=create_sdist, create_wheel=create_wheel,
        force=force, silent=silent,
    )
    if include_ewc or not (input_dir / STATES_DIR).exists():
        spacy_package(input_dir, output_dir, **options)
        return
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / input_dir.name
        top_level_states = lambda folder, _: [STATES_DIR] if Path(folder) == input_dir else []  # noqa: E731
        shutil.copytree(input_dir, copy, ignore=top_level_states)
        spacy_package(copy, output_dir, **options)


@app.command("package")
def package_cli(
    input_dir: Path = Arg(
        ..., help="Pipeline folder (for example training/model-best)", exists=True, file_okay=False
    ),
    output_dir: Path = Arg(..., help="Parent folder of the package", exists=True, file_okay=False),
    with_ewc: bool = Opt(False, "--with-ewc", help="Keep the EWC states (ewc/) in the package"),
    name: Optional[str] = Opt(None, "--name", "-n", help="Package name, as for spacy package"),
    version: Optional[str] = Opt(None, "--version", "-v", help="Package version, as for spacy package"),
    build: str = Opt("sdist", "--build", "-b", help="Comma-separated artifacts: sdist, wheel"),
    force: bool = Opt(False, "--force", "-f", help="Overwrite an existing package folder"),
):
    """`spacy package`, leaving the EWC states out unless --with-ewc is given."""
    artifacts = {part.strip() for part in build.split(",") if part.strip()}
    if not artifacts <= {"sdist", "wheel"}:
        msg.fail(f"--build takes sdist and/or wheel, got {build!r}.", exits=1)
    with user_errors():
        package_pipeline(
            input_dir, output_dir, include_ewc=with_ewc, name=name, version=version,
            create_sdist="sdist" in artifacts, create_wheel="wheel" in artifacts, force=force, silent=False,
        )
    kept = "with" if with_ewc else "without"
    msg.good(f"Packaged {input_dir} {kept} its EWC states")
