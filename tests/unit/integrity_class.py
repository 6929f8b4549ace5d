"""The similarity tests' class: real sample submissions, hand-written students, planted copies.

The repo's sample submissions share one author and many are variants of one another, so the
class takes only samples that are not (`HONEST_SAMPLES`); the honest students who write in
Korean, and the copiers' own code, are written here, each in a style of its own (as different
students would). Nothing is run: cells are written into ``execution.json`` as the grader would.
"""

from __future__ import annotations

import io
import random
import re
import tokenize
from pathlib import Path

from harness.execute.source import read_module, read_notebook
from harness.models import Cell, Execution, Figure, Submission

KOREAN_DROPOUT_1 = """## 분석
학습 곡선을 보면 훈련 정확도와 검증 정확도가 10 에포크 동안 함께 증가하였다. 드롭아웃을 사용한 모델은 훈련 정확도가
검증 정확도보다 약간 낮게 나타나는데, 이는 훈련할 때만 드롭아웃이 적용되어 뉴런의 20%가 무작위로 꺼지기 때문이다.
검증 손실은 마지막 에포크까지 꾸준히 감소하였으므로 과대적합의 징후는 보이지 않는다. 드롭아웃이 없는 모델과 비교하면
드롭아웃이 없는 모델은 훈련 정확도가 0.93까지 올라갔지만 검증 정확도는 0.88 근처에서 멈추었고 그 차이가 점점 커졌다.
즉 드롭아웃은 훈련 정확도를 조금 희생하는 대신 일반화 성능을 높여 준다. 다만 에포크 수가 적어서 모델이 아직 충분히
학습되지 않았을 가능성도 있으며, 더 오래 학습하면 두 모델의 차이가 더 분명해질 것이다.
"""

# The planted copy of KOREAN_DROPOUT_1: particles and endings changed, two sentences swapped, numbers updated.
KOREAN_DROPOUT_1_COPY = """## 결과 분석
학습 곡선에서 훈련 정확도와 검증 정확도는 10 에포크 동안 함께 증가했다. 검증 손실이 마지막 에포크까지 꾸준히
감소했으므로 과대적합의 징후가 보이지 않는다. 드롭아웃을 사용한 모델의 훈련 정확도는 검증 정확도보다 약간 낮게
나타났는데, 이것은 훈련할 때만 드롭아웃이 적용되어 뉴런의 20%가 무작위로 꺼지기 때문입니다. 드롭아웃이 없는
모델과 비교하면, 드롭아웃이 없는 모델의 훈련 정확도는 0.94까지 올라갔지만 검증 정확도는 0.87 근처에서 멈추었고
그 차이가 점점 커졌다. 결국 드롭아웃은 훈련 정확도를 조금 희생하는 대신 일반화 성능을 높여 준다. 다만 에포크 수가
적어서 모델이 아직 충분히 학습되지 않았을 가능성도 있고, 더 오래 학습하면 두 모델의 차이는 더 분명해질 것이다.
"""

KOREAN_DROPOUT_2 = """## 결과 해석
드롭아웃 비율 0.2를 적용한 모델의 최종 검증 정확도는 0.89였다. 훈련 중에는 드롭아웃 때문에 일부 뉴런이 비활성화되므로
훈련 정확도가 검증 정확도보다 낮게 측정된다. 두 곡선 사이의 간격이 작고 검증 손실이 다시 올라가지 않기 때문에 이
모델은 과대적합되지 않았다고 판단한다. 반면 드롭아웃을 제거한 모델은 몇 에포크 이후 검증 손실이 증가하기 시작했고,
이는 전형적인 과대적합의 모습이다. 결론적으로 드롭아웃은 규제 역할을 하여 모델이 훈련 데이터를 외우는 것을 막아 준다.
"""

KOREAN_OPTIMIZERS = """## 옵티마이저 비교
8개의 옵티마이저를 같은 학습률 0.001로 비교하였다. 손실 그래프에서 Nadam과 Adam이 가장 빠르게 수렴하였고 RMSProp이
그 뒤를 이었다. 기본 SGD는 학습률이 작아서 가장 느리게 수렴하였으며 10 에포크 후에도 손실이 높게 남아 있었다. 모멘텀과
네스테로프는 SGD보다 훨씬 빠르게 손실을 줄였는데, 이는 이전 그래디언트를 누적하여 일관된 방향으로 더 큰 걸음을 내딛기
때문이다. AdaGrad는 처음에는 빠르지만 학습률이 계속 줄어들어 후반에는 거의 멈추었다. 검증 정확도에서는 적응형 방법들이
초반에 높은 정확도에 도달했지만 이후 약간 과대적합되는 경향을 보였다.
"""

OWN_ANALYSIS_EN = """## What I observed
My classifier got to roughly ninety percent on validation in the first pass and crept up afterwards.
Training numbers lag behind validation because augmentation and dropout only act while fitting, so I do
not read the gap as a problem. I would try fine-tuning the last block next, with a tiny step size.
"""

# Own code, each written differently (a student who wrote their own pipeline).
OWN_CODE_FUNCTIONAL = [
    """import keras
from keras import layers
import numpy as np
import matplotlib.pyplot as plt
""",
    """(xtr, ytr), (xte, yte) = keras.datasets.fashion_mnist.load_data()
xtr = xtr.astype("float32") / 255.0
xte = xte.astype("float32") / 255.0
xval, yval = xtr[:5000], ytr[:5000]
xtr, ytr = xtr[5000:], ytr[5000:]
""",
    """def make_net(rate):
    inp = keras.Input(shape=(28, 28))
    h = layers.Flatten()(inp)
    for width in (300, 100):
        if rate:
            h = layers.Dropout(rate)(h)
        h = layers.Dense(width, activation="elu", kernel_initializer="he_normal")(h)
    if rate:
        h = layers.Dropout(rate)(h)
    out = layers.Dense(10, activation="softmax")(h)
    net = keras.Model(inp, out)
    net.compile(optimizer="nadam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return net
""",
    """runs = {}
for rate in (0.2, 0.0):
    net = make_net(rate)
    runs[rate] = net.fit(xtr, ytr, epochs=10, validation_data=(xval, yval), verbose=2).history
model, history = net, runs[0.2]
""",
    """plt.figure(figsize=(10, 4))
for rate, h in runs.items():
    plt.plot(h["val_loss"], label=f"val loss, dropout {rate}")
    plt.plot(h["loss"], "--", label=f"train loss, dropout {rate}")
plt.legend()
plt.show()
""",
]

OWN_CODE_LOOPS = [
    """import numpy as np
import keras
from matplotlib import pyplot
""",
    """data = keras.datasets.fashion_mnist.load_data()
(train_images, train_labels), (test_images, test_labels) = data
mean = train_images.mean()
std = train_images.std()
train_images = (train_images - mean) / std
test_images = (test_images - mean) / std
""",
    """stack = keras.Sequential()
stack.add(keras.layers.Input((28, 28)))
stack.add(keras.layers.Flatten())
for units, drop in [(300, 0.2), (100, 0.2)]:
    stack.add(keras.layers.Dropout(drop))
    stack.add(keras.layers.Dense(units, activation="elu", kernel_initializer="he_normal"))
stack.add(keras.layers.Dropout(0.2))
stack.add(keras.layers.Dense(10, activation="softmax"))
stack.compile(keras.optimizers.Nadam(), "sparse_categorical_crossentropy", ["accuracy"])
""",
    """log = stack.fit(train_images[5000:], train_labels[5000:], batch_size=64, epochs=10,
                validation_split=0.1)
model = stack
history = log
print("best validation accuracy", max(log.history["val_accuracy"]))
""",
    """figure, axis = pyplot.subplots()
axis.plot(np.arange(1, 11), log.history["accuracy"], marker="s")
axis.plot(np.arange(1, 11), log.history["val_accuracy"], marker="^")
axis.set_ylabel("accuracy")
pyplot.show()
""",
]

OWN_CODE_CLASSES = [
    """import keras
import numpy as np
import matplotlib.pyplot as plt

SEED = 7
keras.utils.set_random_seed(SEED)
""",
    """class Experiment:
    def __init__(self, optimizer_factory):
        self.optimizer_factory = optimizer_factory
        self.net = None

    def build(self):
        self.net = keras.Sequential([
            keras.Input(shape=(28, 28)), keras.layers.Flatten(),
            keras.layers.Dense(300, activation="selu", kernel_initializer="lecun_normal"),
            keras.layers.Dense(100, activation="selu", kernel_initializer="lecun_normal"),
            keras.layers.Dense(10, activation="softmax")])
        self.net.compile(optimizer=self.optimizer_factory(), loss="sparse_categorical_crossentropy",
                         metrics=["accuracy"])
        return self
""",
    """(a, b), _ = keras.datasets.fashion_mnist.load_data()
a = (a - a.mean(axis=0)) / (a.std(axis=0) + 1e-7)
choices = {"sgd": keras.optimizers.SGD, "adam": keras.optimizers.Adam, "nadam": keras.optimizers.Nadam,
           "rmsprop": keras.optimizers.RMSprop}
histories = {}
for label, factory in choices.items():
    exp = Experiment(lambda f=factory: f(learning_rate=1e-3)).build()
    histories[label] = exp.net.fit(a[5000:], b[5000:], validation_data=(a[:5000], b[:5000]), epochs=10)
""",
    """for label, h in histories.items():
    plt.semilogy(h.history["loss"], label=label)
plt.legend(title="optimizer")
plt.show()
""",
]

OWN_CODE_TRANSFER = [
    """import keras
import numpy as np
""",
    """(X, y), (Xt, yt) = keras.datasets.fashion_mnist.load_data()
X, Xt = X / 255.0, Xt / 255.0
def split(images, labels):
    keep_a = (labels != 5) & (labels != 6)
    la = labels[keep_a]
    la = np.where(la > 6, la - 2, la)
    keep_b = (labels == 5) | (labels == 6)
    return (images[keep_a], la), (images[keep_b], (labels[keep_b] == 6).astype("float32"))
(XA, yA), (XB, yB) = split(X[5000:], y[5000:])
XB, yB = XB[:200], yB[:200]
""",
    """def mlp(out_units, out_act):
    layers_ = [keras.layers.Flatten(input_shape=(28, 28))]
    layers_ += [keras.layers.Dense(n, activation="selu") for n in (300, 100, 50, 50, 50)]
    layers_.append(keras.layers.Dense(out_units, activation=out_act))
    return keras.Sequential(layers_)
model_A = mlp(8, "softmax")
model_A.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=1e-3))
model_A.fit(XA, yA, epochs=20)
model_B = mlp(1, "sigmoid")
model_B.compile(loss="binary_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=1e-3))
model_B.fit(XB, yB, epochs=20)
""",
    """copy_A = keras.models.clone_model(model_A)
copy_A.set_weights(model_A.get_weights())
model_B_on_A = keras.Sequential(copy_A.layers[:-1] + [keras.layers.Dense(1, activation="sigmoid")])
for layer in model_B_on_A.layers[:-1]:
    layer.trainable = False
model_B_on_A.compile(loss="binary_crossentropy", optimizer="sgd")
model_B_on_A.fit(XB, yB, epochs=4)
for layer in model_B_on_A.layers[:-1]:
    layer.trainable = True
model_B_on_A.compile(loss="binary_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=1e-4))
model_B_on_A.fit(XB, yB, epochs=16)
""",
]

OWN_CODE_SCRIPT = [
    """from tensorflow import keras
import pandas as pd

fm = keras.datasets.fashion_mnist
(train_x, train_y), (test_x, test_y) = fm.load_data()
train_x, test_x = train_x / 255., test_x / 255.
model = keras.models.Sequential(name="with_dropout")
model.add(keras.layers.Flatten(input_shape=[28, 28]))
model.add(keras.layers.Dropout(rate=0.2))
model.add(keras.layers.Dense(300, activation="elu", kernel_initializer="he_normal"))
model.add(keras.layers.Dropout(rate=0.2))
model.add(keras.layers.Dense(100, activation="elu", kernel_initializer="he_normal"))
model.add(keras.layers.Dropout(rate=0.2))
model.add(keras.layers.Dense(10, activation="softmax"))
model.compile(loss="sparse_categorical_crossentropy", optimizer="nadam", metrics=["accuracy"])
history = model.fit(train_x, train_y, epochs=10, validation_split=1 / 12)
""",
    """frame = pd.DataFrame(history.history)
frame.plot(figsize=(8, 5), grid=True, title="dropout 0.2")
print(frame.tail(3).round(4).to_string())
""",
]


# --- the test class ------------------------------------------------------------------------------

REPO = Path(__file__).resolve().parents[2]
LAB = "dropout"
"""Every student of the test class is recorded against one lab, so that every pair is compared."""

HONEST_SAMPLES = {
    "h-resnet-correct": "resnet50-top3/correct.ipynb",
    "h-resnet-lecture": "resnet50-top3/lecture-verbatim.ipynb",
    "h-transfer-correct": "fashion-transfer/correct.ipynb",
    "h-catsdogs-correct": "cats-dogs/correct.ipynb",
    "h-catsdogs-lecture": "cats-dogs/lecture-verbatim.ipynb",
    "h-optimizers-correct": "optimizers/correct.ipynb",
    "h-optimizers-forged": "optimizers/hostile-forged.ipynb",
    "h-dropout-lecture": "dropout/lecture-verbatim.ipynb",
    "h-dropout-snoop": "dropout/hostile-snoop.ipynb",
    "h-schedules-lecture": "lr-schedules/lecture-verbatim.ipynb",
}
"""Honest students: sample submissions that are not variants of one another."""

PLANTED = {
    ("c-renamed", "h-catsdogs-correct"): "code copied, identifiers renamed, literals and comments changed",
    ("c-reordered", "h-optimizers-correct"): "whole notebook copied, cells reordered",
    ("c-prose", "h-transfer-correct"): "analysis copied with small edits, own code",
    ("c-korean", "k-dropout-1"): "Korean analysis copied, particles/endings/order changed, own code",
}


def sample_cells(rel: str) -> list[tuple[str, str]]:
    """``(kind, source)`` cells of ``submissions/<rel>`` (notebook or ``# %%`` module), not run."""
    path = REPO / "submissions" / rel
    if path.suffix == ".py":
        return [(c.cell_type, c.source) for c in read_module(path)]
    return [(c.cell_type, c.source) for c in read_notebook(path).cells]


def write_student(out: Path, sid: str, cells: list[tuple[str, str]], *, lab: str = LAB,
                  outputs: dict[int, str] | None = None, figures: list[tuple] | None = None,
                  student_id: str | None = None) -> Path:
    """Writes ``out/<sid>/execution.json`` for `cells` as the grader would have (nothing is run).

    Args:
        outputs: cell index -> the text its run printed.
        figures: ``(cell index, sha256)`` or ``(cell index, sha256, blank)`` per figure shown.
        student_id: recorded student id (default `sid`).
    """
    exe = Execution(
        submission=Submission(path=f"/submissions/{sid}.ipynb", lab=lab, student_id=student_id or sid,
                              sha256="0" * 64, kind="notebook"),
        status="ok",
        cells=[Cell(index=i, cell_type=kind, source=src, output=(outputs or {}).get(i, ""))
               for i, (kind, src) in enumerate(cells)],
        figures=[Figure(cell_index=f[0], path=f"figures/{n}.png", sha256=f[1], blank=bool(f[2:] and f[2]))
                 for n, f in enumerate(figures or [])])
    folder = out / sid
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "execution.json").write_text(exe.to_json(), encoding="utf-8")
    return folder


def rename_identifiers(source: str, mapping: dict[str, str]) -> str:
    """`source` with every variable in `mapping` renamed (attributes and keyword arguments left alone)."""
    toks = list(tokenize.generate_tokens(io.StringIO(source).readline))
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    edits = []
    for n, tok in enumerate(toks):
        if tok.type != tokenize.NAME or tok.string not in mapping:
            continue
        prev = toks[n - 1].string if n else ""
        nxt = toks[n + 1].string if n + 1 < len(toks) else ""
        if prev == "." or (nxt == "=" and prev in ("(", ",")):
            continue
        s = starts[tok.start[0] - 1] + tok.start[1]
        edits.append((s, s + len(tok.string), mapping[tok.string]))
    for s, e, new in reversed(edits):
        source = source[:s] + new + source[e:]
    return source


def _restyle(source: str) -> str:
    """What a copier does besides renaming: drop comments, change titles, tweak hyper-parameters."""
    source = re.sub(r"#[^\n]*", "", source)
    source = source.replace('"Accuracy"', '"acc curve"').replace("epochs=10", "epochs=12")
    return source.replace("Dropout(0.5)", "Dropout(0.4)").replace('"o-"', '"s--"')


RENAMES = {"model": "clf", "history": "hist", "base_model": "backbone", "train_ds": "tr", "val_ds": "va",
           "IMG_SIZE": "SZ", "BATCH_SIZE": "BS", "data_augmentation": "aug", "inputs": "inp", "outputs": "out",
           "x": "t", "class_names": "names", "img": "picture", "probs": "p", "fig": "f", "ax1": "left",
           "ax2": "right", "epochs": "ep", "name": "nm"}


def build_class(out: Path) -> dict[str, list[tuple[str, str]]]:
    """Writes the test class into `out`; returns each student's cells by id.

    Honest: `HONEST_SAMPLES` plus three students with their own code and Korean analyses.
    Planted (`PLANTED`): renamed code, reordered cells, edited prose copy, Korean prose copy.
    """
    students: dict[str, list[tuple[str, str]]] = {sid: sample_cells(rel) for sid, rel in HONEST_SAMPLES.items()}
    students["k-dropout-1"] = [("code", c) for c in OWN_CODE_FUNCTIONAL] + [("markdown", KOREAN_DROPOUT_1)]
    students["k-dropout-2"] = [("code", c) for c in OWN_CODE_LOOPS] + [("markdown", KOREAN_DROPOUT_2)]
    students["k-optimizers"] = [("code", c) for c in OWN_CODE_CLASSES] + [("markdown", KOREAN_OPTIMIZERS)]

    source = students["h-catsdogs-correct"]
    students["c-renamed"] = [(k, _restyle(rename_identifiers(s, RENAMES))) for k, s in source if k == "code"]
    students["c-renamed"].append(("markdown", OWN_ANALYSIS_EN))

    cells = list(students["h-optimizers-correct"])
    order = random.Random(3).sample(range(len(cells)), len(cells))
    students["c-reordered"] = [cells[i] for i in order]

    prose = [s for k, s in students["h-transfer-correct"] if k == "markdown"]
    edited = "\n\n".join(prose[-2:]).replace("steadily", "consistently").replace("easy", "simple")
    edited = edited.replace("97.05%", "97.1%").replace("In my runs", "In my experiments")
    sentences = edited.split(". ")
    sentences[3], sentences[4] = sentences[4], sentences[3]
    students["c-prose"] = [("code", c) for c in OWN_CODE_TRANSFER] + [("markdown", ". ".join(sentences))]

    students["c-korean"] = [("code", c) for c in OWN_CODE_SCRIPT] + [("markdown", KOREAN_DROPOUT_1_COPY)]
    for sid, cells in students.items():
        write_student(out, sid, cells)
    return students
