# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# CPU-only machines keep a CPU build of torch 2.13.0 here; pip takes it over CUDA wheels.
FIND_LINKS := $(if $(wildcard /opt/wheels),--find-links /opt/wheels,)
PIP := $(PY) -m pip install --quiet --disable-pip-version-check $(FIND_LINKS)
CHROMIUM := /usr/bin/chromium

.PHONY: demo test lint bench install clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: $(PY) pyproject.toml
	$(PIP) -e .
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime
	$(PIP) -e ".[dev]"
	@touch $@

install: $(VENV)/.runtime

demo: $(VENV)/.runtime
	$(VENV)/bin/hiddenlens demo --output demo-output --force

$(CHROMIUM):
	@echo "Installing Debian's chromium for the browser tests"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

test: $(VENV)/.dev $(CHROMIUM)
	$(PY) -m ruff check src tests benchmarks
	$(PY) -m pytest -n 2 --dist loadfile -q

lint: $(VENV)/.dev
	$(PY) -m ruff check src tests benchmarks

bench: $(VENV)/.dev
	for b in benchmarks/bench_*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) demo-output .pytest_cache
