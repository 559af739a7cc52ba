# gaoxin-kg: `make serve` sets up, builds the graph if needed and serves it; `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STORE  := var/store
HOST   ?= 127.0.0.1
PORT   ?= 8000
# The graph is rebuilt when any of its inputs is newer than the last build.
INPUTS := $(shell find data/raw data/annotations data/reference ontology graph_build queries -type f -not -name '*.pyc' 2>/dev/null)

.PHONY: serve test install build clean bench bench-build bench-endpoint

$(BIN)/.installed: setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

var/.built: $(BIN)/.installed $(INPUTS)
	mkdir -p var
	$(BIN)/gaoxin-kg build --data data --store $(STORE)
	touch $@

build: var/.built

serve: build
	@echo "Open http://$(HOST):$(PORT)/ (SPARQL endpoint: http://$(HOST):$(PORT)/sparql); Ctrl-C stops the server."
	$(BIN)/gaoxin-kg serve --store $(STORE) --host $(HOST) --port $(PORT)

test: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

# Benchmarks print figures (see README, Performance). `make bench` runs every benchmark.
# bench-build: the scale corpus at BENCH_SIZES documents; bench-endpoint: BENCH_ARGS passes options (e.g. BENCH_ARGS="--scale 10000 --duration 10").
BENCH_SIZES ?= 100 1000 10000

bench: bench-build bench-endpoint

bench-build: install
	$(BIN)/python bench/build.py --sizes $(BENCH_SIZES)

bench-endpoint: build
	@command -v wrk >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk; \
	  else echo "bench-endpoint needs wrk: run 'sudo apt-get install wrk' (Debian) and make bench again"; exit 1; fi; }
	$(BIN)/python bench/endpoint.py $(STORE) $(BENCH_ARGS)

clean:
	rm -rf var build *.egg-info
