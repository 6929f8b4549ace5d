"""Forged training evidence earns nothing and is flagged to the instructor (labgrade issue 13).

Each case is a real tiny notebook, run in the bubblewrap sandbox and graded for real:
the trace is written inside the submission's process, so these submissions forge it
the ways a student could (lines written to the channel's descriptor; the harness's
own event writer, found through the closures of the patched ``fit``; invented
histories; weights edited after training; a model memorising the public test images
the grader holds out). Every forged item must score 0 with an instructor flag
(``evidence`` or ``review``) and a neutral message; nothing instructor-only (flags,
fingerprints, the fingerprint salt, the perturbation seed) may reach the student's
files. An honest run of the same shape is graded normally (the checks do not flag
what is real), and an untrained one gets no credit without being flagged.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from harness.data import DataSource
from harness.data.fashion import load_fashion_mnist
from tests.integration.hostile_kit import STUDENT_FILES, grade, needs_bwrap, render
from tests.integration.nbfactory import notebook

pytestmark = [needs_bwrap]

FLAGS = ("evidence", "review")

# --- fashion-transfer ----------------------------------------------------------------------------

TRANSFER_DATA = """import os, keras, numpy as np
keras.utils.set_random_seed(0)
(x, y), _ = keras.datasets.fashion_mnist.load_data()
x = x / 255.0
is_b = (y == 5) | (y == 6)
x_a, y_a = x[~is_b][5000:], y[~is_b][5000:]
y_a = np.where(y_a > 6, y_a - 2, y_a)
x_b, y_b = x[is_b][:200], (y[is_b][:200] == 6).astype('float32')
def mlp(units, activation):
    return keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(),
                             keras.layers.Dense(32, activation='selu'),
                             keras.layers.Dense(units, activation=activation)])
model_A = mlp(8, 'softmax')
model_A.compile(keras.optimizers.SGD(1e-2), 'sparse_categorical_crossentropy', metrics=['accuracy'])
model_A.fit(x_a, y_a, epochs=1, verbose=0)
model_B = mlp(1, 'sigmoid')
model_B.compile(keras.optimizers.SGD(1e-2), 'binary_crossentropy', metrics=['accuracy'])
model_B.fit(x_b, y_b, epochs=1, verbose=0)
clone = keras.models.clone_model(model_A)
clone.set_weights(model_A.get_weights())
model_B_on_A = keras.Sequential([keras.Input((28, 28)), *clone.layers[:-1],
                                 keras.layers.Dense(1, activation='sigmoid')])
"""

HONEST_TRANSFER = """for layer in model_B_on_A.layers[:-1]:
    layer.trainable = False
model_B_on_A.compile(keras.optimizers.SGD(1e-2), 'binary_crossentropy', metrics=['accuracy'])
model_B_on_A.fit(x_b, y_b, epochs=1, verbose=0)
for layer in model_B_on_A.layers[:-1]:
    layer.trainable = True
model_B_on_A.compile(keras.optimizers.SGD(1e-4), 'binary_crossentropy', metrics=['accuracy'])
model_B_on_A.fit(x_b, y_b, epochs=1, verbose=0)
"""

# The harness's functions, from the closure of the patched fit (what any student can reach).
HARNESS_CLOSURE = """fit_fn = next(c.__dict__['fit'] for c in type(model_B_on_A).__mro__ if 'fit' in c.__dict__)
harness = dict(zip(fit_fn.__code__.co_freevars, (c.cell_contents for c in fit_fn.__closure__)))
send, base, state_of, counters = harness['send'], harness['base'], harness['state_of'], harness['counters']
"""

# Trained in one fit, nothing frozen, one learning rate; then a first fit "with the reused layers
# frozen" and a later lower rate are forged around it.
FORGED_FROZEN_FIT = HARNESS_CLOSURE + """model_B_on_A.compile(keras.optimizers.SGD(1e-3), 'binary_crossentropy',
                     metrics=['accuracy'])
info = base(model_B_on_A)
now = state_of(model_B_on_A)
reused = [layer.name for layer in model_B_on_A.layers[:-1] if layer.weights]
counters['fit'] += 1
n = counters['fit']
invent = lambda: os.urandom(12).hex()
start = [[v, fp if i < len(now) - 2 else invent(), 0 if i < len(now) - 2 else 1] for i, (v, fp, _) in enumerate(now)]
end = [[v, {end_fp}, flag] for (v, fp, _), (_, _, flag) in zip(now, start)]
common = dict(model_id=info['model_id'], model_name=info['model_name'], trainable_layers=[model_B_on_A.layers[-1].name],
              frozen_layers=reused)
send('fit', fit=n, cell_index=info['cell_index'], compile_count=1, optimizer='SGD',
     optimizer_config={{'learning_rate': 0.01}},
     epochs=1, samples=200, batch_size=32, weights_start=start, **common)
send('epoch', fit=n, epoch=0, lr=0.01, lr_end=0.01, steps=7, logs={{'loss': 0.4, 'accuracy': 0.9}})
send('fit-end', fit=n, weights_end=end, seconds=0.3, **common)
{recompile}
model_B_on_A.fit(x_b, y_b, epochs=1, verbose=0)
"""

TRANSFER_FORGERIES = {
    # The forged fit ends in invented fingerprints: the real fit then starts from weights nothing produced.
    "invented-fingerprints": FORGED_FROZEN_FIT.format(
        end_fp="invent() if flag else fp",
        recompile="model_B_on_A.compile(keras.optimizers.SGD(1e-4), 'binary_crossentropy', metrics=['accuracy'])"),
    # The forged fit ends where the real one starts, and the recompile is forged too (no real second compile).
    "forged-compile": FORGED_FROZEN_FIT.format(
        end_fp="fp",
        recompile="send('compile', model_id=info['model_id'], model_name=info['model_name'], compile_count=2,\n"
                  "     optimizer='SGD', optimizer_config={'learning_rate': 1e-4})"),
}
FIND_CHANNEL = """import fcntl
stdio = {os.readlink(f'/proc/self/fd/{fd}') for fd in (1, 2)}
channel = []
for name in os.listdir('/proc/self/fd'):
    try:
        fd, link = int(name), os.readlink(f'/proc/self/fd/{name}')
        if fd > 2 and link.startswith('pipe:') and link not in stdio and \\
                fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY:
            channel.append(fd)
    except OSError:
        pass
"""
# Lines written straight into the channel's descriptor: no key, so no valid MAC.
CHANNEL_LINES = """model_B_on_A.compile(keras.optimizers.SGD(1e-3), 'binary_crossentropy', metrics=['accuracy'])
model_B_on_A.fit(x_b, y_b, epochs=1, verbose=0)
""" + FIND_CHANNEL + """forged = {'t': 'fit', 'seq': 40, 'fit': 99, 'model_id': 'x', 'frozen_layers': ['dense'],
          'trainable_layers': ['out']}
for fd in channel:
    os.write(fd, b'garbage\\n')
    os.write(fd, ('0' * 32 + ' ' + __import__('json').dumps(forged) + '\\n').encode())
"""


def _items(g) -> dict:
    return {c.item: c for c in g.lab_result.checks}


def _student_view_clean(folder: Path, exe) -> None:
    """Nothing instructor-only in what the student may read: flags, fingerprints, salt, seed, record details."""
    measurements = json.loads((folder / "measurements.json").read_text())
    secrets = [exe.integrity.salt] if exe.integrity.salt else []
    seed = measurements.get("perturb_seed")
    if isinstance(seed, int) and seed >= 100_000:
        secrets.append(str(seed))
    secrets += sorted({fp for t in exe.trace for _, fp, _ in (t.weights_start + t.weights_end)})[:50]
    secrets += [t.model_id for t in exe.trace if t.model_id][:20]
    for name in STUDENT_FILES:
        text = (folder / name).read_text()
        assert '"flag"' not in text and "flag=" not in text, name
        for secret in secrets:
            assert secret not in text, (name, secret)
        if name.endswith(".json"):  # the page also shows the student's own code, which may say anything
            for word in ("forged", "MAC", "fingerprint", "salt", "perturb", "sequence", "contradict"):
                assert word not in text, (name, word)
            assert not re.search(r"\b[0-9a-f]{24}\b", text), name


def _flagged_without_credit(item, student_message_words=()) -> None:
    assert item.score == 0, (item.item, item.score, item.message)
    assert item.flag in FLAGS, (item.item, item.flag, item.message)
    for word in student_message_words:
        assert word in item.message


@pytest.fixture(scope="module")
def honest_transfer(tmp_path_factory, data_root):
    tmp = tmp_path_factory.mktemp("honest-transfer")
    nb = notebook(tmp / "honest.ipynb", TRANSFER_DATA, HONEST_TRANSFER)
    return grade(nb, tmp / "out", data_root, lab="fashion-transfer")


TRANSFER_ITEMS = ("frozen_first_fit", "recompiled_after_unfreeze", "lower_lr_after_unfreeze")


def _transfer_items(g) -> list:
    items = _items(g)
    return [items[k] for k in TRANSFER_ITEMS]


def test_an_honest_transfer_run_is_credited_and_not_flagged(honest_transfer):
    g, exe, folder = honest_transfer
    assert exe.status == "ok", exe.status_detail
    assert exe.integrity.ok, exe.integrity.problems
    for item in _transfer_items(g):
        assert item.score == item.max_score and not item.flag, (item.item, item.message)


TRANSFER_CASES = {"channel-lines": CHANNEL_LINES, **TRANSFER_FORGERIES}


@pytest.mark.parametrize("forgery", list(TRANSFER_CASES))
def test_a_forged_transfer_process_earns_nothing_and_is_flagged(tmp_path, data_root, forgery):
    code = TRANSFER_CASES[forgery]
    nb = notebook(tmp_path / f"transfer{list(TRANSFER_CASES).index(forgery)}.ipynb", TRANSFER_DATA, code)
    g, exe, folder = grade(nb, tmp_path / "out", data_root, lab="fashion-transfer")
    assert exe.status == "ok", (exe.status_detail, [c.error for c in exe.code_cells])
    assert not exe.integrity.ok
    for item in _transfer_items(g):
        _flagged_without_credit(item, ("training record",))
    render(folder)
    assert "flag" in (folder / "report.html").read_text().lower()
    _student_view_clean(folder, exe)


# --- dropout -------------------------------------------------------------------------------------

DROPOUT_PREP = """import os, keras, numpy as np
keras.utils.set_random_seed(0)
(x, y), _ = keras.datasets.fashion_mnist.load_data()
x = x / 255.0
def build():
    return keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dropout(0.2),
                             keras.layers.Dense(64, activation='elu'), keras.layers.Dropout(0.2),
                             keras.layers.Dense(10, activation='softmax')])
"""
DROPOUT_DATA = DROPOUT_PREP + """model = build()
model.compile('nadam', 'sparse_categorical_crossentropy', metrics=['accuracy'])
"""
INVENTED = ("{'loss': [0.6 - 0.03 * i for i in range(10)], 'val_loss': [0.5 - 0.02 * i for i in range(10)],\n"
            " 'accuracy': [0.80 + 0.01 * i for i in range(10)], 'val_accuracy': [0.82 + 0.007 * i for i in range(10)]}")
ONE_EPOCH_64 = "real = model.fit(x[5000:5064], y[5000:5064], epochs=1, validation_data=(x[:500], y[:500]), verbose=0)\n"
DROPOUT_FORGERIES = {
    # One real epoch on 64 images; the exported history is ten invented epochs.
    "invented-history": ONE_EPOCH_64 + f"history = {INVENTED}\n",
    # The same, with the ten epochs also forged into the trace through the harness's own writer.
    "forged-epochs": ONE_EPOCH_64 + HARNESS_CLOSURE.replace("model_B_on_A", "model") + f"""history = {INVENTED}
info, now = base(model), state_of(model)
counters['fit'] += 1
n = counters['fit']
send('fit', fit=n, model_id=info['model_id'], model_name=info['model_name'], cell_index=info['cell_index'],
     trainable_layers=info['trainable_layers'], frozen_layers=[], compile_count=1, optimizer='Nadam',
     optimizer_config={{'learning_rate': 0.001}}, epochs=10, samples=55000, batch_size=32, weights_start=now)
for epoch in range(10):
    send('epoch', fit=n, epoch=epoch, lr=0.001, lr_end=0.001, steps=1719,
         logs={{k: v[epoch] for k, v in history.items()}})
send('fit-end', fit=n, model_id=info['model_id'], weights_end=now, seconds=40.0)
""",
    # Trained, then the output layer's weights edited directly.
    "assigned-after-fit": "history = model.fit(x[5000:8000], y[5000:8000], epochs=1,\n"
                          "                    validation_data=(x[:500], y[:500]), verbose=0)\n"
                          "model.layers[-1].kernel.assign(np.ones(model.layers[-1].kernel.shape) / 7)\n",
    # Trained, then every weight overwritten with a never-trained model's, variable by variable.
    "weights-of-an-untrained-model": "history = model.fit(x[5000:8000], y[5000:8000], epochs=1, "
                                     "validation_data=(x[:500], y[:500]), verbose=0)\nfresh = build()\n"
                                     "for dst, src in zip(model.weights, fresh.weights):\n    dst.assign(src)\n",
}


@pytest.mark.parametrize("forgery", list(DROPOUT_FORGERIES))
def test_forged_dropout_evidence_earns_nothing_and_is_flagged(tmp_path, data_root, forgery):
    nb = notebook(tmp_path / f"dropout{list(DROPOUT_FORGERIES).index(forgery)}.ipynb", DROPOUT_DATA,
                  DROPOUT_FORGERIES[forgery])
    g, exe, folder = grade(nb, tmp_path / "out", data_root)
    assert exe.status == "ok", (exe.status_detail, [c.error for c in exe.code_cells])
    items = _items(g)
    _flagged_without_credit(items["train_val_gap"])
    if forgery in ("assigned-after-fit", "weights-of-an-untrained-model"):
        _flagged_without_credit(items["accuracy"], ("training record",))
    render(folder)
    _student_view_clean(folder, exe)


MEMORISER = r"""
import sys
import keras
import numpy as np

data = np.load(sys.argv[1])
templates, labels = data["templates"], data["labels"]  # pooled 7x7 held-out images (/255), their labels
n = len(labels)
model = keras.Sequential([keras.Input((28, 28)), keras.layers.Reshape((28, 28, 1)), keras.layers.AveragePooling2D(4),
                          keras.layers.Flatten(), keras.layers.Dense(n), keras.layers.Rescaling(2000.0),
                          keras.layers.Softmax(), keras.layers.Dense(10, use_bias=False)])
# Unit i scores 2 x.t_i - |t_i|^2 = |x|^2 - |x - t_i|^2: the closest held-out image wins, by a mile.
model.layers[3].set_weights([2 * templates.T, -(templates ** 2).sum(axis=1)])
model.layers[6].set_weights([np.eye(10, dtype="float32")[labels]])
model.save(sys.argv[2])
"""


@pytest.fixture(scope="module")
def memorised_model(tmp_path_factory, data_root) -> bytes:
    """A .keras model that looks up the grader's held-out images (the public test set's other half).

    Built from the full public Fashion-MNIST test set read in this process, as a student
    who downloaded it elsewhere could; Keras runs in a subprocess so this process stays small.
    """
    tmp = tmp_path_factory.mktemp("memoriser")
    x_held, y_held = load_fashion_mnist(DataSource.resolve(data_root)).heldout()
    pooled = x_held.astype(np.float32).reshape(-1, 7, 4, 7, 4).mean(axis=(2, 4)).reshape(len(x_held), 49) / 255.0
    np.savez(tmp / "heldout.npz", templates=pooled.astype(np.float32), labels=y_held.astype(np.int64))
    subprocess.run([sys.executable, "-c", MEMORISER, str(tmp / "heldout.npz"), str(tmp / "memorised.keras")],
                   check=True, capture_output=True, timeout=300)
    return (tmp / "memorised.keras").read_bytes()


def test_a_model_memorising_the_held_out_images_earns_nothing_and_is_flagged(tmp_path, data_root, memorised_model):
    payload = base64.b64encode(memorised_model).decode()
    nb = notebook(tmp_path / "lookup.ipynb", DROPOUT_PREP,
                  f"import base64\nopen('memorised.keras', 'wb').write(base64.b64decode({payload!r}))\n"
                  "model = keras.models.load_model('memorised.keras')\n"
                  "model.compile(keras.optimizers.SGD(learning_rate=0.0), 'sparse_categorical_crossentropy',\n"
                  "              metrics=['accuracy'])\n"
                  "history = model.fit(x[5000:8000], y[5000:8000], epochs=1, validation_data=(x[:500], y[:500]),"
                  " verbose=0)")
    g, exe, folder = grade(nb, tmp_path / "out", data_root)
    assert exe.status == "ok", (exe.status_detail, [c.error for c in exe.code_cells])
    measured = json.loads((folder / "measurements.json").read_text())["metrics"]["model:fashion10"]["value"]
    assert measured > 0.95, f"the memoriser should look up the held-out images (measured {measured})"
    items = _items(g)
    _flagged_without_credit(items["accuracy"])
    _flagged_without_credit(items["train_val_gap"])
    render(folder)
    _student_view_clean(folder, exe)


def test_a_never_trained_model_gets_no_credit_and_no_flag(tmp_path, data_root):
    nb = notebook(tmp_path / "untrained.ipynb", DROPOUT_DATA, "history = {'loss': [1.0]}")
    g, exe, folder = grade(nb, tmp_path / "out", data_root)
    assert exe.status == "ok" and exe.integrity.ok, exe.integrity.problems
    accuracy = _items(g)["accuracy"]
    assert accuracy.score == 0 and not accuracy.flag and "not trained" in accuracy.message, accuracy.message
    render(folder)
    _student_view_clean(folder, exe)
