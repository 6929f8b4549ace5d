"""Boilerplate exclusion: the lecture's code, the starter and what most of the class typed never accuse anyone."""

from __future__ import annotations

import re

import pytest

from harness.integrity.detect import similarity
from harness.integrity.models import Settings
from harness.integrity.boilerplate import StarterError, build_boilerplate, common_hashes, lecture_files, starter_cells
from tests.unit.integrity_class import (KOREAN_DROPOUT_1, KOREAN_DROPOUT_2, KOREAN_OPTIMIZERS, OWN_ANALYSIS_EN,
                                        OWN_CODE_CLASSES, OWN_CODE_FUNCTIONAL, OWN_CODE_LOOPS, OWN_CODE_SCRIPT,
                                        OWN_CODE_TRANSFER, sample_cells, write_student)

LECTURE = [s for kind, s in sample_cells("dropout/lecture-verbatim.ipynb") if kind == "code"]


def _analyses() -> list[str]:
    """Eight analyses written independently (hand-written ones and the samples' own)."""
    samples = ["\n\n".join(s for k, s in sample_cells(rel) if k == "markdown")
               for rel in ("cats-dogs/correct.ipynb", "optimizers/correct.ipynb", "fashion-transfer/correct.ipynb",
                           "resnet50-top3/correct.ipynb")]
    return [KOREAN_DROPOUT_1, KOREAN_DROPOUT_2, KOREAN_OPTIMIZERS, OWN_ANALYSIS_EN] + samples


OWN_CODE = [OWN_CODE_FUNCTIONAL, OWN_CODE_LOOPS, OWN_CODE_CLASSES, OWN_CODE_TRANSFER, OWN_CODE_SCRIPT]


def test_a_class_that_all_typed_the_lecture_code_is_not_flagged(tmp_path):
    for n, analysis in enumerate(_analyses()):
        own = OWN_CODE[n][1:] if n < len(OWN_CODE) else []
        write_student(tmp_path, f"s{n}", [("code", c) for c in LECTURE + own] + [("markdown", analysis)])
    report = similarity(tmp_path, write=False)
    assert report.flagged == []
    assert max(p.code for p in report.pairs) < 0.15
    assert all(s.common_code > 0 for s in report.submissions)


def test_two_lecture_typists_alone_need_the_starter(tmp_path):
    """Two students are not a class: their shared lecture code is only known as boilerplate from the starter."""
    starter, _ = _starter(tmp_path)
    for n in range(2):
        write_student(tmp_path / "out", f"s{n}", [("code", c) for c in LECTURE] + [("markdown", _analyses()[n])])
    assert len(similarity(tmp_path / "out", lecture=False, write=False).flagged) == 1
    assert similarity(tmp_path / "out", starter=starter, write=False).flagged == []


def _starter(tmp_path):
    instructions = ("Train the lecture's MLP with dropout on Fashion-MNIST for ten epochs, plot the training and "
                    "validation curves of accuracy and loss, then compare with the same network without dropout. "
                    "Explain in your own words whether the model overfits or underfits, using the gap between the "
                    "training and the validation accuracy, and remember that dropout is only active in training.")
    text = "# %% [markdown]\n" + "\n".join(f"# {line}" for line in instructions.split(". ")) + "\n"
    text += "".join(f"# %%\n{c}\n" for c in LECTURE)
    path = tmp_path / "starter.py"
    path.write_text(text, encoding="utf-8")
    return path, instructions


def test_the_starter_notebook_is_excluded(tmp_path):
    starter, instructions = _starter(tmp_path)
    out = tmp_path / "out"
    analyses = _analyses()
    for n in range(2):  # two students kept the starter (instructions and code) and wrote their own analysis
        write_student(out, f"kept{n}", [("markdown", instructions)] + [("code", c) for c in LECTURE]
                      + [("markdown", analyses[n])])
    for n, own in enumerate(OWN_CODE):
        write_student(out, f"own{n}", [("code", c) for c in own] + [("markdown", analyses[n + 2])])
    without = similarity(out, write=False)
    assert {(p.a, p.b) for p in without.flagged} == {("kept0", "kept1")}
    report = similarity(out, starter=starter, write=False)
    assert report.flagged == []
    pair = next((p for p in report.pairs if (p.a, p.b) == ("kept0", "kept1")), None)
    assert pair is None or (pair.code < 0.1 and pair.prose < 0.1)
    assert any("starter: starter.py" in b for b in report.boilerplate)


def test_the_lecture_recipes_are_excluded(tmp_path):
    recipe = next(p for p in lecture_files() if p.name == "optimizers.py").read_text(encoding="utf-8")
    block = re.search(r"    optimizers = \{.*?\n    \}\n", recipe, re.S).group(0)
    block = "\n".join(line[4:] for line in block.splitlines())
    for n, own in enumerate(OWN_CODE):  # two of five students typed the lecture's optimizer table
        recipe_cells = [("code", block)] if n < 2 else []
        write_student(tmp_path, f"s{n}", [("code", c) for c in own[:2]] + recipe_cells
                      + [("markdown", _analyses()[n])])
    without = similarity(tmp_path, lecture=False, write=False)
    assert [(p.a, p.b) for p in without.flagged] == [("s0", "s1")]
    report = similarity(tmp_path, write=False)
    assert report.flagged == [] and max(p.code for p in report.pairs) < 0.1
    typed = {s.folder: s.boilerplate_code for s in report.submissions}
    assert min(typed["s0"], typed["s1"]) > 20 + max(typed["s2"], typed["s3"], typed["s4"])


def test_common_hashes_needs_a_share_and_a_minimum():
    settings = Settings(common_share=0.5, common_min=3)
    assert common_hashes([{1, 2}, {1, 2}, {3}], n=3, settings=settings) == set()  # a pair is never "the class"
    assert common_hashes([{1}, {1}, {1}, {2}], n=4, settings=settings) == {1}
    assert common_hashes([{1}, {1}, {1}, {2}, {2}, {2}], n=6, settings=settings) == set()  # 3 of 6 is not > 50 %


def test_starter_errors_say_what_to_give(tmp_path):
    with pytest.raises(StarterError, match="not a file"):
        starter_cells(tmp_path / "missing.ipynb")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(StarterError, match="expected .ipynb or .py"):
        starter_cells(tmp_path / "notes.txt")
    (tmp_path / "bad.ipynb").write_text("{not json")
    with pytest.raises(StarterError, match="cannot be read"):
        starter_cells(tmp_path / "bad.ipynb")


def test_lecture_boilerplate_is_found_beside_the_harness():
    assert len(lecture_files()) >= 6
    bp = build_boilerplate(Settings())
    assert len(bp.code) > 1000 and bp.prose == set()
    assert build_boilerplate(Settings(), lecture=False).code == set()
