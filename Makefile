# Hearth: `make run` starts the sample home, `make test` runs the whole suite. Both set up what is missing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CONFIG ?= config
# espeak-ng speaks the replies of the sample home (tts.engine: espeak-ng); the tests also use it to
# synthesise speech, and convert audio with sox; the browser tests drive Debian's chromium; `hearth adapt`
# (adapting the speech model to a voice) runs CMU Sphinx's training tools.
SYSTEM_DEPS := mosquitto:mosquitto espeak-ng:espeak-ng
ADAPT_DEPS := sphinxtrain:sphinxtrain sphinxbase-utils:sphinx_fe pocketsphinx:pocketsphinx_mdef_convert
TEST_DEPS := $(SYSTEM_DEPS) sox:sox chromium:chromium $(ADAPT_DEPS)
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: run test lint typecheck pytest bench check clean

run: $(VENV)/.installed
	@scripts/system-deps.sh $(SYSTEM_DEPS)
	$(BIN)/hearth check --config $(CONFIG)
	$(BIN)/hearth serve --config $(CONFIG) --simulate

test: $(VENV)/.installed-test
	@scripts/system-deps.sh $(TEST_DEPS)
	$(MAKE) --no-print-directory lint typecheck pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check assistant intents devices tests
	$(BIN)/ruff format --check assistant intents devices tests

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

pytest: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q

bench: $(VENV)/.installed
	@scripts/system-deps.sh $(SYSTEM_DEPS) sox:sox $(ADAPT_DEPS)
	$(BIN)/hearth bench

check: $(VENV)/.installed
	$(BIN)/hearth check --config $(CONFIG)

$(VENV)/bin/python:
	@# Debian splits venv out of python3; install it only when creating the venv fails.
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { rm -rf $(VENV); scripts/system-deps.sh python3-venv; \
	  $(PYTHON) -m venv $(VENV); }

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -e '.[test]'
	@touch $@ $(VENV)/.installed

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
