from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.cobranza_contact import CHANNELS


class CobranzaPromiseWizard(models.TransientModel):
    """Record a customer's promise to pay."""

    _name = "cobranza.promise.wizard"
    _inherit = "cobranza.wizard.mixin"
    _description = "Log a Promise to Pay"

    date = fields.Date(
        string="Promised Date", required=True,
        default=lambda self: fields.Date.context_today(self) + timedelta(days=7),
    )
    amount = fields.Monetary(compute="_compute_amount", store=True, readonly=False, required=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    channel = fields.Selection(CHANNELS, default="call", required=True)
    note = fields.Text()

    @api.depends("move_ids")
    def _compute_amount(self):
        for wizard in self:
            wizard.amount = sum(wizard.move_ids.mapped("amount_residual_signed"))

    def action_create(self):
        self.ensure_one()
        self._validate_moves()
        if not self.move_ids:
            raise UserError(_("Select the invoices the customer promises to pay."))
        return self.env["cobranza.promise"].create({
            "partner_id": self.partner_id.id,
            "company_id": self.company_id.id,
            "move_ids": [fields.Command.set(self.move_ids.ids)],
            "amount": self.amount,
            "date": self.date,
            "channel": self.channel,
            "origin": "collector",
            "note": self.note,
        })
