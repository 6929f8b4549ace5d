"""Report rendering speed and size (``make bench``): one report, the notebook page, dashboards of 50 and 300.

Targets from issue 6: one submission's report in at most 0.2 s (execution excluded),
the dashboard of 300 submissions in at most 5 s, a typical report under 2 MB. The
numbers go into pytest-benchmark's JSON (sizes in ``extra_info``); nothing here
asserts a wall-clock threshold. Inputs are synthetic but shaped like a real dropout
submission: three matplotlib figures, Keras-style epoch logs, a few hundred words.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from harness.models import Execution
from harness.report.dashboard import render_dashboard
from harness.report.notebook import write_notebook_html
from harness.report.site import render_site
from harness.report.submission import render_submission
from tests.fixtures.report_data import rubric, write_submission

pytestmark = pytest.mark.bench


def _figure_png(seed: int) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    rng = np.random.default_rng(seed)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4), dpi=100)
    for ax in axes:
        for _ in range(4):
            ax.plot(np.cumsum(rng.normal(size=10)) / 10 + 0.8, marker="o")
        ax.grid(True)
        ax.legend(["accuracy", "val_accuracy", "loss", "val_loss"])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def realistic(out: Path, name: str, *, figures: list[bytes]) -> Path:
    """A fixture submission with three real-looking figures and long training output."""
    folder = write_submission(out, name, executed_notebook=True)
    exe = Execution.from_json((folder / "execution.json").read_text())
    log = "".join(f"Epoch {e}/10\n94/94 - 2s 16ms/step - accuracy: 0.8{e} - loss: 0.4{e} - val_accuracy: 0.8{e} - "
                  f"val_loss: 0.5{e}\n" for e in range(1, 11))
    exe.cells[2].output = log * 2
    exe.cells[4].source = exe.cells[4].source * 6
    exe.figures = exe.figures[:1] * 3
    for n, data in enumerate(figures):
        (folder / "figures" / f"cell003-{n:02d}.png").write_bytes(data)
        exe.figures[n] = type(exe.figures[0])(cell_index=3, path=f"figures/cell003-{n:02d}.png", sha256=str(n) * 64,
                                              width=1200, height=400)
    exe.cells[3].figures = [0, 1, 2]
    (folder / "execution.json").write_text(exe.to_json())
    return folder


@pytest.fixture(scope="module")
def figures():
    return [_figure_png(seed) for seed in range(3)]


@pytest.fixture(scope="module")
def one(tmp_path_factory, figures):
    return realistic(tmp_path_factory.mktemp("bench-one"), "alice", figures=figures)


def test_render_one_report(benchmark, one):
    rub = rubric()
    render_submission(one, rubric=rub, calibration_dir=None, notebook=False)  # warm: templates, imports
    path = benchmark(render_submission, one, rubric=rub, calibration_dir=None, notebook=False)
    benchmark.extra_info["report_bytes"] = path.stat().st_size
    benchmark.extra_info["figure_bytes"] = sum(p.stat().st_size for p in (one / "figures").glob("*.png"))


def test_render_student_view(benchmark, one):
    rub = rubric()
    path = benchmark(render_submission, one, student_view=True, rubric=rub, calibration_dir=None, notebook=False)
    benchmark.extra_info["feedback_bytes"] = path.stat().st_size


def test_render_notebook_html(benchmark, one):
    write_notebook_html(one / "executed.ipynb", one / "notebook.html")  # warm: nbconvert import, templates
    benchmark(write_notebook_html, one / "executed.ipynb", one / "notebook.html")
    benchmark.extra_info["notebook_bytes"] = (one / "notebook.html").stat().st_size


@pytest.mark.parametrize("n", [50, 300])
def test_render_dashboard(benchmark, tmp_path_factory, n):
    out = tmp_path_factory.mktemp(f"bench-class-{n}")
    for i in range(n):
        write_submission(out, f"s{i:03d}", hidden=i % 7 == 0, status="error" if i % 11 == 0 else "ok",
                         score_shift=-(i % 13), wall_time_s=20.0 + (i * 37) % 90)
    path = benchmark(render_dashboard, out)
    benchmark.extra_info["dashboard_bytes"] = path.stat().st_size
    benchmark.extra_info["submissions"] = n


def test_render_class_of_50(benchmark, tmp_path_factory, figures):
    """Every report, notebook page, grades.csv and the dashboard of a class of 50, from stored results."""
    out = tmp_path_factory.mktemp("bench-site-50")
    for i in range(50):
        realistic(out, f"s{i:03d}", figures=figures)
    summary = benchmark.pedantic(render_site, args=(out,), rounds=1, iterations=1)
    sizes = sorted(p.stat().st_size for p in summary.reports)
    benchmark.extra_info.update(reports=len(sizes), report_bytes_median=sizes[len(sizes) // 2],
                                report_bytes_max=sizes[-1], dashboard_bytes=summary.dashboard.stat().st_size,
                                notebook_bytes_max=max(p.stat().st_size for p in out.glob("*/notebook.html")))
    assert not summary.problems
