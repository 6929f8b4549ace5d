"""Reports and exports: Gradescope results.json, student feedback, grades.csv, HTML (Jinja2)."""
