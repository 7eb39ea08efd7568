from datetime import timedelta

from odoo import _, fields, models
from odoo.exceptions import UserError

from ..models.cobranza_dispute import REASONS


class CobranzaDisputeWizard(models.TransientModel):
    """Open a dispute on one or more invoices of a customer."""

    _name = "cobranza.dispute.wizard"
    _inherit = "cobranza.wizard.mixin"
    _description = "Open a Dispute"

    reason = fields.Selection(REASONS, required=True, default="other")
    description = fields.Text(required=True)
    attachment_ids = fields.Many2many("ir.attachment", string="Attachments")
    deadline = fields.Date(required=True, default=lambda self: fields.Date.context_today(self) + timedelta(days=7))

    def action_create(self):
        self.ensure_one()
        self._validate_moves()
        if not self.move_ids:
            raise UserError(_("Select the disputed invoices."))
        if not (self.description or "").strip():
            raise UserError(_("Describe what the customer contests."))
        return self.env["cobranza.dispute"].create([{
            "move_id": move.id,
            "reason": self.reason,
            "description": self.description,
            "deadline": self.deadline,
            "attachment_ids": [fields.Command.set(self.attachment_ids.ids)],
        } for move in self.move_ids])
