# desa — make run / make test (see README.md)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
export FLASK_APP := wsgi

.PHONY: run test install install-test translations lint bench bench-small clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(VENV)/.installed $@

install: $(VENV)/.installed translations

install-test: $(VENV)/.installed-test translations

translations: | $(BIN)/python
	$(BIN)/pybabel -q compile -d desa/translations

# The app learns where it is served, so QR codes and links follow PORT, and HOST=0.0.0.0
# (every interface) becomes this laptop's address on the office network, which
# `desa serve-info` prints along with how phones reach it (Make cannot find it).
run: export DESA_HOST := $(HOST)
run: export DESA_PORT := $(PORT)
run: install
	$(BIN)/desa init
	$(BIN)/desa demo --if-empty
	@$(BIN)/desa serve-info
	@# gunicorn (a dependency, the production server) rather than Flask's
	@# development server and its red "do not use in production" banner.
	$(BIN)/gunicorn -c gunicorn.conf.py --bind $(HOST):$(PORT) --workers 1 wsgi:app

test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The benchmark scripts (bench/README.md). `make bench` runs them at full size on
# SQLite, or on PostgreSQL with BENCH_DATABASE_URL=postgresql+psycopg://…; `make
# bench-small` runs each at a size of seconds on SQLite and, when PG_DATABASE_URL
# is set, on PostgreSQL too (CI does). A MISS is printed, not failed: timings on a
# shared machine are not tests; a script that fails is.
BENCHES := foundation residents district letters appointments parity million hub campaign books
BENCH_DATABASE_URL ?= sqlite
bench: install-test
	@for b in $(BENCHES); do \
	  echo "## bench/$$b.py"; \
	  $(BIN)/python bench/$$b.py --database-url '$(BENCH_DATABASE_URL)' 2>/dev/null || exit 1; \
	done

bench-small: install-test
	@err=$$(mktemp); for url in sqlite $(PG_DATABASE_URL); do for b in $(BENCHES); do \
	  echo "## bench/$$b.py --small ($${url%%:*})"; \
	  $(BIN)/python bench/$$b.py --small --database-url "$$url" 2>$$err \
	    || { cat $$err >&2; rm -f $$err; exit 1; }; \
	done; done; rm -f $$err

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info

# Re-extracts the Indonesian msgids into messages.pot and merges them into the
# English catalogue; translate the new or fuzzy entries, then `make translations`.
BABEL_IGNORE := .* ._ tests bench migrations instance build __pycache__ *.egg-info
DESA_VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)

.PHONY: translations-update
translations-update: | $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext \
	  --ignore-dirs='$(BABEL_IGNORE)' --project=desa --version=$(DESA_VERSION) \
	  -o desa/translations/messages.pot .
	$(BIN)/pybabel -q update --init-missing -l en \
	  -i desa/translations/messages.pot -d desa/translations
