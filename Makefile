# Two commands: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DB := $(BIN)/python -m config.devdb exec --

.PHONY: run test lint types pytest bench install clean-data messages

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(DB) $(BIN)/python manage.py rundev

test: $(STAMP) lint types pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy .

pytest: $(STAMP)
	$(DB) $(BIN)/pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(DB) sh -c "$(BIN)/python bench/ledger.py $(BENCH_ARGS) \
		&& $(BIN)/python bench/ussd_http.py --no-kick && $(BIN)/python bench/ussd_hops.py \
		&& $(BIN)/python bench/agent_cashout.py && $(BIN)/python bench/reconciliation.py \
		&& $(BIN)/python bench/batch_disbursement.py"

# Translation catalogs (needs GNU gettext; the compiled .mo files are committed). The project
# catalog in locale/ holds the USSD menus; ussd/sms and agents keep their own.
messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l sw --no-wrap --no-obsolete --ignore=.venv \
		--ignore=.data --ignore=tests --ignore=bench --ignore=ussd/sms --ignore=agents
	for app in ussd/sms agents; do \
		[ -d $$app/locale ] || continue; \
		(cd $$app && $(CURDIR)/$(BIN)/python $(CURDIR)/manage.py makemessages -l sw \
			--no-wrap --no-obsolete) || exit 1; \
	done
	for po in locale/sw/LC_MESSAGES/django.po ussd/sms/locale/sw/LC_MESSAGES/django.po \
			agents/locale/sw/LC_MESSAGES/django.po; do \
		[ ! -f $$po ] || msgfmt --check -o $${po%.po}.mo $$po || exit 1; \
	done

clean-data:
	$(BIN)/python -m config.devdb stop || true
	rm -rf .data
