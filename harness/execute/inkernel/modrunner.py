"""Runs INSIDE the sandbox for ``.py`` submissions: the module's cells, then the export.

Never imported by the grader: the grader writes prologue + export + this file into
one script in the workspace's control folder and runs it in a fresh interpreter.
Progress goes to an events file (one JSON object per line) that the grader tails to
enforce per-cell time limits; each cell's output goes to its own file, so output is
kept even when the process is killed mid-cell. The export folder is sent on a pipe
only after the last cell finished, so student code never learns its name.
"""


def _labgrade_main(config_path):
    import json
    import os
    import sys
    import time
    import traceback

    with open(config_path) as fh:
        cfg = json.load(fh)
    events = open(cfg["events"], "a", buffering=1)

    def emit(**kw):
        kw["time"] = time.time()
        events.write(json.dumps(kw) + "\n")

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
                self.switch(-1 % 10000)
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
    state = _labgrade_install(cfg["prologue"])  # noqa: F821 - defined above in the same script

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

    ns = {"__name__": "__main__", "__file__": cfg["filename"], "__builtins__": __builtins__}
    sys.argv = [cfg["filename"]]
    interrupted = False
    for cell in cfg["cells"]:
        index = cell["index"]
        if cell["type"] != "code":
            continue
        current["i"] = index
        state.cell = index
        out.switch(index)
        figure_count["n"] = 0
        emit(t="start", cell=index)
        status, error = "ok", None
        t0 = time.perf_counter()
        try:
            code = compile("\n" * (cell["first_line"] - 1) + cell["source"], cfg["filename"], "exec")
            exec(code, ns)
        except KeyboardInterrupt:
            status, interrupted = "timeout", True
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
        emit(t="end", cell=index, status=status, seconds=seconds, error=error)
        if interrupted:
            break
    out.switch(9999)
    emit(t="cells-done")
    with os.fdopen(cfg["spec_fd"]) as pipe:
        line = pipe.readline()
    if not line:
        return
    request = json.loads(line)
    emit(t="export-start")
    _labgrade_export(request["spec"], request["outdir"], ns)  # noqa: F821
    emit(t="export-done")
