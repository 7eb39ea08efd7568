from odoo import api, fields, models

from .cobranza_wizard_mixin import dialog_action


class CobranzaAssignWizard(models.TransientModel):
    """Give customers to a collector."""

    _name = "cobranza.assign.wizard"
    _description = "Assign Collector"

    partner_ids = fields.Many2many("res.partner", string="Customers", required=True)
    collector_id = fields.Many2one(
        "res.users", string="Collector", required=True, domain=[("share", "=", False)]
    )

    @api.model
    def _open_for(self, records):
        return dialog_action(self, {"default_partner_ids": records.commercial_partner_id.ids})

    def action_confirm(self):
        self.ensure_one()
        self.partner_ids.commercial_partner_id.cobranza_collector_id = self.collector_id
        return {"type": "ir.actions.act_window_close"}
