"""Time the daily run over the demo company (a benchmark script, not a test).

Usage, on the `make run` database:  make shell < tools/bench_run.py
It runs the calendar for tomorrow twice (the second run finds nothing left to do) inside a
transaction that is rolled back, and prints the durations and counters.
"""
import time

company = env.ref("account_cobranza.demo_company")  # noqa: F821 - odoo shell globals
Run = env["cobranza.run"]  # noqa: F821
day = __import__("odoo").fields.Date.context_today(Run) + __import__("datetime").timedelta(days=1)
for label in ("tomorrow", "tomorrow again"):
    started = time.monotonic()
    run = Run.run_for_date(day, company)
    print(f"{label}: {time.monotonic() - started:.2f}s  customers={run.partner_count} "
          f"invoices={run.invoice_count} contacted={run.action_count} errors={run.error_count}")
env.cr.rollback()  # noqa: F821
