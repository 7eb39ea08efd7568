from odoo import api, models

from ..engine import ladder
from ..engine.ladder import OPEN_PAYMENT_STATES


class AccountMove(models.Model):
    """The daily run's adapter on invoices: their snapshot for the engine (open invoices,
    holds), and the collection state the run stores on them."""

    _inherit = "account.move"

    # ------------------------------------------------------------------ daily run adapter
    # what the run reads of an open invoice: fetched alone (an invoice has a hundred columns)
    _COBRANZA_RUN_FIELDS = [
        "commercial_partner_id", "company_id", "invoice_date_due", "invoice_date", "date", "payment_state",
        "amount_residual_signed", "cobranza_policy_id", "cobranza_level_id", "cobranza_legal", "cobranza_escalate",
        "cobranza_stage", "cobranza_exclusion", "cobranza_next_level_id", "cobranza_next_date",
        "cobranza_last_contact_date", "cobranza_fee_origin_id",
    ]

    @api.model
    def _cobranza_open_invoices(self, partners, company):
        return self.search_fetch([
            ("company_id", "=", company.id),
            ("commercial_partner_id", "in", partners.ids),
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            "|", ("payment_state", "in", OPEN_PAYMENT_STATES),
            # paid since the last evaluation: recorded once as paid
            "&", ("cobranza_stage", "=", "paid"), ("cobranza_exclusion", "=", False),
        ], self._COBRANZA_RUN_FIELDS, order="invoice_date_due, id")

    def _cobranza_holds(self):
        """``{move id: 'dispute' | 'plan' | 'promise'}``: invoices whose ladder is paused by an
        open dispute, a running payment plan or an open promise (three queries)."""
        if not self.ids:
            return {}
        holds = {}
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

    def _cobranza_engine_invoice(self, policy, holds):
        self.ensure_one()
        return ladder.Invoice(
            id=self.id,
            due=self.invoice_date_due or self.invoice_date or self.date,
            residual=self.amount_residual_signed,
            policy=policy,
            reached_offset=self.cobranza_level_id.offset_days if self.cobranza_level_id else None,
            payment_state=self.payment_state,
            hold=holds.get(self.id),
            legal=self.cobranza_legal,
            escalate=self.cobranza_escalate,
        )

    def _cobranza_write_states(self, plan, date, reached):
        """Store the evaluation of `plan` on the invoices in one statement.

        `reached`: ``{invoice id: level id}`` of the levels applied today (None: failed).
        Returns ``{invoice id: (stage, level id)}`` as stored afterwards."""
        rows, held = [], {}
        for move in self:
            state = plan.invoices.get(move.id)
            if state is None:
                held[move.id] = (move.cobranza_stage, move.cobranza_level_id.id)
                continue
            level_id = reached.get(move.id, False)
            row = (
                move.id, state.stage, state.exclusion, state.next_level_id, state.next_date,
                level_id or move.cobranza_level_id.id or None,
                date if level_id else move.cobranza_last_contact_date or None,
            )
            legal = move.cobranza_legal
            stored = (
                move.id, "legal" if legal else move.cobranza_stage, "legal" if legal else move.cobranza_exclusion or None,
                None if legal else move.cobranza_next_level_id.id or None, None if legal else move.cobranza_next_date or None,
                move.cobranza_level_id.id or None, move.cobranza_last_contact_date or None,
            )
            held[move.id] = ("legal" if legal else state.stage, row[5])
            if row != stored or level_id:
                rows.append(row)  # only what changed: a day with nothing new writes nothing
        if not rows:
            return held
        self.flush_model()
        values = ", ".join(["(%s, %s, %s, %s::int, %s::date, %s::int, %s::date)"] * len(rows))
        self.env.cr.execute(
            f"""
            UPDATE account_move m
               SET cobranza_stage = CASE WHEN m.cobranza_legal THEN 'legal' ELSE v.stage END,
                   cobranza_exclusion = CASE WHEN m.cobranza_legal THEN 'legal' ELSE v.exclusion END,
                   cobranza_next_level_id = CASE WHEN m.cobranza_legal THEN NULL ELSE v.next_level END,
                   cobranza_next_date = CASE WHEN m.cobranza_legal THEN NULL ELSE v.next_date END,
                   cobranza_level_id = v.level, cobranza_last_contact_date = v.last_contact,
                   cobranza_escalate = m.cobranza_escalate AND v.level IS NOT DISTINCT FROM m.cobranza_level_id
              FROM (VALUES {values}) AS v(id, stage, exclusion, next_level, next_date, level, last_contact)
             WHERE m.id = v.id
            """,
            [value for row in rows for value in row],
        )
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
