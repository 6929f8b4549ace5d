"""Limits validation and the sandbox plan (what would run, without running it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.execute import sandbox
from harness.execute.limits import Limits
from harness.execute.workspace import Workspace
from harness.labs import LABS, get_lab


def test_lab_defaults_and_overrides():
    lab = get_lab("cats-dogs")
    quick = Limits.for_lab(lab, quick=True, memory_mb=1000, cell_timeout_s=None)
    assert quick.cell_timeout_s == lab.quick_cell_timeout_s and quick.memory_mb == 1000
    assert Limits.for_lab(lab).total_timeout_s == lab.total_timeout_s


def test_cell_timeout_never_exceeds_total():
    assert Limits().replace(total_timeout_s=10).cell_timeout_s == 10


@pytest.mark.parametrize("kwargs, err", [({"memory_mb": -1}, ValueError), ({"memroy_mb": 5}, TypeError),
                                         ({"cell_timeout_s": "fast"}, ValueError)])
def test_bad_limits(kwargs, err):
    with pytest.raises(err):
        Limits().replace(**kwargs)


def test_address_space_is_finite_but_generous():
    assert Limits(memory_mb=6144).address_space_mb == 14336


def test_every_lab_is_registered_with_a_contract():
    assert set(LABS) == {"resnet50-top3", "fashion-transfer", "cats-dogs", "optimizers", "lr-schedules", "dropout"}
    for lab in LABS.values():
        assert lab.contract and lab.rubric_path.name == f"{lab.id}.toml"
    with pytest.raises(KeyError, match="Unknown lab 'catsdogs'. Known labs: resnet50-top3"):
        get_lab("catsdogs")


def test_environment_is_an_allow_list(monkeypatch, tmp_path):
    monkeypatch.setenv("GITHUB_TOKEN", "secret")
    monkeypatch.setenv("LABGRADE_DATA", "/private/heldout")
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    ws = Workspace.create(tmp_path)
    env = sandbox.build_env(ws)
    assert "GITHUB_TOKEN" not in env and "LABGRADE_DATA" not in env
    assert env["KERAS_BACKEND"] == "jax" and env["KERAS_HOME"] == str(ws.keras_home)
    assert env["HOME"].startswith(str(ws.root))


def test_limits_only_plan_says_what_it_lacks(tmp_path):
    ws = Workspace.create(tmp_path)
    plan = sandbox.plan(ws, Limits(), mode="none")
    assert plan.isolation.mode == "limits-only" and plan.wrapper == []
    assert plan.env["LABGRADE_BLOCK_NETWORK"] == "1"
    assert plan.rlimits["RLIMIT_AS"] == Limits().address_space_mb << 20
    assert any("bubblewrap unavailable" in n for n in plan.isolation.notes)
    cmd = plan.command(["-c", "pass"])
    assert cmd[:3] == [cmd[0], "-S", "-c"] and cmd[-2:] == ["-c", "pass"]


@pytest.mark.skipif(sandbox.bwrap_path() is None, reason="bubblewrap not usable here")
def test_bwrap_plan_binds_only_the_interpreter_and_the_workspace(tmp_path):
    ws = Workspace.create(tmp_path)
    plan = sandbox.plan(ws, Limits(), mode="bwrap")
    args = plan.wrapper
    assert "--unshare-net" in args and "--unshare-pid" in args
    binds = [args[i + 1] for i, a in enumerate(args) if a in ("--bind", "--ro-bind")]
    assert str(ws.root) in binds
    repo = os.path.dirname(os.path.dirname(os.path.dirname(sandbox.__file__)))
    assert repo not in binds and not any(b == "/" for b in binds)
    assert plan.transport == "ipc"


def test_an_interpreter_under_tmp_is_bound_after_the_fresh_tmp(monkeypatch, tmp_path):
    """bwrap mounts in order: a venv under /tmp (a CI clone) must be bound on top of the new /tmp, not hidden by it."""
    venv = Path("/tmp/some-clone/.venv")
    monkeypatch.setattr(sandbox, "_python_roots", lambda: [Path("/usr"), venv])
    ws = Workspace.create(tmp_path)
    args = sandbox._bwrap_args("bwrap", ws, Limits(), as_root=False)
    tmpfs_at = [i for i, a in enumerate(args) if a == "--tmpfs" and args[i + 1] == "/tmp"]
    bind_at = [i for i, a in enumerate(args) if a == "--ro-bind" and args[i + 1] == str(venv)]
    ws_at = [i for i, a in enumerate(args) if a == "--bind" and args[i + 1] == str(ws.root)]
    assert len(tmpfs_at) == 1 and len(bind_at) == 1 and len(ws_at) == 1
    assert tmpfs_at[0] < bind_at[0] and tmpfs_at[0] < ws_at[0]
    # the venv's parent is created inside the new /tmp; /tmp itself is not re-created over it
    dirs = [args[i + 1] for i, a in enumerate(args) if a == "--dir"]
    assert "/tmp/some-clone" in dirs and "/tmp" not in dirs


def test_bwrap_mode_required_but_missing(monkeypatch, tmp_path):
    monkeypatch.setattr(sandbox, "bwrap_path", lambda: None)
    with pytest.raises(RuntimeError, match="apt-get install bubblewrap"):
        sandbox.plan(Workspace.create(tmp_path), Limits(), mode="bwrap")


def test_workspace_cleanup_survives_read_only_dirs(tmp_path):
    ws = Workspace.create(tmp_path)
    locked = ws.work / "locked"
    locked.mkdir()
    (locked / "f").write_text("x")
    locked.chmod(0o500)
    ws.cleanup()
    assert not ws.root.exists()


def test_export_dir_names_are_unguessable(tmp_path):
    ws = Workspace.create(tmp_path)
    a, b = ws.new_export_dir(), ws.new_export_dir()
    assert a != b and len(a.name) == 32
