from odoo import api, fields, models
from odoo.tools.sql import create_index


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    def init(self):
        """Extends: the KPIs read the reconciliations of a period (and those after a day) by
        their date."""
        super().init()
        create_index(self.env.cr, "account_partial_reconcile_cobranza_max_date_idx", self._table, ["max_date"])

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        self.env["cobranza.ledger.change"]._record_partials(partials)
        # Whatever the way an invoice gets paid (payment, bank statement, portal), thank the
        # customer when a reminded overdue invoice is now fully paid.
        moves = (partials.debit_move_id.move_id | partials.credit_move_id.move_id).filtered(
            lambda m: m.move_type == "out_invoice" and m.cobranza_level_id and not m.cobranza_thanked
        )
        if moves:
            moves._cobranza_thank()
        # a payment on a plan's invoice (portal, bank, cashier) advances the plan at once
        invoices = (partials.debit_move_id.move_id | partials.credit_move_id.move_id).filtered(
            lambda m: m.move_type == "out_invoice")
        if invoices:
            plans = self.env["cobranza.payment.plan"].sudo().search(
                [("state", "=", "active"), ("move_ids", "in", invoices.ids)])
            for company in plans.company_id:
                company_plans = plans.filtered(lambda p: p.company_id == company)
                company_plans._evaluate(fields.Date.context_today(company_plans.with_company(company)))
        return partials

    def unlink(self):
        """Extends: unmatching changes the receivable ledger from the reconciliation's date on."""
        self.env["cobranza.ledger.change"]._record_partials(self)
        return super().unlink()
