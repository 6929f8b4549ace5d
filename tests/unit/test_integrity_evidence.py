"""Identical outputs and figures: evidence only when substantial, from the student's own code, and rare."""

from __future__ import annotations

from harness.integrity.detect import similarity
from harness.integrity.corpus import CellText, FigureRef, SubmissionText
from harness.integrity.evidence import is_substantial, normalise_output, run_evidence
from tests.unit.integrity_class import (OWN_CODE_CLASSES, OWN_CODE_FUNCTIONAL, OWN_CODE_LOOPS, OWN_CODE_SCRIPT,
                                        sample_cells, write_student)

LOG = "".join(f"Epoch {e}/3\n\x1b[1m1500/1500\x1b[0m \x1b[32m━━━━━━━━━━━━━━━━━━━━\x1b[0m\x1b[37m\x1b[0m "
              f"{e + 2}s 2ms/step - accuracy: 0.81{e}3 - loss: 0.52{e}4 - val_accuracy: 0.84{e}6 - val_loss: 0.43{e}1\n"
              for e in (1, 2, 3))


def test_normalised_outputs_ignore_what_differs_between_identical_runs():
    other_run = LOG.replace("3s 2ms/step", "9s 6ms/step").replace("━━━━", "====")
    other_run = "WARNING:absl:Compiled the loaded model\n" + other_run.replace("\n", "\r\n")
    assert normalise_output(LOG) == normalise_output(other_run)
    assert "ms/step" not in normalise_output(LOG) and "\x1b" not in normalise_output(LOG)
    assert normalise_output("<keras.src.callbacks.History object at 0x7f3a2c1d9e10>") == \
        normalise_output("<keras.src.callbacks.History object at 0x7ffe00000000>")


def test_only_outputs_with_measured_values_are_substantial():
    assert is_substantial(normalise_output(LOG))
    assert not is_substantial(normalise_output("(60000, 28, 28) (60000,)\nclasses: ['cat', 'dog']"))
    assert not is_substantial("0.9123 0.8812 0.7765")  # too short to be more than a coincidence
    assert not is_substantial(normalise_output("Found 500 images belonging to 2 classes.\n" * 5))


def test_run_evidence_skips_blank_figures_and_repeats():
    text = SubmissionText(folder="s", student_id="s", lab="dropout", file_name="s.ipynb",
                          cells=[CellText(0, "code", "x", LOG), CellText(1, "code", "y", LOG),
                                 CellText(2, "code", "z", "(60000, 28, 28)")],
                          figures=[FigureRef("a" * 64, 0, False, 1), FigureRef("b" * 64, 1, True, 2),
                                   FigureRef("a" * 64, 1, False, 3)])
    items = run_evidence(text)
    assert [(i.kind, i.label) for i in items] == [("figure", "figure 1"), ("output", "output of cell 0")]


def test_identical_results_count_only_from_own_code_and_never_accuse_alone(tmp_path):
    common = [s for kind, s in sample_cells("dropout/lecture-verbatim.ipynb") if kind == "code"][:2]
    codes = {"a": OWN_CODE_LOOPS, "b": OWN_CODE_FUNCTIONAL, "c": OWN_CODE_CLASSES, "d": OWN_CODE_SCRIPT}
    fit_cell = {"a": 5, "b": 5, "c": 4, "d": 2}  # a cell of the student's own code (after the 2 common ones)
    for sid, own in codes.items():
        cells = [("code", c) for c in common + own]
        outputs, figures = {}, []
        if sid in "ab":  # the same seeded run: identical log and curve, each from the student's own cell
            outputs[fit_cell[sid]] = LOG
            figures += [(fit_cell[sid], "f" * 64), (fit_cell[sid], "0" * 64, True)]
        if sid == "c":
            outputs[1] = LOG  # identical, but printed by the lecture's cell everyone typed: not evidence
        if sid in "abc":
            figures.append((fit_cell[sid], "e" * 64))  # three of four: common to the class
        write_student(tmp_path, sid, cells, outputs=outputs, figures=figures)
    report = similarity(tmp_path, write=False)
    by_folder = {s.folder: s for s in report.submissions}
    assert [by_folder[s].outputs for s in "abcd"] == [2, 2, 0, 0]
    ab = next(p for p in report.pairs if (p.a, p.b) == ("a", "b"))
    assert sorted(o.kind for o in ab.shared_outputs) == ["figure", "output"]
    assert "val_accuracy" in next(o.excerpt for o in ab.shared_outputs if o.kind == "output")
    assert ab.outputs > 0.6 and not ab.flagged and ab.combined < 0.3
    assert all(not p.shared_outputs for p in report.pairs if (p.a, p.b) != ("a", "b"))
