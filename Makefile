# The two commands a user types: `make run` and `make test`. Each sets up what it needs, from the
# lock files of exact versions (requirements.lock: what the dashboard runs on;
# requirements-test.lock: that plus the test tools). `make lock` writes them anew from
# pyproject.toml; commit both.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP_RUN := $(VENV)/.stamp-run
STAMP_TEST := $(VENV)/.stamp-test
LOCK := requirements.lock
TEST_LOCK := requirements-test.lock
DB ?= instance/kim.sqlite
HOST ?= 127.0.0.1
PORT ?= 8050
export KIM_DATABASE_URL ?= sqlite:///$(abspath $(DB))
UV_COMPILE = $(VENV)/bin/uv pip compile pyproject.toml --universal --python-version 3.11 --quiet

.PHONY: run test setup setup-run demo bench lint lock clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Runtime only (no Playwright, pytest, ruff): what `make run` needs.
setup-run: $(STAMP_RUN)

$(STAMP_RUN): $(LOCK) pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP_RUN)

# Runtime and test tools.
setup: $(STAMP_TEST)

$(STAMP_TEST): $(TEST_LOCK) pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -r $(TEST_LOCK)
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP_TEST) $(STAMP_RUN)

$(DB): | $(STAMP_RUN)
	$(VENV)/bin/kim demo

demo: $(STAMP_RUN)
	$(VENV)/bin/kim demo

# make run PORT=8080 (HOST=0.0.0.0 only behind KIM_AUTH, see README)
run: $(STAMP_RUN) $(DB)
	$(VENV)/bin/kim serve --host $(HOST) --port $(PORT)

# make test ARGS='tests/test_format.py'   or   ARGS='-m "not browser"'
test: $(STAMP_TEST)
	$(PY) -m pytest -q $(ARGS)

# make bench BENCH_ARGS='--scale S --calls 10'  (see benchmarks/README.md)
bench: $(STAMP_TEST)
	$(PY) benchmarks/run.py $(BENCH_ARGS)

lint: $(STAMP_TEST)
	$(VENV)/bin/ruff check .

# Exact versions for every platform with Python >= 3.11, resolved from pyproject.toml.
lock: | $(PY)
	$(PY) -m pip install --quiet uv
	$(UV_COMPILE) -o $(LOCK)
	$(UV_COMPILE) --extra test -o $(TEST_LOCK)

clean:
	rm -rf $(VENV) instance .pytest_cache
