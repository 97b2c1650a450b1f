# `make demo` and `make test` work from a fresh clone: each creates .venv and installs into it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The torch build this project is tested with. Override on machines with other wheels,
# e.g. `make test TORCH_SPEC="torch torchvision"`.
TORCH_SPEC ?= torch==2.14.1 torchvision==0.29.1

.PHONY: demo test lint install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.torch: | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q $(TORCH_SPEC)
	touch $@

$(VENV)/.installed: pyproject.toml $(VENV)/.torch
	$(BIN)/pip install --disable-pip-version-check -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.torch
	$(BIN)/pip install --disable-pip-version-check -q -e ".[dev]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# The main job on embedded defaults: a synthetic ILSVRC-shaped set, a search against a
# latency budget (SQLite study, local MLflow store under runs/demo), then the frontier.
demo: $(VENV)/.installed
	$(BIN)/nas search -c configs/demo.yaml
	$(BIN)/nas pareto --study demo --storage sqlite:///runs/demo/nas.db

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info runs
