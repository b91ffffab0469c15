# Two commands do all set-up on a fresh machine with only Python 3.11:
#   make run    trains the homework's MLP on the bundled digits and prints its test accuracy
#   make test   runs the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-reference lint bench figures notebook clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all,test,dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/hubel train

test: $(STAMP)
	$(BIN)/python -m pytest -q

# The op, module and optimizer parity tests once more on the reference code alone (hb.kernels).
test-reference: $(STAMP)
	HUBEL_KERNELS=reference $(BIN)/python -m pytest -q tests/functional tests/nn tests/optim \
		tests/kernels tests/test_torch_semantics.py

lint: $(STAMP)
	$(BIN)/ruff check hubel tests benchmarks
	$(BIN)/ruff format --check hubel tests benchmarks

# The README's lab gallery: every figure at seed 0 with its record (tests/lab/test_gallery.py
# fails when a committed figure no longer matches what its experiment produces).
figures: $(STAMP)
	$(BIN)/python -m hubel.lab.gallery docs/lab

# The course's notebooks in JupyterLab (the `notebook` extra, installed on first use; `make test`
# runs the notebooks without it, through nbclient).
notebook: $(STAMP)
	$(BIN)/python -c "import jupyterlab" 2>/dev/null || $(BIN)/python -m pip install --quiet -e '.[notebook]'
	$(BIN)/jupyter lab notebooks/

bench: $(STAMP)
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python benchmarks/mlp_step.py

clean:
	rm -rf $(VENV) runs
