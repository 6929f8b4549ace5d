"""The instructor's LMS workflow: exports in, roster join, late policy, gradebooks out, Gradescope.

One module per job:

- `found`: what discovery returns (`Found`, `Version`, `Discovery`), JSON-serialisable.
- `safezip`: unpacking an export zip without traversal, symlinks or zip bombs.
- `files`: listing a submission folder without following links; choosing the file to grade.
- `times`: LMS timestamps to timezone-aware datetimes.
- `canvas`, `moodle`, `blackboard`, `gradescope`: one parser per bulk-download format;
  `detect`: which one an export is.
- `table`: reading the instructor's small CSV files (forgiving headers, BOM, CP949).
- `roster`: ``students.csv`` and the join of submissions to students.
- `late`: due dates, grace, penalties, extensions.
- `gradebook`: Canvas, Moodle, Blackboard and nbgrader-style grade CSVs.
- `autograder`: the Gradescope autograder bundle and its ``run_autograder`` entry point.

`harness.discover.discover` is the entry point for finding submissions. Nothing
happens on import.
"""
