"""Integration fixtures shared by several test modules.

A session fixture must be defined here, not imported into each test module: pytest
treats each import as its own fixture definition, and the sample submissions (minutes
of work) would run once per importing module.
"""

from tests.integration.samples_fixture import sample_runs  # noqa: F401 - the session fixture

