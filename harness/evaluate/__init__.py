"""Trusted evaluation: the grader measures exported models on data the submission never saw.

Everything here runs in the grader's own process. Models are loaded with
``safe_mode=True`` (no arbitrary code from Lambda layers); inputs are prepared the way
the model was trained, chosen by accuracy on the public validation split (never on
the held-out data), and the metric is then measured on the held-out split.
"""

from harness.evaluate.loading import EvaluationError, load_exported_model
from harness.evaluate.measurement import Measurement

__all__ = ["EvaluationError", "Measurement", "load_exported_model"]
