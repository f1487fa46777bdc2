# The two commands a newcomer needs:  make demo  and  make test  (each creates .venv when missing).
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PACKAGES := lakehouse lake catalog quality warehouse

.PHONY: demo test check lint imports typecheck install browser clean bench

$(BIN)/lakehouse: pyproject.toml setup.py
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,bigquery]"
	touch $(BIN)/lakehouse

install: $(BIN)/lakehouse

demo: install
	$(BIN)/lakehouse demo

lint: install
	$(BIN)/ruff check $(PACKAGES) tests bench
	$(BIN)/ruff format --check $(PACKAGES) tests bench

imports: install  # the layers and no import cycles (pyproject.toml [tool.importlinter])
	$(BIN)/lint-imports --no-cache

typecheck: install
	$(BIN)/mypy

browser:  # Debian's chromium + chromedriver for the browser tests, when missing (apt-get; sudo unless root)
	.ci/install-browser

# the suite runs in JOBS processes (pytest-xdist; auto = one per core), a test file per process at a time,
# the files marked slow/team/browser handed out first (tests/conftest.py: heavy_files_first)
JOBS ?= auto

test: lint imports typecheck browser  # the full suite: what CI runs
	$(BIN)/python -m pytest -q -n $(JOBS) --dist loadfile

check: lint imports typecheck  # the fast loop: everything but the tests marked slow, team (real servers) or browser
	$(BIN)/python -m pytest -q -n $(JOBS) --dist loadfile -m "not slow and not team and not browser"

bench: install
	@for b in bench/*.py; do echo "== $$b"; PYTHONPATH=. $(BIN)/python $$b || exit 1; done

clean:
	rm -rf data dbt_project/target dbt_project/logs .pytest_cache .mypy_cache .ruff_cache
