"""Datasets and weights: the Keras cache, an offline data root, clear errors when missing.

Two sources, one interface (`DataSource`):

* online (the default): Keras' own cache (``$KERAS_HOME`` or ``~/.keras``) and Keras'
  own downloads, exactly what a student's code would use;
* offline: a data root (``--data-root DIR`` or ``$LABGRADE_DATA``) laid out like
  the documented layout: ``keras-home/``, ``dogs-vs-cats/train.zip``, ``sample-images/``.

Every missing file raises `MissingDataError`, which names the file, where it was
looked for and how to provide it.
"""

from harness.data.catalog import CATALOG, DataFile, MissingDataError
from harness.data.source import DataSource

__all__ = ["CATALOG", "DataFile", "DataSource", "MissingDataError"]
