"""``similarity()``: compare every graded submission of a results folder with every other of its lab.

Flow: read ``OUT/*/execution.json`` (`corpus`) -> fingerprint code, prose and run evidence per
submission (`fingerprint`, in worker processes when ``jobs > 1``) -> remove the lecture's, the
starter's and the class-common passages (`boilerplate`) -> score the pairs that share something
through an inverted index (`compare`) -> write ``OUT/similarity.json`` and the instructor-only
``OUT/similarity.html`` with the shared passages side by side (`view`).

Why not the ``copydetect`` library (PyPI, 0.5.0), although its ideas are the same (token
filtering, k-grams, robust winnowing, boilerplate hashes, highlighted slices)?

- its k-gram hashes are Python's ``hash()`` of strings, salted per process (PYTHONHASHSEED):
  fingerprints cannot be computed in worker processes or stored in ``similarity.json``;
- it compares files pairwise (``compare_files`` for each of the n(n-1)/2 pairs, set
  intersections in a double loop), with no inverted index;
- its boilerplate filter removes only the boilerplate's *winnowed* hashes, so a lecture line
  whose k-grams winnowing picked differently in a student's file is not removed;
- it reads one file as one document (no cells, so no order independence), tokenizes with
  Pygments' lexer chosen by file extension (IPython magics become error tokens, ``.ipynb`` is
  unknown), and keeps no prose tokenizer (markdown would be compared as raw characters, case,
  punctuation and Korean particles included);
- it renders its own HTML report and pulls in ``tqdm`` and imports matplotlib on import.
What would be left to use is its ``winnow`` (pure Python in the PyPI release, the C extension
is not built there), i.e. 30 lines; the winnowing here is tested against the paper's example
and guarantee instead.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime, timezone
from multiprocessing import get_context
from pathlib import Path

from harness import __version__
from harness.integrity.boilerplate import build_boilerplate
from harness.integrity.compare import ClassIndex, index_class, passages, score_pairs
from harness.integrity.corpus import (MAX_EXECUTION_BYTES, UnreadableSubmission, execution_paths,
                                      SubmissionText, read_submission, safe_name)
from harness.integrity.fingerprint import SubmissionPrint, fingerprint_submission
from harness.integrity.models import REPORT_HTML, REPORT_JSON, PairScore, Settings, SimilarityReport
from harness.integrity.view import write_similarity_html
from harness.report.dashboard import INDEX, render_dashboard
from harness.serialize import write_atomic

DEFAULT_THRESHOLD = 0.5


class SimilarityInputError(ValueError):
    """The results folder cannot be compared (not a results folder, fewer than two submissions)."""


def similarity(out: Path, *, starter: Path | None = None, threshold: float = DEFAULT_THRESHOLD,
               lab: str | None = None, jobs: int = 1, lecture: bool = True, settings: Settings | None = None,
               max_bytes: int = MAX_EXECUTION_BYTES, write: bool = True) -> SimilarityReport:
    """Compares every graded submission in `out` with every other of the same lab.

    Args:
        out: a results folder written by ``labgrade grade`` (``OUT/<submission>/execution.json``).
        starter: the notebook (.ipynb) or module (.py) handed out with the lab; its code and
            wording are excluded like the lecture's.
        threshold: combined score (0 to 1) at and above which a pair is flagged.
        lab: compare only submissions graded against this lab (default: every lab found, each
            on its own; pairs never cross labs).
        jobs: worker processes for reading and fingerprinting (1: in this process).
        lecture: exclude the lecture's recipes (``reference/lecture/*.py``) as boilerplate.
        settings: fingerprinting and scoring parameters (default `Settings()`).
        max_bytes: largest ``execution.json`` read; larger ones are reported, not read.
        write: write ``OUT/similarity.json`` and ``OUT/similarity.html``.

    Returns:
        The report: flagged pairs and the next highest, problems, per-submission counts.

    Raises:
        SimilarityInputError: `out` is not a results folder, or fewer than two submissions
            (of `lab`, when given) could be read.
        ValueError: `threshold` outside [0, 1] or `jobs` below 1.
        harness.integrity.boilerplate.StarterError: `starter` cannot be read.
    """
    t0 = time.perf_counter()
    out = Path(out)
    if not 0.0 <= float(threshold) <= 1.0:
        raise ValueError(f"threshold must be between 0 and 1; received {threshold!r}.")
    if int(jobs) < 1:
        raise ValueError(f"jobs must be at least 1; received {jobs!r}.")
    settings = settings or Settings()
    if not out.is_dir():
        raise SimilarityInputError(f"{str(out)!r} is not a folder: give the results folder written by "
                                   "`labgrade grade` (OUT/<submission>/execution.json).")
    paths, problems = execution_paths(out)
    if not paths:
        raise SimilarityInputError(f"{str(out)!r} is not a results folder: no OUT/<submission>/execution.json "
                                   "in it. Run `labgrade grade SUBMISSIONS --out OUT` first.")
    boiler = build_boilerplate(settings, starter=starter, lecture=lecture)
    prints: list[SubmissionPrint] = []
    for result in _fingerprint_all(paths, settings, max_bytes, jobs):
        if isinstance(result, str):
            problems.append(result)
        else:
            prints.append(result)
    labs_found = sorted({p.text.lab for p in prints})
    if lab is not None:
        prints = [p for p in prints if p.text.lab == lab]
    if len(prints) < 2:
        which = f" of lab {lab!r}" if lab else ""
        raise SimilarityInputError(
            f"{str(out)!r} has {len(prints)} readable submission(s){which}; at least 2 are needed to compare. "
            f"Labs found: {', '.join(labs_found) or 'none'}." + (f" Not read: {'; '.join(problems[:3])}"
                                                                 if problems else ""))
    report = SimilarityReport(harness_version=__version__,
                              created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                              out_name=out.resolve().name, threshold=float(threshold), settings=settings, lab=lab,
                              boilerplate=boiler.sources, problems=[safe_name(p) for p in problems])
    texts: dict[str, SubmissionText] = {}
    ranked: list[tuple[PairScore, ClassIndex, int, int]] = []
    for group_lab in sorted({p.text.lab for p in prints}):
        group = sorted((p for p in prints if p.text.lab == group_lab), key=lambda p: p.text.folder)
        index = index_class(group, boiler, settings)
        report.submissions += index.summaries
        if len(group) < 2:
            report.problems.append(f"lab {group_lab!r}: only {group[0].text.folder} graded; nothing to compare it with.")
            continue
        pos = {p.text.folder: i for i, p in enumerate(group)}
        pairs, scored = score_pairs(index, settings, threshold)
        report.candidate_pairs += scored
        ranked += [(pair, index, pos[pair.a], pos[pair.b]) for pair in pairs]
    ranked.sort(key=lambda r: (-r[0].combined, r[0].a, r[0].b))
    keep = [r for r in ranked if r[0].flagged]
    keep += [r for r in ranked if not r[0].flagged][:settings.top]
    for pair, index, i, j in keep:
        pair.passages = passages(index, i, j, settings)
        texts[pair.a] = index.prints[i].text
        texts[pair.b] = index.prints[j].text
        report.pairs.append(pair)
    report.seconds = round(time.perf_counter() - t0, 3)
    if write:
        write_atomic(out / REPORT_JSON, report.to_json())
        write_similarity_html(out / REPORT_HTML, report, texts)
        if (out / INDEX).is_file():  # the class dashboard lists the top pairs: draw it again with them
            render_dashboard(out)
    return report


def _fingerprint_one(path: Path, settings: Settings, max_bytes: int) -> SubmissionPrint | str:
    """One submission's fingerprints, or the line that says why it was not compared."""
    try:
        return fingerprint_submission(read_submission(path, max_bytes=max_bytes), settings)
    except UnreadableSubmission as exc:
        return str(exc)
    except Exception as exc:  # a crafted value must not stop the class: report it, compare the rest
        where = safe_name(f"{path.parent.name}/{path.name}")
        return f"{where}: not compared ({type(exc).__name__}: {safe_name(str(exc))[:200]})"


def _fingerprint_all(paths: list[Path], settings: Settings, max_bytes: int, jobs: int):
    if jobs == 1 or len(paths) < 2 * jobs:
        return [_fingerprint_one(p, settings, max_bytes) for p in paths]
    workers = min(jobs, os.cpu_count() or 1)
    n = len(paths)
    try:
        # spawn, as the batch runner does: never fork a process that may hold threads
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            return list(pool.map(_fingerprint_one, paths, [settings] * n, [max_bytes] * n,
                                 chunksize=max(1, n // (4 * workers))))
    except BrokenProcessPool:  # a worker died (killed, out of memory): the inputs are capped, redo them here
        return [_fingerprint_one(p, settings, max_bytes) for p in paths]
