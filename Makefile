PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install system-deps demo test test-fast lint bench mutation clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

ASSIGNMENTS := $(sort $(notdir $(wildcard demo/*)))

demo: install
	$(BIN)/autograder release --all
	@for hw in $(ASSIGNMENTS); do \
		echo "== $$hw"; \
		$(BIN)/autograder grade $$hw demo/$$hw || exit 1; \
	done
	@echo "gradebook: gradebook/gradebook.db  (autograder report HW writes HTML feedback)"

# Debian packages the tests use (a throwaway PostgreSQL server), installed when missing and root.
system-deps:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql; \
		else echo "postgresql is not installed: its tests will be skipped"; fi; }

test: install system-deps
	$(BIN)/python -m pytest

# The edit loop: everything but the tests that train or validate every assignment's reference.
test-fast: install
	$(BIN)/python -m pytest -m "not slow"

lint: install
	$(BIN)/ruff check autograder tests benchmarks solutions
	$(BIN)/ruff format --check autograder tests benchmarks
	$(BIN)/mypy

bench: install
	$(BIN)/python benchmarks/bench_grading.py

# Mutants of every reference, graded: the share each assignment's checks catch, and the survivors.
# Slow (many minutes); `make test` grades a small sample. MUTATION_JOBS=0: one sandbox per core.
MUTATION_JOBS ?= 0
mutation: install
	$(BIN)/autograder mutate --all --jobs $(MUTATION_JOBS)

clean:
	rm -rf $(VENV) gradebook/*.db gradebook/exports
