# Two commands on a fresh machine with Python 3.11 + pip:
#   make demo   -- out-of-fold TextCNN features on the embedded BBC News data
#   make test   -- the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench-kim docs

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.13.0  # the CPU wheel, before the package
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/textcnn demo

test: $(VENV)/.installed
	$(BIN)/ruff check textcnn tests benchmarks examples scripts docs/conf.py
	$(BIN)/python -m pytest -q

bench-kim: $(VENV)/.installed
	$(BIN)/python benchmarks/kim2014.py

# The documentation site (docs/_build/html), offline; CI builds it with warnings as errors.
docs: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[docs]'
	$(BIN)/python -m sphinx -W --keep-going -q -b html docs docs/_build/html
