"""Which LMS an export came from, decided per export from its entries' names.

Rules, in order:

1. ``submission_metadata.yml`` at the root: Gradescope.
2. Otherwise each LMS scores the number of top-level entries whose names follow its
   convention (Blackboard's ``_attempt_<time>``, Moodle's ``_assignsubmission_``,
   Canvas' ``_<userId>_<attachmentId>_``); the best score wins when it covers more
   than half of the entries, so one malformed name does not flip a Canvas export to
   "plain" (it is reported by the Canvas parser instead), and a class folder of
   ``alice.ipynb``, ``bob.ipynb`` stays plain. Ties go to the more specific
   convention (Blackboard, then Moodle, then Canvas).
3. Otherwise: plain files and folders.

`detect` never reads file contents; pass ``lms=`` to `harness.discover.discover` to
override it.
"""

from __future__ import annotations

from pathlib import Path

from harness.lms import blackboard, canvas, gradescope, moodle

_BY_SPECIFICITY = (("blackboard", blackboard.matches), ("moodle", moodle.matches), ("canvas", canvas.matches))


def detect(root: Path, items: list[Path]) -> str:
    """The export's format: ``gradescope``, ``blackboard``, ``moodle``, ``canvas`` or ``plain``."""
    if gradescope.matches(root):
        return "gradescope"
    if not items:
        return "plain"
    scores = [(sum(1 for p in items if match(p)), -rank, name) for rank, (name, match) in enumerate(_BY_SPECIFICITY)]
    best, _, name = max(scores)
    return name if best * 2 > len(items) else "plain"


def looks_like_student_entry(path: Path) -> bool:
    """Whether a single folder is itself one student's LMS entry (so a zip holding just
    it must not be unwrapped)."""
    return any(match(path) for _, match in _BY_SPECIFICITY)
