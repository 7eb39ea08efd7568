from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..engine import scoring
from ..utils import ledger_sql

RATINGS = [("A", "A"), ("B", "B"), ("C", "C"), ("D", "D")]
# what a customer's settled invoices say (scoring.Behaviour's fields): it changes only with its
# ledger or as the window moves, while what it has open changes with the date
HISTORY = ("settled_count", "on_time_ratio", "avg_delay", "p90_delay", "max_delay", "late_count")
BEHAVIOUR_VERSION = 1  # raise it when HISTORY's figures are computed otherwise: the next night reads everyone


class ResPartner(models.Model):
    """A customer's payment behaviour in the current company, read from its receivable
    ledger, and what it predicts: expected delay, risk score and rating."""

    _inherit = "res.partner"

    cobranza_segment_locked = fields.Boolean(
        string="Keep Segment", company_dependent=True, tracking=True,
        help="The nightly segmentation leaves this customer in the segment chosen by hand.",
    )
    cobranza_behaviour_date = fields.Date(
        string="Behaviour As Of", company_dependent=True, readonly=True,
        help="Date of the computation that last changed the customer's payment behaviour: every "
             "night checks each customer and rewrites only those whose figures changed.",
    )
    cobranza_settled_count = fields.Integer(
        string="Invoices Settled", company_dependent=True, readonly=True,
        help="Invoices fully settled (paid or credited) in the payment history window.",
    )
    cobranza_on_time_ratio = fields.Float(
        string="Paid On Time", company_dependent=True, readonly=True,
        help="Share of the invoices settled in the window that were settled no later than their "
             "due date plus the on-time tolerance.",
    )
    cobranza_avg_delay = fields.Float(
        string="Average Delay (Days)", company_dependent=True, readonly=True, digits=(16, 1),
        help="Σ(amount × (payment date − due date)) / Σ amount over every payment and credit note "
             "applied in the window; negative: paid early.",
    )
    cobranza_p90_delay = fields.Float(
        string="90th-Percentile Delay (Days)", company_dependent=True, readonly=True, digits=(16, 1),
        help="Nine invoices in ten settled in the window were settled at most this many days after their due date.",
    )
    cobranza_max_delay = fields.Integer(
        string="Longest Delay (Days)", company_dependent=True, readonly=True,
        help="Longest time past its due date taken to settle an invoice in the window.",
    )
    cobranza_late_count = fields.Integer(
        string="Invoices Settled Late", company_dependent=True, readonly=True,
        help="Invoices settled in the window more than 30 days after their due date.",
    )
    cobranza_broken_promises = fields.Integer(string="Broken Promises", company_dependent=True, readonly=True)
    cobranza_broken_plans = fields.Integer(string="Broken Plans", company_dependent=True, readonly=True)
    cobranza_dispute_window_count = fields.Integer(
        string="Disputes in the Window", company_dependent=True, readonly=True)
    cobranza_expected_delay = fields.Float(
        string="Expected Delay (Days)", company_dependent=True, readonly=True, digits=(16, 1),
        help="Days after the due date the customer is expected to pay: the mean of its known "
             "delays (settled invoices at their average delay, open ones past due at the days "
             "they are already late) shrunk toward its segment's (else the company's) in "
             "proportion to how short its history is.",
    )
    cobranza_risk_score = fields.Float(
        string="Risk Score", company_dependent=True, readonly=True, digits=(16, 2),
        help="Smoothed probability (0-1) that the customer settles an invoice more than 30 days "
             "late: (late + w × segment rate) / (invoices + w), open invoices already 30 days "
             "overdue counting as late.",
    )
    cobranza_rating = fields.Selection(
        RATINGS, string="Rating", company_dependent=True, readonly=True,
        help="A to D from the risk score, with the limits set in the settings.",
    )

    # ------------------------------------------------------------------ business methods
    def _cobranza_behaviours(self, company, date, known=None):
        """``{partner id: scoring.Behaviour}`` of these commercial customers in `company` as of
        `date`, from the receivable ledger: two queries whatever their number. `known`:
        ``{partner id: its settled history (HISTORY's values)}`` still true on `date` (computed
        before, nothing changed it since): only their invoices still open on `date` are read."""
        if not self.ids:
            return {}
        known = known or {}
        start = date - relativedelta(months=company.cobranza_behaviour_months)
        self.env["account.move.line"].flush_model()
        self.env["account.partial.reconcile"].flush_model()
        for model in ("cobranza.promise", "cobranza.payment.plan", "cobranza.dispute"):
            self.env[model].flush_model()
        # every invoice that was open at some point of the window: issued before its end and
        # not settled a year before its start (older settlements do not count); of the
        # customers whose history is known, those still open on `date` (Odoo's index of the
        # unreconciled items, and those settled after it)
        invoices = SQL(
            """SELECT l.id, l.partner_id, l.date_maturity AS due, l.balance
                 FROM account_move_line l
                 JOIN account_move m ON m.id = l.move_id
                WHERE l.company_id = %(company)s AND %(receivable)s AND l.parent_state = 'posted'
                  AND m.move_type = 'out_invoice' AND l.balance > 0 AND l.date <= %(date)s""",
            company=company.id, receivable=ledger_sql.on_receivable("l"), date=date)
        self.env.cr.execute(SQL(
            """
            WITH inv AS (
                %(invoices)s AND l.partner_id = ANY(%(unknown)s)
                   AND (l.date >= %(start)s::date - 366 OR l.reconciled IS NOT TRUE)
                 UNION ALL
                %(invoices)s AND l.partner_id = ANY(%(known)s) AND l.reconciled IS NOT TRUE
                 UNION ALL
                %(invoices)s AND l.partner_id = ANY(%(known)s) AND l.reconciled AND l.date >= %(start)s::date - 366
                   AND l.id IN (SELECT debit_move_id FROM account_partial_reconcile WHERE max_date > %(date)s)
            ), pay AS (
                SELECT inv.id, SUM(p.amount) AS paid, MAX(p.max_date) AS last_date,
                       SUM(p.amount * (p.max_date - inv.due)) FILTER (WHERE p.max_date >= %(start)s) AS weighted,
                       SUM(p.amount) FILTER (WHERE p.max_date >= %(start)s) AS paid_window
                  FROM inv
                  JOIN account_partial_reconcile p ON p.debit_move_id = inv.id AND p.max_date <= %(date)s
                 GROUP BY inv.id
            ), item AS (
                SELECT inv.partner_id, inv.due, inv.balance - COALESCE(pay.paid, 0) AS open_amount,
                       pay.weighted, pay.paid_window,
                       CASE WHEN COALESCE(pay.paid, 0) >= inv.balance - 0.005 AND pay.last_date >= %(start)s
                            THEN pay.last_date - inv.due END AS settled_delay,
                       COALESCE(pay.paid, 0) < inv.balance - 0.005 AS open
                  FROM inv LEFT JOIN pay ON pay.id = inv.id
            )
            SELECT partner_id,
                   COUNT(settled_delay),
                   COUNT(settled_delay) FILTER (WHERE settled_delay <= %(tolerance)s),
                   SUM(weighted) / NULLIF(SUM(paid_window), 0),
                   percentile_cont(0.9) WITHIN GROUP (ORDER BY settled_delay),
                   MAX(settled_delay),
                   COUNT(settled_delay) FILTER (WHERE %(settled_late)s),
                   COALESCE(SUM(open_amount) FILTER (WHERE open AND due < %(date)s), 0),
                   COALESCE(MAX(%(date)s - due) FILTER (WHERE open AND due < %(date)s), 0),
                   COUNT(*) FILTER (WHERE open AND %(open_late)s),
                   COUNT(*) FILTER (WHERE open AND due < %(date)s),
                   COALESCE(SUM(%(date)s - due) FILTER (WHERE open AND due < %(date)s), 0)
              FROM item
             GROUP BY partner_id
            """,
            invoices=invoices, date=date, start=start, tolerance=company.cobranza_on_time_days,
            unknown=[partner_id for partner_id in self.ids if partner_id not in known],
            known=[partner_id for partner_id in self.ids if partner_id in known],
            settled_late=ledger_sql.settled_late(SQL("settled_delay")),
            open_late=ledger_sql.settled_late(SQL("%s - due", date)),
        ))
        ledger = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        self.env.cr.execute(
            """
            SELECT partner_id, 'promise', COUNT(*) FROM cobranza_promise
             WHERE partner_id = ANY(%(partners)s) AND company_id = %(company)s AND state = 'broken'
               AND date BETWEEN %(start)s AND %(date)s GROUP BY partner_id
             UNION ALL
            SELECT partner_id, 'plan', COUNT(*) FROM cobranza_payment_plan
             WHERE partner_id = ANY(%(partners)s) AND company_id = %(company)s AND state = 'broken'
               AND end_date BETWEEN %(start)s AND %(date)s GROUP BY partner_id
             UNION ALL
            SELECT partner_id, 'dispute', COUNT(*) FROM cobranza_dispute
             WHERE partner_id = ANY(%(partners)s) AND company_id = %(company)s
               AND create_date::date BETWEEN %(start)s AND %(date)s GROUP BY partner_id
            """,
            {"partners": self.ids, "company": company.id, "date": date, "start": start},
        )
        events = {(partner_id, kind): count for partner_id, kind, count in self.env.cr.fetchall()}
        behaviours = {}
        for partner_id in self.ids:
            settled, on_time, avg, p90, longest, late, overdue, days, open_late, open_count, open_days = \
                ledger.get(partner_id, (0, 0, None, None, None, 0, 0, 0, 0, 0, 0))
            history = known.get(partner_id) or (
                settled, on_time / settled if settled else None, float(avg) if avg is not None else None,
                float(p90) if p90 is not None else None, longest, late)
            behaviours[partner_id] = scoring.Behaviour(
                **dict(zip(HISTORY, history)),
                overdue_amount=float(overdue), overdue_days=days,
                broken_promises=events.get((partner_id, "promise"), 0),
                broken_plans=events.get((partner_id, "plan"), 0),
                disputes=events.get((partner_id, "dispute"), 0),
                open_late_count=open_late,
                open_overdue_count=open_count, open_overdue_days=open_days,
            )
        return behaviours

    @api.model
    @api.model
    def _cobranza_behaviour_window(self, company, date):
        """What a night's settled histories depend on besides the ledger, as its mark keeps
        it: the way they are computed (``BEHAVIOUR_VERSION``), the date, the window and the
        on-time tolerance."""
        return {"version": BEHAVIOUR_VERSION, "date": fields.Date.to_string(date),
                "months": company.cobranza_behaviour_months, "tolerance": company.cobranza_on_time_days}

    def _cobranza_history_changed(self, company, date, now):
        """The commercial customers of `company` whose settled history (``HISTORY``) on `date`
        may differ from the one of the last nightly computation (``cobranza_behaviour_mark``):
        their receivable items changed since (``cobranza.ledger.change``), or the window moved
        over one of their invoices or payments. None when every customer's may: no such
        computation, one computed another way or with another window or tolerance, an earlier
        date, a change of accounts, or a database whose transactions count again from below
        the mark's (`now`: this transaction's ``_mark``; a restored copy)."""
        mark = company.cobranza_behaviour_mark
        window = self._cobranza_behaviour_window(company, date)
        if not mark or now["xid"] < mark["xid"] or date < fields.Date.to_date(mark["date"]) or any(
                mark.get(key) != window[key] for key in ("version", "months", "tolerance")):
            return None
        changed = self.env["cobranza.ledger.change"]._unseen_customers(company, mark)
        if changed is None:
            return None
        since = fields.Date.to_date(mark["date"])
        start, since_start = (day - relativedelta(months=mark["months"]) for day in (date, since))
        self.env["account.move.line"].flush_model()
        self.env["account.partial.reconcile"].flush_model()
        # the invoices the window takes in (issued since) or lets go (settled a year before its
        # new start), and the payments it takes in (dated since) or lets go (before its new start)
        self.env.cr.execute(SQL(
            """
            SELECT l.partner_id FROM account_move_line l
             WHERE l.company_id = %(company)s AND %(receivable)s AND l.parent_state = 'posted' AND l.balance > 0
               AND (l.date > %(since)s AND l.date <= %(date)s
                    OR l.date >= %(since_start)s::date - 366 AND l.date < %(start)s::date - 366)
             UNION
            SELECT l.partner_id FROM account_partial_reconcile p
              JOIN account_move_line l ON l.id = p.debit_move_id
             WHERE (p.max_date > %(since)s AND p.max_date <= %(date)s
                    OR p.max_date >= %(since_start)s AND p.max_date < %(start)s)
               AND l.company_id = %(company)s AND %(receivable)s
            """,
            company=company.id, receivable=ledger_sql.on_receivable("l"), date=date, since=since,
            start=start, since_start=since_start,
        ))
        return changed | {row[0] for row in self.env.cr.fetchall()}

    def _cobranza_receivable_customers(self, company, date):
        """Commercial customers with a receivable in `company` that was open at some point of
        the payment history window, and those whose behaviour was computed before (so that a
        customer leaving the window is brought up to date): one query."""
        start = date - relativedelta(months=company.cobranza_behaviour_months)
        self.env["account.move.line"].flush_model(["partner_id", "company_id", "account_id", "parent_state",
                                                   "date", "reconciled"])
        self.flush_model(["cobranza_behaviour_date"])
        self.env.cr.execute(SQL(
            """
            SELECT DISTINCT l.partner_id
              FROM account_move_line l
              JOIN res_partner p ON p.id = l.partner_id
             WHERE l.company_id = %s AND %s AND l.parent_state = 'posted'
               AND l.date <= %s AND (l.date >= %s OR NOT l.reconciled)
               AND (p.company_id IS NULL OR p.company_id = %s)
             UNION
            SELECT id FROM res_partner WHERE cobranza_behaviour_date ? %s
             ORDER BY 1
            """,
            company.id, ledger_sql.on_receivable("l"), date, start, company.id, str(company.id),
        ))
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    def _cobranza_risk_weight(self):
        """Weight of the customer in the worklist priority: its segment's risk factor, up to
        doubled by its risk score."""
        self.ensure_one()
        return (self.cobranza_segment_id.risk_factor or 1.0) * (1.0 + (self.cobranza_risk_score or 0.0))
