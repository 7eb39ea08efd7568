# odoo shell script of `make bench` (tools/devenv.py bench): one phase of the benchmark in this
# process, each step timed with its SQL queries and the process's peak memory (RSS).
# Environment: BENCH_PHASE (below), BENCH_OUT (JSON written at the end), BENCH_CUSTOMERS,
# BENCH_INVOICES, BENCH_HISTORY (load), BENCH_RUNS (work: the run ids), BENCH_SAMPLE (render),
# BENCH_CHARGES (backlog: the installments charged automatically).
#   load     the second company, the ledger at the SQL level, its check
#   peer     OCA's account_credit_control run for today (on a copy of the loaded database)
#   backlog  the first run ever for today (every company, one worker), Odoo's own rendering rate
#            of the same template, the same date again, the nights, the analytics steps, 10,000
#            replies read, installments charged (and Odoo's own loop on the same cards), and
#            the slowest reading of an adversarial reply of 100 KB
#   steady   the run of yesterday (the calendar already ran), then today's: the steady day
#   plan     today's runs planned into batches (for the workers), their ids written
#   work     one worker taking batches of BENCH_RUNS until none is left
#   summary  what the runs of today did
# noqa: F821 - `env` is the odoo shell's
import json
import os
import resource
import time
from collections import Counter
from datetime import timedelta

from odoo import Command, fields
from odoo.addons.account_cobranza.bench import loader, replies_speed
from odoo.addons.account_cobranza.models.cobranza_contact_dispatch import CHUNK_SIZE
from odoo.addons.account_cobranza.models.cobranza_contact_executor import EMAIL_FIELDS
from odoo.addons.account_cobranza.models.cobranza_run import BATCH_SIZE

phase = os.environ["BENCH_PHASE"]
result = {"steps": {}}
Run = env["cobranza.run"]  # noqa: F821
today = fields.Date.today()


def median_step(name, function, runs=3):
    """`step` for a quick read timed `runs` times: the median run is kept (a ratio between two
    reads of a few tenths of a second would otherwise be the machine's noise)."""
    timings = []
    for _run in range(runs):
        step(name, function)
        timings.append(result["steps"][name])
    result["steps"][name] = dict(sorted(timings, key=lambda t: t["seconds"])[runs // 2], runs=runs)
    print(f"BENCH {name} (median of {runs}): {result['steps'][name]}", flush=True)


def step(name, function, commit=True):
    """`function` timed with its queries and the process's peak memory, then committed
    (rolled back by the caller when `commit` is False)."""
    env.flush_all()  # noqa: F821
    env.invalidate_all()  # noqa: F821
    queries, started = env.cr.sql_log_count, time.perf_counter()  # noqa: F821
    value = function()
    env.flush_all()  # noqa: F821
    seconds = time.perf_counter() - started
    if commit:
        env.cr.commit()  # noqa: F821
    result["steps"][name] = {
        "seconds": round(seconds, 2),
        "queries": env.cr.sql_log_count - queries,  # noqa: F821
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }
    print(f"BENCH {name}: {result['steps'][name]}", flush=True)
    return value


def companies():
    return env["res.company"].search([], order="id")  # noqa: F821


plan_seconds = {}  # {run id: seconds its planning took}: part of the decision phase


def plan_runs(date):
    """The run of every company for `date`, split into batches (what the daily cron does)."""
    started = time.perf_counter()
    runs = Run.browse()
    for company in companies():
        run = Run.with_company(company).create({"date": date, "company_id": company.id})
        run._plan_batches(BATCH_SIZE)
        runs |= run
    env.cr.commit()  # noqa: F821 - the workers may start
    plan_seconds.update(dict.fromkeys(runs.ids, (time.perf_counter() - started) / len(runs)))
    return runs


def work(runs):
    """One worker: batches of `runs` until none is left; the last batch finishes its run."""
    return runs._work_batches(commit=True)


def run_day(date):
    runs = plan_runs(date)
    work(runs)
    return runs


def figures(runs, key):
    """What `runs` did, into ``result[key]``."""
    runs.invalidate_recordset()
    result[key] = {
        "customers_evaluated": sum(runs.mapped("partner_count")),
        "invoices_evaluated": sum(runs.mapped("invoice_count")),
        "customers_contacted": sum(runs.mapped("action_count")),
        "emails": sum(runs.mapped("email_count")), "sms": sum(runs.mapped("sms_count")),
        "tasks": sum(runs.mapped("activity_count")), "letters": sum(runs.mapped("letter_count")),
        "errors": sum(runs.mapped("error_count")), "deferred": sum(runs.mapped("deferred_count")),
        "work_seconds": round(sum(runs.mapped("duration")), 2),
        "decision_seconds": round(sum(runs.mapped("decision_duration"))
                                  + sum(plan_seconds.get(run.id, 0) for run in runs), 2),
        "batches": len(runs.batch_ids), "states": sorted(set(runs.mapped("state"))),
        "mails_queued": env["mail.mail"].sudo().search_count([]),  # noqa: F821
    }
    print(f"BENCH {key}: {result[key]}", flush=True)


def render_rate(runs, sample):
    """Odoo's own rate: the email template most of `runs`'s reminders used, rendered by
    ``mail.template._generate_template`` (the fields our emails render, body included) for
    `sample` of the same customers in chunks of the dispatcher's size, with the same context."""
    contacts = env["cobranza.contact"].sudo().search(  # noqa: F821
        [("run_id", "in", runs.ids), ("action", "=", "email"), ("state", "=", "sent")])
    template = Counter(c.mail_template_id for c in contacts).most_common(1)[0][0]
    contacts = contacts.filtered(lambda c: c.mail_template_id == template and not c.plan_id)[:sample]
    company = contacts[:1].company_id
    started = time.perf_counter()
    for start in range(0, len(contacts), CHUNK_SIZE):
        chunk = contacts[start:start + CHUNK_SIZE]
        rendering = template.with_company(company).with_context(**chunk._render_context()).sudo()
        rendering._generate_template(chunk.mapped("partner_id.commercial_partner_id").ids,
                                     (*EMAIL_FIELDS, "body_html"))
    seconds = time.perf_counter() - started
    env.cr.rollback()  # noqa: F821
    result["odoo_render"] = {"template": template.name, "records": len(contacts), "seconds": round(seconds, 2),
                             "per_second": round(len(contacts) / seconds, 1)}
    print(f"BENCH odoo_render: {result['odoo_render']}", flush=True)


def nightly_behaviour(date):
    """What the nightly cron does: every company's customers' behaviour, segments and
    predictions as of `date`."""
    for company in companies():
        env["cobranza.segment"].with_company(company).recompute_segments(date=date)  # noqa: F821


def pay_some(count):
    """`count` open invoices of the first company paid today, each by its own payment (Odoo's
    register payment wizard): the ledger changes of a day. Returns their number."""
    env.cr.execute(  # noqa: F821
        """SELECT id FROM account_move WHERE company_id = %s AND move_type = 'out_invoice' AND state = 'posted'
              AND payment_state = 'not_paid' ORDER BY id LIMIT %s""", [companies()[0].id, count])
    ids = [row[0] for row in env.cr.fetchall()]  # noqa: F821
    env["account.payment.register"].with_context(  # noqa: F821
        active_model="account.move", active_ids=ids).create({"payment_date": today, "group_payment": False})._create_payments()
    env.cr.commit()  # noqa: F821
    return len(ids)


REPLIES = 10000
REPLY_TEXTS = (
    "Hola, les pago la factura el viernes sin falta. Saludos.",
    "Buenas tardes, ya realizamos la transferencia ayer, adjunto comprobante.",
    "No reconocemos el monto de esta factura, la mercadería llegó dañada.",
    "¿Podemos pagar en 3 cuotas? Gracias.",
    "Ok, recibido.",
)


def receive_replies(company, count):
    """`count` WhatsApp replies of `company`'s customers with open invoices (a few kinds of
    answer), recorded as the webhook records them (state *received*)."""
    env.cr.execute(  # noqa: F821
        """SELECT DISTINCT commercial_partner_id FROM account_move WHERE company_id = %s AND move_type = 'out_invoice'
              AND payment_state = 'not_paid' ORDER BY 1""", [company.id])
    partners = [row[0] for row in env.cr.fetchall()]  # noqa: F821
    now = fields.Datetime.now()
    env["cobranza.reply"].sudo().create([{  # noqa: F821
        "company_id": company.id, "partner_id": partners[n % len(partners)], "source": "whatsapp",
        "sender": f"+5691{n:07d}", "sender_on_file": True, "external_id": f"bench-{n}", "received_at": now,
        "body": REPLY_TEXTS[n % len(REPLY_TEXTS)]} for n in range(count)])
    env.cr.commit()  # noqa: F821
    return {"count": count, "customers": min(count, len(partners))}


def read_replies(count):
    """The replies' cron until none is left (batches of its size, each committed)."""
    done = 0
    while done < count:
        batch = env["cobranza.reply"]._cron_process()  # noqa: F821
        if not batch:
            break
        done += len(batch)
        env.cr.commit()  # noqa: F821
    return done


def prepare_charges(company, count):
    """`count` customers of `company` with an open invoice, each with a payment plan of one
    installment due today (its oldest open invoice), a card saved with Odoo's demo provider and
    its consent to pay the plan automatically: the installments the hourly cron charges."""
    provider = env.ref("payment.payment_provider_demo").sudo()  # noqa: F821
    if provider.company_id != company:
        provider = provider.copy({"company_id": company.id, "name": f"Demo {company.name}"})
    provider.write({"state": "test", "allow_tokenization": True, "is_published": True})
    env.cr.execute(  # noqa: F821
        """SELECT DISTINCT ON (commercial_partner_id) commercial_partner_id, id FROM account_move
            WHERE company_id = %s AND move_type = 'out_invoice' AND state = 'posted' AND payment_state = 'not_paid'
            ORDER BY commercial_partner_id, invoice_date_due, id LIMIT %s""", [company.id, count])
    rows = env.cr.fetchall()  # noqa: F821
    Plan = env["cobranza.payment.plan"].with_company(company)  # noqa: F821
    plans = Plan.create([{"partner_id": partner_id, "move_ids": [Command.set([move_id])], "installment_count": 1,
                          "first_date": today} for partner_id, move_id in rows])
    plans.action_confirm()
    method = env.ref("payment_demo.payment_method_demo")  # noqa: F821
    tokens = env["payment.token"].sudo().create([{  # noqa: F821
        "provider_id": provider.id, "payment_method_id": method.id, "partner_id": plan.partner_id.id,
        "payment_details": "4242", "provider_ref": f"bench-{plan.id}", "demo_simulated_state": "done",
    } for plan in plans])
    env["cobranza.autopay"].sudo().create([{  # noqa: F821
        "plan_id": plan.id, "partner_id": plan.partner_id.id, "company_id": company.id, "token_id": token.id,
        "retry_days": "1, 3", "accepted_date": fields.Datetime.now(), "accepted_user_id": env.uid,  # noqa: F821
        "accepted_ip": "bench"} for plan, token in zip(plans, tokens)])
    plans.invalidate_recordset()
    plans.line_ids._autopay_schedule(today)
    env.cr.commit()  # noqa: F821
    return plans


def odoo_charges(plans):
    """Odoo's own way to charge a saved payment method, for the same installments: a
    transaction per installment on its token, ``_send_payment_request``, then
    ``_post_process`` (the payment posted and reconciled). Returns those done."""
    Transaction = env["payment.transaction"].sudo()  # noqa: F821
    done = 0
    for plan in plans:
        token, line = plan.autopay_id.token_id, plan.line_ids[:1]
        tx = Transaction.create({
            "provider_id": token.provider_id.id, "payment_method_id": token.payment_method_id.id,
            "reference": Transaction._compute_reference(token.provider_id.code, prefix=f"odoo-{plan.name}"),
            "amount": line.amount, "currency_id": plan.currency_id.id, "partner_id": token.partner_id.id,
            "token_id": token.id, "operation": "offline", "invoice_ids": [Command.set(plan.move_ids.ids)]})
        tx._send_payment_request()
        tx._post_process()
        done += tx.state == "done"
    return done


if phase == "load":
    usd = env.ref("base.USD")  # noqa: F821
    usd.active = True
    second = env["res.company"].create({"name": "Bench USD", "currency_id": usd.id})  # noqa: F821
    env["account.chart.template"].try_loading("generic_coa", second, install_demo=False)  # noqa: F821
    for company in companies():
        company.cobranza_policy_id = env.ref("account_cobranza.cobranza_policy_default")  # noqa: F821
    for user in env.user | env.ref("base.user_admin"):  # noqa: F821 - the run's user, the manager
        user.company_ids = [Command.link(second.id)]
    env.cr.commit()  # noqa: F821
    result["load"] = step("load", lambda: loader.load(  # noqa: F821
        env, companies(), int(os.environ["BENCH_CUSTOMERS"]), int(os.environ["BENCH_INVOICES"]),  # noqa: F821
        int(os.environ["BENCH_HISTORY"]), today))
    step("ledger check", lambda: loader.check_ledger(env, companies()))  # noqa: F821

elif phase == "peer":
    # OCA's account_credit_control, installed by `make bench` from PyPI
    policy = env.ref("account_credit_control.credit_control_3_time")  # noqa: F821
    policy.write({"company_id": False, "account_ids": [Command.set(env["account.account"].search(  # noqa: F821
        [("account_type", "=", "asset_receivable")]).ids)]})
    companies().write({"credit_policy_id": policy.id})
    env.flush_all()  # noqa: F821

    def oca_run():
        lines = 0
        for company in companies():
            run = env["credit.control.run"].with_company(company).create(  # noqa: F821
                {"date": today, "company_id": company.id, "policy_ids": [Command.set(policy.ids)]})
            run.generate_credit_lines()
            lines += len(run.line_ids)
        result["credit_lines"] = lines

    step("peer run", oca_run)

elif phase == "backlog":
    runs = step("backlog day", lambda: run_day(today))
    figures(runs, "backlog")
    render_rate(runs, int(os.environ.get("BENCH_SAMPLE", 2000)))
    figures(step("same date again", lambda: run_day(today)), "again")
    # the nights: the first (as of yesterday), the day's payments, then today's: a steady night
    step("behaviour + segments + predictions", lambda: nightly_behaviour(today - timedelta(days=1)))
    result["payments_of_the_day"] = pay_some(int(os.environ["BENCH_INVOICES"]) // 500)
    step("steady night: behaviour + segments + predictions", lambda: nightly_behaviour(today))
    main = companies()[0]
    # what the nightly cron keeps: the snapshots of the days the default dashboard reads
    # (yesterday, the day before the period, each past point of its trend)
    Kpi = env["cobranza.kpi"]  # noqa: F821
    main_today = fields.Date.context_today(Kpi.with_company(main))
    step("KPI snapshots the dashboard reads", lambda: [
        Kpi.backfill(main, day, day) for day in sorted(Kpi._snapshot_days("last_30", main_today))])
    # a night's snapshot of the first company: the day before's is there, as each night
    step("KPI snapshot", lambda: Kpi._snapshot_values(main, main_today))
    # the reference of the dashboard's goal: Odoo's own read of the open receivables by
    # customer (what the aged-receivable pivot costs)
    median_step("reference: open receivables by customer", lambda: env["account.move.line"]  # noqa: F821
                .with_company(main)._read_group(
                    [("company_id", "=", main.id), ("account_id.account_type", "=", "asset_receivable"),
                     ("parent_state", "=", "posted"), ("reconciled", "=", False)],
                    ["partner_id"], ["amount_residual:sum"]))
    median_step("dashboard data", lambda: Kpi.with_company(main).get_dashboard_data())
    collector = env["res.users"].create({  # noqa: F821
        "name": "Bench Collector", "login": f"bench-collector-{time.time_ns()}", "company_id": main.id,
        "company_ids": [Command.set(companies().ids)],
        "groups_id": [Command.set([env.ref("base.group_user").id,  # noqa: F821
                                   env.ref("account_cobranza.group_cobranza_user").id])],  # noqa: F821
    })
    env.cr.execute(  # noqa: F821 - a fifth of the customers are the bench collector's
        """UPDATE res_partner SET cobranza_collector_id = %s WHERE id IN (
               SELECT DISTINCT commercial_partner_id FROM account_move WHERE company_id = %s AND move_type = 'out_invoice'
                  AND commercial_partner_id %% 5 = 0)""", [collector.id, main.id])
    env.invalidate_all()  # noqa: F821
    median_step("dashboard data (collector)", lambda: Kpi.with_user(collector)
                .with_company(main).get_dashboard_data(collector_id=collector.id))
    step("worklist first page (collector)", lambda: env["res.partner"].with_user(collector)  # noqa: F821
         .with_company(main).web_search_read([("cobranza_status", "=", "needs_action")], {
             "display_name": {}, "cobranza_total_overdue": {}, "cobranza_priority": {}},
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
                      SELECT COUNT(*) FROM account_move WHERE commercial_partner_id = %s
                         AND payment_state = 'not_paid'))
           UPDATE account_move m SET partner_id = %s, commercial_partner_id = %s FROM moved WHERE m.id = moved.id""",
        [main.id, big.id, big.id, big.id, big.id])
    env.cr.execute(  # noqa: F821
        """UPDATE account_move_line l SET partner_id = m.partner_id FROM account_move m
            WHERE l.move_id = m.id AND m.commercial_partner_id = %s""", [big.id])
    env.invalidate_all()  # noqa: F821
    statement = step("portal statement (500 open invoices)",
                     lambda: big.with_company(main)._cobranza_statement_values())
    result["statement_lines"] = len(statement["lines"])
    # 10,000 customers' replies read into proposals by the replies' cron (its batches)
    result["replies"] = receive_replies(main, REPLIES)
    step("replies read", lambda: read_replies(REPLIES))
    # installments charged with saved payment methods (the demo provider): Odoo's own loop on
    # the same tokens (rolled back), then the hourly cron's charges
    plans = prepare_charges(main, int(os.environ["BENCH_CHARGES"]))
    result["charges"] = {"installments": len(plans)}
    odoo_charged = step("Odoo's _send_payment_request loop", lambda: odoo_charges(plans), commit=False)
    env.cr.rollback()  # noqa: F821 - the same installments, charged by us next
    result["charges"]["odoo_done"] = odoo_charged
    charges = step("installments charged", lambda: env["cobranza.charge"]._charge_due(today, commit=True))  # noqa: F821
    result["charges"]["done"] = len(charges.filtered(lambda c: c.state == "done"))
    result["charges"]["charges"] = len(charges)
    # the slowest of the adversarial replies at the 100 KB cap (engine.replies, linear)
    name, seconds = replies_speed.worst(100 * 1024)
    one_kb = min(replies_speed.time_reading(replies_speed.ordinary(1024)) for _run in range(5))
    result["reply_reading"] = {"worst_100kb": name, "seconds": round(seconds, 3),
                               "ordinary_1kb_seconds": round(one_kb, 5), "ratio": round(seconds / one_kb, 1)}

elif phase == "steady":
    yesterday = today - timedelta(days=1)
    step("day before", lambda: run_day(yesterday))
    figures(step("steady day", lambda: run_day(today)), "steady")

elif phase == "plan":
    result["runs"] = plan_runs(today).ids

elif phase == "work":
    runs = Run.browse([int(i) for i in os.environ["BENCH_RUNS"].split(",")])
    started = time.time()
    result["batches"] = work(runs)
    result["started"], result["ended"] = started, time.time()
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024

elif phase == "summary":
    figures(Run.search([("date", "=", today)]), "summary")
    env.cr.execute(  # noqa: F821 - nobody contacted twice for the same step
        """SELECT COUNT(*) FROM (SELECT partner_id, level_id, action FROM cobranza_contact
            WHERE run_date = %s AND run_id IS NOT NULL GROUP BY 1, 2, 3 HAVING COUNT(*) > 1) d""", [today])
    result["summary"]["duplicates"] = env.cr.fetchone()[0]  # noqa: F821

with open(os.environ["BENCH_OUT"], "w") as out:
    json.dump(result, out, indent=2, default=str)
