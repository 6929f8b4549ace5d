"""Running one submission in a sandbox and capturing everything it did.

`execute()` is the one entry point: notebooks (``.ipynb``) run in a fresh Jupyter
kernel, modules (``.py``) in a fresh Python process; both produce the same
`harness.models.Execution`, also when the run fails, times out or is killed.
"""

from harness.execute.limits import Limits
from harness.execute.run import execute

__all__ = ["Limits", "execute"]
