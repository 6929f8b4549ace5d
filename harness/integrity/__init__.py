"""Academic-integrity similarity across a class: code, written analysis and run results.

One module per job:

- `corpus`: read ``OUT/*/execution.json`` defensively (size cap, no symlinks, bad files reported);
- `codetokens`: code cells -> normalised Python tokens (identifiers, literals, comments ignored;
  magics and syntax errors survived);
- `prosetokens`: markdown -> normalised words (case, punctuation, numbers, Korean particles);
- `winnow`: k-gram hashing and robust winnowing (Schleimer et al. 2003);
- `fingerprint`: one submission's fingerprints, per cell, as an order-independent set;
- `evidence`: identical figures and substantial outputs;
- `boilerplate`: the lecture's code, the starter, the class-common passages;
- `compare`: inverted index, pair scores, shared passages;
- `models`: the report's values, ``similarity.json`` (`load_similarity`) and `top_pairs` (for the dashboard);
- `view`: the instructor's ``similarity.html`` with passages side by side;
- `detect`: `similarity()` (the API).

Import from the modules (``from harness.integrity.detect import similarity``): the package
imports nothing itself, so reading ``models`` (the dashboard does) never pulls in the rest.
"""
