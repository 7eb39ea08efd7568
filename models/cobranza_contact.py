from odoo import _, api, fields, models
from odoo.exceptions import UserError

CHANNELS = [
    ("email", "Email"),
    ("sms", "SMS"),
    ("whatsapp", "WhatsApp"),
    ("call", "Call"),
    ("letter", "Letter"),
    ("visit", "Visit"),
    ("other", "Other"),
]
OUTCOMES = [
    ("no_answer", "No answer"),
    ("promise", "Promise to pay"),
    ("dispute", "Dispute"),
    ("paid", "Says it is paid"),
    ("wrong_number", "Wrong number"),
    ("call_back", "Call back later"),
    ("reached", "Customer reached"),
]
# Fields that describe what happened: frozen once the contact is sent.
FROZEN_FIELDS = {"partner_id", "move_ids", "level_id", "channel", "date", "author_id", "run_id",
                 "outcome", "note", "mail_message_id", "sms_ids", "company_id"}


class CobranzaContact(models.Model):
    """One contact with a customer about its debt, automatic or by a person: the audit trail."""

    _name = "cobranza.contact"
    _description = "Collection Contact"
    _order = "date desc, id desc"
    _rec_name = "partner_id"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="restrict"
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    move_ids = fields.Many2many(
        "account.move",
        "cobranza_contact_account_move_rel",
        "contact_id",
        "move_id",
        string="Invoices",
        check_company=True,
    )
    level_id = fields.Many2one("cobranza.policy.level", string="Level", index=True, ondelete="set null")
    channel = fields.Selection(CHANNELS, required=True, default="call")
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    run_date = fields.Date(
        string="Run Date", help="Reference date of the daily run that made this contact."
    )
    author_id = fields.Many2one(
        "res.users", string="Author", default=lambda self: self.env.user, ondelete="restrict"
    )
    run_id = fields.Many2one("cobranza.run", string="Run", index=True, ondelete="restrict")
    state = fields.Selection(
        [
            ("planned", "Planned"),
            ("sent", "Done"),
            ("failed", "Failed"),
            ("deferred", "Deferred"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        default="sent",
        index=True,
    )
    outcome = fields.Selection(OUTCOMES)
    note = fields.Text()
    callback_date = fields.Date(string="Call Back On")
    amount_due = fields.Monetary(
        currency_field="company_currency_id", help="Amount due of the listed invoices at the contact."
    )
    company_currency_id = fields.Many2one(related="company_id.currency_id")
    mail_message_id = fields.Many2one("mail.message", string="Message", ondelete="set null")
    sms_ids = fields.Many2many("sms.sms", string="SMS")
    activity_id = fields.Many2one("mail.activity", string="Task", ondelete="set null")
    body = fields.Html(string="Letter Text", sanitize_style=True)
    scheduled_at = fields.Datetime(
        string="Scheduled For", index=True,
        help="A deferred contact is sent at this moment, the first one the contact rules allow.",
    )
    defer_reason = fields.Selection(
        [("hours", "Outside the allowed hours"), ("holiday", "Public holiday"),
         ("weekly_cap", "Weekly limit reached"), ("daily_cap", "Daily limit reached"),
         ("min_days", "Too soon after the previous contact"), ("consent", "No consent for the channel")],
        string="Deferred Because",
    )
    override_by_id = fields.Many2one("res.users", string="Rule Overridden By", readonly=True)
    override_reason = fields.Char(string="Override Reason", readonly=True)

    _sql_constraints = [
        (
            "run_contact_unique",
            "UNIQUE (partner_id, level_id, run_date, channel, company_id)",
            "The daily run already contacted this customer for this level on this date.",
        ),
    ]

    @api.depends("partner_id", "channel", "date")
    def _compute_display_name(self):
        channels = dict(self._fields["channel"]._description_selection(self.env))
        for contact in self:
            contact.display_name = f"{contact.partner_id.name} · {channels.get(contact.channel, '')}"

    def write(self, vals):
        frozen = FROZEN_FIELDS.intersection(vals)
        if frozen and not self.env.su and any(c.state in ("sent", "failed") for c in self):
            raise UserError(_("A contact that took place is part of the audit trail and cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        if not self.env.su:
            raise UserError(_("Contacts are the audit trail of collections: they cannot be deleted."))

    def _complete(self, outcome=False, note=False):
        """Mark planned contacts (tasks, letters) as done now by the current user."""
        vals = {"state": "sent", "date": fields.Datetime.now(), "author_id": self.env.user.id}
        if outcome:
            vals["outcome"] = outcome
        if note:
            vals["note"] = note
        self.filtered(lambda c: c.state in ("planned", "deferred")).write(vals)

    @api.model
    def _cron_send_deferred(self, limit=500):
        """Send the deferred contacts whose moment came (the contact rules allow it now)."""
        due = self.sudo().search([("state", "=", "deferred"), ("scheduled_at", "<=", fields.Datetime.now())],
                                 limit=limit, order="scheduled_at, id")
        for contact in due:
            try:
                with self.env.cr.savepoint():
                    values = contact.level_id.with_company(contact.company_id)._cobranza_send(
                        contact.channel, contact.partner_id, contact.move_ids)
                    contact.write(values)
            except Exception as error:  # noqa: BLE001 - one contact never blocks the others
                contact.write({"state": "failed", "note": str(error)})
        return due

    def action_print_letters(self):
        letters = self.filtered(lambda c: c.channel == "letter" and c.state in ("planned", "sent"))
        if not letters:
            raise UserError(_("Select at least one letter to print."))
        letters.filtered(lambda c: c.state == "planned")._complete()
        return self.env.ref("account_cobranza.action_report_cobranza_letter").report_action(letters)

    def action_cancel(self):
        if any(c.state not in ("planned", "deferred") for c in self):
            raise UserError(_("Only planned or deferred contacts can be cancelled."))
        self.write({"state": "cancelled"})
        self.activity_id.unlink()
