# Two commands: `make run` and `make test`. Everything else is what they stand on.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
CATALOGS := community/translations
PORT ?= 5000

.PHONY: run test lint install translations messages migrate-db bench bench-badges browser-deps proxy-deps office-deps paper-deps checker-deps clean

# Links in the demo's mails lead to the port it serves on, unless BASE_URL is set.
run: export BASE_URL ?= http://127.0.0.1:$(PORT)
run: install translations paper-deps migrate-db
	$(FLASK) seed-demo
	@echo "Serving on http://127.0.0.1:$(PORT) ($(if $(MAIL_SERVER),mail goes to $(MAIL_SERVER),mail is printed to this log)). Ctrl-C stops."
	@# The launcher runs the web server and the worker (mail, scheduled jobs), as in production.
	$(BIN)/community serve --port $(PORT)

# One test process per core (pytest-xdist); TEST_WORKERS=0 runs them in this process.
TEST_WORKERS ?= auto

test: install translations browser-deps proxy-deps office-deps paper-deps checker-deps lint
	$(BIN)/pytest -p no:cacheprovider -n $(TEST_WORKERS) $(PYTEST_ARGS)

# Style (ruff) and layers (import-linter), as configured in pyproject.toml.
lint: install
	$(BIN)/ruff check --quiet .
	$(BIN)/ruff format --check --quiet .
	$(BIN)/lint-imports --no-cache --no-logo

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

translations: install
	$(BIN)/pybabel --quiet compile -d $(CATALOGS)

# Re-extract the strings after changing code or templates, then translate the .po files.
messages: install
	$(BIN)/pybabel --quiet extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -o $(CATALOGS)/messages.pot .
	$(BIN)/pybabel --quiet update -N --ignore-obsolete -w 100 -i $(CATALOGS)/messages.pot -d $(CATALOGS)
	$(FLASK) fill-english-catalog

migrate-db: install
	$(FLASK) db upgrade

# Debian's chromium for the browser journeys (Playwright cannot download browsers here).
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; \
	  else echo "chromium missing: install Debian's chromium (sudo apt-get install chromium)"; fi; \
	fi

# Debian's nginx for the test that serves the site through deploy/nginx-community.conf.
proxy-deps:
	@if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx) >/dev/null; \
	  else echo "nginx missing: install Debian's nginx (sudo apt-get install nginx)"; fi; \
	fi

# Debian's LibreOffice (Calc, no GUI): the tests open the XLSX exports in it.
office-deps:
	@if ! command -v soffice >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      libreoffice-calc-nogui) >/dev/null; \
	  else echo "LibreOffice missing: install Debian's libreoffice-calc-nogui"; fi; \
	fi

# The PDFs' fonts (Debian's DejaVu Sans, and Droid Sans Fallback for Chinese, Japanese and
# Korean names; read from disk, never fetched), and poppler-utils whose pdftoppm lets the
# tests look at a page of them.
paper-deps:
	@if [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf ] || ! command -v pdftoppm >/dev/null \
	  || [ ! -f /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      fonts-dejavu-core fonts-droid-fallback poppler-utils) >/dev/null; \
	  else echo "PDF fonts or pdftoppm missing: install Debian's fonts-dejavu-core, fonts-droid-fallback and poppler-utils"; fi; \
	fi

# The page checkers: axe-core and the Nu HTML Checker from npm (tests/checkers/package-lock.json),
# and Debian's Java to run the latter.
CHECKERS := tests/checkers
checker-deps: $(CHECKERS)/node_modules/.installed
	@if ! command -v java >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      default-jre-headless) >/dev/null; \
	  else echo "Java missing: install Debian's default-jre-headless"; fi; \
	fi

$(CHECKERS)/node_modules/.installed: $(CHECKERS)/package.json $(CHECKERS)/package-lock.json
	npm ci --prefix $(CHECKERS) --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

bench: install translations
	$(BIN)/python -m tests.bench.registration_rush $(BENCH_ARGS)

# 450 badges (2 x 4) from a seeded database: the time and the peak memory.
bench-badges: install translations paper-deps
	$(BIN)/python -m tests.bench.badges $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info
