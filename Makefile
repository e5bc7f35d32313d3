# lwprof: two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TORCH  := torch==2.13.0
# Where pip finds torch: empty = pip's own configuration (here it resolves torch==2.13.0 to the
# CPU wheel). Where it would pick the CUDA build: make TORCH_INDEX=https://download.pytorch.org/whl/cpu demo
TORCH_INDEX ?=

.PHONY: install demo test check reports bench golden clean

install: $(STAMP)

# torch is installed first and pinned (from TORCH_INDEX when given): a bare `torch` requirement
# on a fresh venv would pull a multi-GB CUDA build; the range in pyproject.toml then installs nothing more.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX)) $(TORCH)
	$(BIN)/python -m pip install --quiet -e '.[dev,plot]'
	touch $(STAMP)

# A short tour (about 250 lines at 120 columns, 350 at 80): each command trimmed to what shows its point; every table
# fits the terminal (try COLUMNS=80 make demo).
demo: install
	@printf '%b\n' "\n\$$ lwprof --help"
	@$(BIN)/lwprof --help
	@printf '%b\n' "\n# one architecture's options (lwprof list: all of them)\n\$$ lwprof list shufflenet"
	@$(BIN)/lwprof list shufflenet
	@printf '%b\n' "\n# one conv four ways, with the formulas\n\$$ lwprof layer --in 4 --out 2 --kernel 3 --size 12"
	@$(BIN)/lwprof layer --in 4 --out 2 --kernel 3 --size 12
	@printf '%b\n' "\n# per layer, cross-checked with fvcore and FlopCounterMode\n\$$ lwprof summary shufflenet --groups 8 --depth 2"
	@$(BIN)/lwprof summary shufflenet --groups 8 --depth 2
	@printf '%b\n' "\n# MobileNetV1's Table 2\n\$$ lwprof summary mobilenet --by-type --no-fvcore"
	@$(BIN)/lwprof summary mobilenet --by-type --no-fvcore
	@printf '%b\n' "\n# standard vs grouped vs depthwise-separable\n\$$ lwprof compare mobilenet --alpha 0.5"
	@$(BIN)/lwprof compare mobilenet --alpha 0.5
	@printf '%b\n' "\n# Tables 6 and 7 as one grid\n\$$ lwprof sweep mobilenet --alpha 1,0.75,0.5,0.25 --resolution 224,192,160,128"
	@$(BIN)/lwprof sweep mobilenet --alpha 1,0.75,0.5,0.25 --resolution 224,192,160,128
	@printf '%b\n' "\n# measured latency: the 5 slowest layers, median and spread\n\$$ lwprof bench mobilenet --top 5"
	@$(BIN)/lwprof bench mobilenet --top 5
	@printf '%b\n' "\n# calibrate this CPU once (quick: a smoke run), then the best MobileNetV1 under a budget\n\$$ lwprof calibrate --quick && lwprof fit mobilenet --max-macs 300M --max-params 3M"
	@$(BIN)/lwprof calibrate --quick --save $(VENV)/demo-calibration.json --force
	@$(BIN)/lwprof fit mobilenet --max-macs 300M --max-params 3M --calibration $(VENV)/demo-calibration.json
	@printf '%b\n' "\n# the papers' numbers: the counts, then what did not pass (lwprof check: all of them)\n\$$ lwprof check --summary"
	@$(BIN)/lwprof check --summary

# The suite runs every paper check already (tests/test_reference.py asserts none fails, and
# tests/test_golden.py runs lwprof check and check --summary through the CLI), so no second lwprof check.
test: install
	$(BIN)/python -m pytest -q

reports: install
	$(BIN)/python -m studies.reports

bench: install
	$(BIN)/python -m pip install --quiet -e '.[dev,plot,bench]'
	$(BIN)/python -m studies.bench

golden: install
	$(BIN)/python -m pytest -q tests/test_golden.py tests/test_readme.py --update-golden

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
