# Tenure: `make demo` runs the demo shop, `make test` runs every test, `make bench` measures.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DEMO_CUSTOMERS ?= 5000
export TENURE_VAR_DIR ?= $(CURDIR)/var
# The web server refuses the public key: the demo gets a random one of its own, made once.
SECRET_KEY_FILE := $(TENURE_VAR_DIR)/secret-key

.PHONY: demo test lint bench messages clean

$(BIN)/tenure: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

$(SECRET_KEY_FILE): | $(BIN)/tenure
	@mkdir -p $(TENURE_VAR_DIR) && chmod 700 $(TENURE_VAR_DIR)
	@umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > $@.new
	@mv $@.new $@

demo: export TENURE_SECRET_KEY_FILE = $(SECRET_KEY_FILE)
# Links in the demo's emails (surveys, reminders) point at the port the demo serves on.
DEMO_BASE_URL := $(or $(TENURE_BASE_URL),http://127.0.0.1:$(PORT))
demo: export TENURE_BASE_URL := $(DEMO_BASE_URL)
demo: $(BIN)/tenure $(SECRET_KEY_FILE)
	$(BIN)/tenure migrate --no-input -v 0
	$(BIN)/tenure demo-data --customers $(DEMO_CUSTOMERS) --seed 1 --keep-existing \
		--truth $(TENURE_VAR_DIR)/demo-truth.csv
	-$(BIN)/tenure insights refresh
	-$(BIN)/tenure insights truth $(TENURE_VAR_DIR)/demo-truth.csv
	@echo
	@echo "  Tenure demo shop: http://127.0.0.1:$(PORT)/"
	@echo "  Sign in as  demo / tenure-demo  (administrator)"
	@echo "          or  manager1 / tenure-demo  (sales manager)"
	@echo "  The worker sends reminders and surveys beside it; emails land in var/mail."
	@echo
	TENURE_EMAIL_URL=file://$(TENURE_VAR_DIR)/mail $(BIN)/tenure worker -v 0 & \
		trap 'kill $$! 2>/dev/null' EXIT INT TERM; \
		$(BIN)/tenure runserver --noreload 127.0.0.1:$(PORT)

lint: $(BIN)/tenure
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy

# The checks read the code, not a database: CI runs them once, in its SQLite run
# (`make test LINT=` runs the tests alone).
LINT ?= lint
test: $(BIN)/tenure $(LINT)
	$(BIN)/python -m pytest

bench: $(BIN)/tenure
	$(BIN)/python bench/run.py

messages: $(BIN)/tenure
	cd src/tenure/crm && ../../../$(BIN)/tenure makemessages -l ru -l uk --no-obsolete && ../../../$(BIN)/tenure compilemessages
	# The analytics library's own catalogue (churn reasons, notes, warnings), free of Django.
	$(BIN)/pybabel extract -k N_ -o src/tenure/analytics/locale/tenure_analytics.pot --no-wrap src/tenure/analytics
	$(BIN)/pybabel update -i src/tenure/analytics/locale/tenure_analytics.pot -d src/tenure/analytics/locale -D tenure_analytics --no-wrap
	$(BIN)/pybabel compile -d src/tenure/analytics/locale -D tenure_analytics

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
