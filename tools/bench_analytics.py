"""Time the analytics over the demo company (a benchmark script, not a test).

Usage, on the `make run` database:  make shell < tools/bench_analytics.py
Each step is timed (median of 5) with its SQL queries, inside a transaction that is rolled
back: payment behaviour + segmentation + predictions, the KPI snapshot of today, the
dashboard's data (the default last 30 days, the month, and filtered by a collector), and the
backtest of 12 months; after the snapshots of the last 12 months are taken.
"""
import statistics
import time
from datetime import timedelta

company = env.ref("account_cobranza.demo_company")  # noqa: F821 - odoo shell globals
admin = env.ref("base.user_admin")  # noqa: F821
Kpi = env["cobranza.kpi"].with_user(admin).with_company(company)  # noqa: F821
Segment = env["cobranza.segment"].with_company(company)  # noqa: F821
today = __import__("odoo").fields.Date.context_today(Kpi)
collector = env.ref("account_cobranza.demo_user_camila")  # noqa: F821
# the snapshots as the demo's install and the nightly cron keep them (taken again here: a
# database upgraded from an older version keeps none that holds)
Kpi.sudo().backfill(company, today - timedelta(days=365), today - timedelta(days=1))
steps = {
    "behaviour + segments + predictions": lambda: Segment.recompute_segments(),
    "KPI snapshot of today": lambda: Kpi.sudo()._snapshot_values(company, today),
    "dashboard data (last 30 days, the default)": lambda: Kpi.get_dashboard_data(),
    "dashboard data (month)": lambda: Kpi.get_dashboard_data(period="month"),
    "dashboard data (collector, quarter)": lambda: Kpi.get_dashboard_data(collector_id=collector.id,
                                                                         period="quarter"),
    "backtest (12 months)": lambda: Kpi.backtest(company, today - timedelta(days=365), today),
}
for label, step in steps.items():
    times, queries = [], []
    for _round in range(5):
        env.invalidate_all()  # noqa: F821
        before = env.cr.sql_log_count  # noqa: F821
        started = time.perf_counter()
        result = step()
        times.append(time.perf_counter() - started)
        queries.append(env.cr.sql_log_count - before)  # noqa: F821
    print(f"{label}: {statistics.median(times) * 1000:.0f} ms, {statistics.median(queries):.0f} queries")
print("backtest:", Kpi.backtest(company, today - timedelta(days=365), today))
env.cr.rollback()  # noqa: F821
