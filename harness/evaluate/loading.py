"""Loading exported models safely."""

from __future__ import annotations

from pathlib import Path


class EvaluationError(RuntimeError):
    """The grader could not evaluate an export (the message is safe to show a student)."""


_CACHE: dict[tuple[str, int], object] = {}


def load_exported_model(path: Path):
    """Loads a ``.keras`` file exported from a submission, with ``safe_mode=True``.

    Raises:
        EvaluationError: when the file is missing or cannot be loaded safely (for
            example a Lambda layer, whose code would have to be executed).
    """
    import keras

    path = Path(path)
    if not path.is_file():
        raise EvaluationError(f"exported model file {path.name} is missing")
    key = (str(path), path.stat().st_mtime_ns)
    if key not in _CACHE:
        try:
            _CACHE[key] = keras.models.load_model(path, safe_mode=True, compile=False)
        except Exception as exc:  # Keras raises many types here
            text = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
            hint = (" Lambda layers cannot be loaded safely: use a built-in layer (e.g. keras.layers.Rescaling) "
                    "or a registered custom layer.") if "lambda" in str(exc).lower() else ""
            raise EvaluationError(f"the exported model could not be loaded safely ({text}).{hint}") from None
        if len(_CACHE) > 8:
            _CACHE.pop(next(iter(_CACHE)))
    return _CACHE[key]


def clear_cache() -> None:
    """Forgets every loaded model (between submissions in a long-lived evaluation process)."""
    _CACHE.clear()
