"""``python -m harness.cli`` runs the labgrade command line."""

from harness.cli import main

main()
