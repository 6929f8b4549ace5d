"""Similarity over a synthetic class of 300 (``make bench``): target under 60 s on 2 cores.

Each synthetic student typed the lecture's dropout code (as every real one does), wrote five
cells of their own code (random statements over the Keras/numpy/matplotlib API, their own
identifiers and hyper-parameters), about 250 words of analysis in English and Korean, and ran it
(a training log with their own numbers, two figures of their own, one everyone shares). Ten
students copied another one (identifiers renamed, cells reordered, analysis lightly edited).
Each has about 2,000 code tokens and 250 words (the sample submissions have 120-1,250 code
tokens), 15-20 KB of ``execution.json``. Random code over one API shares chance fingerprints
with most others: nearly every pair becomes a candidate, the inverted index's worst case.
The numbers go to pytest-benchmark's JSON and the session's `BenchRun`; nothing asserts a time,
only that the ten copies are the ten flagged pairs.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from harness.measure.results import Measurement
from harness.integrity.detect import similarity
from tests.unit.integrity_class import sample_cells, write_student

pytestmark = pytest.mark.bench

STUDENTS = 300
COPIES = 10
LECTURE = [s for kind, s in sample_cells("dropout/lecture-verbatim.ipynb") if kind == "code"]
API = ["fit", "evaluate", "predict", "compile", "add", "plot", "subplots", "legend", "set_title", "mean", "std",
       "reshape", "astype", "argmax", "concatenate", "Dense", "Dropout", "Flatten", "Sequential", "Model", "Input",
       "Adam", "SGD", "Nadam", "RMSprop", "ExponentialDecay", "LearningRateScheduler", "EarlyStopping", "summary",
       "get_weights", "set_weights", "clone_model", "load_img", "img_to_array", "expand_dims", "imshow", "show",
       "grid", "xlabel", "ylabel", "figure", "hist", "percentile", "clip", "linspace", "arange", "zeros_like"]
KWARGS = ["epochs", "batch_size", "validation_data", "activation", "kernel_initializer", "learning_rate", "verbose",
          "label", "figsize", "axis", "rate", "momentum", "patience", "monitor", "shuffle", "loss", "metrics"]
MODULES = ["keras", "np", "plt", "keras.layers", "keras.optimizers", "keras.callbacks", "tf.keras"]
ENGLISH = ("the model accuracy validation loss curve epoch training dropout rate overfits underfits gap between "
           "plot shows increases decreases slowly quickly after before because optimizer learning schedule "
           "network layer weights frozen transfer features test set higher lower than expected result seems "
           "stable noisy small large first last final best worst compared with without my run seed value "
           "clearly probably almost about around stays keeps grows shrinks reaches drops jumps").split()
KOREAN = ("모델 정확도 검증 손실 곡선 에포크 훈련 드롭아웃 비율 과대적합 과소적합 차이 그래프 증가 감소 천천히 빠르게 "
          "이후 이전 때문 옵티마이저 학습률 스케줄 네트워크 층 가중치 동결 전이 특징 테스트 높다 낮다 예상 결과 "
          "안정적 잡음 작다 크다 처음 마지막 최종 최고 최저 비교 없이 실행 시드 값 분명히 아마 거의 약 유지").split()


def _name(rng: random.Random) -> str:
    return rng.choice(["x", "y", "m", "h", "net", "data", "res", "tmp", "val", "out", "acc", "cfg", "run"]) + \
        str(rng.randrange(1000))


def _expr(rng: random.Random, names: list[str], depth: int = 0) -> str:
    roll = rng.random()
    if roll < 0.25 or depth > 2:
        return rng.choice(names) if names and rng.random() < 0.7 else str(round(rng.uniform(0, 100), rng.randrange(4)))
    args = [_expr(rng, names, depth + 1) for _ in range(rng.randrange(3))]
    args += [f"{k}={_expr(rng, names, depth + 1)}" for k in rng.sample(KWARGS, rng.randrange(3))]
    target = rng.choice(names) if names and rng.random() < 0.4 else rng.choice(MODULES)
    return f"{target}.{rng.choice(API)}({', '.join(args)})"


def _own_cell(rng: random.Random, names: list[str]) -> str:
    lines, indent = [], ""
    for _ in range(rng.randint(6, 14)):
        roll = rng.random()
        if roll < 0.12 and not indent:
            lines.append(f"for {_name(rng)} in range({rng.randint(2, 20)}):")
            indent = "    "
        elif roll < 0.2 and indent:
            indent = ""
            continue
        elif roll < 0.3:
            lines.append(f"{indent}print({_expr(rng, names)})")
        else:
            name = _name(rng)
            lines.append(f"{indent}{name} = {_expr(rng, names)}")
            names.append(name)
    return "\n".join(lines) + "\n"


def _prose(rng: random.Random, words: int) -> str:
    out = []
    while sum(len(s.split()) for s in out) < words:
        vocab = KOREAN if rng.random() < 0.4 else ENGLISH
        out.append(" ".join(rng.choice(vocab) for _ in range(rng.randint(8, 20))) + ".")
    return " ".join(out)


def _log(rng: random.Random) -> str:
    return "".join(f"Epoch {e}/10\n1500/1500 - 3s 2ms/step - accuracy: {rng.uniform(.7, .95):.4f} - loss: "
                   f"{rng.uniform(.2, .6):.4f} - val_accuracy: {rng.uniform(.7, .95):.4f} - val_loss: "
                   f"{rng.uniform(.2, .6):.4f}\n" for e in range(1, 11))


def synthetic_class(out: Path, *, students: int = STUDENTS, copies: int = COPIES, seed: int = 0) -> set[frozenset]:
    """Writes the synthetic class into `out`; returns the planted pairs (as sets of folder names)."""
    rng = random.Random(seed)
    cells_of: dict[str, list[tuple[str, str]]] = {}
    for n in range(students - copies):
        sid = f"s{n:03d}"
        names: list[str] = []
        own = [("code", _own_cell(rng, names)) for _ in range(5)]
        prose = [("markdown", _prose(rng, rng.randint(60, 120))) for _ in range(3)]
        cells = [("markdown", "# Dropout")] + [("code", c) for c in LECTURE] + own + prose
        cells_of[sid] = cells
        fit = len(LECTURE) + 2
        write_student(out, sid, cells, outputs={fit: _log(rng), 2: "(55000, 28, 28) (5000, 28, 28)"},
                      figures=[(fit, f"{rng.getrandbits(256):064x}"), (fit + 1, f"{rng.getrandbits(256):064x}"),
                               (4, "c" * 64)])
    planted = set()
    for n in range(copies):
        victim = rng.choice(sorted(cells_of))
        sid = f"copy{n:02d}"
        renames = {}
        copied = []
        for kind, text in cells_of[victim]:
            if kind == "code":
                for word in set(w for w in text.replace("(", " ").replace(")", " ").split() if w[:1].isalpha()
                                and w[-1].isdigit()):
                    renames.setdefault(word, f"v_{rng.randrange(10**6)}")
                for old, new in renames.items():
                    text = text.replace(old, new)
            else:
                text = text.replace(" the ", " a ").replace("모델", "네트워크", 1)
            copied.append((kind, text))
        copied = copied[:1] + rng.sample(copied[1:], len(copied) - 1)
        write_student(out, sid, copied, outputs={3: _log(rng)})
        planted.add(frozenset((sid, victim)))
    return planted


@pytest.fixture(scope="module")
def synthetic_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("similarity-300")
    return out, synthetic_class(out)


@pytest.mark.parametrize("jobs", [1, 2])
def test_similarity_300(benchmark, bench_run, synthetic_out, jobs):
    out, planted = synthetic_out
    report = benchmark.pedantic(similarity, args=(out,), kwargs={"jobs": jobs}, rounds=2, iterations=1)
    assert len(report.submissions) == STUDENTS and report.problems == []
    assert {frozenset((p.a, p.b)) for p in report.flagged} == planted
    times = list(benchmark.stats.stats.data)
    benchmark.extra_info.update(submissions=STUDENTS, candidate_pairs=report.candidate_pairs, jobs=jobs,
                                json_bytes=(out / "similarity.json").stat().st_size,
                                html_bytes=(out / "similarity.html").stat().st_size)
    bench_run.add(Measurement.from_times(f"similarity_{STUDENTS}_jobs{jobs}_s", times, items=STUDENTS, unit="s",
                                         precision="n/a", info={"submissions": STUDENTS, "jobs": jobs,
                                                                "candidate_pairs": report.candidate_pairs}))
