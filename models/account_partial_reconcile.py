from odoo import api, models


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        # Whatever the way an invoice gets paid (payment, bank statement, portal), thank the
        # customer when a reminded overdue invoice is now fully paid.
        moves = (partials.debit_move_id.move_id | partials.credit_move_id.move_id).filtered(
            lambda m: m.move_type == "out_invoice" and m.cobranza_level_id and not m.cobranza_thanked
        )
        if moves:
            moves._cobranza_send_thank_you()
        return partials
