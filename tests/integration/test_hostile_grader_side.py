"""The grader's own side against hostile submissions (labgrade issue 12).

Every case runs a real tiny notebook or module in the bubblewrap sandbox and watches
the grader, not the submission: it must never open, read or chown host files through
anything the submission controls; never hang on a FIFO or read a huge file whole;
keep its memory and time bounded whatever the submission sends (archives, images,
messages, trace events, values); and always end with a clear per-submission status,
results written, no internal error, nothing leaked.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from tests.integration.hostile_kit import (STUDENT_FILES, HostSecret, HostWatch, PeakRSS, files_containing, grade,
                                           needs_bwrap, render)
from tests.integration.hostile_sources import (BLOWUP, CRAFTED, FIND_CHANNEL, FIND_SEND, HOSTILE_VALUES, LINGER,
                                               NESTED_MARKDOWN, PIXEL_BOMB, PLAIN, RAW_SEND, SWAP_LOOP, planter)
from tests.integration.nbfactory import notebook

pytestmark = [needs_bwrap]


@pytest.fixture
def secret(tmp_path) -> HostSecret:
    """A root-only host folder (invisible to the sandbox) with a marker in every file."""
    return HostSecret(tmp_path)


def _no_internal_error(folder: Path) -> None:
    """Grading finished for this submission: results written, no grader failure reported anywhere."""
    for name in ("execution.json", "grade.json", "results.json", "feedback.json"):
        text = (folder / name).read_text()
        assert "internal grader error" not in text and "internal check error" not in text, name


# --- 1. Paths the submission controls ------------------------------------------------------------


def test_folders_swapped_for_links_during_the_run_never_lead_the_grader_to_host_files(tmp_path, data_root, secret):
    watch = HostWatch(secret.root, secret.root / "inner")
    nb = notebook(tmp_path / "swapper.ipynb", SWAP_LOOP.format(host=str(secret.root)),
                  "import time\nfor _ in range(12):\n    open(f'junk{_}.bin', 'wb').write(b'0' * 100000)\n"
                  "    time.sleep(0.5)",
                  "history = {'loss': [1.0, 0.5]}")
    g, exe, folder = grade(nb, tmp_path / "out", data_root)
    events = watch.events()
    assert exe.status == "ok", exe.status_detail
    assert not events, f"the grader opened or changed a host folder through a planted link: {events[:5]}"
    assert secret.owners() == secret.before, "host files changed owner or mode"
    render(folder)
    assert not files_containing(folder, secret.marker)
    _no_internal_error(folder)


def test_module_output_and_figure_files_replaced_by_links_fifos_and_huge_files(tmp_path, data_root, secret):
    src = tmp_path / "planter.py"
    src.write_text(
        "# %%\nhistory = {'loss': [1.0, 0.5]}\n"
        "# %%\nimport os\nprint('cell one')\nos.unlink('../out/out-0001.txt')\n"
        f"os.symlink({str(secret.text)!r}, '../out/out-0001.txt')\n"
        "# %%\nimport os\nprint('cell two')\nos.unlink('../out/out-0002.txt')\nos.mkfifo('../out/out-0002.txt')\n"
        "# %%\nprint('cell three')\nwith open('../out/out-0003.txt', 'ab') as fh:\n    fh.truncate(1500 << 20)\n"
        "# %%\n" + PIXEL_BOMB.replace("\\\\", "\\") +
        f"import os\nos.symlink({str(secret.png)!r}, '../out/cell004-00.png')\n"
        "os.mkfifo('../out/cell004-01.png')\n"
        "with open('../out/cell004-02.png', 'wb') as fh:\n    fh.write(b'\\x89PNG\\r\\n\\x1a\\n')\n"
        "    fh.truncate(1 << 30)\n"
        "open('../out/cell004-03.png', 'wb').write(bomb)\n"
        "# %%\nprint('last cell')\n")
    with PeakRSS() as rss:
        g, exe, folder = grade(src, tmp_path / "out", data_root)
        times = render(folder)
    assert exe.status == "ok", exe.status_detail
    assert [c.status for c in exe.code_cells] == ["ok"] * 6
    assert "cell one" not in exe.code_cells[1].output and exe.code_cells[2].output == ""
    assert exe.code_cells[3].output.startswith("cell three") and len(exe.code_cells[3].output) < 100_000
    assert "last cell" in exe.code_cells[5].output
    assert exe.figures == [], "a planted figure file was taken for a figure"
    assert not files_containing(folder, secret.marker)
    assert rss.grew_mb < 150, f"the grader grew by {rss.grew_mb:.0f} MB"
    print(f"[measure] module control files: grader +{rss.grew_mb:.0f} MB, render {times}")
    _no_internal_error(folder)


def test_kernel_log_cannot_be_replaced_and_is_read_capped(tmp_path, data_root, secret):
    nb = notebook(
        tmp_path / "kernellog.ipynb",
        "import os\nlog = os.path.abspath('../ctl/kernel.log')\nresults = []\n"
        f"for attempt in (lambda: os.unlink(log), lambda: os.symlink({str(secret.text)!r}, log + '.x'),\n"
        "                lambda: os.rename(log, log + '.old'), lambda: open(log, 'w')):\n"
        "    try:\n        attempt()\n        results.append('done')\n"
        "    except OSError as exc:\n        results.append(type(exc).__name__)\nprint(results)",
        # The kernel's own stderr is that log: flood it past any reasonable size (40 MB).
        "import os\nfds = []\nfor n in os.listdir('/proc/self/fd'):\n    try:\n"
        "        if os.readlink(f'/proc/self/fd/{n}').endswith('kernel.log'):\n            fds.append(int(n))\n"
        "    except OSError:\n        pass\n"
        "for _ in range(40):\n    os.write(fds[0], b'k' * (1 << 20))\n",
        "history = {'loss': [1.0]}")
    g, exe, folder = grade(nb, tmp_path / "out", data_root)
    assert exe.status == "ok", exe.status_detail
    assert "'done'" not in exe.code_cells[0].output, exe.code_cells[0].output
    assert exe.code_cells[1].status == "ok", exe.code_cells[1].error
    assert "k" * 1000 in exe.stdout and len(exe.stdout) < 100_000
    render(folder)
    assert not files_containing(folder, secret.marker)
    _no_internal_error(folder)


def test_export_manifest_replaced_by_a_link_to_a_host_file_is_ignored(tmp_path, data_root, secret):
    nb = notebook(tmp_path / "manifestlink.ipynb", planter(
        f"os.symlink({str(secret.json)!r}, os.path.join(folder, 'manifest.json'))"))
    g, exe, folder = grade(nb, tmp_path / "out", data_root)
    assert exe.status == "ok", exe.status_detail
    assert "export manifest was ignored" in exe.stdout and "symbolic link" in exe.stdout
    assert not any(e.found for e in exe.exports.values())
    render(folder)
    assert not files_containing(folder, secret.marker)
    _no_internal_error(folder)


def test_export_manifest_replaced_by_a_fifo_does_not_hang_the_grader(tmp_path, data_root):
    nb = notebook(tmp_path / "manifestfifo.ipynb", planter("os.mkfifo(os.path.join(folder, 'manifest.json'))"))
    t0 = time.monotonic()
    g, exe, folder = grade(nb, tmp_path / "out", data_root, export_grace_s=10, total_timeout_s=120)
    assert time.monotonic() - t0 < 100
    assert exe.status == "ok", exe.status_detail
    assert not any(e.found for e in exe.exports.values())
    _no_internal_error(folder)


def test_exported_model_files_that_are_links_or_huge_are_not_copied(tmp_path, data_root, secret):
    nb = notebook(tmp_path / "modelfiles.ipynb", planter(
        "if os.path.basename(path) == 'model.keras':\n"
        f"    os.symlink({str(secret.text)!r}, path)\n"
        "else:  # a 1.5 GB file that takes no disk (sparse): the sandbox's disk limit does not see it\n"
        "    with open(path, 'wb') as fh:\n        fh.write(b'PK')\n        fh.truncate(1500 << 20)"),
        "model_no_dropout = Planted([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10)])")
    with PeakRSS() as rss:
        g, exe, folder = grade(nb, tmp_path / "out", data_root)
    assert exe.status == "ok", exe.status_detail
    model, big = exe.exports["model"], exe.exports["model_no_dropout"]
    assert model.path is None and "symbolic link" in model.error
    assert big.path is None and "MB" in big.error, big.error
    copied = sum(p.stat().st_size for p in (folder / "exports").glob("*")) if (folder / "exports").exists() else 0
    assert copied < 1 << 20, f"the grader copied {copied >> 20} MB of exported files"
    render(folder)
    assert not files_containing(folder, secret.marker)
    assert rss.grew_mb < 150
    _no_internal_error(folder)


# --- 2. The grader's memory and time ------------------------------------------------------------


@pytest.fixture
def small_worker(monkeypatch):
    """The evaluation service of this process, with a 1,500 MB memory limit (instead of 4 GB)."""
    from harness.evaluate import service

    svc = service.EvaluationService(memory_mb=1500)
    monkeypatch.setattr(service, "_SERVICE", svc)
    yield svc
    svc.close()


@pytest.mark.slow  # three evaluation workers start (TensorFlow each), one is driven to its memory limit
def test_crafted_model_archives_are_refused_or_contained_and_the_next_submission_is_graded(tmp_path, data_root,
                                                                                           small_worker):
    out = tmp_path / "out"
    dense = notebook(tmp_path / "dense1e9.ipynb", CRAFTED)
    blowup = notebook(tmp_path / "blowup.ipynb", BLOWUP)
    plain = notebook(tmp_path / "plain.ipynb", PLAIN)
    with PeakRSS() as rss:
        g1, exe1, f1 = grade(dense, out, data_root)
        g2, exe2, f2 = grade(blowup, out, data_root)
        g3, exe3, f3 = grade(plain, out, data_root)
    m1, m2, m3 = (json.loads((f / "measurements.json").read_text()) for f in (f1, f2, f3))
    errors = {name: facts.get("error", "") for name, facts in m1["models"].items()}
    assert "layer dimension of 1,000,000,000" in errors["model"], errors
    assert "layer dimension of 10,000,000" in errors["model_no_dropout"], errors
    accuracy = {c.item: c for c in g1.lab_result.checks}["accuracy"]
    assert accuracy.score == 0 and "could not be evaluated" in accuracy.message
    assert m2["status"] == "memory" and "1500 MB" in m2["detail"], (m2["status"], m2["detail"])
    assert {c.item: c for c in g2.lab_result.checks}["accuracy"].score == 0
    assert m3["status"] == "ok" and m3["metrics"]["model:fashion10"]["value"] is not None, m3
    assert exe3.status == "ok"
    assert rss.grew_mb < 200, f"the grader grew by {rss.grew_mb:.0f} MB"
    print(f"[measure] crafted archives: grader +{rss.grew_mb:.0f} MB, worker peak {rss.worker_mb:.0f} MB")
    for f in (f1, f2, f3):
        _no_internal_error(f)


def test_ten_pixel_bomb_pngs_are_neither_kept_nor_decoded_nor_embedded(tmp_path, data_root):
    nb = notebook(tmp_path / "pngbombs.ipynb", PIXEL_BOMB.replace("\\\\", "\\"),
                  "import base64\nfrom IPython.display import Image, display\ndata = base64.b64encode(bomb).decode()\n"
                  "for _ in range(5):\n    display({'image/png': data}, raw=True)\n"
                  "for _ in range(5):\n    display(Image(data=bomb, format='png'))",
                  "history = {'loss': [1.0]}")
    with PeakRSS() as rss:
        g, exe, folder = grade(nb, tmp_path / "out", data_root)
        times = render(folder)
    assert exe.status == "ok", exe.status_detail
    assert exe.figures == [] and not (folder / "figures").exists()
    assert exe.code_cells[1].output_truncated
    executed = json.loads((folder / "executed.ipynb").read_text())
    assert not any("image/png" in (o.get("data") or {}) for c in executed["cells"] for o in c.get("outputs", []))
    for page in ("report.html", "feedback.html", "notebook.html"):
        assert (folder / page).stat().st_size < 1 << 20, page
    assert rss.grew_mb < 150, f"the grader grew by {rss.grew_mb:.0f} MB"
    print(f"[measure] png bombs: grader +{rss.grew_mb:.0f} MB, render {times}")
    _no_internal_error(folder)


def test_deeply_nested_markdown_and_html_render_within_the_budget(tmp_path, data_root):
    nb = notebook(tmp_path / "nested.ipynb",
                  "from IPython.display import HTML, Markdown, display\n"
                  "display(HTML('<span>' * 40000 + 'x'))\ndisplay(Markdown('> ' * 40000 + 'y'))\n"
                  "history = {'loss': [1.0]}",
                  markdown=NESTED_MARKDOWN)
    g, exe, folder = grade(nb, tmp_path / "out", data_root)
    assert exe.status == "ok", exe.status_detail
    with PeakRSS() as rss:
        times = render(folder)
    notebook_html = (folder / "notebook.html").read_text()
    # Each nested cell and output is shown as plain text, and said to be; the ordinary cell is rendered.
    assert notebook_html.count("labgrade: shown as plain text") >= 6, notebook_html.count("shown as plain text")
    assert "plain analysis words" in notebook_html and "<h2" in notebook_html
    for page in ("report.html", "feedback.html"):
        assert "plain analysis words" in (folder / page).read_text()
    print(f"[measure] nested markdown: render {times}, grader +{rss.grew_mb:.0f} MB")
    _no_internal_error(folder)


# --- 3. Caps -------------------------------------------------------------------------------------

def test_output_through_metadata_fake_images_comms_and_display_updates_is_capped(tmp_path, data_root):
    nb = notebook(
        tmp_path / "channels.ipynb",
        "from IPython.display import display\npad = 'm' * 100_000\n"
        "for _ in range(2000):  # 200 MB of metadata, no visible text\n"
        "    display({'text/plain': ''}, metadata={'pad': pad}, raw=True)",
        "import base64\nfake = base64.b64encode(b'not a png' * 120_000).decode()\n"
        "for _ in range(200):  # 290 MB of 'image/png' that is not a PNG\n"
        "    display({'image/png': fake}, raw=True)",
        "for _ in range(30_000):\n    display({'text/plain': ''}, raw=True)",
        "from ipykernel.comm import Comm\nc = Comm(target_name='labgrade-test', data={'state': {'a': 1}})\n"
        "for i in range(300):  # 300 MB of widget state\n    c.send({'state': {f'k{i}': 'w' * 1_000_000}})",
        "h = display({'text/plain': 'first'}, raw=True, display_id=True)\n"
        "for i in range(300):\n    h.update({'text/plain': 'u' * 1_000_000}, raw=True)",
        "history = {'loss': [1.0]}\nprint('done')")
    with PeakRSS() as rss:
        g, exe, folder = grade(nb, tmp_path / "out", data_root, max_output_kb=1024, cell_timeout_s=120,
                               total_timeout_s=400)
        times = render(folder)
    assert exe.status == "ok", exe.status_detail
    assert [c.status for c in exe.code_cells] == ["ok"] * 6
    assert all(c.output_truncated for c in exe.code_cells[:5]), [c.output_truncated for c in exe.code_cells]
    assert "done" in exe.code_cells[5].output or exe.code_cells[5].output_truncated
    assert (folder / "executed.ipynb").stat().st_size < 4 << 20
    assert rss.grew_mb < 250, f"the grader grew by {rss.grew_mb:.0f} MB"
    print(f"[measure] output channels: grader +{rss.grew_mb:.0f} MB, render {times}")
    _no_internal_error(folder)


def test_filling_the_disk_file_by_file_stops_with_status_disk(tmp_path, data_root):
    nb = notebook(tmp_path / "diskfill.ipynb",
                  "history = {'loss': [1.0]}",
                  "import os, time\nblock = b'0' * (1 << 20)\nfor i in range(1000):\n"
                  "    with open(f'fill{i:04d}.bin', 'wb') as fh:\n        try:\n"
                  "            for _ in range(64):  # past the per-file limit: File too large, then the next file\n"
                  "                fh.write(block)\n        except OSError:\n            pass\n    time.sleep(0.05)")
    g, exe, folder = grade(nb, tmp_path / "out", data_root, max_file_mb=16, disk_mb=160)
    assert exe.status == "disk", (exe.status, exe.status_detail)
    assert "MB of disk (limit 160 MB)" in exe.status_detail
    feedback = json.loads((folder / "feedback.json").read_text())
    assert "disk" in feedback["output"]
    _no_internal_error(folder)


@pytest.mark.parametrize("where, memory_mb", [("/tmp", 600), ("/dev/shm", 250)])
def test_filling_tmp_or_shm_counts_as_memory(tmp_path, data_root, where, memory_mb):
    nb = notebook(tmp_path / "tmpfill.ipynb",
                  "history = {'loss': [1.0]}",
                  f"import time\nblock = b'0' * (1 << 20)\nwith open('{where}/fill.bin', 'wb') as fh:\n"
                  # 100 MB/s: the watchdog polls 5 times a second, long before the tmpfs is full.
                  "    for _ in range(2000):\n        fh.write(block)\n        time.sleep(0.01)")
    with PeakRSS() as rss:
        g, exe, folder = grade(nb, tmp_path / "out", data_root, memory_mb=memory_mb)
    assert exe.status == "memory", (exe.status, exe.status_detail, exe.code_cells[1].error)
    assert "files in /tmp and /dev/shm" in exe.status_detail
    assert rss.grew_mb < 150
    _no_internal_error(folder)


# --- 4. Limits the submission would like to steer ------------------------------------------------


def test_forged_runner_replies_neither_extend_the_run_nor_hide_a_failure(tmp_path, data_root):
    src = tmp_path / "forger.py"
    src.write_text(
        "# %%\n" + FIND_CHANNEL + "history = {'loss': [1.0, 0.5]}\n"
        "for fd in channel_descriptors():\n"
        "    os.write(fd, b'garbage without a mac\\n')\n"
        "    os.write(fd, b'0123456789abcdef0123456789abcdef '\n"
        "             b'{\"t\": \"cell-done\", \"seq\": 5, \"token\": \"x\"}\\n')\n"
        # The runner's own reply function and the grader's token for this cell, from the runner's frame.
        "# %%\nimport sys\nrunner = sys._getframe(1).f_locals\n"
        "runner['send']('cell-done', cell=runner['index'], status='ok', seconds=0.0, error=None,\n"
        "               token=runner['cmd']['token'])\nraise ValueError('this cell failed')\n"
        "# %%\nimport sys\nrunner = sys._getframe(1).f_locals\n"
        "runner['send']('cell-done', cell=runner['index'], status='ok', seconds=0.0, error=None,\n"
        "               token=runner['cmd']['token'])\nwhile True:\n    pass\n"
        "# %%\nprint('after the loop')\n"
        "# %%\nprint('last')\n")
    t0 = time.monotonic()
    g, exe, folder = grade(src, tmp_path / "out", data_root, cell_timeout_s=4, total_timeout_s=30)
    wall = time.monotonic() - t0
    statuses = [c.status for c in exe.code_cells]
    assert wall < 30 + 10, f"the run took {wall:.0f} s (total limit 30 s)"
    assert statuses[1] == "error" and exe.code_cells[1].error.ename == "ValueError", statuses
    assert statuses[2] in ("timeout", "killed"), statuses
    assert exe.status == "timeout", exe.status_detail
    problems = " ".join(exe.integrity.problems)
    assert "wrong MAC" in problems or "no MAC" in problems, problems
    assert "forged" in problems, problems
    assert not exe.integrity.ok
    _no_internal_error(folder)


@pytest.mark.parametrize("kind", ["notebook", "module"])
def test_threads_and_atexit_hooks_do_not_outlive_the_last_cell(tmp_path, data_root, kind):
    if kind == "notebook":
        path = notebook(tmp_path / "linger.ipynb", "x = 1", LINGER)
    else:
        path = tmp_path / "linger.py"
        path.write_text("# %%\nx = 1\n# %%\n" + LINGER)
    t0 = time.monotonic()
    g, exe, folder = grade(path, tmp_path / "out", data_root, cell_timeout_s=60, total_timeout_s=120)
    wall = time.monotonic() - t0
    assert exe.status == "ok", exe.status_detail
    assert exe.exports["history"].found
    assert wall < 60, f"the run took {wall:.0f} s: something kept it going after the last cell"
    _no_internal_error(folder)


def test_an_export_that_never_returns_ends_within_the_total_limit(tmp_path, data_root):
    nb = notebook(tmp_path / "stuckexport.ipynb", planter(
        "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\ntime.sleep(10**6)"))
    t0 = time.monotonic()
    g, exe, folder = grade(nb, tmp_path / "out", data_root, total_timeout_s=60, export_grace_s=10)
    wall = time.monotonic() - t0
    assert wall < 60 + 20, f"the run took {wall:.0f} s (total limit 60 s)"
    assert not exe.exports["model"].found or exe.exports["model"].path is None
    _no_internal_error(folder)


# --- 5. Hostile values ---------------------------------------------------------------------------


@pytest.mark.parametrize("lab", list(HOSTILE_VALUES))
def test_non_finite_huge_and_deep_exported_values_become_graded_results(tmp_path, data_root, lab):
    nb = notebook(tmp_path / f"values-{lab}.ipynb", HOSTILE_VALUES[lab])
    g, exe, folder = grade(nb, tmp_path / "out", data_root, lab=lab)
    assert exe.status == "ok", exe.status_detail
    # One unwritable value costs its own export at most, never the whole manifest.
    assert "export failed" not in exe.stdout and "manifest was ignored" not in exe.stdout, exe.stdout[-2000:]
    assert all(e.found for e in exe.exports.values() if e.name in HOSTILE_VALUES[lab])
    assert g.lab_result.checks and all(c.message for c in g.lab_result.checks)
    times = render(folder)
    for name in STUDENT_FILES:
        assert (folder / name).is_file()
    print(f"[measure] hostile values ({lab}): render {times}")
    _no_internal_error(folder)


@pytest.mark.parametrize("payload, expected", [
    ("b'{\"data\": {\"application/json\": ' + b'[' * 100_000 + b']' * 100_000 + b'}, \"metadata\": {}}'",
     "nested too deeply"),
    ("b'{\"data\": {\"text/plain\": \"x\"}, \"metadata\": {\"n\": ' + b'9' * 5000 + b'}}'", "not valid JSON"),
    ("b'{\"data\": {\"text/plain\": \"x\"}, \"metadata\": {\"n\": NaN, \"m\": -Infinity}}'", None),
], ids=["deep", "bigint", "nan"])
def test_crafted_kernel_messages_stop_that_submission_only(tmp_path, data_root, payload, expected):
    nb = notebook(tmp_path / "rawmsg.ipynb", "history = {'loss': [1.0]}", RAW_SEND.format(payload=payload),
                  "print('after')")
    g, exe, folder = grade(nb, tmp_path / "out", data_root)
    if expected is None:
        assert exe.status == "ok" and "after" in exe.code_cells[2].output
    else:
        assert exe.status == "error" and expected in exe.status_detail, exe.status_detail
        assert exe.code_cells[2].status == "skipped"
    render(folder)
    _no_internal_error(folder)


def test_a_flood_of_authenticated_trace_events_is_bounded(tmp_path, data_root):
    nb = notebook(tmp_path / "flood.ipynb", FIND_SEND + (
        "for i in range(20_000):\n"
        "    send('fit', fit=10**6 + i, model_id=f'model-{i}', epochs=1, samples=60000, batch_size=32,\n"
        "         weights_start=[[f'var-{i}', 'a' * 24, 1]])\n"
        "    send('epoch', fit=10**6 + i, epoch=0, steps=1875, logs={'loss': 1.0 + i, 'accuracy': 0.5})\n"
        "    send('fit-end', fit=10**6 + i, weights_end=[[f'var-{i}', 'b' * 24, 1]])\n"
        "history = {'loss': [0.3, 0.2], 'accuracy': [0.9, 0.95], 'val_accuracy': [0.9, 0.91]}"))
    with PeakRSS() as rss:
        g, exe, folder = grade(nb, tmp_path / "out", data_root, cell_timeout_s=200, total_timeout_s=300)
        times = render(folder)
    assert exe.status == "ok", exe.status_detail
    assert sum(1 for t in exe.trace if t.kind == "fit") <= 1000
    assert not exe.integrity.ok and any("fit calls" in p or "events" in p for p in exe.integrity.problems)
    gap = {c.item: c for c in g.lab_result.checks}["train_val_gap"]
    assert gap.score == 0 and gap.flag == "evidence"
    assert rss.grew_mb < 300, f"the grader grew by {rss.grew_mb:.0f} MB"
    print(f"[measure] event flood: grader +{rss.grew_mb:.0f} MB, render {times}")
    _no_internal_error(folder)


def test_authenticated_events_of_millions_of_values_are_cut(tmp_path, data_root):
    nb = notebook(tmp_path / "fat.ipynb", FIND_SEND + (
        "blob = {f'k{j}': [{}] * 19_000 for j in range(50)}  # 3 MB of JSON, a million values\n"
        "for i in range(40):\n    send('note', **blob)\nhistory = {'loss': [1.0]}"))
    with PeakRSS() as rss:
        g, exe, folder = grade(nb, tmp_path / "out", data_root, memory_mb=4096)
    assert exe.status == "ok", exe.status_detail
    assert any("too large" in p for p in exe.integrity.problems), exe.integrity.problems
    assert rss.grew_mb < 300, f"the grader grew by {rss.grew_mb:.0f} MB"
    print(f"[measure] fat events: grader +{rss.grew_mb:.0f} MB")
    _no_internal_error(folder)


# --- 7. A batch with hostile submissions in it ----------------------------------------------------

BATCH_PLAIN = [
    PLAIN.replace("set_random_seed(0)", f"set_random_seed({seed})").replace("x[5000:7000], y[5000:7000]", rows)
    for seed, rows in ((0, "x[5000:7000], y[5000:7000]"), (1, "x[5000:6500], y[5000:6500]"),
                       (2, "x[6000:8000], y[6000:8000]"))
]
BATCH_HOSTILE = {
    "h_swap": (SWAP_LOOP.format(host="/root"), "import time\ntime.sleep(3)\nhistory = {'loss': [1.0]}"),
    "h_crafted": (CRAFTED,),
    "h_flood": (FIND_SEND + "for i in range(20_000):\n    send('fit', fit=10**6 + i, model_id=f'model-{i}')\n"
                "    send('fit-end', fit=10**6 + i)\nhistory = {'loss': [1.0]}",),
    "h_fat": (FIND_SEND + "blob = {f'k{j}': [{}] * 19_000 for j in range(50)}\nfor i in range(20):\n"
              "    send('note', **blob)\nhistory = {'loss': [1.0]}",),
    "h_pngbombs": (PIXEL_BOMB.replace("\\\\", "\\"), "import base64\nfrom IPython.display import display\n"
                   "for _ in range(10):\n    display({'image/png': base64.b64encode(bomb).decode()}, raw=True)"),
}


def _batch_scores(out: Path) -> dict[str, dict[str, str]]:
    import csv

    with open(out / "grades.csv") as fh:
        rows = list(csv.DictReader(fh))
    volatile = {"execution_time_s", "overrides"}
    return {r["student"]: {k: v for k, v in r.items() if k not in volatile} for r in rows}


@pytest.mark.slow
def test_a_batch_with_hostile_submissions_grades_the_others_exactly_as_without_them(tmp_path, data_root):
    from harness import api
    from harness.batch.progress import Progress

    mixed, plain_only = tmp_path / "mixed", tmp_path / "plain"
    mixed.mkdir()
    plain_only.mkdir()
    names = []
    for copy in range(5):
        for n, code in enumerate(BATCH_PLAIN):
            name = f"student{copy}{n}"
            names.append(name)
            notebook(mixed / f"{name}.ipynb", code)
            shutil.copyfile(mixed / f"{name}.ipynb", plain_only / f"{name}.ipynb")  # same bytes, same sha256
    for name, cells in BATCH_HOSTILE.items():
        notebook(mixed / f"{name}.ipynb", *cells)
    limits = dict(quick=True, cell_timeout=120, timeout=240, memory_mb=2048)
    with PeakRSS() as rss:
        summary = api.grade([mixed], lab="dropout", out=tmp_path / "out-mixed", data_root=data_root, jobs=2,
                            sandbox="bwrap", progress=Progress(20, live=False), **limits)
    assert len(summary.graded) == 20 and not summary.failed, summary
    api.grade([plain_only], lab="dropout", out=tmp_path / "out-plain", data_root=data_root, jobs=2,
              sandbox="bwrap", progress=Progress(15, live=False), **limits)
    with_hostile, without = _batch_scores(tmp_path / "out-mixed"), _batch_scores(tmp_path / "out-plain")
    assert sorted(with_hostile) == sorted(names + list(BATCH_HOSTILE))
    for name in names:
        assert with_hostile[name] == without[name], name
    for name in BATCH_HOSTILE:
        _no_internal_error(tmp_path / "out-mixed" / name)
    print(f"[measure] batch of 20 (5 hostile): grader +{rss.grew_mb:.0f} MB")
