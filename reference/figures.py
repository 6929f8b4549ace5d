"""Figures written by the references (matplotlib, Agg backend, PNG)."""

from __future__ import annotations

from pathlib import Path


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def plot_history(history: dict[str, list[float]], path: Path, *, title: str) -> str:
    """Accuracy and loss curves (train and validation) of one history, side by side."""
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, metric in zip(axes, ("accuracy", "loss")):
        for key in (metric, f"val_{metric}"):
            if key in history:
                ax.plot(range(1, len(history[key]) + 1), history[key], label=key)
        ax.set_xlabel("epoch")
        ax.set_title(metric)
        ax.grid(True)
        ax.legend()
    fig.suptitle(title)
    return _save(fig, plt, path)


def plot_comparison(histories: dict[str, dict[str, list[float]]], path: Path, *, metric: str, title: str) -> str:
    """One curve per run of `metric` (e.g. ``val_accuracy`` per optimizer)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(8, 5))
    for name, hist in histories.items():
        if metric in hist:
            ax.plot(range(1, len(hist[metric]) + 1), hist[metric], label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    ax.set_title(title)
    ax.grid(True)
    ax.legend()
    return _save(fig, plt, path)


def _save(fig, plt, path: Path) -> str:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return str(path)
