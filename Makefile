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
	$(BIN)/python -m pip install --quiet -e '.[dev,plot,onnx]'
	touch $(STAMP)

# A short tour, under 150 lines at 80 columns: each step one point, most with -q (the table alone).
demo: install
	@printf '%b\n' "\n# per layer, cross-checked by fvcore and FlopCounterMode (verdict: the footer)\n\$$ lwprof summary shufflenet --groups 8 --depth 1"
	@$(BIN)/lwprof summary shufflenet --groups 8 --depth 1
	@printf '%b\n' "\n# standard vs grouped vs depthwise-separable (MobileNetV1 Table 4)\n\$$ lwprof compare mobilenet --alpha 0.5 --no-fvcore -q"
	@$(BIN)/lwprof compare mobilenet --alpha 0.5 --no-fvcore -q
	@printf '%b\n' "\n# MobileNetV1's Table 2: where the MACs are\n\$$ lwprof summary mobilenet --by-type --no-fvcore -q"
	@$(BIN)/lwprof summary mobilenet --by-type --no-fvcore -q
	@printf '%b\n' "\n# Tables 6 and 7 as one grid\n\$$ lwprof sweep mobilenet --alpha 1,0.75,0.5,0.25 --resolution 224,192,160,128 -q"
	@$(BIN)/lwprof sweep mobilenet --alpha 1,0.75,0.5,0.25 --resolution 224,192,160,128 -q
	@printf '%b\n' "\n# measured latency: the 5 slowest layers (depthwise: few MACs, much time)\n\$$ lwprof bench mobilenet --top 5 -q"
	@$(BIN)/lwprof bench mobilenet --top 5 -q
	@printf '%b\n' "\n# calibrate once (quick: a smoke run), then the best MobileNetV1 under a budget\n\$$ lwprof calibrate --quick\n\$$ lwprof fit mobilenet --max-macs 300M --max-params 3M -q"
	@$(BIN)/lwprof calibrate --quick --save $(VENV)/demo-calibration.json --force -o $(VENV)/demo-calibration.txt
	@$(BIN)/lwprof fit mobilenet --max-macs 300M --max-params 3M --vary alpha=0.5:1:0.25 --vary resolution=128,160,192 --calibration $(VENV)/demo-calibration.json -q
	@printf '%b\n' "\n# the papers' numbers (lwprof check: each of them; lwprof explain: the terms)\n\$$ lwprof check --summary | tail -n 1"
	@$(BIN)/lwprof check --summary | tail -n 1

# Lint and types first (seconds): ruff (pyproject.toml [tool.ruff]) and mypy over lwprof/ (no untyped defs); then the
# suite, which runs every paper check already (tests/test_reference.py asserts none fails, and tests/test_golden.py
# runs lwprof check and check --summary through the CLI), so no second lwprof check. The suite runs on every core
# (pytest-xdist; at most TEST_WORKERS processes, each imports torch: ~1 GB apiece, and computes on one thread,
# tests/conftest.py; a crashed worker fails its test);
# lwprof is compiled to bytecode first, so that the tests' lwprof processes do not compile it each where
# PYTHONDONTWRITEBYTECODE is set. `make test TEST_WORKERS=0` runs it in one process.
TEST_WORKERS ?= 4
test: install
	$(BIN)/ruff check lwprof tests studies
	$(BIN)/mypy
	$(BIN)/python -m compileall -q lwprof
	$(BIN)/python -m pytest -q $(if $(filter 0,$(TEST_WORKERS)),,-n auto --maxprocesses $(TEST_WORKERS) --dist worksteal)

reports: install
	$(BIN)/python -m studies.reports

bench: install
	$(BIN)/python -m pip install --quiet -e '.[dev,plot,onnx,bench]'
	$(BIN)/python -m studies.bench

golden: install
	$(BIN)/python -m pytest -q tests/test_golden.py tests/test_readme.py --update-golden

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
	find lwprof tests studies -name __pycache__ -prune -exec rm -rf {} +
