# The two commands a user types: `make run` and `make test`. Each sets up what it needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.stamp-install
DB ?= instance/kim.sqlite
export KIM_DATABASE_URL ?= sqlite:///$(abspath $(DB))

.PHONY: run test setup demo bench lint clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

$(DB): | $(STAMP)
	$(VENV)/bin/kim demo

demo: $(STAMP)
	$(VENV)/bin/kim demo

run: $(STAMP) $(DB)
	$(VENV)/bin/kim serve --host 127.0.0.1 --port 8050

test: $(STAMP)
	$(PY) -m pytest -q

# make bench BENCH_ARGS='--scale S --calls 10'  (see benchmarks/README.md)
bench: $(STAMP)
	$(PY) benchmarks/run.py $(BENCH_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) instance .pytest_cache
