# The two commands: `make demo` and `make test`. Each creates the environment when missing.
# The install compiles bytecode (`--compile-bytecode`, `compileall src`): without it every
# command compiles each module it imports on every start (seconds) where, as on CI machines,
# PYTHONDONTWRITEBYTECODE=1 keeps Python from caching it.
VENV ?= .venv
PY := $(VENV)/bin/python
WORKSPACE ?= demo-workspace
DEMO_ROWS ?= 1000000
PORT ?= 8000

.PHONY: venv demo test lint clean

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv
	$(VENV)/bin/uv pip install --quiet --compile-bytecode --python $(PY) -r requirements.lock
	$(VENV)/bin/uv pip install --quiet --compile-bytecode --python $(PY) --no-deps -e .
	# uv compiles what it installs; the editable sodo itself lives in src/: compile it too, so
	# no command recompiles its modules where bytecode is never written (PYTHONDONTWRITEBYTECODE).
	$(PY) -m compileall -q src
	touch $@

venv: $(VENV)/.installed

demo: venv
	$(VENV)/bin/sodo demo --workspace $(WORKSPACE) --rows $(DEMO_ROWS) --port $(PORT)

test: venv
	bash scripts/ensure-services.sh
	$(VENV)/bin/ruff check src tests benchmarks
	$(PY) -m pytest -q

lint: venv
	$(VENV)/bin/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) $(WORKSPACE) .pytest_cache
