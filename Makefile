# tradewatch — every target creates the virtualenv it needs from pyproject.toml.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# Bytecode is compiled at install: where PYTHONDONTWRITEBYTECODE is set, every command and
# crawl process would otherwise recompile spaCy, Scrapy & co. from source (≈ 9 s a start).
UV_INSTALL := $(BIN)/uv pip install -q --compile-bytecode --python $(BIN)/python
SHARED ?= ../shared

.PHONY: install demo test test-fast lint-imports serve eval bench stress train cv system-deps clean-data readme-assets

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# uv resolves and installs the pinned set in seconds; plain pip is the fallback.
	($(BIN)/python -m pip install -q uv==0.13.8 && $(UV_INSTALL) -e '.[test]') \
	  || $(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/tradewatch daily --demo

# Everything, what CI runs: the layer contracts (pyproject [tool.importlinter]), then every test.
test: install system-deps lint-imports
	$(BIN)/python -m pytest -q

# Unit tests only (no real processes, servers or crawls): well under a minute.
test-fast: install lint-imports
	$(BIN)/python -m pytest -q -m "not slow"

lint-imports: install
	$(BIN)/lint-imports --no-cache

serve: install
	$(BIN)/tradewatch serve

# The README's sample output, worked examples and screenshots (docs/workbench-*.png), made by the demo itself.
readme-assets: install system-deps
	$(BIN)/python scripts/readme_assets.py

eval: install
	$(BIN)/python benchmarks/eval.py --shared $(SHARED)

bench: install
	$(BIN)/python benchmarks/run_all.py

stress: install system-deps
	$(BIN)/python benchmarks/stress.py

# Rebuild every learned component from the annotated corpus (fixed seeds; reads ../shared by path).
# The [train] extra (scikit-learn) is needed to fit, not to run, the learned steps.
TRAIN_DEPS = $(UV_INSTALL) -e '.[train]' 2>/dev/null || $(BIN)/python -m pip install -q -e '.[train]'

train: install
	$(TRAIN_DEPS)
	$(BIN)/python -m training.train --shared $(SHARED)

# Cross-validated scores of the learned steps (and the rules they replace), with a learning curve.
cv: install
	$(TRAIN_DEPS)
	$(BIN)/python -m training.evaluate --shared $(SHARED) --curve 0.25,0.5

# Debian packages some tests drive for real (browser, redis); installed only when missing.
system-deps:
	@bash scripts/install-system-deps.sh

clean-data:
	rm -rf data/
