from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date

from ..engine import aging, kpi, scoring
from ..engine.ladder import PAYABLE_PAYMENT_STATES
from ..utils import ledger_sql
from .cobranza_kpi import COUNTBACK_MONTHS, SNAPSHOT_DAYS

TREND_POINTS = {"last_30": 12, "week": 13, "month": 12, "quarter": 8}
DEFAULT_PERIOD = kpi.PERIOD_KINDS[0]  # the last 30 days
FORECAST_WEEKS = 8
# tile: (KPI key, kind of value, which way is better)
TILES = [
    ("ar_total", "money", "down"),
    ("overdue_total", "money", "down"),
    ("overdue_pct", "percent", "down"),
    ("dso_countback", "days", "down"),
    ("bpdso", "days", "down"),
    ("add", "days", "down"),
    ("cei", "percent", "up"),
    ("avg_payment_delay", "days", "down"),
    ("promise_kept_rate", "percent", "up"),
    ("plan_compliance", "percent", "up"),
    ("autopay_paid_count", "count", "up"),
    ("autopay_recovered_pct", "percent", "up"),
    ("disputed_amount", "money", "down"),
    ("dso_standard", "days", "down"),
]


class CobranzaKpi(models.Model):
    """The collections dashboard's server side: its data in one call, and the records behind
    each figure."""

    _inherit = "cobranza.kpi"

    # ------------------------------------------------------------------ business methods
    @api.model
    def get_dashboard_data(self, company_id=None, collector_id=None, segment_id=None, period=DEFAULT_PERIOD):
        """Everything the dashboard shows: the KPIs of the period in progress (`compute`: the
        last 30 days by default, or the week, month or quarter to date) and of the previous
        one, their trend, the cash-in forecast, the most overdue customers and the channels'
        effectiveness."""
        if period not in kpi.PERIOD_KINDS:
            raise UserError(_("The dashboard shows the last 30 days, or the week, month or quarter to date."))
        try:
            company_id, collector_id, segment_id = (int(value) if value else None
                                                    for value in (company_id, collector_id, segment_id))
        except (TypeError, ValueError):
            raise UserError(_("The dashboard's company, collector and segment are given by their ids.")) from None
        company = self.env["res.company"].browse(company_id) if company_id else self.env.company
        date_to = fields.Date.context_today(self.with_company(company))
        date_from = kpi.period_start(period, date_to)
        self._check_period(company, date_from, date_to)
        previous_from = kpi.period_start(period, date_from - timedelta(days=1))
        previous_to = min(previous_from + (date_to - date_from), date_from - timedelta(days=1))
        partners = self._partner_filter(company, collector_id, segment_id)
        held = self._held_snapshots(company, self._snapshot_days(period, date_to)) if partners is None else {}
        # the contacts of the last 180 days (the channels' table), those of the period apart
        effectiveness = self.env["cobranza.contact"]._effectiveness(
            company, date_to - timedelta(days=scoring.EFFECTIVENESS_DAYS), date_to, partners, since=date_from)
        spans = [(date_from, date_to), (previous_from, previous_to)]
        balances = self._open_items_on(company, self._unheld_days(spans, held), partners)
        daily = None
        if partners is not None:  # the sales of every day the periods and the trend read, at once
            first = kpi.period_ends(period, date_to, TREND_POINTS[period])[0]
            daily = self._daily_sales(company, kpi.countback_months(first, COUNTBACK_MONTHS)[-1][0], date_to, partners)
        values = self._figures(company, date_from, date_to, partners,
                               self._ledger_figures_held(company, date_from, date_to, partners, held, balances, daily),
                               contacts=[row[:3] + row[5:] for row in effectiveness if row[5]])
        previous = self._figures(company, previous_from, previous_to, partners,
                                 self._ledger_figures_held(company, previous_from, previous_to, partners, held,
                                                           balances, daily))
        forecast, top_overdue = self._forecast_and_top(company, date_to, partners)
        descriptions = self.fields_get([key for key, _kind, _better in TILES], ["string", "help"])
        labels = dict(self.env["cobranza.contact"]._fields["channel"]._description_selection(self.env))
        return {
            "company_id": company.id,
            "currency_id": company.currency_id.id,
            "date_from": fields.Date.to_string(date_from),
            "date_to": fields.Date.to_string(date_to),
            "period": period,
            "kpi": self._jsonable(values),
            "previous": self._jsonable(previous),
            "tiles": [{
                "key": key, "kind": kind, "better": better,
                "label": descriptions[key]["string"], "help": descriptions[key].get("help", ""),
                "value": values[key], "previous": previous[key], "change": kpi.change(values[key], previous[key]),
            } for key, kind, better in TILES],
            "trend": self._trend(company, period, date_to, partners, current=values, held=held, daily=daily),
            "forecast": forecast | {"overdue_now": values["overdue_total"]},
            "top_overdue": top_overdue,
            "channels": {"rows": self._channel_rows(effectiveness, labels)},
            "filters": self._filters(company),
            "channel_labels": labels,
            "aging_labels": self.env["cobranza.aging.report"]._bucket_labels(),
        }

    @api.model
    def _jsonable(self, values):
        return {key: fields.Date.to_string(value) if key in ("date_from", "date_to") else value
                for key, value in values.items()}

    @api.model
    def _snapshot_days(self, period, date_to):
        """The days whose snapshots the dashboard of `period` reads: the end of each past point
        of its trend and the day before it starts; yesterday (the months' sales so far)."""
        ends = kpi.period_ends(period, date_to, TREND_POINTS[period])
        return {date_to - timedelta(days=1)} | set(ends[:-1]) | {
            kpi.period_start(period, end) - timedelta(days=1) for end in ends}

    @api.model
    def _unheld_days(self, spans, held):
        """The days whose balances the periods `spans` (``[(date_from, date_to), ...]``) read
        from the ledger: their last days and the days before them, unless a snapshot that holds
        (`held`) knows them."""
        days = set()
        for date_from, date_to in spans:
            if not (date_to in held and (date_to - date_from).days + 1 == SNAPSHOT_DAYS):
                days |= {date_to} | ({date_from - timedelta(days=1)} - held.keys())
        return days

    @api.model
    def _ledger_figures_held(self, company, date_from, date_to, partners, held, balances, daily=None):
        """``_ledger_figures`` of the period, reading from `held` (``_held_snapshots``) what the
        snapshots that still hold already know: a past period of 30 days whole (a snapshot's
        own); the receivables the day before the period; for the last 30 days, the months'
        sales (and those of the week, month and quarter to date) and the payments' delays up to
        yesterday, today's then read from the ledger; the
        other balances from `balances` (``_open_items_on`` of ``_unheld_days``), the sales from
        `daily` when given. Identical to the ledger's (tested)."""
        closing, opening = held.get(date_to), held.get(date_from - timedelta(days=1))
        snapshot_span = (date_to - date_from).days + 1 == SNAPSHOT_DAYS  # a snapshot's own days
        if closing and snapshot_span:
            return closing
        yesterday = held.get(date_to - timedelta(days=1))
        months = period_sales = delays = to_date = None
        if yesterday and opening and snapshot_span:
            currency = company.currency_id
            today_delays = self._payment_delays(company, date_to, date_to, partners)
            delays = [currency.round(window - gone + new) for window, gone, new in
                      zip(yesterday["delays"], opening["day_delays"], today_delays)]
            today = currency.round(sum(self._daily_sales(company, date_to, date_to, partners).values()))
            prior = yesterday["months"]
            if date_to.day == 1:  # a new month begins
                months = [[fields.Date.to_string(date_to), today]] + prior[:COUNTBACK_MONTHS - 1]
            else:
                months = [[prior[0][0], currency.round(prior[0][1] + today)]] + prior[1:]
            period_sales = currency.round(yesterday["sales"] - opening["to_date"]["day"] + today)
            # the sales of the day, week, month and quarter to date: a new one begins today
            to_date = {"day": today} | {
                kind: today if kpi.period_start(kind, date_to) == date_to
                else currency.round(yesterday["to_date"][kind] + today) for kind in ("week", "month", "quarter")}
        figures = self._ledger_figures(company, date_from, date_to, partners,
                                       opening_ar=opening and opening["ar_total"], months=months,
                                       period_sales=period_sales, delays=delays, balances=balances, daily=daily,
                                       to_date=to_date)
        if delays is not None:
            figures["day_delays"] = today_delays  # what a snapshot of the day keeps, read once
        return figures

    @api.model
    def _trend(self, company, period, date_to, partners=None, current=None, held=None, daily=None):
        """DSO, best possible DSO and CEI at the end of each of the last 30-day spans, weeks,
        months or quarters: from the daily snapshots that still hold (`held`, read once for the
        whole dashboard; the period in progress is `current`, its figures just computed), a
        point without a snapshot left empty; from the ledger where a snapshot no longer holds,
        and when the dashboard is filtered by collector or segment (``_ledger_trend``)."""
        ends = kpi.period_ends(period, date_to, TREND_POINTS[period])
        starts = [kpi.period_start(period, end) for end in ends]
        labels = [self._period_label(period, start) for start in starts]
        if current is None or current["date_from"] != starts[-1]:
            current = self._ledger_figures(company, starts[-1], ends[-1], partners)
        if partners is not None:
            points = self._ledger_trend(company, starts[:-1], ends[:-1], partners, daily)
        else:
            if held is None:
                held = self._held_snapshots(company, self._snapshot_days(period, date_to))
            points = self._snapshot_trend(company, period, starts[:-1], ends[:-1], held)
        points.append((current["dso_countback"], current["bpdso"], current["cei"]))
        dso, bpdso, cei = (list(column) for column in zip(*points))
        return {"labels": labels, "dso": dso, "bpdso": bpdso, "cei": cei}

    @api.model
    def _snapshot_trend(self, company, period, starts, ends, held):
        """``[(DSO, best possible DSO, CEI), ...]`` of the past periods (`starts`, `ends`) from
        the snapshots that still hold (`held`); where one no longer holds, from the ledger; a
        point without a snapshot (yet) empty. A point reads the snapshot of its last day (a
        30-day span: its own figures) and, for the CEI of a week, month or quarter, the
        receivables of the day before it."""
        needs = {(start, end): {end} if period == "last_30" else {end, start - timedelta(days=1)}
                 for start, end in zip(starts, ends)}
        kept = set(self.sudo().search([("company_id", "=", company.id), ("date", "in", ends)]).mapped("date"))
        stale = [span for span, days in needs.items() if span[1] in kept and not days <= held.keys()]
        recomputed = dict(zip(stale, self._ledger_trend(company, *zip(*stale)))) if stale else {}
        points = []
        for (start, end), days in needs.items():
            closing, opening = held.get(end), held.get(start - timedelta(days=1))
            if (start, end) in recomputed:
                points.append(recomputed[(start, end)])
            elif days <= held.keys():
                points.append((closing["dso_countback"], closing["bpdso"], closing["cei"] if period == "last_30" else
                               kpi.cei(opening["ar_total"], closing["to_date"][period], closing["ar_total"],
                                       closing["current_ar"])))
            else:
                points.append((None, None, None))
        return points

    @api.model
    def _period_label(self, period, start):
        if period == "last_30":  # a span of 30 days, by its last one
            return format_date(self.env, start + timedelta(days=kpi.ROLLING_DAYS - 1), date_format="d MMM")
        if period == "week":
            return format_date(self.env, start, date_format="d MMM")
        if period == "month":
            return format_date(self.env, start, date_format="MMM yyyy")
        return _("Q%(quarter)s %(year)s", quarter=(start.month - 1) // 3 + 1, year=start.year)

    @api.model
    def _forecast_and_top(self, company, today, partners=None, limit=10):
        """``(forecast, top overdue)`` from the open customer invoices, read once:

        * the expected cash-in of each of the next 8 weeks (Monday to Sunday, this one first):
          the amount due on the invoices the customers can pay (not blocked) by their predicted
          payment date; debts of the aging bucket over 90 days are doubtful: left out of the
          weeks and given apart;
        * the `limit` customers with most overdue, with the age of their oldest overdue invoice
          and their rating (then their names and ratings)."""
        monday = today - timedelta(days=today.weekday())
        self.env["account.move"].flush_model()
        self.env.cr.execute(SQL(
            """
            WITH inv AS MATERIALIZED (
                SELECT m.commercial_partner_id AS partner, m.amount_residual_signed AS amount,
                       m.invoice_date_due AS due, m.cobranza_expected_date AS predicted,
                       m.payment_state IN %(payable)s AS payable
                  FROM account_move m
                 WHERE m.company_id = %(company)s AND %(open)s %(partners)s
            )
            SELECT 'week', CASE WHEN due <= %(doubtful)s THEN -1
                                ELSE (GREATEST(COALESCE(predicted, due), %(today)s) - %(monday)s) / 7 END,
                   SUM(amount), NULL
              FROM inv WHERE payable
             GROUP BY 2
             UNION ALL
            (SELECT 'customer', partner, SUM(amount), MAX(%(today)s - due)
               FROM inv WHERE due < %(today)s
              GROUP BY 2 ORDER BY 3 DESC LIMIT %(limit)s)
            """,
            today=today, monday=monday, company=company.id, limit=limit, payable=PAYABLE_PAYMENT_STATES,
            doubtful=today - timedelta(days=aging.bucket_bounds("over_90")[0]),  # last due date in it
            open=ledger_sql.open_customer_invoices("m"),
            partners=ledger_sql.among_partners("m.commercial_partner_id", partners),
        ))
        weeks, rows = {}, []
        for kind, key, amount, days in self.env.cr.fetchall():
            if kind == "week":
                weeks[key] = amount
            else:
                rows.append((key, amount, days))
        rows.sort(key=lambda row: -row[1])
        forecast = {
            "labels": [format_date(self.env, monday + timedelta(weeks=n), date_format="d MMM")
                       for n in range(FORECAST_WEEKS)],
            "amounts": [weeks.get(n, 0.0) for n in range(FORECAST_WEEKS)],
            "doubtful": weeks.get(-1, 0.0),
        }
        # their names and ratings only (a customer is a wide record)
        customers = {customer["id"]: customer for customer in self.env["res.partner"].with_company(company).browse(
            [row[0] for row in rows]).sudo().read(["display_name", "cobranza_rating"])}
        top = [{"partner_id": partner_id, "name": customers[partner_id]["display_name"], "overdue": overdue,
                "days": days, "rating": customers[partner_id]["cobranza_rating"] or False}
               for partner_id, overdue, days in rows]
        return forecast, top

    @api.model
    def _channel_rows(self, effectiveness, labels):
        """Contacts and payments within 7 days per segment and channel, and per tone within
        them, over the last 180 days (`effectiveness`: ``cobranza.contact._effectiveness``)."""
        rows = [row[:5] for row in effectiveness]
        tone_labels = dict(self.env["cobranza.policy.level"]._fields["tone"]._description_selection(self.env))
        totals, tones = {}, {}
        for segment_id, channel, tone, count, paid in rows:
            contacts, paid_total = totals.get((segment_id, channel), (0, 0))
            totals[(segment_id, channel)] = (contacts + count, paid_total + paid)
            tones.setdefault((segment_id, channel), []).append({
                "tone": tone or False, "label": tone_labels.get(tone) or _("Without tone (by a person)"),
                "contacts": count, "paid": paid, "rate": kpi.percent(paid, count)})
        names = dict(self.env["cobranza.segment"].sudo().browse(
            [segment_id for segment_id, _channel in totals if segment_id]).exists().mapped(lambda s: (s.id, s.name)))
        return [{"segment": names.get(segment_id) or _("No segment"), "channel": channel,
                 "channel_label": labels.get(channel, channel), "contacts": contacts, "paid": paid,
                 "rate": kpi.percent(paid, contacts),
                 "tones": sorted(tones[(segment_id, channel)], key=lambda t: -t["contacts"])}
                for (segment_id, channel), (contacts, paid) in sorted(
                    totals.items(), key=lambda item: (names.get(item[0][0]) or "", -item[1][0]))]

    @api.model
    def _filters(self, company):
        collectors = self.env["res.users"].search(
            [("share", "=", False), ("company_ids", "in", company.id),
             ("groups_id", "in", self.env.ref("account_cobranza.group_cobranza_user").id)])
        segments = self.env["cobranza.segment"].search([("company_id", "in", (False, company.id))])
        return {
            "companies": [[c.id, c.name] for c in self.env.user.company_ids],
            "collectors": [[u["id"], u["name"]] for u in collectors.read(["name"])],
            "segments": [[s.id, s.name] for s in segments],
        }

    # ------------------------------------------------------------------ actions
    @api.model
    def action_open_kpi(self, key, company_id=None, collector_id=None, segment_id=None, partner_id=None,
                        period=DEFAULT_PERIOD):
        """The records behind a figure of the dashboard: open invoices (of an aging bucket,
        overdue, by predicted week), the promises and plan installments that fell due in the
        period, open disputes or a customer."""
        company = self.env["res.company"].browse(int(company_id)) if company_id else self.env.company
        self._check_period(company, fields.Date.today(), fields.Date.today())
        today = fields.Date.context_today(self.with_company(company))
        date_from = kpi.period_start(period if period in kpi.PERIOD_KINDS else DEFAULT_PERIOD, today)
        context = {"allowed_company_ids": [company.id] + [c.id for c in self.env.user.company_ids if c != company]}
        if key == "partner":
            return {"type": "ir.actions.act_window", "res_model": "res.partner", "res_id": int(partner_id),
                    "views": [[False, "form"]], "context": context}
        partner_domain = []
        if collector_id:
            partner_domain.append(("cobranza_collector_id", "=", int(collector_id)))
        if segment_id:
            partner_domain.append(("cobranza_segment_id", "=", int(segment_id)))
        if key == "promise_kept_rate":
            action = self.env["ir.actions.act_window"]._for_xml_id("account_cobranza.cobranza_promise_action")
            action["domain"] = [("company_id", "=", company.id), ("state", "in", ("kept", "broken")),
                                ("date", ">=", date_from), ("date", "<=", today),
                                *[(f"partner_id.{f}", o, v) for f, o, v in partner_domain]]
        elif key == "plan_compliance":
            action = {"type": "ir.actions.act_window", "name": _("Installments Due in the Period"),
                      "res_model": "cobranza.payment.plan.line", "views": [[False, "list"], [False, "form"]],
                      "domain": [("company_id", "=", company.id), ("date", ">=", date_from), ("date", "<=", today),
                                 ("plan_id.state", "in", ("active", "done", "broken")),
                                 *[(f"partner_id.{f}", o, v) for f, o, v in partner_domain]]}
        elif key in ("autopay_paid_count", "autopay_recovered_pct"):
            action = self.env["ir.actions.act_window"]._for_xml_id("account_cobranza.cobranza_charge_action")
            action["domain"] = [("company_id", "=", company.id), ("date", ">=", date_from), ("date", "<=", today),
                                ("state", "=", "done" if key == "autopay_paid_count" else "failed"),
                                *[(f"partner_id.{f}", o, v) for f, o, v in partner_domain]]
        elif key == "disputed_amount":
            action = self.env["ir.actions.act_window"]._for_xml_id("account_cobranza.cobranza_dispute_action")
            action["domain"] = [("company_id", "=", company.id), ("state", "=", "open"),
                                *[(f"partner_id.{f}", o, v) for f, o, v in partner_domain]]
        else:
            action = self.env["ir.actions.act_window"]._for_xml_id("account_cobranza.account_move_action_cobranza")
            Move = self.env["account.move"]
            domain = [*Move._cobranza_invoice_domain(), ("company_id", "=", company.id),
                      *[(f"commercial_partner_id.{f}", o, v) for f, o, v in partner_domain]]
            if key in ("overdue_total", "overdue_pct", "add", "avg_payment_delay"):
                domain.append(("invoice_date_due", "<", today))
            elif key.startswith("aging:"):
                domain += Move._cobranza_aging_domain(key.split(":", 1)[1], today)
            action["domain"] = domain
            if key == "forecast":
                context["group_by"] = ["cobranza_expected_date:week"]
        action["context"] = context
        return action
