"""Runs INSIDE the sandbox for ``.py`` submissions: the module's cells one command at a time, then the export.

Never imported by the grader: the grader wraps prologue, export and this file into one
script in the workspace's control folder (which the sandbox cannot write) and runs it
in a fresh interpreter. The grader drives it in lock step over a command pipe ("run
cell i", then "export"); the runner answers on the trace channel. Cell boundaries,
durations and limits are the grader's: it starts its own clock when it sends a
command, so a reply forged by the submission can shift time between cells but never
extend the run. Each cell's output goes to its own file, so output is kept even when
the process is killed mid-cell.
"""


def main(config_path):
    """Reads the grader's configuration and serves its commands until told to stop."""
    import json
    import os
    import sys
    import time
    import traceback

    with open(config_path) as fh:
        cfg = json.load(fh)
    cmd_fd = int(cfg["cmd_fd"])
    try:
        os.set_inheritable(cmd_fd, False)
    except OSError:
        pass
    commands = os.fdopen(cmd_fd, "r", encoding="utf-8")

    class CellOutput:
        """sys.stdout/sys.stderr replacement writing to the current cell's file."""

        def __init__(self):
            self.fh = None
            self.encoding = "utf-8"

        def switch(self, index):
            if self.fh:
                self.fh.close()
            self.fh = open(os.path.join(cfg["outdir"], f"out-{index:04d}.txt"), "w", buffering=1,
                           encoding="utf-8", errors="replace")

        def write(self, text):
            if self.fh is None:
                self.switch(9999)
            return self.fh.write(text)

        def flush(self):
            if self.fh:
                self.fh.flush()

        def isatty(self):
            return False

        def fileno(self):
            return 1

    class ErrView:
        """stderr: same file as stdout, its own object (the prologue caps each stream once)."""

        encoding = "utf-8"

        def write(self, text):
            return CellOutput.write(out, text)

        def flush(self):
            out.flush()

        def isatty(self):
            return False

        def fileno(self):
            return 2

    out = CellOutput()
    sys.stdout = out
    sys.stderr = ErrView()
    hooks = install(cfg["prologue"])  # noqa: F821 - prologue.py, same scope
    send = hooks["send"]

    figure_count = {"n": 0}

    def flush_figures(index):
        plt = sys.modules.get("matplotlib.pyplot")
        if plt is None:
            return
        for num in list(plt.get_fignums()):
            fig = plt.figure(num)
            name = os.path.join(cfg["figdir"], f"cell{index:03d}-{figure_count['n']:02d}.png")
            figure_count["n"] += 1
            try:
                hooks["flush_figures"](fig)
                fig.savefig(name, format="png", dpi=72, bbox_inches="tight")
            except Exception as exc:
                print(f"[labgrade] could not save a figure: {exc}", file=sys.stderr)
            plt.close(fig)

    def patch_show(index_ref):
        plt = sys.modules.get("matplotlib.pyplot")
        if plt is None or getattr(plt.show, "_labgrade", False):
            return

        def show(*args, **kwargs):
            flush_figures(index_ref["i"])

        show._labgrade = True
        plt.show = show

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot  # noqa: F401 - imported so that plt.show can be patched
    except Exception:
        pass
    current = {"i": -1}
    patch_show(current)

    cells = {c["index"]: c for c in cfg["cells"]}
    ns = {"__name__": "__main__", "__file__": cfg["filename"], "__builtins__": __builtins__}
    sys.argv = [cfg["filename"]]
    for line in commands:
        try:
            cmd = json.loads(line)
        except ValueError:
            continue
        if cmd.get("cmd") == "run":
            index = int(cmd["cell"])
            cell = cells[index]
            current["i"] = index
            hooks["set_cell"](index)
            out.switch(index)
            figure_count["n"] = 0
            status, error = "ok", None
            t0 = time.perf_counter()
            try:
                code = compile("\n" * (cell["first_line"] - 1) + cell["source"], cfg["filename"], "exec")
                exec(code, ns)
            except KeyboardInterrupt:
                status = "timeout"
                error = {"ename": "KeyboardInterrupt", "evalue": "interrupted: the cell ran past its time limit",
                         "traceback": ""}
            except BaseException as exc:  # SystemExit included: the module does not get to end the run
                status = "error"
                error = {"ename": type(exc).__name__, "evalue": str(exc)[:4000],
                         "traceback": "".join(traceback.format_exception(exc))[-20000:]}
                print(error["traceback"], file=sys.stderr)
            seconds = time.perf_counter() - t0
            patch_show(current)
            try:
                flush_figures(index)
            except Exception:
                pass
            out.flush()
            send("cell-done", cell=index, status=status, seconds=seconds, error=error, token=cmd.get("token"))
        elif cmd.get("cmd") == "export":
            out.switch(9999)
            try:
                export(cmd["spec"], cmd["outdir"], ns)  # noqa: F821 - export.py
            finally:
                send("export-done", token=cmd.get("token"))
        else:
            break
