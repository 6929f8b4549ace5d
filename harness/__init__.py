"""labgrade: grade and benchmark Keras transfer-learning labs.

The Python API (`harness.api`) is the product; the ``labgrade`` CLI is a thin layer
over it. Nothing heavy happens on import.
"""

__version__ = "0.1.0"
