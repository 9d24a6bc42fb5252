PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

demo: install
	$(BIN)/autograder release --all
	$(BIN)/autograder grade gaussian_kl demo/gaussian_kl
	$(BIN)/autograder report gaussian_kl --summary

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check autograder tests benchmarks solutions

bench: install
	$(BIN)/python benchmarks/bench_grading.py

clean:
	rm -rf $(VENV) gradebook/*.db gradebook/exports
