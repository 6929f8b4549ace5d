"""What a trusted evaluation returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Measurement:
    """One metric measured by the grader.

    Attributes:
        value: the metric on the held-out data (e.g. accuracy).
        n: held-out examples used.
        preprocessing: the input preparation that matched the model (chosen on the
            public validation split).
        validation: the metric on the validation split with that preprocessing.
        details: anything else worth showing an instructor (candidates tried, class mapping...).
    """

    value: float
    n: int
    preprocessing: str
    validation: float | None = None
    details: dict[str, Any] = field(default_factory=dict)
