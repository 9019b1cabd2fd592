# Two commands on a fresh machine: `make example` and `make test`.
# Each creates or refreshes .venv, installs the project and en_core_web_sm when
# something changed, then runs the example or the test suite.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed-stamp
MODEL := $(VENV)/.model-stamp

.PHONY: setup example test lint bench bench-full clean

setup: $(MODEL)

$(PY):
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	@touch $@

$(MODEL): $(INSTALLED) scripts/ensure_model.py
	$(PY) scripts/ensure_model.py
	@touch $@

example: setup
	$(PY) examples/ewc_ner_training_example.py

lint: setup
	$(PY) -m ruff check .

test: lint
	$(PY) -m pytest

bench: setup
	$(PY) benchmarks/forgetting.py --quick

bench-full: setup
	$(PY) benchmarks/forgetting.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .ruff_cache
