from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..engine import netting


class CobranzaReminderWizard(models.TransientModel):
    """Send a reminder now, on any channel, with a preview the collector can edit."""

    _name = "cobranza.reminder.wizard"
    _inherit = "cobranza.wizard.mixin"
    _description = "Send a Collection Reminder"

    channel = fields.Selection(
        [("email", "Email"), ("sms", "SMS"), ("letter", "Letter")], required=True, default="email"
    )
    level_id = fields.Many2one(
        "cobranza.policy.level",
        string="Level",
        help="Record the reminder as this level of the ladder: the daily run will not send it again.",
    )
    mail_template_id = fields.Many2one(
        "mail.template", string="Email Template", domain=[("model", "=", "res.partner")],
        compute="_compute_templates", store=True, readonly=False,
    )
    sms_template_id = fields.Many2one(
        "sms.template", string="SMS Template", domain=[("model", "=", "res.partner")],
        compute="_compute_templates", store=True, readonly=False,
    )
    subject = fields.Char(compute="_compute_preview", store=True, readonly=False)
    body = fields.Html(compute="_compute_preview", store=True, readonly=False, sanitize_style=True)
    sms_body = fields.Text(string="SMS Text", compute="_compute_preview", store=True, readonly=False)
    attach_invoices = fields.Boolean(string="Attach Invoices")
    override_reason = fields.Char(
        string="Override Reason",
        help="Collections Managers only: send although the contact rules forbid it now (logged).",
    )

    @api.depends("level_id", "channel")
    def _compute_templates(self):
        for wizard in self:
            level = wizard.level_id
            wizard.mail_template_id = level.mail_template_id or wizard.mail_template_id or self.env.ref(
                "account_cobranza.mail_template_cobranza_overdue_firm", raise_if_not_found=False)
            wizard.sms_template_id = level.sms_template_id or wizard.sms_template_id or self.env.ref(
                "account_cobranza.sms_template_cobranza_overdue", raise_if_not_found=False)

    @api.depends("mail_template_id", "sms_template_id", "move_ids", "channel")
    def _compute_preview(self):
        for wizard in self:
            partner = wizard._render_partner()
            if not partner:
                wizard.subject = wizard.body = wizard.sms_body = False
                continue
            if wizard.mail_template_id:
                template = wizard.mail_template_id
                wizard.subject = template._render_field("subject", partner.ids, compute_lang=True)[partner.id]
                wizard.body = template._render_field("body_html", partner.ids, compute_lang=True)[partner.id]
            if wizard.sms_template_id:
                wizard.sms_body = wizard.sms_template_id._render_field(
                    "body", partner.ids, compute_lang=True)[partner.id]

    def _render_partner(self):
        partner = self.partner_id._origin or self.partner_id
        if not partner:
            return partner
        return partner.with_company(self.company_id).with_context(
            cobranza_move_ids={partner.id: self.move_ids._origin.ids or self.move_ids.ids}
        )

    def action_send(self):
        """Plan the reminder as the collector wrote it and carry it out now."""
        self.ensure_one()
        self._validate_moves()
        if not self.move_ids:
            raise UserError(_("Select at least one invoice to remind the customer of."))
        partner = self._render_partner()
        override = {} if self.channel == "letter" else partner._cobranza_contact_allowed(self.channel, self.override_reason)
        credits = [list(pair) for pair in partner._cobranza_credit_pairs() if pair[1] in self.move_ids.ids]
        covered = netting.covered(credits)
        vals = {
            **override,
            "partner_id": partner.id,
            "company_id": self.company_id.id,
            "move_ids": [fields.Command.set(self.move_ids.ids)],
            "level_id": self.level_id.id,
            "channel": self.channel,
            "action": self.channel,
            "channel_reason": "person",
            "author_id": self.env.user.id,
            "amount_due": sum(netting.net(move.amount_residual_signed, move.amount_residual, covered.get(move.id, 0.0))
                              for move in self.move_ids),
            "credit_allocation": credits or False,
        }
        if self.channel == "email":
            if not (self.body and self.subject):
                raise UserError(_("Write the subject and the text of the email."))
            if not any(partner._cobranza_reminder_partners().mapped("email")):
                raise UserError(_("%s has no email address.", partner.display_name))
            vals.update(subject=self.subject, body=self.body, attach_invoices=self.attach_invoices)
        elif self.channel == "sms":
            if not (self.sms_body or "").strip():
                raise UserError(_("Write the text of the SMS."))
            if not partner._cobranza_sms_numbers().get(partner.id):
                raise UserError(_("%s has no valid mobile number for an SMS.", partner.display_name))
            vals.update(sms_body=self.sms_body)
        else:
            vals.update(body=self.body)
        contact = self.env["cobranza.contact"]._plan([vals])
        if self.level_id:
            self.move_ids._cobranza_mark_level(self.level_id)
        contact._dispatch()
        if contact.state == "failed":
            raise UserError(_("The reminder could not be sent: %s", contact.note))
        self._refresh()
        if self.channel == "letter":
            return contact.action_print_letters()
        return {"type": "ir.actions.act_window_close"}
