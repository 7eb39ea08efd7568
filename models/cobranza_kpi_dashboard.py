from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date

from ..engine import aging, kpi, scoring
from ..engine.ladder import PAYABLE_PAYMENT_STATES
from ..utils import ledger_sql

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
        company = self.env["res.company"].browse(int(company_id)) if company_id else self.env.company
        collector_id, segment_id = collector_id or None, segment_id or None
        date_to = fields.Date.context_today(self.with_company(company))
        date_from = kpi.period_start(period, date_to)
        values = self.compute(company, date_from, date_to, collector_id=collector_id, segment_id=segment_id)
        previous_from = kpi.period_start(period, date_from - timedelta(days=1))
        previous_to = min(previous_from + (date_to - date_from), date_from - timedelta(days=1))
        previous = self.compute(company, previous_from, previous_to, collector_id=collector_id, segment_id=segment_id)
        partners = self._partner_filter(company, collector_id, segment_id)
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
            "trend": self._trend(company, period, date_to, collector_id, segment_id, current=values),
            "forecast": self._forecast(company, date_to, partners) | {"overdue_now": values["overdue_total"]},
            "top_overdue": self._top_overdue(company, date_to, partners),
            "channels": {"rows": self._channel_rows(company, date_to, partners, labels)},
            "filters": self._filters(company),
            "channel_labels": labels,
            "aging_labels": self.env["cobranza.aging.report"]._bucket_labels(),
        }

    @api.model
    def _jsonable(self, values):
        return {key: fields.Date.to_string(value) if key in ("date_from", "date_to") else value
                for key, value in values.items()}

    @api.model
    def _trend(self, company, period, date_to, collector_id=None, segment_id=None, current=None):
        """DSO, best possible DSO and CEI at the end of each of the last 30-day spans, weeks,
        months or quarters: read from the daily snapshots (one query; the period in progress is
        `current`, its figures just computed by ``compute``, when given); from the ledger when
        the dashboard is filtered by collector or segment (``_ledger_trend``)."""
        ends = kpi.period_ends(period, date_to, TREND_POINTS[period])
        starts = [kpi.period_start(period, end) for end in ends]
        labels = [self._period_label(period, start) for start in starts]
        dso, bpdso, cei = [], [], []
        if current and current["date_from"] != starts[-1]:
            current = None
        if collector_id or segment_id:
            trend = self._ledger_trend(company, starts, ends, self._partner_filter(company, collector_id, segment_id))
            dso, bpdso, cei = (list(column) for column in zip(*trend))
            return {"labels": labels, "dso": dso, "bpdso": bpdso, "cei": cei}
        snapshots = {snapshot["date"]: snapshot for snapshot in self.sudo().search_read(
            [("company_id", "=", company.id), ("date", ">=", starts[0] - timedelta(days=1)), ("date", "<=", date_to)],
            ["date", "ar_total", "current_ar", "sales", "dso_countback", "bpdso"])}
        last = None
        if current:  # the period in progress: its figures as just computed
            ends, last = ends[:-1], current
        elif date_to not in snapshots:  # today's snapshot is taken tonight: the live figures stand in
            live = self.compute(company, date_to, date_to)
            snapshots[date_to] = {"ar_total": live["ar_total"], "current_ar": live["current_ar"],
                                  "sales": live["sales"], "dso_countback": live["dso_countback"],
                                  "bpdso": live["bpdso"]}
        for start, end in zip(starts, ends):
            closing, opening = snapshots.get(end), snapshots.get(start - timedelta(days=1))
            dso.append(closing and closing["dso_countback"])
            bpdso.append(closing and closing["bpdso"])
            days = [snapshots.get(start + timedelta(days=n)) for n in range((end - start).days + 1)]
            if closing and opening and all(days):
                cei.append(kpi.cei(opening["ar_total"], sum(day["sales"] for day in days),
                                   closing["ar_total"], closing["current_ar"]))
            else:
                cei.append(None)
        if last:
            dso.append(last["dso_countback"])
            bpdso.append(last["bpdso"])
            cei.append(last["cei"])
        return {"labels": labels, "dso": dso, "bpdso": bpdso, "cei": cei}

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
    def _forecast(self, company, today, partners=None):
        """Expected cash-in of each of the next 8 weeks (Monday to Sunday, this one first):
        the amount due on the invoices the customers can pay by their predicted payment date (one
        query). Debts of the aging bucket over 90 days are doubtful: left out of the weeks and
        given apart."""
        monday = today - timedelta(days=today.weekday())
        self.env["account.move"].flush_model()
        self.env.cr.execute(SQL(
            """
            SELECT CASE WHEN m.invoice_date_due <= %(doubtful)s THEN -1
                        ELSE (GREATEST(COALESCE(m.cobranza_predicted_date, m.invoice_date_due), %(today)s)
                              - %(monday)s) / 7 END,
                   SUM(m.amount_residual_signed)
              FROM account_move m
             WHERE m.company_id = %(company)s AND %(payable)s %(partners)s
             GROUP BY 1
            """,
            today=today, monday=monday, company=company.id,
            doubtful=today - timedelta(days=aging.bucket_bounds("over_90")[0]),  # last due date in it
            payable=ledger_sql.open_customer_invoices("m", PAYABLE_PAYMENT_STATES),
            partners=ledger_sql.among_partners("m.commercial_partner_id", partners),
        ))
        weeks = dict(self.env.cr.fetchall())
        return {
            "labels": [format_date(self.env, monday + timedelta(weeks=n), date_format="d MMM")
                       for n in range(FORECAST_WEEKS)],
            "amounts": [weeks.get(n, 0.0) for n in range(FORECAST_WEEKS)],
            "doubtful": weeks.get(-1, 0.0),
        }

    @api.model
    def _top_overdue(self, company, today, partners=None, limit=10):
        """The customers with most overdue, with the age of their oldest overdue invoice and
        their rating (one query, then their names and ratings)."""
        self.env.cr.execute(SQL(
            """
            SELECT m.commercial_partner_id, SUM(m.amount_residual_signed), MAX(%(today)s - m.invoice_date_due)
              FROM account_move m
             WHERE m.company_id = %(company)s AND %(open)s AND m.invoice_date_due < %(today)s
               %(partners)s
             GROUP BY 1 ORDER BY 2 DESC LIMIT %(limit)s
            """,
            today=today, company=company.id, limit=limit, open=ledger_sql.open_customer_invoices("m"),
            partners=ledger_sql.among_partners("m.commercial_partner_id", partners),
        ))
        rows = self.env.cr.fetchall()
        customers = self.env["res.partner"].with_company(company).browse([row[0] for row in rows])
        return [{"partner_id": customer.id, "name": customer.display_name, "overdue": overdue, "days": days,
                 "rating": customer.sudo().cobranza_rating or False}
                for customer, (_id, overdue, days) in zip(customers, rows)]

    @api.model
    def _channel_rows(self, company, today, partners, labels):
        """Contacts and payments within 7 days per segment and channel, and per tone within
        them, over the last 180 days."""
        rows = self.env["cobranza.contact"]._effectiveness(
            company, today - timedelta(days=scoring.EFFECTIVENESS_DAYS), today, partners)
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
            "collectors": [[u.id, u.name] for u in collectors],
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
                context["group_by"] = ["cobranza_predicted_date:week"]
        action["context"] = context
        return action
