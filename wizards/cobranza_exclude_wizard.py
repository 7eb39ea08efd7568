from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..engine.ladder import PAID_PAYMENT_STATES


class CobranzaExcludeWizard(models.TransientModel):
    """Take a customer, or some of its invoices, out of the collection ladder with a reason."""

    _name = "cobranza.exclude.wizard"
    _inherit = "cobranza.wizard.mixin"
    _description = "Exclude from Collection"

    scope = fields.Selection(
        [("customer", "The whole customer"), ("invoices", "Only these invoices")],
        required=True,
        default="customer",
    )
    reason = fields.Char(required=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get("default_move_ids"):
            values["scope"] = "invoices"
        return values

    def action_confirm(self):
        self.ensure_one()
        if not (self.reason or "").strip():
            raise UserError(_("Give the reason of the exclusion: it stays in the customer's history."))
        if self.scope == "customer":
            self.partner_id.write({"cobranza_no_chase": True, "cobranza_no_chase_reason": self.reason})
        else:
            if not self.move_ids:
                raise UserError(_("Select the invoices to exclude."))
            self._validate_moves()
            if any(m.payment_state in PAID_PAYMENT_STATES for m in self.move_ids):
                raise UserError(_("A paid invoice is already out of the collection ladder."))
            for move in self.move_ids.filtered(lambda m: m.payment_state != "blocked"):
                move.action_toggle_block_payment()
            self.move_ids.cobranza_exclusion_note = self.reason
            self.move_ids._message_log_batch(bodies={
                move.id: Markup("<p>%s</p>") % _("Excluded from collection: %s", self.reason)
                for move in self.move_ids
            })
        self._refresh()
        return {"type": "ir.actions.act_window_close"}
