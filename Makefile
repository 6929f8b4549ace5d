# labgrade: two commands matter.
#   make demo   install into .venv, grade the bundled sample submissions, write the HTML reports
#   make test   install into .venv and run the test suite (fast + integration; not slow/gpu/bench)
# Everything installs into a local virtual environment; nothing touches the system Python.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# TensorFlow is the default Keras backend: the CPU build unless an NVIDIA GPU is present.
TF_PKG ?= $(shell command -v nvidia-smi >/dev/null 2>&1 && echo "tensorflow[and-cuda]" || echo tensorflow-cpu)
STAMP  := $(VENV)/.installed
# Real data (read-only) for offline runs, when this checkout sits next to it.
DATA_ROOT ?= $(wildcard ../shared/data)
PYTEST_MARKS ?= not slow and not gpu and not bench

.PHONY: help venv sandbox demo test test-all bench bench-compare verify clean

help:
	@echo "make demo   - install, grade the bundled sample submissions, write HTML reports"
	@echo "make test   - install, run the tests ($(PYTEST_MARKS))"
	@echo "make bench  - install, run the benchmarks (pytest-benchmark JSON under .benchmarks/)"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]" "$(TF_PKG)"
	@touch $(STAMP)

venv: $(STAMP)

# bubblewrap isolates untrusted submissions (network, file system); grading refuses to run
# them without it. Installed here when we are root with apt-get (as on CI); otherwise the
# command to run is printed and the targets go on (a grade run will then say the same).
sandbox:
	@if command -v bwrap >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "make: installing bubblewrap (sandbox isolation for untrusted submissions)"; \
	  apt-get install -y -q bubblewrap >/dev/null 2>&1 || \
	    (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q bubblewrap >/dev/null 2>&1) || \
	    echo "make: could not install bubblewrap with apt-get; install it by hand (see below)"; \
	fi; \
	command -v bwrap >/dev/null 2>&1 || echo "make: bubblewrap is not installed; grading refuses untrusted code \
	without it. Install it: sudo apt-get install bubblewrap (Debian/Ubuntu), sudo dnf install bubblewrap \
	(Fedora), sudo pacman -S bubblewrap (Arch)."

demo: sandbox $(STAMP)
	$(BIN)/labgrade demo $(if $(DATA_ROOT),--data-root $(DATA_ROOT),)

test: sandbox $(STAMP)
	@$(BIN)/python -m pytest -m "$(PYTEST_MARKS)" $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests - failing on purpose"; exit 1; fi; exit $$rc

test-all: $(STAMP)
	@$(BIN)/python -m pytest -m "not gpu and not bench" $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "no tests collected"; exit 1; fi; exit $$rc

bench: $(STAMP)
	$(BIN)/python -m pytest tests/bench -m bench --benchmark-only --benchmark-autosave $(PYTEST_ARGS)

bench-compare: $(STAMP)
	$(BIN)/labgrade bench --compare --input reports/bench/latest.json

verify: $(STAMP)
	$(BIN)/labgrade reference verify --quick --all $(if $(DATA_ROOT),--data-root $(DATA_ROOT),)

clean:
	rm -rf $(VENV) .pytest_cache .benchmarks build *.egg-info
