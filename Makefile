PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: dev test lint format bench bench-sla bench-search bench-kpis bench-intake worker api histories clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,test,lint]'
	touch $(STAMP)

dev: $(STAMP)
	$(BIN)/python -m devstack

# the test files spread over processes (at most 4), each with its own PostgreSQL and
# Temporal; a file's tests stay together, as some share a system for the whole file
test: $(STAMP)
	$(BIN)/python -m pytest -q -n auto --maxprocesses 4 --dist loadfile

.PHONY: fuzz
# schemathesis on the live stack: every check, phase and role (tests/integration/test_fuzz.py), with
# FUZZ_EXAMPLES examples per operation, FUZZ_STEPS steps per stateful scenario and a random FUZZ_SEED
# (printed; pass it back to repeat a run). About 4 minutes on this 2-core machine when idle (7-10 with other
# test runs alongside); `make test` runs the same with 2 examples and 6 steps in about 1 minute.
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-100} FUZZ_STEPS=$${FUZZ_STEPS:-25} FUZZ_SEED=$${FUZZ_SEED:-random} \
		$(BIN)/python -m pytest -q -s tests/integration/test_fuzz.py

lint: $(STAMP)  # rules and settings in pyproject.toml
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)  # every benchmark, one table of figures against targets (bench/__main__.py): OPEN_CASES= ONLY=
	$(BIN)/python -m bench --open-cases $${OPEN_CASES:-10000} $${ONLY:+--only $$ONLY}

bench-sla: $(STAMP)  # SLA rung lateness of 500 P1 cases against asyncio timers: CASES=
	$(BIN)/python -m bench.sla_timers --cases $${CASES:-500}

bench-search: $(STAMP)  # case search on 200 000 synthetic cases, with its indexes and without: CASES=<n>
	$(BIN)/python -m bench.search --cases $${CASES:-200000}

bench-kpis: $(STAMP)  # the KPI report on 100 000 closed cases, with its indexes and without: CASES=<n>
	$(BIN)/python -m bench.kpis --cases $${CASES:-100000}

bench-intake: $(STAMP)  # intakes and whole cases a second, REST API against the Temporal client: RUN_SECONDS= CASES= ROUNDS=
	$(BIN)/python -m bench.intake --seconds $${RUN_SECONDS:-20} --cases $${CASES:-40} --rounds $${ROUNDS:-1}

.PHONY: chaos
chaos: $(STAMP)  # cases driven while workers are killed and the servers restarted: see chaos/__init__.py
	$(BIN)/python -m chaos

worker: $(STAMP)
	$(BIN)/python worker.py

api: $(STAMP)
	$(BIN)/uvicorn api.app:app --host 127.0.0.1 --port 8000

histories: $(STAMP)  # GEN=<generation folder under tests/histories>
	$(BIN)/python -m tests.histories.record $(GEN)

clean:
	rm -rf $(VENV) .data
