# lwprof: two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TORCH  := torch==2.13.0

.PHONY: install demo test check reports bench golden clean

install: $(STAMP)

# torch is installed first and pinned: a bare `torch` requirement on a fresh venv
# would pull a multi-GB CUDA build; the range in pyproject.toml then installs nothing more.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(TORCH)
	$(BIN)/python -m pip install --quiet -e '.[dev,plot]'
	touch $(STAMP)

demo: install
	$(BIN)/lwprof --help
	$(BIN)/lwprof list
	$(BIN)/lwprof layer --in 4 --out 2 --kernel 3 --size 12
	$(BIN)/lwprof summary shufflenet --groups 8
	$(BIN)/lwprof compare mobilenet --alpha 0.5
	$(BIN)/lwprof sweep mobilenet --alpha 1,0.75,0.5,0.25 --resolution 224,192,160,128
	$(BIN)/lwprof bench mobilenet --top 8 --repeats 10
	$(BIN)/lwprof calibrate --quick --save $(VENV)/demo-calibration.json --force
	$(BIN)/lwprof fit mobilenet --max-macs 300M --max-params 3M --calibration $(VENV)/demo-calibration.json
	$(BIN)/lwprof check

test: install
	$(BIN)/python -m pytest -q
	$(BIN)/lwprof check

reports: install
	$(BIN)/python -m studies.reports

bench: install
	$(BIN)/python -m pip install --quiet -e '.[dev,plot,bench]'
	$(BIN)/python -m studies.bench

golden: install
	$(BIN)/python -m pytest -q tests/test_golden.py --update-golden

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
