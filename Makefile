# account_cobranza: two commands for a newcomer (see README.md).
#   make run    set up Odoo 18.0 + PostgreSQL + the module with demo data, serve :8069
#   make test   every test (Odoo TransactionCase/HttpCase/tours + pure Python) on fresh databases
PYTHON3 ?= python3

.PHONY: run test shell stop i18n bench clean
run:
	$(PYTHON3) tools/devenv.py run
test:
	$(PYTHON3) tools/devenv.py test
shell:
	$(PYTHON3) tools/devenv.py shell
stop:
	$(PYTHON3) tools/devenv.py stop
i18n:
	$(PYTHON3) tools/devenv.py i18n
# make bench ARGS="--customers 2000 --invoices 10000 --history 20000 --json /tmp/bench.json"
bench:
	$(PYTHON3) tools/devenv.py bench $(ARGS)
clean: stop
	rm -rf .venv .state .test-results
