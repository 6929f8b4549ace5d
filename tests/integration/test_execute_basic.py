"""Real execution of tiny notebooks and modules: capture, trace, export, JSON round-trip."""

from __future__ import annotations

import json

import pytest

from harness.models import Execution
from tests.integration.nbfactory import notebook, run

TRAIN = """
import keras, numpy as np
(x, y), _ = keras.datasets.fashion_mnist.load_data()
x = x[:512].reshape(-1, 784) / 255.0; y = y[:512]
model = keras.Sequential([keras.Input((784,)), keras.layers.Dropout(0.2), keras.layers.Dense(16, activation="relu"),
                          keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
history = model.fit(x, y, epochs=3, batch_size=64, validation_split=0.25, verbose=0,
                    callbacks=[keras.callbacks.LearningRateScheduler(lambda e, lr: 0.05 * 0.5 ** e)])
print("trained", len(history.history["loss"]))
"""

PLOT = """
import matplotlib.pyplot as plt
plt.plot(history.history["loss"], label="loss"); plt.legend(); plt.show()
"""


@pytest.fixture(scope="module")
def trained(tmp_path_factory, data_root):
    tmp = tmp_path_factory.mktemp("basic")
    nb = notebook(tmp / "alice.ipynb", TRAIN, PLOT,
                  markdown=("# Dropout\nThe loss decreases steadily; validation accuracy is about 80%.",))
    return run(nb, data_root, tmp), tmp


def test_notebook_runs_and_captures_everything(trained):
    exe, tmp = trained
    assert exe.status == "ok", exe.status_detail + exe.stdout
    assert [c.status for c in exe.code_cells] == ["ok", "ok"]
    assert "trained 3" in exe.code_cells[0].output
    assert exe.markdown_cells[0].source.startswith("# Dropout")
    assert exe.analysis_words() >= 8
    assert len(exe.figures) == 1 and not exe.figures[0].blank
    assert (tmp / "artifacts" / exe.figures[0].path).read_bytes()[:4] == b"\x89PNG"
    assert exe.cells[2].figures == [0]
    assert all(c.duration_s is not None and c.duration_s >= 0 for c in exe.code_cells)
    assert exe.startup_s > 0 and exe.wall_time_s >= exe.startup_s


def test_trace_records_compile_fit_and_scheduled_learning_rate(trained):
    exe, _ = trained
    kinds = [t.kind for t in exe.trace]
    assert kinds == ["compile", "fit"]
    fit = exe.trace[1]
    assert fit.cell_index == 1  # the first code cell (index 0 is markdown)
    assert fit.optimizer == "SGD" and fit.epochs == 3 and fit.batch_size == 64 and fit.samples == 384
    assert fit.trainable_params > 0 and fit.non_trainable_params == 0
    assert [round(e.lr, 6) for e in fit.epoch_logs] == [0.05, 0.025, 0.0125]
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(fit.epoch_logs[0].logs)


def test_exports_models_and_histories(trained):
    exe, tmp = trained
    model, history = exe.exports["model"], exe.exports["history"]
    assert model.found and model.error is None and model.path == "exports/model.keras"
    assert (tmp / "artifacts" / model.path).stat().st_size > 1000
    layers = [layer["class"] for layer in model.data["layers"]]
    assert layers[:2] == ["Dropout", "Dense"] and model.data["layers"][0]["rate"] == pytest.approx(0.2)
    assert history.found and len(history.data["loss"]) == 3
    assert not exe.exports["model_no_dropout"].found
    assert "not defined" in exe.exports["model_no_dropout"].error


def test_exported_model_loads_in_grader_with_safe_mode(trained):
    import keras

    exe, tmp = trained
    model = keras.models.load_model(tmp / "artifacts" / exe.exports["model"].path, safe_mode=True)
    assert model.output_shape == (None, 10)


def test_execution_json_round_trip(trained):
    exe, tmp = trained
    text = (tmp / "artifacts" / "execution.json").read_text()
    again = Execution.from_json(text)
    assert again == exe
    assert json.loads(text)["schema_version"] == 1


def test_module_cells_markdown_figures_and_exports(tmp_path, data_root):
    src = tmp_path / "bob.py"
    src.write_text(
        "# %% [markdown]\n# # Analysis\n# Accuracy is about 80 percent and the curve is flat.\n\n"
        "# %%\n" + TRAIN + "\n# %%\n" + PLOT + "\n# %%\nraise ValueError('late failure')\n"
    )
    exe = run(src, data_root, tmp_path)
    assert exe.submission.kind == "module"
    assert exe.status == "error" and "ValueError" in exe.status_detail
    assert [c.cell_type for c in exe.cells] == ["markdown", "code", "code", "code"]
    assert [c.status for c in exe.code_cells] == ["ok", "ok", "error"]
    assert "late failure" in exe.cells[3].error.evalue
    assert "bob.py" in exe.cells[3].error.traceback and "line" in exe.cells[3].error.traceback
    assert "trained 3" in exe.cells[1].output
    assert len(exe.figures) == 1 and exe.figures[0].cell_index == 2
    assert exe.exports["model"].found and exe.exports["history"].found
    assert [t.kind for t in exe.trace] == ["compile", "fit"] and exe.trace[1].cell_index == 1


def test_keras2_apis_are_diagnosed(tmp_path, data_root):
    nb = notebook(
        tmp_path / "k2.ipynb",
        "import keras\nopt = keras.optimizers.SGD(lr=0.01)",
        "from tf.keras.layers import Dense",
        "import keras, numpy as np\nm = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
        "m.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01, decay=1e-4), loss='mse')\n"
        "m.fit(np.zeros((8, 3)), np.zeros(8), epochs=2, verbose=0)",
        "m.fit_generator(None)",
    )
    exe = run(nb, data_root, tmp_path)
    apis = {d.api: d for d in exe.diagnoses}
    assert set(apis) == {"lr=", "from tf.keras ...", "decay=", "fit_generator"}
    assert apis["decay="].severity == "silent" and "IGNORES" in apis["decay="].message
    assert "learning_rate=" in apis["lr="].replacement
    assert apis["fit_generator"].cell_index == 3
    fit = [t for t in exe.trace if t.kind == "fit"][0]
    assert fit.optimizer_config["ignored_decay"] == pytest.approx(1e-4)
    assert [round(e.lr, 6) for e in fit.epoch_logs] == [0.01, 0.01]  # decay= really ignored


def test_reloaded_models_are_compiled_under_the_trace(tmp_path, data_root):
    """The trace wraps compile without making Keras think the class overrides it."""
    nb = notebook(
        tmp_path / "reload.ipynb",
        "import keras, numpy as np\nm = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
        "m.compile(optimizer='sgd', loss='mse')\nm.fit(np.zeros((8, 3)), np.zeros(8), epochs=1, verbose=0)\n"
        "m.save('m.keras')\nr = keras.models.load_model('m.keras')\nprint('loss', r.evaluate(np.zeros((8, 3)), np.zeros(8), verbose=0))",
    )
    exe = run(nb, data_root, tmp_path)
    assert exe.status == "ok", exe.code_cells[0].error
    assert "loss 0.0" in exe.code_cells[0].output
    # load_model compiles again, and the weights it restored are recorded
    assert [t.kind for t in exe.trace] == ["compile", "fit", "compile", "weights"]


@pytest.mark.parametrize("imports", ["import tensorflow as tf\nfrom tensorflow import keras",
                                     "import tensorflow as tf\nkeras = tf.keras", "import keras"])
def test_trace_sees_every_way_of_importing_keras(tmp_path, data_root, imports):
    nb = notebook(tmp_path / "imports.ipynb",
                  imports + "\nimport numpy as np\nm = keras.models.Sequential([keras.layers.Dense(1)])\n"
                  "m.compile(optimizer='sgd', loss='mse')\nm.fit(np.zeros((8, 3)), np.zeros(8), epochs=1, verbose=0)")
    exe = run(nb, data_root, tmp_path)
    assert exe.status == "ok", exe.code_cells[0].error
    assert [t.kind for t in exe.trace] == ["compile", "fit"]


def test_the_batch_size_of_a_tf_data_pipeline_is_recorded(tmp_path, data_root):
    """image_dataset_from_directory-style pipelines carry the batch size in a batching stage, not in fit()."""
    nb = notebook(tmp_path / "pipeline.ipynb",
                  "import keras, numpy as np, tensorflow as tf\n"
                  "ds = tf.data.Dataset.from_tensor_slices((np.zeros((40, 3), 'float32'), np.zeros(40)))\n"
                  "ds = ds.batch(16).map(lambda x, y: (x * 2.0, y)).prefetch(2)\n"
                  "m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
                  "m.compile(optimizer='sgd', loss='mse')\nm.fit(ds, epochs=1, verbose=0)")
    exe = run(nb, data_root, tmp_path)
    assert exe.status == "ok", exe.code_cells[0].error
    [fit] = [t for t in exe.trace if t.kind == "fit"]
    assert fit.batch_size == 16
