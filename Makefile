# The README's two commands are `make demo` and `make test`; each does all set-up first.
PY := .venv/bin/python
OUT ?= out/demo

.PHONY: setup demo test lint bench clean

setup:
	@bash scripts/setup.sh

demo: setup
	$(PY) scripts/demo.py --out $(OUT)

test: setup
	$(PY) -m pytest -q

lint: setup
	.venv/bin/ruff check .

bench: setup
	$(PY) -m benchmarks.run

clean:
	rm -rf out .pytest_cache
