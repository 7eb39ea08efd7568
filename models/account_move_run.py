from collections import namedtuple

from odoo import api, models
from odoo.tools import SQL
from odoo.tools.sql import create_index

from ..engine import autopay, ladder
from ..utils import ledger_sql

# what the run reads of an invoice: its engine snapshot, then its stored collection state
OpenInvoice = namedtuple("OpenInvoice", [
    "id", "partner_id", "due", "residual", "payment_state", "policy_id", "reached_offset", "legal", "escalate",
    "stage", "exclusion", "next_level_id", "next_date", "level_id", "last_contact_date", "fee_origin_id",
    "currency_id", "residual_currency",
], defaults=(None,) * 9)
RUN_FIELDS = ["cobranza_policy_id", "cobranza_level_id", "cobranza_legal", "cobranza_escalate", "cobranza_stage",
              "cobranza_exclusion", "cobranza_next_level_id", "cobranza_next_date", "cobranza_last_contact_date",
              "cobranza_fee_origin_id"]


def engine_invoice(invoice, policy, holds):
    """The engine's view of an `OpenInvoice` under its `policy` (``ladder.Policy``)."""
    return ladder.Invoice(id=invoice.id, due=invoice.due, residual=invoice.residual, policy=policy,
                          reached_offset=invoice.reached_offset, payment_state=invoice.payment_state,
                          hold=holds.get(invoice.id), legal=bool(invoice.legal), escalate=bool(invoice.escalate),
                          currency=invoice.currency_id, residual_currency=invoice.residual_currency)


class AccountMove(models.Model):
    """The daily run's adapter on invoices: their snapshot for the engine (open invoices,
    holds), and the collection state the run stores on them."""

    _inherit = "account.move"

    def init(self):
        """Extends the table's indexes: a batch of the run reads the invoices of its customers
        (Odoo indexes no customer invoice by commercial partner: without it, every batch
        would scan the company's moves)."""
        super().init()
        create_index(self.env.cr, "account_move_cobranza_customer_index", self._table,
                     ["commercial_partner_id", "company_id"],
                     where="move_type = 'out_invoice' AND state = 'posted'")

    # ------------------------------------------------------------------ daily run adapter
    @api.model
    def _cobranza_open_invoices(self, partners, company):
        """The open invoices of `partners` in `company`, by due date, and those paid since
        their last evaluation (recorded once as paid)."""
        return self.browse(list(self._cobranza_run_invoices(partners, company)))

    @api.model
    def _cobranza_run_invoices(self, partners, company):
        """``{invoice id: OpenInvoice}`` of ``_cobranza_open_invoices`` in one query, without
        records: what the run reads of a thousand invoices per batch (an invoice has a
        hundred columns, and the engine needs fifteen)."""
        self.flush_model(["company_id", "commercial_partner_id", "move_type", "state", "payment_state",
                          "amount_residual_signed", "amount_residual", "currency_id", "invoice_date_due",
                          "invoice_date", "date", *RUN_FIELDS])
        self.env["cobranza.policy.level"].flush_model(["offset_days"])
        self.env.cr.execute(SQL(
            """
            SELECT m.id, m.commercial_partner_id, COALESCE(m.invoice_date_due, m.invoice_date, m.date),
                   m.amount_residual_signed, m.payment_state, m.cobranza_policy_id, level.offset_days,
                   m.cobranza_legal, m.cobranza_escalate, m.cobranza_stage, m.cobranza_exclusion,
                   m.cobranza_next_level_id, m.cobranza_next_date, m.cobranza_level_id,
                   m.cobranza_last_contact_date, m.cobranza_fee_origin_id, m.currency_id, m.amount_residual
              FROM account_move m
              LEFT JOIN cobranza_policy_level level ON level.id = m.cobranza_level_id
             WHERE m.company_id = %s AND m.commercial_partner_id = ANY(%s) AND %s
             ORDER BY m.invoice_date_due, m.id
            """, company.id, partners.ids, ledger_sql.run_invoices("m")))
        return {row[0]: OpenInvoice(*row) for row in self.env.cr.fetchall()}

    def _cobranza_holds(self, today=None):
        """``{move id: 'dispute' | 'plan' | 'promise' | 'autopay'}``: invoices whose ladder is
        paused on `today` by an open dispute, a running payment plan, an open promise or the
        customer's consent to charge them on their due dates (four queries)."""
        if not self.ids:
            return {}
        holds = dict.fromkeys(self._cobranza_autopay_held(today or self._cobranza_today()), "autopay")
        for model, domain, hold in (
            ("cobranza.promise", [("state", "=", "open")], "promise"),
            ("cobranza.payment.plan", [("state", "in", ("proposed", "active"))], "plan"),
        ):
            for record in self.env[model].sudo().search([("move_ids", "in", self.ids), *domain]):
                holds.update(dict.fromkeys(set(record.move_ids.ids) & set(self.ids), hold))
        disputes = self.env["cobranza.dispute"].sudo().search(
            [("move_id", "in", self.ids), ("state", "=", "open")])
        holds.update(dict.fromkeys(disputes.move_id.ids, "dispute"))
        return holds

    def _cobranza_autopay_held(self, today):
        """The ids of these invoices a consent charges on their due dates (``engine.autopay.
        charges_it``): their reminders wait for the charge and its retries. One query."""
        ids = [id_ for id_ in self.ids if isinstance(id_, int)]  # an invoice being edited has none
        if not ids:
            return []
        self.env["cobranza.autopay"].flush_model()
        self.env["cobranza.charge"].flush_model()
        self.env.cr.execute(SQL(
            """SELECT m.id, m.invoice_date_due, c.accepted_date::date, c.retry_days,
                      EXISTS (SELECT 1 FROM cobranza_charge ch
                               WHERE ch.move_id = m.id AND ch.state IN ('charging', 'pending'))
                 FROM account_move m
                 JOIN cobranza_autopay c ON c.partner_id = m.commercial_partner_id AND c.company_id = m.company_id
                                        AND c.state = 'active' AND c.plan_id IS NULL
                WHERE m.id = ANY(%s) AND m.invoice_date_due IS NOT NULL""", ids))
        return [move_id for move_id, due, accepted, retry, waiting in self.env.cr.fetchall()
                if autopay.charges_it(due, accepted, today, autopay.parse_retry_days(retry), waiting)]

    def _cobranza_engine_invoice(self, policy, holds):
        self.ensure_one()
        return engine_invoice(OpenInvoice(
            id=self.id, partner_id=self.commercial_partner_id.id, due=self.invoice_date_due or self.invoice_date or self.date,
            residual=self.amount_residual_signed, payment_state=self.payment_state, policy_id=self.cobranza_policy_id.id,
            reached_offset=self.cobranza_level_id.offset_days if self.cobranza_level_id else None,
            legal=self.cobranza_legal, escalate=self.cobranza_escalate, currency_id=self.currency_id.id,
            residual_currency=self.amount_residual), policy, holds)

    @api.model
    def _cobranza_write_states(self, invoices, plan, date, reached):
        """Store the evaluation of `plan` on `invoices` (``_cobranza_run_invoices``) in one
        statement.

        `reached`: ``{invoice id: level id}`` of the levels applied today (None: failed).
        Returns ``{invoice id: (stage, level id)}`` as stored afterwards."""
        rows, held = [], {}
        for invoice in invoices.values():
            state = plan.invoices.get(invoice.id)
            if state is None:
                held[invoice.id] = (invoice.stage, invoice.level_id)
                continue
            level_id = reached.get(invoice.id, False)
            row = (
                invoice.id, state.stage, state.exclusion, state.next_level_id, state.next_date,
                level_id or invoice.level_id or None,
                date if level_id else invoice.last_contact_date or None,
            )
            legal = invoice.legal
            stored = (
                invoice.id, "legal" if legal else invoice.stage, "legal" if legal else invoice.exclusion or None,
                None if legal else invoice.next_level_id or None, None if legal else invoice.next_date or None,
                invoice.level_id or None, invoice.last_contact_date or None,
            )
            held[invoice.id] = ("legal" if legal else state.stage, row[5])
            if row != stored or level_id:
                rows.append(row)  # only what changed: a day with nothing new writes nothing
        if not rows:
            return held
        self.flush_model()
        columns = list(zip(*rows))  # one array per column: a statement of seven parameters
        self.env.cr.execute(SQL(
            """
            UPDATE account_move m
               SET cobranza_stage = CASE WHEN m.cobranza_legal THEN 'legal' ELSE v.stage END,
                   cobranza_exclusion = CASE WHEN m.cobranza_legal THEN 'legal' ELSE v.exclusion END,
                   cobranza_next_level_id = CASE WHEN m.cobranza_legal THEN NULL ELSE v.next_level END,
                   cobranza_next_date = CASE WHEN m.cobranza_legal THEN NULL ELSE v.next_date END,
                   cobranza_level_id = v.level, cobranza_last_contact_date = v.last_contact,
                   cobranza_escalate = m.cobranza_escalate AND v.level IS NOT DISTINCT FROM m.cobranza_level_id
              FROM unnest(%s::int[], %s::varchar[], %s::varchar[], %s::int[], %s::date[], %s::int[], %s::date[])
                   AS v(id, stage, exclusion, next_level, next_date, level, last_contact)
             WHERE m.id = v.id
            """, *map(list, columns)))
        self.invalidate_model([
            "cobranza_stage", "cobranza_exclusion", "cobranza_next_level_id", "cobranza_next_date",
            "cobranza_level_id", "cobranza_last_contact_date", "cobranza_escalate",
        ])
        return held

    def _cobranza_hand_to_legal(self, date):
        """Hand these invoices to legal on `date`: automatic contacts stop (one statement; the
        run stores their stage in the same transaction)."""
        if not self:
            return
        self.flush_model(["cobranza_legal", "cobranza_legal_date"])
        self.env.cr.execute("UPDATE account_move SET cobranza_legal = TRUE, cobranza_legal_date = %s WHERE id = ANY(%s)",
                            [date, self.ids])
        self.invalidate_recordset(["cobranza_legal", "cobranza_legal_date"])
