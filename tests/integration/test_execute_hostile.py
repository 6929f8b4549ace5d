"""Hostile and malformed submissions: each has an expected status, the harness never crashes,
always writes an Execution, and nothing escapes the sandbox.

Cases contained by isolation (bubblewrap) rather than limits are skipped, with the
reason, when bubblewrap is not usable on the machine.
"""

from __future__ import annotations

import json
import os
import re
import resource
import socket
import threading
import time
from pathlib import Path

import psutil
import pytest

from harness.execute.sandbox import bwrap_path
from harness.models import Execution
from tests.integration.nbfactory import notebook, run

needs_bwrap = pytest.mark.skipif(bwrap_path() is None, reason="bubblewrap not usable here: this case is "
                                 "contained only by filesystem/network isolation")
# Without bwrap, a root grader cannot apply RLIMIT_NPROC, and a fork bomb would take the machine.
fork_safe = pytest.mark.skipif(bwrap_path() is None and os.geteuid() == 0,
                               reason="running as root without bubblewrap: RLIMIT_NPROC does not apply to root")


def leaked_processes() -> list[psutil.Process]:
    """Sandbox processes whose workspace is gone: they outlived their run.

    Every sandboxed process carries its workspace path (``.../labgrade-XXXX/ctl/...``)
    in its command line, forked children and daemons included; other runs (other
    tests, a batch) may be alive at the same time, so only orphans of deleted
    workspaces count.
    """
    leaked = []
    for p in psutil.process_iter(["cmdline"]):
        for part in p.info["cmdline"] or []:
            m = re.search(r"(/\S*/labgrade-[^/\s]+)/ctl/", part)
            if m and not Path(m.group(1)).exists():
                leaked.append(p)
                break
    return leaked


def _assert_written(exe: Execution, tmp_path: Path) -> None:
    """Every run leaves a parseable execution.json, and no sandbox process survives it."""
    text = (tmp_path / "artifacts" / "execution.json").read_text()
    assert Execution.from_json(text).status == exe.status
    time.sleep(0.3)
    assert not leaked_processes(), "sandbox processes outlived their workspace"


def test_infinite_loop_times_out_and_later_export_still_runs(tmp_path, data_root):
    nb = notebook(tmp_path / "loop.ipynb", "model = 1\nhistory = {'loss': [1.0, 0.5]}", "while True:\n    pass",
                  "print('never')")
    exe = run(nb, data_root, tmp_path, cell_timeout_s=3)
    assert exe.status == "timeout" and "cell 1" in exe.status_detail
    assert [c.status for c in exe.code_cells] == ["ok", "timeout", "skipped"]
    assert exe.exports["history"].found and exe.exports["history"].data == {"loss": [1.0, 0.5]}
    _assert_written(exe, tmp_path)


def test_sleep_past_cell_timeout(tmp_path, data_root):
    nb = notebook(tmp_path / "sleep.ipynb", "import time\ntime.sleep(120)")
    t0 = time.monotonic()
    exe = run(nb, data_root, tmp_path, cell_timeout_s=2)
    assert exe.status == "timeout" and exe.code_cells[0].status == "timeout"
    assert time.monotonic() - t0 < 60
    _assert_written(exe, tmp_path)


def test_total_timeout_stops_the_submission(tmp_path, data_root):
    nb = notebook(tmp_path / "slow.ipynb", *["import time\ntime.sleep(1.5)"] * 6)
    exe = run(nb, data_root, tmp_path, cell_timeout_s=10, total_timeout_s=5)
    assert exe.status == "timeout"
    assert "skipped" in [c.status for c in exe.code_cells]
    _assert_written(exe, tmp_path)


def test_interrupt_ignored_kernel_is_stopped(tmp_path, data_root):
    nb = notebook(tmp_path / "stubborn.ipynb",
                  "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    time.sleep(0.1)")
    exe = run(nb, data_root, tmp_path, cell_timeout_s=2)
    assert exe.status == "timeout" and "did not respond" in exe.status_detail
    _assert_written(exe, tmp_path)


def test_allocating_50_gb_fails_fast_with_memory_status(tmp_path, data_root):
    nb = notebook(tmp_path / "alloc.ipynb", "import numpy as np\nx = np.ones(50 * 2**30 // 8)")
    exe = run(nb, data_root, tmp_path)
    assert exe.status == "memory", (exe.status_detail, exe.code_cells[0].error, exe.stdout[-2000:])
    assert exe.code_cells[0].error.ename == "MemoryError"
    _assert_written(exe, tmp_path)


def test_growing_memory_is_killed_by_the_watchdog(tmp_path, data_root):
    nb = notebook(tmp_path / "grow.ipynb", "blocks = []\nwhile True:\n    blocks.append(bytearray(50 << 20))")
    exe = run(nb, data_root, tmp_path, memory_mb=1500)  # the kernel with Keras imported needs ~750 MB
    assert exe.status == "memory" and "resident memory" in exe.status_detail, exe.status_detail
    assert exe.peak_rss_mb >= 1500
    _assert_written(exe, tmp_path)


@fork_safe
def test_fork_bomb_is_contained(tmp_path, data_root):
    nb = notebook(tmp_path / "forkbomb.ipynb", "import os\nwhile True:\n    os.fork()", "print('after')")
    exe = run(nb, data_root, tmp_path, max_processes=64, cell_timeout_s=10)
    assert exe.status in ("error", "killed", "timeout")
    _assert_written(exe, tmp_path)


def test_sys_exit_is_an_error_not_the_end(tmp_path, data_root):
    nb = notebook(tmp_path / "exit.ipynb", "history = {'loss': [1.0]}\nimport sys\nsys.exit(3)", "print('still here')")
    exe = run(nb, data_root, tmp_path)
    assert exe.status == "error"
    assert exe.code_cells[0].error.ename == "SystemExit"
    assert exe.code_cells[1].status == "ok" and "still here" in exe.code_cells[1].output
    assert exe.exports["history"].found
    _assert_written(exe, tmp_path)


@pytest.mark.parametrize("code", ["import os\nos._exit(0)", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"])
def test_kernel_suicide_is_killed_status(tmp_path, data_root, code):
    nb = notebook(tmp_path / "suicide.ipynb", "x = 1", code, "print('unreachable')")
    exe = run(nb, data_root, tmp_path)
    assert exe.status == "killed"
    assert [c.status for c in exe.code_cells] == ["ok", "killed", "skipped"]
    assert not exe.exports["model"].found and "before the export" in exe.exports["model"].error
    _assert_written(exe, tmp_path)


def test_module_exit_calls(tmp_path, data_root):
    src = tmp_path / "quitter.py"
    src.write_text("# %%\nhistory = {'loss': [2.0]}\n# %%\nimport sys\nsys.exit(0)\n# %%\nimport os\nos._exit(1)\n")
    exe = run(src, data_root, tmp_path)
    assert exe.status == "killed"
    assert [c.status for c in exe.code_cells] == ["ok", "error", "killed"]
    assert exe.code_cells[1].error.ename == "SystemExit"
    _assert_written(exe, tmp_path)


def test_printing_a_gigabyte_is_capped_and_the_grader_stays_small(tmp_path, data_root):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    nb = notebook(tmp_path / "print.ipynb", "print('x' * 10**9)", "for i in range(200000):\n    print('y' * 1000)",
                  "import os\nos.write(1, b'z' * 300_000_000)", "print('done')")
    exe = run(nb, data_root, tmp_path, memory_mb=6144, max_output_kb=256)
    grew_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert exe.status == "ok", exe.status_detail
    assert grew_mb < 200, f"grader grew by {grew_mb:.0f} MB"
    total = sum(len(c.output) for c in exe.cells)
    assert total < 512 * 1024
    assert "truncated" in exe.code_cells[0].output or exe.code_cells[0].output_truncated
    assert exe.code_cells[3].status == "ok"
    _assert_written(exe, tmp_path)


def test_huge_files_are_refused(tmp_path, data_root):
    nb = notebook(tmp_path / "bigfile.ipynb",
                  "with open('big.bin', 'wb') as fh:\n    fh.write(b'0' * (80 << 20))")
    exe = run(nb, data_root, tmp_path, max_file_mb=16, memory_mb=1024)
    assert exe.status == "error"
    assert "File too large" in exe.code_cells[0].error.evalue or exe.code_cells[0].error.ename == "OSError"
    _assert_written(exe, tmp_path)


def test_environment_secrets_are_not_visible(tmp_path, data_root, monkeypatch):
    monkeypatch.setenv("LABGRADE_TEST_SECRET", "hunter2")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "hunter3")
    nb = notebook(tmp_path / "env.ipynb", "import os\nprint(dict(os.environ))")
    exe = run(nb, data_root, tmp_path)
    out = exe.code_cells[0].output
    assert exe.status == "ok" and "hunter2" not in out and "hunter3" not in out and "KERAS_HOME" in out


@needs_bwrap
def test_writing_outside_the_workspace_is_blocked(tmp_path, data_root):
    target = tmp_path / "outside" / "pwned.txt"
    target.parent.mkdir()
    nb = notebook(tmp_path / "write.ipynb",
                  f"open({str(target)!r}, 'w').write('pwned')",
                  "open('/usr/pwned.txt', 'w').write('pwned')",
                  "open('inside.txt', 'w').write('fine')")
    exe = run(nb, data_root, tmp_path)
    assert not target.exists() and not Path("/usr/pwned.txt").exists()
    assert [c.status for c in exe.code_cells] == ["error", "error", "ok"]
    _assert_written(exe, tmp_path)


@needs_bwrap
def test_planted_heldout_data_and_rubrics_are_not_readable(tmp_path, data_root):
    secret = tmp_path / "heldout" / "labels.csv"
    secret.parent.mkdir()
    secret.write_text("TOP-SECRET-LABELS")
    rubric = Path(__file__).resolve().parents[2] / "rubrics" / "cats-dogs.toml"
    nb = notebook(tmp_path / "peek.ipynb", f"print(open({str(secret)!r}).read())", f"print(open({str(rubric)!r}).read())",
                  "import os\nprint(os.listdir('/'))")
    exe = run(nb, data_root, tmp_path)
    assert [c.status for c in exe.code_cells] == ["error", "error", "ok"]
    assert all(c.error.ename == "FileNotFoundError" for c in exe.code_cells[:2])
    assert "TOP-SECRET" not in json.dumps(exe.__dict__, default=str)
    assert "work" in exe.code_cells[2].output or "tmp" in exe.code_cells[2].output


def test_network_is_unreachable(tmp_path, data_root):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.2)
    port = server.getsockname()[1]
    accepted = []

    def accept():
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            try:
                conn, _ = server.accept()
                accepted.append(conn)
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    nb = notebook(tmp_path / "net.ipynb",
                  f"import socket\ns = socket.create_connection(('127.0.0.1', {port}), timeout=3)",
                  "import socket\ns = socket.create_connection(('93.184.216.34', 80), timeout=3)",
                  "import urllib.request\nurllib.request.urlopen('http://example.com', timeout=3)")
    exe = run(nb, data_root, tmp_path)
    server.close()
    assert not accepted, "the submission reached a socket on the grader's loopback"
    assert [c.status for c in exe.code_cells] == ["error", "error", "error"]
    _assert_written(exe, tmp_path)


def test_forged_export_files_are_ignored(tmp_path, data_root):
    forged_manifest = {"exports": {"model": {"found": True, "kind": "model", "path": "model.keras"}},
                       "trace": [{"kind": "fit", "seq": 0, "model_name": "forged", "epochs": 999}]}
    plant = (f"    json.dump({forged_manifest!r}, open(os.path.join(d, 'manifest.json'), 'w'))\n"
             "    open(os.path.join(d, 'model.keras'), 'w').write('not a model')\n")
    nb = notebook(
        tmp_path / "forge.ipynb",
        # The grader's export parent: not writable at all when the sandbox runs as another user.
        "import os, json\nfor d in ['../exports/forged']:\n    os.makedirs(d, exist_ok=True)\n" + plant
        + "os.symlink('/etc/passwd', '../exports/forged/history.json')",
        "import os, json\nfor d in ['exports', '.']:\n    os.makedirs(d, exist_ok=True)\n" + plant
        + "json.dump({'score': 100, 'tests': []}, open('results.json', 'w'))",
    )
    exe = run(nb, data_root, tmp_path)
    first, second = exe.code_cells
    assert first.status == "ok" or first.error.ename == "PermissionError", first.error
    assert second.status == "ok", second.error
    assert not exe.exports["model"].found and "not defined" in exe.exports["model"].error
    assert all(t.model_name != "forged" for t in exe.trace)
    assert not (tmp_path / "artifacts" / "exports").exists()


def test_model_replaced_by_a_stub_is_what_gets_exported(tmp_path, data_root):
    nb = notebook(
        tmp_path / "stub.ipynb",
        "import keras, numpy as np\nmodel = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])\n"
        "model.compile('sgd', 'mse')\nhistory = model.fit(np.zeros((8, 4)), np.zeros((8, 2)), epochs=1, verbose=0)",
        "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])  # untrained stub",
    )
    exe = run(nb, data_root, tmp_path)
    trained_ids = {t.model_id for t in exe.trace if t.kind == "fit"}
    assert exe.exports["model"].found
    assert exe.exports["model"].data["model_id"] not in trained_ids  # the grader can tell


def test_background_daemon_does_not_outlive_the_run(tmp_path, data_root):
    nb = notebook(tmp_path / "daemon.ipynb",
                  "import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
                  "        while True:\n            time.sleep(1)\n    os._exit(0)\nprint('parent')")
    exe = run(nb, data_root, tmp_path)
    assert exe.status == "ok"
    _assert_written(exe, tmp_path)


@pytest.mark.parametrize("name, content, reason", [
    ("bad.ipynb", "{ not json", "not valid JSON"),
    ("empty.ipynb", "", "empty file"),
    ("nocells.ipynb", json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}), "no cells"),
    ("list.ipynb", "[1, 2, 3]", "not a Jupyter notebook"),
    ("onlymd.ipynb", json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                                 "cells": [{"cell_type": "markdown", "metadata": {}, "source": "hi"}]}), "no code cells"),
    ("empty.py", "", "empty file"),
    ("blank.py", "\n\n   \n", "empty"),
])
def test_malformed_files_are_invalid(tmp_path, data_root, name, content, reason):
    path = tmp_path / name
    path.write_text(content)
    exe = run(path, data_root, tmp_path)
    assert exe.status == "invalid" and reason in exe.status_detail
    assert not exe.cells
    _assert_written(exe, tmp_path)


def test_invalid_utf8_module_is_invalid(tmp_path, data_root):
    path = tmp_path / "latin1.py"
    path.write_bytes("print('caf\xe9')\n".encode("latin-1"))
    exe = run(path, data_root, tmp_path)
    assert exe.status == "invalid" and "not UTF-8" in exe.status_detail


def test_syntax_error_module_is_an_error(tmp_path, data_root):
    path = tmp_path / "syntax.py"
    path.write_text("x = 1\nprint(x\n")
    exe = run(path, data_root, tmp_path)
    assert exe.status == "error" and exe.code_cells[0].error.ename == "SyntaxError"
    assert "syntax.py" in exe.code_cells[0].error.traceback


def test_nbformat3_notebook_is_converted_and_runs(tmp_path, data_root):
    v3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {"name": "old"},
          "worksheets": [{"cells": [{"cell_type": "code", "input": "print(6 * 7)", "language": "python",
                                     "outputs": [], "metadata": {}},
                                    {"cell_type": "markdown", "source": "old notebook", "metadata": {}}]}]}
    path = tmp_path / "v3.ipynb"
    path.write_text(json.dumps(v3))
    exe = run(path, data_root, tmp_path)
    assert exe.status == "ok" and "42" in exe.code_cells[0].output


def test_missing_kernelspec_still_runs(tmp_path, data_root):
    path = tmp_path / "nokernel.ipynb"
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 4, "metadata": {},
                                "cells": [{"cell_type": "code", "metadata": {}, "source": "print('ok')",
                                           "outputs": [], "execution_count": None}]}))
    exe = run(path, data_root, tmp_path)
    assert exe.status == "ok" and "ok" in exe.code_cells[0].output


def test_notebook_with_500_cells(tmp_path, data_root):
    cells = [f"v{i} = {i}" for i in range(499)] + ["print(sum(v for k, v in dict(globals()).items() if k[0] == 'v' "
                                                   "and k[1:].isdigit()))"]
    nb = notebook(tmp_path / "many.ipynb", *cells)
    exe = run(nb, data_root, tmp_path, total_timeout_s=300)
    assert exe.status == "ok"
    assert len(exe.code_cells) == 500 and all(c.status == "ok" for c in exe.code_cells)
    assert str(sum(range(499))) in exe.code_cells[-1].output


def test_too_many_figures_are_capped(tmp_path, data_root):
    nb = notebook(tmp_path / "figs.ipynb",
                  "import matplotlib.pyplot as plt\nfor i in range(30):\n    plt.figure(); plt.plot([0, i]); plt.show()")
    exe = run(nb, data_root, tmp_path, max_figures=5)
    assert exe.status == "ok" and len(exe.figures) == 5


def test_limits_only_mode_records_its_weakness(tmp_path, data_root):
    nb = notebook(tmp_path / "plain.ipynb", "import socket\nsocket.create_connection(('127.0.0.1', 9), timeout=2)")
    exe = run(nb, data_root, tmp_path, sandbox="none")
    assert exe.isolation.mode == "limits-only" and exe.isolation.network == "host"
    assert any("bubblewrap unavailable" in n for n in exe.isolation.notes)
    assert exe.code_cells[0].error.ename == "PermissionError"  # the advisory in-process block
