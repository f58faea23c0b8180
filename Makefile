# Two commands for a new machine: `make run` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install run test lint messages worker beat bench clean

help: ## Show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	@touch $@

install: $(VENV)/.installed ## Create .venv and install the app with its dev tools

run: install ## Migrate, load the demo workspace if the database is empty, serve on http://127.0.0.1:8000
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty --url http://$(HOST):$(PORT)
	@echo ""
	@echo "  CRM running at http://$(HOST):$(PORT)/  (Ctrl+C to stop)"
	@echo "  Log in as owner: ana@demo.example / demo1234   (agent: luis@demo.example / demo1234)"
	@echo ""
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

# Three processes on two cores: the third runs while the others wait on PostgreSQL, a browser
# or a Celery worker.
TEST_WORKERS ?= 3

test: install ## Run the whole suite (PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set, else SQLite)
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --durations=30

lint: install ## Ruff
	$(BIN)/ruff check .

messages: install ## Rebuild and compile the translation catalogs (es, en)
	$(PY) manage.py makemessages -l es -l en --ignore=.venv --ignore=staticfiles
	$(PY) manage.py compilemessages --ignore=.venv

worker: install ## A Celery worker (needs REDIS_URL)
	$(BIN)/celery -A crm worker -l info

beat: install ## Celery beat (needs REDIS_URL)
	$(BIN)/celery -A crm beat -l info

bench: install ## Benchmarks of the reports (needs DATABASE_URL on PostgreSQL)
	$(PY) manage.py bench_reports

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
