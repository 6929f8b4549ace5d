"""Reading submissions into cells, and the Keras 2 diagnosis rules."""

from __future__ import annotations

import pytest

from harness.execute.diagnose import RULES, diagnose
from harness.execute.source import InvalidSubmission, read_module, read_notebook
from harness.models import Cell, ErrorInfo, TraceEvent


def test_module_split_on_percent_markers(tmp_path):
    p = tmp_path / "m.py"
    p.write_text("import os\n# %% [markdown]\n# # Title\n# text here\n# %%\nx = 1\n# %% second\ny = 2\n")
    cells = read_module(p)
    assert [(c.cell_type, c.first_line) for c in cells] == [("code", 1), ("markdown", 3), ("code", 6), ("code", 8)]
    assert cells[1].source == "# Title\ntext here"
    assert cells[2].source.strip() == "x = 1"


def test_module_without_markers_is_one_cell(tmp_path):
    p = tmp_path / "m.py"
    p.write_text("x = 1\ny = 2\n")
    assert [c.source for c in read_module(p)] == ["x = 1\ny = 2\n"]


@pytest.mark.parametrize("content, message", [
    (b"", "empty file"), (b"\xff\xfe\x00", "not UTF-8"), (b"   \n", "empty"),
])
def test_bad_modules(tmp_path, content, message):
    p = tmp_path / "m.py"
    p.write_bytes(content)
    with pytest.raises(InvalidSubmission, match=message):
        read_module(p)


def test_notebook_outputs_are_cleared_before_running(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1", outputs=[
        nbformat.v4.new_output("stream", text="forged output")], execution_count=7)])
    p = tmp_path / "n.ipynb"
    nbformat.write(nb, str(p))
    read = read_notebook(p)
    assert read.cells[0].outputs == [] and read.cells[0].execution_count is None


def _failed(source: str, ename: str, evalue: str, tb: str = "") -> Cell:
    return Cell(index=3, cell_type="code", source=source, status="error", error=ErrorInfo(ename, evalue, tb))


@pytest.mark.parametrize("cell, api", [
    (_failed("SGD(lr=0.1)", "ValueError", "Argument(s) not recognized: {'lr': 0.1}"), "lr="),
    (_failed("m.fit_generator(g)", "AttributeError", "'Sequential' object has no attribute 'fit_generator'"),
     "fit_generator"),
    (_failed("from keras.preprocessing.image import ImageDataGenerator", "ImportError",
             "cannot import name 'ImageDataGenerator' from 'keras.preprocessing.image'"), "ImageDataGenerator"),
    (_failed("from tf.keras.layers import Dense", "ModuleNotFoundError", "No module named 'tf'"), "from tf.keras ..."),
    (_failed("tf.train.AdamOptimizer()", "AttributeError",
             "module 'tensorflow._api.v2.train' has no attribute 'AdamOptimizer'"), "tf.train.Adam"),
    (_failed("model.predict_classes(x)", "AttributeError", "'Sequential' object has no attribute 'predict_classes'"),
     "predict_classes"),
    (_failed("h.history['acc']", "KeyError", "'acc'", "KeyError: 'acc'"), "history.history['acc']"),
    (_failed("model.optimizer.lr", "AttributeError", "'SGD' object has no attribute 'lr'"), "optimizer.lr"),
])
def test_error_rules(cell, api):
    found = diagnose([cell], [])
    assert [d.api for d in found] == [api]
    assert found[0].cell_index == 3 and found[0].replacement


def test_unrelated_errors_are_not_diagnosed():
    assert diagnose([_failed("1/0", "ZeroDivisionError", "division by zero")], []) == []


def test_ignored_decay_comes_from_the_trace():
    ev = TraceEvent(kind="fit", seq=0, cell_index=5, optimizer="SGD", model_name="m",
                    optimizer_config={"learning_rate": 0.01, "ignored_decay": 1e-4})
    (d,) = diagnose([], [ev, ev])
    assert d.api == "decay=" and d.severity == "silent" and d.cell_index == 5 and "0.0001" in d.message


def test_every_rule_has_a_replacement():
    assert all(r.replacement and r.message for r in RULES)
