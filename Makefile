# genda: two commands on a fresh machine.
#   make demo   - set up everything, then run the main job on the embedded demo ocean (offline)
#   make test   - set up everything (including a headless browser), then run all tests
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.genda-installed
# CPU build of torch for this machine; GPU users: see README ("GPU").
TORCH ?= torch==2.13.0

.PHONY: demo test install browser kernel export clean-nbs bench lab dashboard help

help:
	@echo "make demo | make test | make lab | make dashboard | make bench"

$(STAMP): pyproject.toml settings.ini
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install "$(TORCH)"
	$(PY) -m pip install -e ".[dev]"
	$(PY) -m ipykernel install --sys-prefix --name genda --display-name "Python (genda)"
	touch $(STAMP)

install: $(STAMP)

# Debian Chromium for the dashboard's browser tests (Playwright cannot download browsers offline).
browser:
	@test -x /usr/bin/chromium || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; }
	@/usr/bin/chromium --version

demo: $(STAMP)
	$(VENV)/bin/genda demo

test: $(STAMP) browser
	GENDA_REQUIRE_BROWSER=1 MPLBACKEND=Agg $(PY) -m pytest tests -v --timeout 1800 --durations 15

export: $(STAMP)
	$(VENV)/bin/nbdev_export && $(VENV)/bin/nbdev_clean

# Jupyter refuses to run as root unless told (containers often run as root).
lab: $(STAMP)
	$(VENV)/bin/jupyter lab nbs $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

dashboard: $(STAMP)
	$(VENV)/bin/genda dashboard results

bench: $(STAMP)
	for f in tests/benchmarks/bench_*.py; do echo "== $$f"; $(PY) $$f --quick || exit 1; done
