"""The benchmark's tables in Markdown, from the JSON files `make bench` wrote.

    python3 bench/report.py bench/results-10k.json bench/results.json bench/results-300k.json
    python3 bench/report.py --runs bench/results-1.json bench/results-2.json bench/results-3.json

The first table details the file with 100,000 open invoices (else the first file), the
others set the sizes side by side. No Odoo import: it only reads the figures.
"""
import json
import statistics
import sys

STEPS = (
    ("load", "load (SQL level)"),
    ("ledger check", "ledger check"),
    ("peer run", "**OCA `account_credit_control` run** (credit lines only, nothing rendered)"),
    ("backlog day", "**backlog day**: the first run ever, every message rendered and queued"),
    ("same date again", "the same date again"),
    ("day before", "the day before the steady day (a backlog day, not compared)"),
    ("steady day", "**steady day**: the calendar ran yesterday"),
    ("behaviour + segments + predictions", "behaviour + segmentation + predictions: the first night"),
    ("steady night: behaviour + segments + predictions",
     "behaviour + segmentation + predictions: a steady night (the day after, the day's payments recorded)"),
    ("KPI snapshots the dashboard reads", "KPI snapshots of the days the dashboard reads (as the nightly cron keeps them)"),
    ("KPI snapshot", "KPI snapshot of a day, the first company (the day before's kept, as each night)"),
    ("reference: open receivables by customer",
     "**reference**: Odoo's `_read_group` of the open receivable items by customer"),
    ("dashboard data", "dashboard data, the default view"),
    ("dashboard data (collector)", "dashboard data, a collector with a fifth of the customers"),
    ("worklist first page (collector)", "a collector's first worklist page"),
    ("portal statement (500 open invoices)", "portal statement, 500 open invoices"),
    ("replies read", "10,000 customers' replies read into proposals (the replies' cron)"),
    ("Odoo's _send_payment_request loop",
     "Odoo's own loop: a transaction per installment on its saved card, `_send_payment_request`, `_post_process`"),
    ("installments charged", "**installments charged** by the hourly cron (`_charge_due`), the same cards"),
)


def number(value, digits=1):
    return f"{value:,.{digits}f}" if isinstance(value, float) else f"{value:,}"


def table(header, rows):
    """A Markdown table: the first column left-aligned, the others right-aligned."""
    return "\n".join(["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
                     + ["| " + " | ".join(row) + " |" for row in rows])


def steps_table(result):
    rows = []
    for key, label in STEPS:
        step = result["steps"].get(key)
        if step:
            rows.append((label, number(step["seconds"], 2), number(step["queries"]), f"{step['peak_rss_mb']} MB"))
    workers = result.get("two_workers")
    if workers:
        rows.append(("backlog day shared by **two workers** (elapsed)", number(workers["seconds"], 2), "—",
                     f"{workers['peak_rss_mb']} MB each"))
    return table(("step", "seconds", "SQL queries", "peak memory"), rows)


def runs_table(result):
    runs = (("backlog", "backlog day"), ("again", "same date again"), ("steady", "steady day"),
            ("two_workers", "backlog day, two workers"))
    rows = [(label, *(number(run[key]) for key in ("customers_evaluated", "customers_contacted", "emails", "sms",
                                                  "tasks", "letters")),
             number(run["work_seconds"], 2), number(run["decision_seconds"], 2))
            for key, label in runs if (run := result.get(key))]
    return table(("run", "customers evaluated", "contacted", "emails", "SMS", "tasks", "letters", "work s",
                  "decision s"), rows)


def goals_table(result):
    rows = [(goal, ratio(value) if isinstance(value, float) else str(value))
            for goal, value in result["goals"].items()]
    render = result.get("odoo_render")
    if render:
        rows.append((f"Odoo's `_generate_template`: records per second ({render['template']}, "
                     f"{number(render['records'])} customers)", number(render["per_second"])))
    return table(("goal", "measured"), rows)


def ratio(value):
    """A figure of the goals: two decimals, three below 0.1 (a ratio such as 0.068)."""
    return number(value) if isinstance(value, int) else number(value, 3 if abs(value) < 0.1 else 2)


def runs_goals_table(runs):
    """The goals of several full runs of the same size side by side, with their median (what
    `make bench ARGS="--runs 3"` writes to its JSON file)."""
    rows = []
    for goal in runs[0]["goals"]:
        values = [run["goals"].get(goal) for run in runs]
        numbers = [value for value in values if isinstance(value, (int, float))]
        median = ratio(statistics.median(numbers)) if len(numbers) == len(values) else "—"
        rows.append((goal, *(ratio(value) if isinstance(value, float) else str(value) for value in values),
                     f"**{median}**"))
    return table(("goal", *(f"run {index} ({run['date']})" for index, run in enumerate(runs, 1)), "median"), rows)


def sizes_table(results):
    rows = (
        ("open invoices", lambda r: number(r["open_invoices"])),
        ("customers", lambda r: number(r["customers"])),
        ("OCA run, s", lambda r: step(r, "peer run", "seconds")),
        ("OCA run, queries", lambda r: step(r, "peer run", "queries")),
        ("backlog day, s", lambda r: step(r, "backlog day", "seconds")),
        ("backlog day, s per 1,000 invoices", lambda r: number(
            r["steps"]["backlog day"]["seconds"] * 1000 / r["open_invoices"], 2)),
        ("backlog day, decision phase s", lambda r: number(r["backlog"]["decision_seconds"], 2)),
        ("backlog day, queries", lambda r: step(r, "backlog day", "queries")),
        ("backlog day, batches", lambda r: number(r["backlog"]["batches"])),
        ("backlog day, queries per batch", lambda r: number(
            r["steps"]["backlog day"]["queries"] / r["backlog"]["batches"])),
        ("backlog day, two workers, s", lambda r: number(r["two_workers"]["seconds"], 2)
         if "two_workers" in r else "—"),
        ("steady day, s", lambda r: step(r, "steady day", "seconds")),
        ("same date again, s", lambda r: step(r, "same date again", "seconds")),
        ("behaviour + segments + predictions, s", lambda r: step(r, "behaviour + segments + predictions", "seconds")),
        ("dashboard data, s", lambda r: step(r, "dashboard data", "seconds")),
        ("peak memory of our steps, MB", lambda r: number(max(
            s["peak_rss_mb"] for name, s in r["steps"].items() if name != "peer run"))),
    )
    return table(("", *(number(r["open_invoices"]) for r in results)),
                 [(label, *(cell(r) for r in results)) for label, cell in rows])


def step(result, name, key):
    value = result["steps"].get(name, {}).get(key)
    return "—" if value is None else number(value, 2) if isinstance(value, float) else number(value)


def main(paths):
    if paths and paths[0] == "--runs":
        runs = [json.load(open(path)) for path in paths[1:]]
        print(f"{len(runs)} full runs of {number(runs[0]['open_invoices'])} open invoices "
              f"on {runs[0]['machine']}.\n")
        print(runs_goals_table(runs))
        return
    results = sorted((json.load(open(path)) for path in paths), key=lambda r: r["open_invoices"])
    detailed = next((r for r in results if r["open_invoices"] == 100000), results[0])
    print(f"Measured {detailed['date']} on {detailed['machine']}: {number(detailed['customers'])} customers "
          f"in two companies, {number(detailed['open_invoices'])} open and "
          f"{number(detailed['settled_invoices'])} settled invoices.\n")
    print(steps_table(detailed), "\n")
    print(runs_table(detailed), "\n")
    print(goals_table(detailed), "\n")
    if len(results) > 1:
        print(sizes_table(results))


if __name__ == "__main__":
    main(sys.argv[1:])
