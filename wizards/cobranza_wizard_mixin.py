from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..engine.ladder import ACTIONABLE_PAYMENT_STATES


def dialog_action(wizard_model, context):
    """Window action opening the wizard `wizard_model` in a dialog."""
    return {
        "type": "ir.actions.act_window",
        "name": wizard_model._description,
        "res_model": wizard_model._name,
        "view_mode": "form",
        "target": "new",
        "context": context,
    }


class CobranzaWizardMixin(models.AbstractModel):
    """Shared plumbing of the collectors' quick actions on a customer and its invoices."""

    _name = "cobranza.wizard.mixin"
    _description = "Collections Quick Action"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    move_ids = fields.Many2many(
        "account.move",
        string="Invoices",
        domain="[('commercial_partner_id', '=', partner_id), ('company_id', '=', company_id),"
        " ('move_type', '=', 'out_invoice'), ('state', '=', 'posted'),"
        f" ('payment_state', 'in', {ACTIONABLE_PAYMENT_STATES})]",
    )

    @api.model
    def _open_for(self, records):
        """Window action of this wizard for customers or invoices `records`."""
        if records._name == "account.move":
            partners = records.commercial_partner_id
            moves = records
        else:
            partners = records.commercial_partner_id
            moves = self.env["account.move"]
        if len(partners) != 1 and not self._multi_partner:
            raise UserError(_("Select the invoices or the customer of one customer at a time."))
        context = {"default_partner_id": partners[:1].id}
        if moves:
            context["default_move_ids"] = moves.ids
        return dialog_action(self, context)

    _multi_partner = False

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if values.get("partner_id") and "move_ids" in fields_list and not values.get("move_ids"):
            partner = self.env["res.partner"].browse(values["partner_id"])
            moves = self.env["account.move"]._cobranza_open_invoices(partner, self.env.company)
            values["move_ids"] = [fields.Command.set(
                moves.filtered(lambda m: m.payment_state in ACTIONABLE_PAYMENT_STATES).ids)]
        return values

    def _validate_moves(self):
        self.move_ids._cobranza_ensure_owner(self.partner_id, self.company_id)

    def _refresh(self):
        self.env["res.partner"]._cobranza_refresh(self.partner_id, self.company_id)
