"""Run configuration: a lab's defaults overridden by the caller's ``config`` dict."""

from __future__ import annotations

from typing import Any


def merge_config(lab: str, defaults: dict[str, Any], config: dict[str, Any] | None) -> dict[str, Any]:
    """`defaults` updated with `config`, rejecting keys the lab does not know.

    Values given as strings (from the CLI's ``--config key=value``) are converted to
    the type of the default when that default is an int, float or bool.

    Raises:
        ValueError: naming the unknown keys received and the keys the lab accepts.
    """
    merged = dict(defaults)
    unknown = sorted(set(config or {}) - set(defaults))
    if unknown:
        raise ValueError(
            f"Unknown config key(s) for {lab}: {', '.join(unknown)}. "
            f"Received: config={config!r}. Known keys: {', '.join(sorted(defaults))}."
        )
    for key, value in (config or {}).items():
        merged[key] = _coerce(key, value, defaults[key])
    return merged


def _coerce(key: str, value: Any, default: Any) -> Any:
    if not isinstance(value, str) or isinstance(default, str) or default is None:
        return value
    try:
        if isinstance(default, bool):
            if value.lower() in ("1", "true", "yes", "on"):
                return True
            if value.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
    except ValueError:
        raise ValueError(
            f"Config key {key!r} expects a {type(default).__name__} (default {default!r}); received {value!r}."
        ) from None
    return value
