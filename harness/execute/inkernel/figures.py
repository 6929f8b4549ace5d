"""Runs INSIDE the sandbox: the structure of every figure the submission renders, as data.

Part of the prologue source (top-level definitions only). A PNG says little about
what was plotted; the grader needs the data: which axes, titles and labels, each
line's label and (down-sampled) x/y values, bars, images and legend entries. Every
time matplotlib renders a figure to an in-memory buffer (the inline backend's display,
``plt.show()``, ``display(fig)``) or the module runner saves it, its structure is sent
on the trace channel as a ``figure`` event.
"""

MAX_POINTS = 200
MAX_LINES = 40
MAX_AXES = 16


def figure_structure(fig):
    """A JSON-able description of a matplotlib Figure."""
    import math

    def num(v):
        try:
            f = float(v)
        except Exception:
            return None
        return f if math.isfinite(f) else None

    def series(values):
        vals = list(values)
        n = len(vals)
        if n > MAX_POINTS:
            step = n / MAX_POINTS
            vals = [vals[min(n - 1, int(i * step))] for i in range(MAX_POINTS)] + [vals[-1]]
        return [num(v) for v in vals], n

    axes = []
    for ax in list(fig.get_axes())[:MAX_AXES]:
        rec = {"title": str(ax.get_title())[:200], "xlabel": str(ax.get_xlabel())[:200],
               "ylabel": str(ax.get_ylabel())[:200], "lines": [], "bars": 0, "images": [], "collections": 0}
        for line in list(ax.get_lines())[:MAX_LINES]:
            try:
                x, nx = series(line.get_xdata())
                y, ny = series(line.get_ydata())
            except Exception:
                continue
            label = str(line.get_label())
            rec["lines"].append({"label": "" if label.startswith("_") else label[:200], "x": x, "y": y, "n": ny,
                                 "visible": bool(line.get_visible())})
        try:
            rec["bars"] = sum(1 for p in ax.patches if type(p).__name__ == "Rectangle")
            rec["bar_heights"] = [num(p.get_height()) for p in ax.patches if type(p).__name__ == "Rectangle"][:200]
        except Exception:
            pass
        try:
            for im in ax.get_images()[:10]:
                arr = im.get_array()
                rec["images"].append([int(d) for d in getattr(arr, "shape", ())][:4])
        except Exception:
            pass
        try:
            rec["collections"] = len(ax.collections)
        except Exception:
            pass
        legend = ax.get_legend()
        if legend is not None:
            try:
                rec["legend"] = [str(t.get_text())[:200] for t in legend.get_texts()][:MAX_LINES]
            except Exception:
                pass
        axes.append(rec)
    suptitle = getattr(fig, "_suptitle", None)
    return {"axes": axes, "n_axes": len(fig.get_axes()), "suptitle": str(suptitle.get_text())[:200] if suptitle else "",
            "size": [num(v) for v in fig.get_size_inches()]}


def install_figure_capture(send, current_cell, note_error):
    """Patches matplotlib's canvas when matplotlib is imported; returns hooks for the module runner."""
    import sys

    sent = {"n": 0}

    def emit(fig, how):
        if sent["n"] >= 500:
            return
        sent["n"] += 1
        try:
            send("figure", cell_index=current_cell(), how=how, number=sent["n"], **figure_structure(fig))
        except Exception as exc:
            note_error("figure structure", exc)

    def patch(backend_bases):
        canvas = backend_bases.FigureCanvasBase
        if getattr(canvas.print_figure, "_labgrade", False):
            return
        original = canvas.print_figure

        def print_figure(self, filename, *args, **kwargs):
            # Displays (inline backend, display(fig)) render into a buffer; savefig to a path
            # is the student's own file and is not a displayed figure.
            if not isinstance(filename, (str, bytes)) and not hasattr(filename, "__fspath__"):
                emit(self.figure, "display")
            return original(self, filename, *args, **kwargs)

        print_figure._labgrade = True
        canvas.print_figure = print_figure

    def flush(fig):
        emit(fig, "runner")

    def on_matplotlib():
        mod = sys.modules.get("matplotlib.backend_bases")
        if mod is None:
            try:
                import matplotlib.backend_bases as mod  # noqa: F811 - imported only once matplotlib is
            except Exception as exc:
                note_error("matplotlib hook", exc)
                return
        patch(mod)

    return {"flush": flush, "on_matplotlib": on_matplotlib}
