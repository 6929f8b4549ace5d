"""labgrade inside Gradescope: the autograder bundle and its ``run_autograder`` entry point.

Gradescope's autograder specification (gradescope/autograder_samples, ``docs/specs.md``
and ``docs/submission_metadata.md``): the uploaded zip has ``setup.sh`` (run once,
as root, on Ubuntu, to install dependencies) and ``run_autograder`` (run per
submission, working directory ``/autograder``) at its root; the zip is unpacked in
``/autograder/source``, the student's files are in ``/autograder/submission``, the
submission's metadata in ``/autograder/submission_metadata.json`` (``id``,
``created_at``, ``assignment`` with ``due_date``/``late_due_date``/``total_points``,
``users`` with ``email``/``id``/``name``, ``previous_submissions``), and
``run_autograder`` must leave ``/autograder/results/results.json`` (``score``,
``execution_time``, ``output``, ``visibility``, ``stdout_visibility``, ``tests`` with
``score``/``max_score``/``name``/``output``/``visibility``...).

`write_bundle` writes that zip: labgrade pinned (its source tree, installed editable
so its rubrics are found, or a wheel/sdist plus the rubrics), bubblewrap from apt,
and a config naming the lab. ``run_autograder`` calls ``python -m
harness.autograder``, which runs `run_autograder` against ``$AUTOGRADER_ROOT``
(default ``/autograder``): it picks the file to grade, calls ``grade_fn`` (default
`harness.grading.grade_one`, which writes Gradescope's ``results.json`` itself,
see `harness.report.gradescope`) and copies that file. Whatever goes wrong (no
notebook, a crash, no results) still leaves a valid ``results.json`` with score 0 and
a message saying what happened and what to do; the traceback goes to stdout, which
Gradescope shows to instructors only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
import traceback
import zipfile
from pathlib import Path
from typing import Any, Callable

from harness.execute import Limits
from harness.grading import grade_one
from harness.labs import PROJECT_ROOT, RUBRICS_DIR, get_lab
from harness.lms.files import choose, walk_files
from harness.serialize import write_atomic

CONFIG_NAME = "labgrade-autograder.json"
MAX_METADATA_BYTES = 1 << 20
MAX_RESULTS_BYTES = 16 << 20
_SOURCE_PARTS = ("pyproject.toml", "README.md", "harness", "reference", "rubrics")
_SOURCE_SKIP = re.compile(r"(^|/)(__pycache__|\.ipynb_checkpoints|\.[^/]*)(/|$)|\.py[co]$")
GradeFn = Callable[..., Any]

_SETUP = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
# bubblewrap: labgrade's sandbox (namespaces); without it labgrade falls back to rlimits only.
apt-get install -y --no-install-recommends bubblewrap python3 python3-venv python3-pip
{python} -m venv /autograder/venv
/autograder/venv/bin/python -m pip install --upgrade pip
{install}
# Fail the build now, not at the first submission, if labgrade cannot be imported.
/autograder/venv/bin/python -c "import harness.autograder, harness.grading"
"""
_INSTALL_SOURCE = """\
# labgrade, pinned: the source tree in this bundle, installed editable so its rubrics/ are found.
/autograder/venv/bin/python -m pip install -e "/autograder/source/labgrade{extras}"
"""
_INSTALL_DIST = """\
# labgrade, pinned: the {kind} in this bundle; its rubrics/ travel next to it.
/autograder/venv/bin/python -m pip install "labgrade{extras} @ file:///autograder/source/dist/{name}"
RUBRICS=$(/autograder/venv/bin/python -c "from harness.labs import RUBRICS_DIR; print(RUBRICS_DIR)")
if [ ! -d "$RUBRICS" ]; then mkdir -p "$RUBRICS" && cp -r /autograder/source/rubrics/. "$RUBRICS/"; fi
"""
_RUN = """\
#!/usr/bin/env bash
# Gradescope runs this for every submission; it must leave /autograder/results/results.json.
set -u
cd /autograder/source
exec /autograder/venv/bin/python -m harness.autograder --config /autograder/source/{config}
"""


def _source_files(root: Path) -> list[tuple[Path, str]]:
    files = []
    for part in _SOURCE_PARTS:
        top = root / part
        if top.is_file():
            files.append((top, part))
        elif top.is_dir():
            for path in sorted(top.rglob("*")):
                rel = path.relative_to(root).as_posix()
                if path.is_file() and not path.is_symlink() and not _SOURCE_SKIP.search(rel):
                    files.append((path, rel))
    return files


def write_bundle(*, lab: str, out: str | Path, source: str | Path | None = None, extras: str = "tf",
                 sandbox: str = "auto", quick: bool = False, timeout: float | None = None,
                 data_root: str | None = None, python: str = "python3") -> Path:
    """Writes a Gradescope autograder zip that grades `lab` with labgrade.

    Args:
        lab: the lab id (e.g. ``fashion-transfer``).
        out: the zip to write.
        source: what labgrade to install: a source checkout (a folder with
            ``pyproject.toml``, ``harness/``, ``rubrics/``), a wheel (``.whl``) or an
            sdist (``.tar.gz``). Default: the checkout this module runs from.
        extras: pip extras to install with it (``tf`` = TensorFlow CPU, the default
            Keras backend; ``""`` for none).
        sandbox: labgrade's sandbox mode in the container (``auto``, ``bwrap``, ``none``).
        quick: grade with the lab's quick-mode data and bands.
        timeout: per-submission limit in seconds (default: the lab's).
        data_root: labgrade's data root inside the container (a path, e.g. one that
            setup.sh fills); default: ``$LABGRADE_DATA``, else Keras' cache and downloads.
        python: the interpreter that creates the virtual environment.

    Returns:
        The zip's path.

    Raises:
        KeyError: an unknown lab (the message lists the labs).
        ValueError: a source that is neither a checkout nor a wheel/sdist, or a
            checkout without ``rubrics/<lab>.toml``.
    """
    spec = get_lab(lab)
    src = Path(source) if source is not None else PROJECT_ROOT
    plus = f"[{extras}]" if extras else ""
    members: list[tuple[Path | None, str, str | None]] = []  # (file, name in zip, text)
    if src.is_dir():
        if not (src / "pyproject.toml").is_file() or not (src / "harness").is_dir():
            raise ValueError(f"source={str(src)!r} is not a labgrade checkout (no pyproject.toml and harness/); pass "
                             f"a checkout, a .whl or a .tar.gz.")
        if not (src / "rubrics" / f"{spec.id}.toml").is_file():
            raise ValueError(f"source={str(src)!r} has no rubrics/{spec.id}.toml; the bundle could not grade {lab}.")
        members += [(path, f"labgrade/{rel}", None) for path, rel in _source_files(src)]
        install = _INSTALL_SOURCE.format(extras=plus)
    elif src.is_file() and (src.name.endswith(".whl") or src.name.endswith(".tar.gz")):
        rubric = RUBRICS_DIR / f"{spec.id}.toml"
        if not rubric.is_file():
            raise ValueError(f"{rubric} is missing; a wheel or sdist does not carry rubrics/, so the bundle takes "
                             f"them from this checkout.")
        members.append((src, f"dist/{src.name}", None))
        members += [(path, f"rubrics/{path.relative_to(RUBRICS_DIR).as_posix()}", None)
                    for path in sorted(RUBRICS_DIR.rglob("*")) if path.is_file()]
        install = _INSTALL_DIST.format(kind="wheel" if src.name.endswith(".whl") else "sdist", extras=plus,
                                       name=src.name)
    else:
        raise ValueError(f"source={str(src)!r} is neither a labgrade checkout nor a .whl/.tar.gz file.")
    config = {"lab": spec.id, "sandbox": sandbox, "quick": quick, "timeout": timeout, "data_root": data_root}
    members += [(None, "setup.sh", _SETUP.format(python=python, install=install.rstrip("\n"))),
                (None, "run_autograder", _RUN.format(config=CONFIG_NAME)),
                (None, CONFIG_NAME, json.dumps(config, indent=2) + "\n")]
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, name, text in members:
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # reproducible bytes
            executable = name in ("setup.sh", "run_autograder")
            info.external_attr = (0o100755 if executable else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text if text is not None else path.read_bytes())
    os.replace(tmp, out)
    return out


def _read_json(path: Path, limit: int) -> Any:
    """A small JSON file, or None when missing, too big or not JSON."""
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > limit:
            return None
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _student_id(metadata: Any) -> str | None:
    users = metadata.get("users") if isinstance(metadata, dict) else None
    if not isinstance(users, list) or not users or not isinstance(users[0], dict):
        return None
    user = users[0]
    value = user.get("sid") or user.get("email") or user.get("id")
    return str(value) if value not in (None, "") else None


def _pick(files: list[Path], lab: str) -> tuple[Path | None, list[Path]]:
    """Notebooks first; among several, one named like the lab (``fashion_transfer.ipynb``)."""
    chosen, others = choose(files)
    if chosen is None or not others:
        return chosen, others
    words = [w for w in re.split(r"[-_]", lab.lower()) if len(w) >= 3]
    pool = [chosen, *others]
    named = [p for p in pool if any(w in re.sub(r"[-_ ]", "", p.stem.lower()) for w in words)]
    if named:
        chosen = named[0]
    return chosen, [p for p in pool if p != chosen]


def _failure(message: str, *, started: float) -> dict[str, Any]:
    return {"score": 0.0, "execution_time": round(time.monotonic() - started, 1), "output": message,
            "visibility": "visible", "stdout_visibility": "hidden", "tests": []}


def _grade_with_labgrade(path: Path, *, lab: str, out: Path, student_id: str | None, sandbox: str, quick: bool,
                         timeout: float | None, data_root: str | None = None) -> Any:
    limits = Limits.for_lab(get_lab(lab), quick=quick, total_timeout_s=timeout) if timeout else None
    return grade_one(path, lab=lab, out=out, quick=quick, sandbox=sandbox, student_id=student_id, limits=limits,
                     data_root=data_root)


def run_autograder(root: str | Path, *, lab: str, grade_fn: GradeFn | None = None, sandbox: str = "auto",
                   quick: bool = False, timeout: float | None = None, data_root: str | None = None) -> dict[str, Any]:
    """Grades ``root/submission`` into ``root/results/results.json``; never raises for a submission's fault.

    Args:
        root: Gradescope's ``/autograder`` (a fake tree in tests).
        lab: the lab id.
        grade_fn: ``grade_fn(path, lab=, out=, student_id=, sandbox=, quick=, timeout=, data_root=)``
            that writes ``out/<submission>/results.json`` (default: labgrade's
            `harness.grading.grade_one`).
        sandbox: labgrade's sandbox mode.
        quick: quick-mode data and bands.
        timeout: per-submission limit in seconds (default: the lab's).
        data_root: labgrade's data root (default: ``$LABGRADE_DATA``, else Keras' cache).

    Returns:
        The results document written.
    """
    started = time.monotonic()
    root = Path(root)
    results_path = root / "results" / "results.json"
    problems: list[str] = []
    files = walk_files(root / "submission", problems) if (root / "submission").is_dir() else []
    chosen, others = _pick(files, lab)
    if chosen is None:
        listed = ", ".join(p.name for p in files[:8]) or "nothing"
        results = _failure(f"No notebook (.ipynb) or Python module (.py) was found in your submission (received: "
                           f"{listed}). Upload your {lab} notebook (a .ipynb file) and submit again.", started=started)
    else:
        note = ""
        if others:
            note = (f"You uploaded {len(others) + 1} files that could be graded; graded {chosen.name} (ignored: "
                    f"{', '.join(p.name for p in others[:5])}). If that is the wrong one, submit only your notebook.\n")
        student = _student_id(_read_json(root / "submission_metadata.json", MAX_METADATA_BYTES))
        out = Path(tempfile.mkdtemp(prefix="labgrade-", dir=root / "results" if (root / "results").is_dir() else None))
        try:
            (grade_fn or _grade_with_labgrade)(chosen, lab=lab, out=out, student_id=student, sandbox=sandbox,
                                               quick=quick, timeout=timeout, data_root=data_root)
            written = sorted(out.glob("*/results.json"))
            results = _read_json(written[0], MAX_RESULTS_BYTES) if len(written) == 1 else None
            if not isinstance(results, dict) or "tests" not in results and "score" not in results:
                raise RuntimeError(f"the grader left {len(written)} results.json file(s) under {out}, expected one "
                                   f"valid document")
            results["output"] = note + str(results.get("output") or "")
            results.setdefault("execution_time", round(time.monotonic() - started, 1))
        except Exception as exc:  # a grader bug must still give the student a clear, valid result
            traceback.print_exc(file=sys.stdout)  # stdout is shown to instructors only
            results = _failure(note + f"The autograder could not grade your submission ({type(exc).__name__}: "
                               f"{str(exc)[:300]}). This 0 is not a judgement of your work: your instructor can see "
                               f"what went wrong and will grade it by hand; you may also resubmit.", started=started)
    for line in problems:
        print(line)
    write_atomic(results_path, json.dumps(results, indent=2, ensure_ascii=False))
    return results


def main(argv: list[str] | None = None, *, grade_fn: GradeFn | None = None) -> int:
    """``python -m harness.autograder --config FILE``: what ``run_autograder`` runs.

    The Gradescope root is ``$AUTOGRADER_ROOT`` (default ``/autograder``). Returns 0
    whenever a results.json was written (Gradescope reads the file, not the exit code).
    """
    parser = argparse.ArgumentParser(prog="python -m harness.autograder")
    parser.add_argument("--config", required=True, help=f"the bundle's {CONFIG_NAME}")
    args = parser.parse_args(argv)
    config = _read_json(Path(args.config), MAX_METADATA_BYTES)
    root = Path(os.environ.get("AUTOGRADER_ROOT", "/autograder"))
    if not isinstance(config, dict) or not isinstance(config.get("lab"), str):
        started = time.monotonic()
        print(f"{args.config}: not a labgrade autograder config (a JSON object with 'lab'); rebuild the bundle with "
              f"`labgrade gradescope-bundle`.")
        write_atomic(root / "results" / "results.json", json.dumps(_failure(
            "The autograder is misconfigured; your instructor has been told. Your submission was received.",
            started=started), indent=2))
        return 1
    run_autograder(root, lab=config["lab"], grade_fn=grade_fn, sandbox=config.get("sandbox") or "auto",
                   quick=bool(config.get("quick")), timeout=config.get("timeout"), data_root=config.get("data_root"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
