from werkzeug.urls import url_encode

from odoo import _, api, fields, models
from odoo.exceptions import UserError


class CobranzaWhatsappWizard(models.TransientModel):
    """Open WhatsApp (click-to-chat) with the reminder text prefilled, and log the contact."""

    _name = "cobranza.whatsapp.wizard"
    _inherit = "cobranza.wizard.mixin"
    _description = "Remind by WhatsApp"

    number = fields.Char(compute="_compute_number", string="Mobile (E.164)")
    text = fields.Text(compute="_compute_text", store=True, readonly=False, required=True)
    override_reason = fields.Char(
        string="Override Reason",
        help="Collections Managers only: contact although the contact rules forbid it now (logged).",
    )

    @api.depends("partner_id")
    def _compute_number(self):
        for wizard in self:
            wizard.number = wizard.partner_id and wizard.partner_id._cobranza_sms_numbers().get(
                wizard.partner_id.commercial_partner_id.id)

    @api.depends("partner_id", "move_ids")
    def _compute_text(self):
        default = self.env.ref("account_cobranza.sms_template_cobranza_overdue", raise_if_not_found=False)
        for wizard in self:
            partner = wizard.partner_id._origin
            # the text of the customer's current level when it has one, else the overdue SMS
            template = partner.with_company(wizard.company_id).cobranza_level_id.sms_template_id or default
            if not partner or not template:
                wizard.text = False
                continue
            partner = partner.with_company(wizard.company_id).with_context(
                cobranza_move_ids={partner.id: wizard.move_ids._origin.ids})
            wizard.text = template._render_field("body", partner.ids, compute_lang=True)[partner.id]

    def action_open(self):
        self.ensure_one()
        self._validate_moves()
        if not self.number:
            raise UserError(_("%s has no valid mobile number for WhatsApp.", self.partner_id.display_name))
        partner = self.partner_id.with_company(self.company_id)
        override = partner._cobranza_contact_allowed("whatsapp", self.override_reason)
        self.env["cobranza.contact"].create({
            **override,
            "partner_id": partner.id,
            "company_id": self.company_id.id,
            "move_ids": [fields.Command.set(self.move_ids.ids)],
            "channel": "whatsapp",
            "state": "sent",
            "note": self.text,
            "amount_due": sum(self.move_ids.mapped("amount_residual_signed")),
        })
        digits = "".join(ch for ch in self.number if ch.isdigit())
        return {"type": "ir.actions.act_url", "url": f"https://wa.me/{digits}?{url_encode({'text': self.text})}",
                "target": "new"}
