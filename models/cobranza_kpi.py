from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..engine import aging, kpi, scoring
from ..engine.ladder import PAID_PAYMENT_STATES
from ..utils import ledger_sql

SNAPSHOT_DAYS = 30  # a snapshot's period-based figures (CEI, standard DSO...) cover its last 30 days
COUNTBACK_MONTHS = 24
# the version of what a snapshot's `ledger` keeps: a snapshot of another one is taken again
LEDGER_VERSION = 1
STALE_HORIZON_DAYS = 2 * 366 + 31  # as far back as the dashboard's longest trend (8 quarters)
STALE_DAYS_PER_NIGHT = 62
# the figures of ``compute`` rebuilt from the receivable ledger (kept whole in each snapshot)
LEDGER_KEYS = ("ar_total", "current_ar", "overdue_total", "overdue_pct", "aging", "sales", "dso_standard",
               "dso_countback", "bpdso", "add", "cei", "avg_payment_delay")
CONTACT_CHANNELS = ["email", "sms", "whatsapp", "call", "letter", "visit"]


class CobranzaKpi(models.Model):
    """The collection indicators of a company on one day, kept every night so that their
    history can be charted. `compute` gives them for any period (and collector or segment),
    reconstructed from the ledger as they were on the period's last day."""

    _name = "cobranza.kpi"
    _description = "Collection KPI Snapshot"
    _order = "date desc, id desc"
    _rec_name = "date"

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(required=True, index=True, readonly=True)
    ar_total = fields.Monetary(
        string="Receivables", readonly=True,
        help="Σ of the open receivable items on the date (invoices, credit notes and unapplied "
             "payments), as the ledger stood that day.")
    current_ar = fields.Monetary(string="Not Yet Due", readonly=True, help="Receivables not yet due on the date.")
    overdue_total = fields.Monetary(string="Overdue", readonly=True, help="Receivables past their due date.")
    overdue_pct = fields.Float(string="Overdue (%)", readonly=True, digits=(16, 1),
                               help="Overdue / receivables × 100.")
    # aging_<bucket>: one per bucket of engine.aging
    aging_not_due = fields.Monetary(string=aging.LABELS["not_due"], readonly=True)
    aging_1_30 = fields.Monetary(string=aging.LABELS["1_30"], readonly=True)
    aging_31_60 = fields.Monetary(string=aging.LABELS["31_60"], readonly=True)
    aging_61_90 = fields.Monetary(string=aging.LABELS["61_90"], readonly=True)
    aging_over_90 = fields.Monetary(string=aging.LABELS["over_90"], readonly=True)
    sales = fields.Monetary(
        string="Credit Sales of the Day", readonly=True,
        help="Customer invoices less credit notes posted on the date (lets the CEI of any "
             "period be read from the snapshots).")
    period_sales = fields.Monetary(string="Credit Sales (30 Days)", readonly=True)
    dso_standard = fields.Float(
        string="DSO (Standard)", readonly=True, digits=(16, 1),
        help="Receivables at the end / credit sales of the period × days of the period.")
    dso_countback = fields.Float(
        string="DSO (Count-Back)", readonly=True, digits=(16, 1),
        help="Walk back calendar months from the end date, subtracting each month's credit sales "
             "from the receivables and counting its days; in the month where what is left is "
             "smaller than its sales, add (left / that month's sales) × its days. The first month "
             "counts up to the end date.")
    bpdso = fields.Float(
        string="Best Possible DSO", readonly=True, digits=(16, 1),
        help="The count-back DSO of the receivables not yet due only.")
    add = fields.Float(
        string="Average Days Delinquent", readonly=True, digits=(16, 1),
        help="DSO (count-back) − best possible DSO.")
    cei = fields.Float(
        string="Collection Effectiveness (CEI)", readonly=True, digits=(16, 1),
        help="(opening receivables + credit sales − closing receivables) / (opening receivables "
             "+ credit sales − closing receivables not yet due) × 100.")
    avg_payment_delay = fields.Float(
        string="Average Payment Delay", readonly=True, digits=(16, 1),
        help="Σ(amount × (payment date − due date)) / Σ amount over the payments and credit notes "
             "applied to invoices in the period, open overdue amounts counting with the end date.")
    promise_kept_rate = fields.Float(
        string="Promises Kept (%)", readonly=True, digits=(16, 1),
        help="Kept / (kept + broken) × 100 over the promises to pay that fell due in the period.")
    plan_compliance = fields.Float(
        string="Plan Compliance (%)", readonly=True, digits=(16, 1),
        help="Paid / due × 100 over the payment plan installments that fell due in the period.")
    autopay_paid_count = fields.Integer(
        string="Installments Paid Automatically", readonly=True,
        help="Plan installments (and invoices) paid in the period by an automatic charge of a saved payment method.")
    autopay_recovered_pct = fields.Float(
        string="Failed Charges Recovered (%)", readonly=True, digits=(16, 1),
        help="Of the installments whose automatic charge was declined in the period, the share paid since "
             "(by a retry or by hand) × 100.")
    disputed_amount = fields.Monetary(
        string="Disputed", readonly=True,
        help="Amount due on the invoices under an open dispute at the end of the period.")
    contact_count = fields.Integer(string="Contacts", readonly=True,
                                   help="Reminders and calls carried out in the period.")
    paid_within_7d_pct = fields.Float(
        string="Paid Within 7 Days (%)", readonly=True, digits=(16, 1),
        help="Share of the period's contacts followed within 7 days by a payment on the invoices they named.")

    ledger = fields.Json(
        readonly=True, copy=False,
        help="The figures rebuilt from the ledger for the 30 days ending on the date, exactly as computed "
             "(with each calendar month's credit sales), reused by the dashboard while the snapshot holds.")
    seen_change_id = fields.Integer(readonly=True, copy=False,
                                    help="The last ledger change the snapshot's own transaction had made.")
    # seen, xid: the snapshot's transaction, set by the database on insert (see init)

    _sql_constraints = [
        ("company_date_unique", "UNIQUE(company_id, date)", "One collection KPI snapshot per company and day."),
    ]

    def init(self):
        super().init()
        # no default for the rows kept before: what they saw is unknown, they do not hold
        self.env.cr.execute(SQL(
            """ALTER TABLE cobranza_kpi ADD COLUMN IF NOT EXISTS seen txid_snapshot;
               ALTER TABLE cobranza_kpi ALTER COLUMN seen SET DEFAULT txid_current_snapshot();
               ALTER TABLE cobranza_kpi ADD COLUMN IF NOT EXISTS xid bigint;
               ALTER TABLE cobranza_kpi ALTER COLUMN xid SET DEFAULT txid_current()"""))

    # ------------------------------------------------------------------ business methods: KPIs
    @api.model
    def compute(self, company, date_from, date_to, collector_id=None, segment_id=None):
        """The collection KPIs of `company` for the period, in its currency; balances and aging
        as of `date_to`, rebuilt from the ledger. Filters: a collector, a segment (ids)."""
        company, date_from, date_to = self._check_period(company, date_from, date_to)
        partners = self._partner_filter(company, collector_id, segment_id)
        ledger = self._ledger_figures(company, date_from, date_to, partners)
        return self._figures(company, date_from, date_to, partners, ledger)

    @api.model
    def _figures(self, company, date_from, date_to, partners, ledger, contacts=None):
        """``compute``'s dict: the `ledger` figures (``_ledger_figures``) and those of the
        collectors' work in the period (contacts, promises, plans, charges, disputes), read now;
        `contacts`: the period's ``cobranza.contact._effectiveness`` when already read."""
        if contacts is None:
            contacts = self.env["cobranza.contact"]._effectiveness(company, date_from, date_to, partners)
        by_channel = {}
        for _segment, channel, _tone, count, paid in contacts:
            totals = by_channel.setdefault(channel, [0, 0])
            totals[0] += count
            totals[1] += paid
        kept, broken = self._promises(company, date_from, date_to, partners)
        plan_paid, plan_due = self._plan_installments(company, date_from, date_to, partners)
        autopaid, declined, recovered = self._autopay(company, date_from, date_to, partners)
        return {
            "company_id": company.id,
            "currency_id": company.currency_id.id,
            "date_from": date_from,
            "date_to": date_to,
            **{key: ledger[key] for key in LEDGER_KEYS},
            "promise_kept_rate": kpi.percent(kept, kept + broken),
            "plan_compliance": kpi.percent(plan_paid, plan_due),
            "autopay_paid_count": autopaid,
            "autopay_recovered_pct": kpi.percent(recovered, declined),
            "disputed_amount": self._disputed(company, date_to, partners),
            "contacts_by_channel": {channel: totals[0] for channel, totals in by_channel.items()},
            "paid_within_7d_by_channel": {channel: kpi.percent(totals[1], totals[0])
                                          for channel, totals in by_channel.items()},
        }

    @api.model
    def _ledger_figures(self, company, date_from, date_to, partners=None, opening_ar=None, months=None,
                        period_sales=None, delays=None, balances=None, daily=None, to_date=None):
        """The figures of ``compute`` rebuilt from the receivable ledger (``LEDGER_KEYS``), with
        what a snapshot keeps to be reused: ``months`` (``[[month start, credit sales], ...]``,
        the 24 calendar months walked back from `date_to`, the first one counted up to it) and
        ``to_date`` (the credit sales of its day, week, month and quarter to date) and ``delays``
        (``_payment_delays`` of the period). `opening_ar`
        (the receivables of the day before the period), `months`, `period_sales`, `delays`,
        `balances` (``_open_items_on`` of the days read), `daily` (``_daily_sales`` since the
        24th month back at least) and `to_date` (with `months`), when given, are not read again."""
        opening_day = date_from - timedelta(days=1)
        if balances is None:
            balances = self._open_items_on(company, [date_to] + ([opening_day] if opening_ar is None else []), partners)
        closing = balances[date_to]
        if opening_ar is None:
            opening_ar = balances[opening_day]["ar_total"]
        if months is None or period_sales is None:
            spans = kpi.countback_months(date_to, COUNTBACK_MONTHS)
            if daily is None:
                daily = self._daily_sales(company, min(date_from, spans[-1][0]), date_to, partners)
            monthly, period_sales = self._sum_sales(company, daily, date_from, date_to)
            months = [[fields.Date.to_string(start), monthly.get(start, 0.0)] for start, _end in spans]
            # the sales of the day, week, month and quarter to date: a snapshot's CEI for them
            to_date = {kind: self._sum_sales(company, daily, kpi.period_start(kind, date_to), date_to)[1]
                       for kind in ("week", "month", "quarter")} | {
                "day": self._sum_sales(company, daily, date_to, date_to)[1]}
        month_sales = [(kpi.month_days_to(fields.Date.to_date(start), date_to), amount) for start, amount in months]
        ar_total, current = closing["ar_total"], closing["aging"]["not_due"]
        dso = kpi.dso_countback(ar_total, month_sales)
        bpdso = kpi.dso_countback(current, month_sales)
        if delays is None:
            delays = self._payment_delays(company, date_from, date_to, partners)
        delay_sum, delay_amount = delays
        return {
            "ar_total": ar_total,
            "current_ar": current,
            "overdue_total": closing["overdue_total"],
            "overdue_pct": kpi.percent(closing["overdue_total"], ar_total),
            "aging": closing["aging"],
            "sales": period_sales,
            "dso_standard": kpi.dso_standard(ar_total, period_sales, (date_to - date_from).days + 1),
            "dso_countback": dso,
            "bpdso": bpdso,
            "add": dso - bpdso if dso is not None and bpdso is not None else None,
            "cei": kpi.cei(opening_ar, period_sales, ar_total, current),
            "avg_payment_delay": kpi.ratio(delay_sum + closing["overdue_days_amount"],
                                           delay_amount + closing["overdue_positive"]),
            "months": months,
            "to_date": to_date,
            "delays": delays,
        }

    @api.model
    def _check_period(self, company, date_from, date_to):
        """The company record and dates of a KPI request, or a clear error."""
        if not self.env.su and not self.env.user.has_group("account_cobranza.group_cobranza_user"):
            raise AccessError(_("Only collection users may read the collection indicators."))
        company = self.env["res.company"].browse(company.id if isinstance(company, models.BaseModel) else company)
        if not company.exists() or (not self.env.su and company not in self.env.user.company_ids):
            raise AccessError(_("You may not read the collection indicators of this company."))
        try:
            date_from, date_to = fields.Date.to_date(date_from), fields.Date.to_date(date_to)
        except ValueError as error:
            raise UserError(_("The period of the indicators needs two real dates.")) from error
        if not date_from or not date_to:
            raise UserError(_("The period of the indicators needs a start and an end date."))
        if date_from > date_to:
            raise UserError(_("The period of the indicators starts (%(start)s) after it ends (%(end)s).",
                              start=date_from, end=date_to))
        return company, date_from, date_to

    @api.model
    def _partner_filter(self, company, collector_id=None, segment_id=None):
        """Ids of the customers of a collector and/or a segment (None: no filter)."""
        if not collector_id and not segment_id:
            return None
        domain = []
        if collector_id:
            domain.append(("cobranza_collector_id", "=", int(collector_id)))
        if segment_id:
            domain.append(("cobranza_segment_id", "=", int(segment_id)))
        # ids, not a subquery: PostgreSQL plans the ledger's scans knowing them (60 times faster)
        return self.env["res.partner"].sudo().with_company(company).with_context(active_test=False).search(domain).ids

    @api.model
    def _open_items(self, company, day, partners=None):
        """Receivables of `company` open on `day` as the ledger then stood (a payment applied
        later still leaves its invoice open): totals, aging, and Σ amount × days overdue."""
        return self._open_items_on(company, [day], partners)[day]

    @api.model
    def _items_on(self, company, days, partners=None):
        """The ``WITH`` clause ``_open_items_on`` and ``_balances_on`` read: ``day`` (`days`,
        sorted), ``later`` (the reconciliations dated after the first day, by item: ``id``,
        ``max_date``, the ``amount`` they took off) and ``line`` (the receivable items open now,
        or settled by those: ``id``, ``date``, ``due``, ``residual``)."""
        self._flush_ledger()
        return SQL(
            """
            WITH day AS (
                SELECT unnest(%(days)s::date[]) AS day
            ), later AS (
                -- the reconciliations dated after the first day, by item
                SELECT p.debit_move_id AS id, p.max_date, p.amount
                  FROM account_partial_reconcile p %(debit_partners)s
                 WHERE p.max_date > %(first)s %(among)s
                 UNION ALL
                SELECT p.credit_move_id, p.max_date, -p.amount
                  FROM account_partial_reconcile p %(credit_partners)s
                 WHERE p.max_date > %(first)s %(among)s
            ), line AS (
                -- open now (account_move_line__unreconciled_index) ...
                SELECT l.id, l.date, COALESCE(l.date_maturity, l.date) AS due, l.amount_residual AS residual
                  FROM account_move_line l
                 WHERE l.company_id = %(company)s AND %(receivable)s AND l.parent_state = 'posted'
                   AND l.reconciled IS NOT TRUE AND l.date <= %(last)s %(partners)s
                 UNION ALL
                -- ... or settled by reconciliations dated after the first day
                SELECT l.id, l.date, COALESCE(l.date_maturity, l.date), l.amount_residual
                  FROM account_move_line l
                 WHERE l.id IN (SELECT id FROM later) AND l.reconciled
                   AND l.company_id = %(company)s AND %(receivable)s AND l.parent_state = 'posted'
                   AND l.date <= %(last)s %(partners)s
            )""",
            company=company.id, days=days, first=days[0], last=days[-1], receivable=ledger_sql.on_receivable("l"),
            partners=ledger_sql.among_partners("l.partner_id", partners),
            # filtered: only the reconciliations of those customers' items
            debit_partners=SQL() if partners is None else SQL(
                "JOIN account_move_line d ON d.id = p.debit_move_id"),
            credit_partners=SQL() if partners is None else SQL(
                "JOIN account_move_line d ON d.id = p.credit_move_id"),
            among=ledger_sql.among_partners("d.partner_id", partners),
        )

    @api.model
    def _open_items_on(self, company, days, partners=None):
        """``{day: _open_items(day)}`` for each of `days`, in one pass over the ledger: each
        item's residual now, plus what the reconciliations dated after the day took off it
        (Odoo's residual is the balance less its reconciliations, in the company's currency)."""
        days = sorted(set(days))
        if not days:
            return {}
        self.env.cr.execute(SQL(
            """
            %(items)s, item AS (
                SELECT day.day, line.due, line.residual + COALESCE(SUM(later.amount), 0) AS open
                  FROM line
                  JOIN day ON line.date <= day.day
                  LEFT JOIN later ON later.id = line.id AND later.max_date > day.day
                 GROUP BY day.day, line.id, line.due, line.residual
            )
            SELECT day, %(bucket)s, SUM(open),
                   COALESCE(SUM(open * (day - due)) FILTER (WHERE open > 0 AND due < day), 0),
                   COALESCE(SUM(open) FILTER (WHERE open > 0 AND due < day), 0)
              FROM item WHERE open != 0
             GROUP BY 1, 2
            """,
            items=self._items_on(company, days, partners), bucket=ledger_sql.aging_bucket(SQL("day - due")),
        ))
        result = {day: {"aging": dict.fromkeys(aging.BUCKETS, 0.0), "overdue_days_amount": 0.0,
                        "overdue_positive": 0.0} for day in days}
        for day, bucket, amount, overdue_days_amount, overdue_positive in self.env.cr.fetchall():
            result[day]["aging"][bucket] += amount
            result[day]["overdue_days_amount"] += overdue_days_amount
            result[day]["overdue_positive"] += overdue_positive
        for values in result.values():
            values["ar_total"] = sum(values["aging"].values())
            values["overdue_total"] = values["ar_total"] - values["aging"]["not_due"]
        return result

    @api.model
    def _sum_sales(self, company, daily, date_from, date_to=None):
        """``({month start: credit sales}, credit sales from `date_from`)`` of the `daily`
        sales (``_daily_sales``) up to `date_to` (all of them by default), summed day by day in
        order and rounded to the currency."""
        monthly, period = {}, 0.0
        for day, amount in sorted(daily.items()):
            if date_to and day > date_to:
                break
            month = day.replace(day=1)
            monthly[month] = monthly.get(month, 0.0) + amount
            if day >= date_from:
                period += amount
        currency = company.currency_id
        return {month: currency.round(amount) for month, amount in monthly.items()}, currency.round(period)

    @api.model
    def _flush_ledger(self):
        """What the ledger's reads see: the pending changes of journal entries, items and
        reconciliations written first."""
        for model in ("account.move", "account.move.line", "account.partial.reconcile"):
            self.env[model].flush_model()

    @api.model
    def _daily_sales(self, company, date_from, date_to, partners=None):
        """``{day: credit sales}`` between the two dates: customer invoices less credit notes,
        by the date of their receivable line (one query)."""
        self._flush_ledger()
        self.env.cr.execute(SQL(
            """
            SELECT l.date, SUM(l.balance)
              FROM account_move_line l
              JOIN account_move m ON m.id = l.move_id
             WHERE l.company_id = %(company)s AND %(receivable)s
               AND l.parent_state = 'posted' AND m.move_type IN ('out_invoice', 'out_refund')
               AND l.date BETWEEN %(date_from)s AND %(date_to)s %(partners)s
             GROUP BY 1
            """,
            company=company.id, date_from=date_from, date_to=date_to,
            receivable=ledger_sql.on_receivable("l"),
            partners=ledger_sql.among_partners("l.partner_id", partners),
        ))
        return dict(self.env.cr.fetchall())

    @api.model
    def _ledger_trend(self, company, starts, ends, partners=None, daily=None):
        """``[(DSO, best possible DSO, CEI), ...]`` of the periods (`starts`, `ends`), as
        ``compute`` gives them, from the ledger: the receivables of all the days they need in
        one pass (``_balances_on``), the sales of all the days in one query (or `daily`)."""
        balances = self._balances_on(company, set(ends) | {start - timedelta(days=1) for start in starts}, partners)
        if daily is None:
            first = min(kpi.countback_months(end, COUNTBACK_MONTHS)[-1][0] for end in ends)
            daily = self._daily_sales(company, min(first, min(starts)), max(ends), partners)
        trend = []
        for start, end in zip(starts, ends):
            (ar_total, current), opening = balances[end], balances[start - timedelta(days=1)][0]
            spans = kpi.countback_months(end, COUNTBACK_MONTHS)
            monthly, sales = self._sum_sales(company, daily, start, end)
            months = [((e - s).days + 1, monthly.get(s, 0.0)) for s, e in spans]
            trend.append((kpi.dso_countback(ar_total, months), kpi.dso_countback(current, months),
                          kpi.cei(opening, sales, ar_total, current)))
        return trend

    @api.model
    def _balances_on(self, company, days, partners=None):
        """``{day: (receivables, not yet due)}`` on each of `days`, as ``_open_items_on`` gives
        them, in one pass: sums by aging bucket over the items and the reconciliations dated
        after each day, without the per-item detail the aging's other figures need."""
        days = sorted(set(days))
        self.env.cr.execute(SQL(
            """
            %(items)s, amount AS (
                -- each item's residual counts from its date; what a reconciliation took off it,
                -- from its date until the reconciliation's
                SELECT date, due, NULL::date AS until, residual AS amount FROM line
                 UNION ALL
                SELECT line.date, line.due, later.max_date, later.amount FROM later JOIN line ON line.id = later.id
            )
            SELECT day.day, %(bucket)s, SUM(amount.amount)
              FROM day
              JOIN amount ON amount.date <= day.day AND (amount.until IS NULL OR amount.until > day.day)
             GROUP BY 1, 2
            """,
            items=self._items_on(company, days, partners),
            bucket=ledger_sql.aging_bucket(SQL("day.day - amount.due")),
        ))
        buckets = {day: dict.fromkeys(aging.BUCKETS, 0.0) for day in days}
        for day, bucket, amount in self.env.cr.fetchall():
            buckets[day][bucket] += amount
        # summed as _open_items_on sums them: the same figures to the last bit
        return {day: (sum(aging_.values()), aging_["not_due"]) for day, aging_ in buckets.items()}

    @api.model
    def _payment_delays(self, company, date_from, date_to, partners=None):
        """``[Σ amount × days late, Σ amount]`` of the payments and credit notes applied to
        customer invoices in the period, rounded to the currency (one query)."""
        self._flush_ledger()
        self.env.cr.execute(SQL(
            """
            SELECT COALESCE(SUM(p.amount * (p.max_date - COALESCE(l.date_maturity, l.date))), 0),
                   COALESCE(SUM(p.amount), 0)
              FROM account_partial_reconcile p
              JOIN account_move_line l ON l.id = p.debit_move_id
              JOIN account_move m ON m.id = l.move_id
             WHERE l.company_id = %(company)s AND %(receivable)s
               AND m.move_type = 'out_invoice' AND p.max_date BETWEEN %(date_from)s AND %(date_to)s %(partners)s
            """,
            company=company.id, date_from=date_from, date_to=date_to, receivable=ledger_sql.on_receivable("l"),
            partners=ledger_sql.among_partners("l.partner_id", partners),
        ))
        return [company.currency_id.round(total) for total in self.env.cr.fetchone()]

    @api.model
    def _promises(self, company, date_from, date_to, partners=None):
        """``(kept, broken)`` promises to pay that fell due in the period."""
        self.env["cobranza.promise"].flush_model()
        self.env.cr.execute(SQL(
            """SELECT COUNT(*) FILTER (WHERE state = 'kept'), COUNT(*) FILTER (WHERE state = 'broken')
                 FROM cobranza_promise
                WHERE company_id = %(company)s AND date BETWEEN %(date_from)s AND %(date_to)s %(partners)s""",
            company=company.id, date_from=date_from, date_to=date_to,
            partners=ledger_sql.among_partners("partner_id", partners),
        ))
        return self.env.cr.fetchone()

    @api.model
    def _plan_installments(self, company, date_from, date_to, partners=None):
        """``(paid, due)`` of the plan installments that fell due in the period."""
        self.env["cobranza.payment.plan.line"].flush_model()
        self.env.cr.execute(SQL(
            """SELECT COALESCE(SUM(LEAST(l.paid_amount, l.amount)), 0), COALESCE(SUM(l.amount), 0)
                 FROM cobranza_payment_plan_line l
                 JOIN cobranza_payment_plan p ON p.id = l.plan_id
                WHERE p.company_id = %(company)s AND p.state IN ('active', 'done', 'broken')
                  AND l.date BETWEEN %(date_from)s AND %(date_to)s %(partners)s""",
            company=company.id, date_from=date_from, date_to=date_to,
            partners=ledger_sql.among_partners("p.partner_id", partners),
        ))
        return self.env.cr.fetchone()

    @api.model
    def _autopay(self, company, date_from, date_to, partners=None):
        """``(paid, declined, recovered)``: installments (and invoices) paid by an automatic
        charge in the period; those with a charge declined in the period, and how many of
        those are paid since (by a retry or by hand). One query."""
        self.env["cobranza.charge"].flush_model()
        self.env["cobranza.payment.plan.line"].flush_model()
        self.env["account.move"].flush_model(["payment_state"])
        self.env.cr.execute(SQL(
            """SELECT COUNT(DISTINCT c.key_of) FILTER (WHERE c.state = 'done'),
                      COUNT(DISTINCT c.key_of) FILTER (WHERE c.state = 'failed'),
                      COUNT(DISTINCT c.key_of) FILTER (WHERE c.state = 'failed' AND c.paid)
                 FROM (SELECT c.state, COALESCE('l' || c.line_id, 'm' || c.move_id) AS key_of,
                              COALESCE(l.paid_amount >= l.amount, m.payment_state IN %(paid)s) AS paid
                         FROM cobranza_charge c
                         LEFT JOIN cobranza_payment_plan_line l ON l.id = c.line_id
                         LEFT JOIN account_move m ON m.id = c.move_id
                        WHERE c.company_id = %(company)s AND c.date BETWEEN %(date_from)s AND %(date_to)s
                              %(partners)s) c""",
            company=company.id, date_from=date_from, date_to=date_to, paid=PAID_PAYMENT_STATES,
            partners=ledger_sql.among_partners("c.partner_id", partners),
        ))
        return self.env.cr.fetchone()

    @api.model
    def _disputed(self, company, date_to, partners=None):
        """Amount due on `date_to` (as the ledger then stood) on the invoices under a dispute
        open that day: opened by then and not settled before."""
        self.env["cobranza.dispute"].flush_model()
        self.env["account.move.line"].flush_model()
        self.env["account.partial.reconcile"].flush_model()
        self.env.cr.execute(SQL(
            """SELECT COALESCE(SUM(l.balance - COALESCE((
                       SELECT SUM(p.amount) FROM account_partial_reconcile p
                        WHERE p.debit_move_id = l.id AND p.max_date <= %(date_to)s), 0)), 0)
                 FROM account_move_line l
                WHERE %(receivable)s AND l.balance > 0
                  AND l.move_id IN (SELECT move_id FROM cobranza_dispute d
                                     WHERE d.company_id = %(company)s AND d.create_date::date <= %(date_to)s
                                       AND (d.state = 'open' OR d.date_closed > %(date_to)s) %(partners)s)""",
            company=company.id, date_to=date_to, receivable=ledger_sql.on_receivable("l"),
            partners=ledger_sql.among_partners("d.partner_id", partners),
        ))
        return self.env.cr.fetchone()[0]

    # ------------------------------------------------------------------ business methods: snapshots
    @api.model
    def _snapshot_values(self, company, day):
        """The snapshot of `company` on `day`: ``compute`` of the 30 days ending on it, and its
        ledger figures whole (``ledger``) for the dashboard to reuse while they hold; the day
        before's snapshot, while it holds, gives what it already knows (``_ledger_figures_held``)."""
        date_from = day - timedelta(days=SNAPSHOT_DAYS - 1)
        # what the snapshots of the day before and of the day before the period still know
        held = self._held_snapshots(company, [day - timedelta(days=1), date_from - timedelta(days=1)])
        ledger = self._ledger_figures_held(company, date_from, day, None, held, None)
        values = self._figures(company, date_from, day, None, ledger)
        if "day_delays" not in ledger:  # not read yet for the period's figures
            ledger["day_delays"] = self._payment_delays(company, day, day)
        ledger["version"] = LEDGER_VERSION
        day_sales = ledger["to_date"]["day"]
        contacts = sum(values["contacts_by_channel"].values())
        paid = sum(values["contacts_by_channel"][c] * (values["paid_within_7d_by_channel"][c] or 0.0) / 100.0
                   for c in values["contacts_by_channel"])
        row = {"company_id": company.id, "date": day, "sales": day_sales, "period_sales": values["sales"],
               "contact_count": contacts, "paid_within_7d_pct": kpi.percent(paid, contacts),
               "ledger": ledger, "seen_change_id": self.env["cobranza.ledger.change"]._mark()["change_id"]}
        for key in ("ar_total", "current_ar", "overdue_total", "overdue_pct", "dso_standard", "dso_countback",
                    "bpdso", "add", "cei", "avg_payment_delay", "promise_kept_rate", "plan_compliance",
                    "autopay_paid_count", "autopay_recovered_pct", "disputed_amount"):
            row[key] = values[key]
        row.update({f"aging_{key}": values["aging"][key] for key in aging.BUCKETS})
        return row

    @api.model
    def _held_snapshots(self, company, days):
        """``{day: ledger figures}`` of the snapshots of `company` on `days` that still hold
        (``_holds``; one query). A snapshot that does not hold is left out: its day is read
        from the ledger."""
        self.env.cr.execute(SQL(
            """SELECT k.date, k.ledger FROM cobranza_kpi k
                WHERE k.company_id = %s AND k.date = ANY(%s) AND %s""",
            company.id, sorted(set(days)), self._holds("k"),
        ))
        return dict(self.env.cr.fetchall())

    @api.model
    def _stale_days(self, company, date_from, date_to):
        """The days of the period whose snapshot no longer holds, newest first."""
        self.env.cr.execute(SQL(
            """SELECT k.date FROM cobranza_kpi k
                WHERE k.company_id = %s AND k.date BETWEEN %s AND %s AND NOT %s
                ORDER BY k.date DESC""",
            company.id, date_from, date_to, self._holds("k"),
        ))
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _holds(self, alias):
        """Condition: the snapshot `alias` still holds: it keeps this version of the ledger's
        figures, and the transaction that took it saw every ledger change dated on or before
        its day."""
        self.flush_model()
        self.env["cobranza.ledger.change"].flush_model()
        k = SQL.identifier(alias)
        return SQL(
            """((%(k)s.ledger ->> 'version')::int IS NOT DISTINCT FROM %(version)s
                AND NOT EXISTS (SELECT 1 FROM cobranza_ledger_change c
                                 WHERE c.company_id = %(k)s.company_id AND c.date <= %(k)s.date AND NOT %(seen)s))""",
            k=k, version=LEDGER_VERSION, seen=self.env["cobranza.ledger.change"]._seen_by(alias, "c"))

    @api.model
    def backfill(self, company, date_from, date_to):
        """Snapshots of `company` for every day of the period (replacing those it had), at most
        three years at once. Collections Managers only."""
        if not self.env.su and not self.env.user.has_group("account_cobranza.group_cobranza_manager"):
            raise AccessError(_("Only Collections Managers may rebuild the KPI history."))
        company, date_from, date_to = self._check_period(company, date_from, date_to)
        if (date_to - date_from).days > 3 * 366:
            raise UserError(_("Rebuild the KPI history three years at a time at most."))
        self.sudo().search([("company_id", "=", company.id), ("date", ">=", date_from),
                            ("date", "<=", date_to)]).unlink()
        # day after day: each is taken from the day before's (``_snapshot_values``)
        snapshots, day = self.sudo(), date_from
        while day <= date_to:
            snapshots |= self.sudo().create(self._snapshot_values(company, day))
            day += timedelta(days=1)
        return snapshots

    @api.model
    def _cron_snapshot(self):
        """Nightly: yesterday's snapshot of every company (the day is complete), and any day
        missed since the last one, up to a month back; then the snapshots a change dated in the
        past no longer lets hold, the newest first (``STALE_DAYS_PER_NIGHT`` a night: until
        then the dashboard reads those days from the ledger)."""
        for company in self.env["res.company"].search([]):
            yesterday = fields.Date.context_today(self.with_company(company)) - timedelta(days=1)
            last = self.search([("company_id", "=", company.id)], limit=1, order="date desc").date
            # the last snapshot again (it may have been taken before its day was over)
            start = max(last, yesterday - timedelta(days=30)) if last else yesterday
            if start <= yesterday:
                self.backfill(company, start, yesterday)
                self.env.cr.commit()
            stale = self._stale_days(company, yesterday - timedelta(days=STALE_HORIZON_DAYS), yesterday)
            # the newest ones, each from the one before (the oldest first: it holds once retaken)
            for day in sorted(stale[:STALE_DAYS_PER_NIGHT]):
                self.backfill(company, day, day)
                self.env.cr.commit()
        self.env["cobranza.ledger.change"]._prune()

    # ------------------------------------------------------------------ business methods: backtest
    @api.model
    def backtest(self, company, date_from, date_to):
        """Replay the payment-date prediction on every customer invoice settled in the period,
        each predicted from what was known on its invoice date only: the invoices settled
        before it and those already past due then (engine.scoring.backtest).
        Returns ``count``, ``mae_days``, ``mae_naive_days`` (paying on the due date),
        ``within_7_days_pct``, ``improvement_pct`` and ``bias_days``."""
        company, date_from, date_to = self._check_period(company, date_from, date_to)
        window = company.cobranza_behaviour_months * 366 // 12
        self.env["account.move.line"].flush_model()
        self.env["account.partial.reconcile"].flush_model()
        # every customer invoice that could matter, with the date it was fully settled and its
        # amount-weighted delay (both None while it was still open at the end of the period)
        self.env.cr.execute(SQL(
            """
            SELECT l.partner_id, l.date, l.date_maturity,
                   CASE WHEN COALESCE(SUM(p.amount), 0) >= l.balance - 0.005 THEN MAX(p.max_date) END,
                   CASE WHEN COALESCE(SUM(p.amount), 0) >= l.balance - 0.005
                        THEN SUM(p.amount * (p.max_date - l.date_maturity)) / NULLIF(SUM(p.amount), 0) END
              FROM account_move_line l
              JOIN account_move m ON m.id = l.move_id
              LEFT JOIN account_partial_reconcile p ON p.debit_move_id = l.id AND p.max_date <= %(date_to)s
             WHERE l.company_id = %(company)s AND %(receivable)s
               AND l.parent_state = 'posted' AND m.move_type = 'out_invoice' AND l.balance > 0
               AND l.date <= %(date_to)s AND (l.date >= %(date_from)s::date - %(days)s OR NOT l.reconciled)
             GROUP BY l.id
            """,
            date_to=date_to, company=company.id, receivable=ledger_sql.on_receivable("l"), date_from=date_from,
            days=window + 366,
        ))
        rows = [(partner, invoice_date, due, settled, float(delay) if delay is not None else None)
                for partner, invoice_date, due, settled, delay in self.env.cr.fetchall()]
        return scoring.backtest(rows, date_from, date_to, company.cobranza_shrink_weight, window_days=window)
