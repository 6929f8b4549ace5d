"""Runs INSIDE the submission's kernel (or module runner) before its first cell.

Never imported by the grader: its source is wrapped with common.py, output.py,
channel.py, figures.py and trace.py into one function (so nothing it defines is left
in the notebook's namespace) and called with the grader's configuration. `install`
sets up, in order: the output cap, the trace channel (its first line announces the
channel key, before any submission code runs), cell tracking, warnings capture, an
advisory network block when no network namespace isolates the code, figure capture,
and the Keras trace, installed when Keras is first imported.
"""


def install(cfg):
    """Installs everything; returns the runner hooks ``{"set_cell", "flush_figures", "send"}``."""
    import os
    import sys
    import warnings

    reinstall_caps, budget = install_output_cap(cfg)  # noqa: F821 - defined in output.py, same scope
    send, salt = open_channel(cfg)  # noqa: F821 - channel.py
    state = {"cell": -1}
    seen_warnings = []

    def current_cell():
        return state["cell"]

    def note_error(where, exc):
        send("error", what=f"{where}: {type(exc).__name__}: {exc}"[:500])

    # --- warnings -------------------------------------------------------------------
    original_showwarning = warnings.showwarning

    def showwarning(message, category, filename, lineno, file=None, line=None):
        if len(seen_warnings) < 200:
            seen_warnings.append({"category": category.__name__, "message": str(message)[:500],
                                  "cell": state["cell"]})
        return original_showwarning(message, category, filename, lineno, file, line)

    warnings.showwarning = showwarning

    # --- cell tracking (notebooks): the execution count of the running cell ----------
    try:
        ip = get_ipython()  # noqa: F821 - defined inside IPython kernels

        def pre_run_cell(info=None):
            # IPython increments execution_count before running the cell: the cell
            # itself is numbered one less (the "In [n]" the notebook shows).
            state["cell"] = ip.execution_count - 1
            # The prologue's own cell ends by restoring sys.stdout.write (IPython's
            # per-cell tee): put the cap back before every cell.
            reinstall_caps()

        ip.events.register("pre_run_cell", pre_run_cell)
        if hasattr(ip, "_tee"):
            # IPython 9 keeps every printed string in its output history (and wraps
            # sys.stdout.write per cell to do so): printing a gigabyte would keep a
            # gigabyte in the kernel. Grading needs no %history -o.
            import contextlib

            ip._tee = lambda channel: contextlib.nullcontext()
    except NameError:
        pass

    # --- advisory network block ---------------------------------------------------------
    if cfg.get("block_network"):
        import socket

        _connect = socket.socket.connect

        def refuse(self, address, *args, **kwargs):
            if self.family in (socket.AF_INET, socket.AF_INET6):
                raise PermissionError(f"network access is disabled while grading (tried {address!r})")
            return _connect(self, address, *args, **kwargs)

        socket.socket.connect = refuse
        socket.socket.connect_ex = refuse

    figure_hooks = install_figure_capture(send, current_cell, note_error)  # noqa: F821 - figures.py

    # --- training trace -------------------------------------------------------------------
    # Installed when Keras is first imported (by the submission, or by TensorFlow on its
    # behalf), not before: a notebook that never imports Keras pays nothing.
    def on_keras(keras):
        send("keras", version=str(getattr(keras, "__version__", "?")), backend=_backend(keras))
        install_keras_trace(keras, send, salt, current_cell, note_error, seen_warnings)  # noqa: F821 - trace.py
        install_weight_overrides(keras, cfg.get("weight_overrides"), os.environ.get("KERAS_HOME", ""))  # noqa: F821

    def _backend(keras):
        try:
            return keras.backend.backend()
        except Exception:
            return "?"

    import importlib.abc
    import importlib.util

    pending = {"keras": on_keras, "matplotlib": lambda module: figure_hooks["on_matplotlib"]()}

    class ImportHook(importlib.abc.MetaPathFinder):
        """Runs a hook right after a watched top-level module (keras, matplotlib) is executed.

        Stays installed until the module is really imported: TensorFlow probes for Keras
        with importlib.util.find_spec, which asks this finder without importing.
        """

        busy = set()

        def find_spec(self, name, path=None, target=None):
            if name not in pending or name in self.busy:
                return None
            self.busy.add(name)
            try:
                spec = importlib.util.find_spec(name)
            finally:
                self.busy.discard(name)
            if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
                return spec
            original_exec = spec.loader.exec_module

            def exec_module(module):
                original_exec(module)
                fn = pending.pop(name, None)
                if not pending and hook in sys.meta_path:
                    sys.meta_path.remove(hook)
                if fn is not None:
                    try:
                        fn(module)
                    except Exception as exc:
                        note_error(f"{name} hooks", exc)

            spec.loader.exec_module = exec_module
            return spec

    hook = ImportHook()
    for name in list(pending):
        if name in sys.modules:
            pending.pop(name)(sys.modules[name])
    if pending:
        sys.meta_path.insert(0, hook)

    def set_cell(index):
        state["cell"] = index

    send("ready", output_cap=int(cfg.get("max_output_bytes", 0)))
    return {"set_cell": set_cell, "send": send, "flush_figures": figure_hooks["flush"], "budget": budget,
            "warnings": seen_warnings}
