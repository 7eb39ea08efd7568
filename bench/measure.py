# odoo shell script of `make bench` (bench/run.py): loads the benchmark's ledger into this
# fresh database and times each step with its SQL queries and the process's peak memory.
# Environment: BENCH_CUSTOMERS, BENCH_INVOICES, BENCH_HISTORY, BENCH_JSON (output file).
# noqa: F821 - `env` is the odoo shell's
import json
import os
import platform
import resource
import time
from datetime import timedelta

from odoo import Command, fields
from odoo.addons.account_cobranza.bench import loader

customers = int(os.environ.get("BENCH_CUSTOMERS", 20000))
invoices = int(os.environ.get("BENCH_INVOICES", 100000))
history = int(os.environ.get("BENCH_HISTORY", 200000))
result = {"date": fields.Datetime.now().isoformat(), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
          "customers": customers, "open_invoices": invoices, "settled_invoices": history, "steps": {}}


def step(name, function):
    env.flush_all()  # noqa: F821
    env.invalidate_all()  # noqa: F821
    queries, started = env.cr.sql_log_count, time.perf_counter()  # noqa: F821
    value = function()
    env.flush_all()  # noqa: F821
    env.cr.commit()  # noqa: F821
    result["steps"][name] = {
        "seconds": round(time.perf_counter() - started, 2),
        "queries": env.cr.sql_log_count - queries,  # noqa: F821
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }
    print(f"BENCH {name}: {result['steps'][name]}", flush=True)
    return value


main = env.company  # noqa: F821
usd = env.ref("base.USD")  # noqa: F821
usd.active = True
second = env["res.company"].create({"name": "Bench USD", "currency_id": usd.id})  # noqa: F821
env["account.chart.template"].try_loading("generic_coa", second, install_demo=False)  # noqa: F821
companies = main | second
for company in companies:
    company.cobranza_policy_id = env.ref("account_cobranza.cobranza_policy_default")  # noqa: F821
env.user.company_ids = [Command.link(second.id)]  # noqa: F821
env.ref("base.user_admin").company_ids = [Command.link(second.id)]  # noqa: F821 - its manager
env.cr.commit()  # noqa: F821
today = fields.Date.today()
step("load", lambda: loader.load(env, companies, customers, invoices, history, today))  # noqa: F821
step("ledger check", lambda: loader.check_ledger(env, companies))  # noqa: F821


if "credit.control.run" in env:  # noqa: F821 - OCA's account_credit_control, installed by bench/run
    policy = env.ref("account_credit_control.credit_control_3_time")  # noqa: F821
    policy.write({"company_id": False, "account_ids": [Command.set(env["account.account"].search(  # noqa: F821
        [("account_type", "=", "asset_receivable")]).ids)]})
    companies.write({"credit_policy_id": policy.id})
    env.cr.commit()  # noqa: F821

    def oca_run():
        lines = 0
        for company in companies:
            run = env["credit.control.run"].with_company(company).create(  # noqa: F821
                {"date": today, "company_id": company.id, "policy_ids": [Command.set(policy.ids)]})
            run.generate_credit_lines()
            lines += len(run.line_ids)
        result["oca_credit_lines"] = lines

    # on the same data and date, before our run changes anything
    step("OCA account_credit_control run (lines only)", oca_run)


def daily_run():
    for company in companies:
        run = env["cobranza.run"].with_company(company).create(  # noqa: F821
            {"date": today, "company_id": company.id})
        run._execute(commit=True)


step("daily run", daily_run)
step("same date again", daily_run)
step("behaviour + segments + predictions",
     lambda: [env["cobranza.segment"].with_company(c).recompute_segments() for c in companies])  # noqa: F821
step("KPI snapshot", lambda: [env["cobranza.kpi"]._cobranza_snapshot_values(c, today) for c in companies])  # noqa: F821
step("dashboard data", lambda: env["cobranza.kpi"].with_company(main).get_dashboard_data())  # noqa: F821
collector = env["res.users"].create({  # noqa: F821
    "name": "Bench Collector", "login": f"bench-collector-{time.time_ns()}", "company_id": main.id,
    "company_ids": [Command.set(companies.ids)],
    "groups_id": [Command.set([env.ref("base.group_user").id,  # noqa: F821
                               env.ref("account_cobranza.group_cobranza_user").id])],  # noqa: F821
})
step("worklist first page (collector)", lambda: env["res.partner"].with_user(collector).with_company(main)  # noqa: F821
     .web_search_read([("cobranza_status", "=", "needs_action")], {"display_name": {}, "cobranza_total_overdue": {},
                                                                  "cobranza_priority": {}},
                      limit=80, order="cobranza_priority desc"))
# a customer with 500 open invoices: its statement on the portal
env.cr.execute(  # noqa: F821
    """SELECT commercial_partner_id FROM account_move WHERE company_id = %s AND move_type = 'out_invoice'
        AND payment_state = 'not_paid' GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1""", [main.id])
big = env["res.partner"].browse(env.cr.fetchone()[0])  # noqa: F821
env.cr.execute(  # noqa: F821
    """WITH moved AS (
           SELECT id FROM account_move WHERE company_id = %s AND move_type = 'out_invoice'
              AND payment_state = 'not_paid' AND commercial_partner_id != %s LIMIT 500 - (
                  SELECT COUNT(*) FROM account_move WHERE commercial_partner_id = %s AND payment_state = 'not_paid'))
       UPDATE account_move m SET partner_id = %s, commercial_partner_id = %s FROM moved WHERE m.id = moved.id""",
    [main.id, big.id, big.id, big.id, big.id])
env.cr.execute(  # noqa: F821
    """UPDATE account_move_line l SET partner_id = m.partner_id FROM account_move m
        WHERE l.move_id = m.id AND m.commercial_partner_id = %s""", [big.id])
env.invalidate_all()  # noqa: F821
statement = step("portal statement (500 open invoices)",
                 lambda: big.with_company(main)._cobranza_statement_values())
result["statement_lines"] = len(statement["lines"])
with open(os.environ.get("BENCH_JSON", "bench-results.json"), "w") as out:
    json.dump(result, out, indent=2)
print("BENCH-JSON", json.dumps(result), flush=True)
