from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.cobranza_contact import OUTCOMES
from ..models.mail_activity import invoices_note
from ..utils.html import html_note, text_html


class CobranzaCallWizard(models.TransientModel):
    """Log a call with a customer and act on its outcome."""

    _name = "cobranza.call.wizard"
    _inherit = "cobranza.wizard.mixin"
    _description = "Log a Collection Call"

    outcome = fields.Selection(OUTCOMES, required=True, default="reached")
    note = fields.Text()
    callback_date = fields.Date(string="Call Back On")
    promise_date = fields.Date(string="Promised Payment Date")
    promise_amount = fields.Monetary(string="Promised Amount", currency_field="currency_id")
    phone = fields.Char(related="partner_id.phone")
    mobile = fields.Char(related="partner_id.mobile")
    amount_due = fields.Float(compute="_compute_amount_due", digits="Account")
    override_reason = fields.Char(
        string="Override Reason",
        help="Collections Managers only: log a call the contact rules forbid now (logged).",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")

    @api.depends("move_ids")
    def _compute_amount_due(self):
        for wizard in self:
            wizard.amount_due = sum(wizard.move_ids.mapped("amount_residual_signed"))

    def action_confirm(self):
        self.ensure_one()
        self._validate_moves()
        today = fields.Date.context_today(self)
        if self.outcome == "call_back" and (not self.callback_date or self.callback_date < today):
            raise UserError(_("Give the date to call the customer back (today or later)."))
        if self.outcome == "promise" and (not self.promise_date or self.promise_date < today):
            raise UserError(_("Give the date the customer promised to pay (today or later)."))
        if self.outcome in ("dispute", "promise") and not self.move_ids:
            raise UserError(_("Select the invoices the customer talks about."))
        partner = self.partner_id.with_company(self.company_id)
        override = partner._cobranza_contact_allowed("call", self.override_reason)
        Contact = self.env["cobranza.contact"]
        planned = Contact.search([
            ("partner_id", "=", partner.id), ("company_id", "=", self.company_id.id),
            ("channel", "=", "call"), ("state", "=", "planned"),
        ])
        values = {"outcome": self.outcome, "note": self.note or False,
                  "callback_date": self.callback_date or self.promise_date or False, **override}
        if planned:
            planned.write({"move_ids": [fields.Command.link(m.id) for m in self.move_ids]})
            planned._mark_done_by(self.env.user, self.outcome, self.note)
            planned.write({"callback_date": values["callback_date"], **override})
            planned.activity_id.action_feedback(feedback=self._summary())
            contact = planned[:1]
        else:
            contact = Contact.create({
                **values,
                "partner_id": partner.id,
                "company_id": self.company_id.id,
                "move_ids": [fields.Command.set(self.move_ids.ids)],
                "channel": "call",
                "state": "sent",
                "amount_due": self.amount_due,
            })
        self._apply_outcome(partner, today)
        partner.message_post(body=Markup("<p>%s</p>") % self._summary())
        self._refresh()
        return contact

    def _note_html(self):
        """The collector's note (plain text) for an HTML field: escaped, line breaks kept."""
        return text_html(self.note) if self.note else False

    def _follow_up_task(self, activity_type, deadline, summary):
        """The collector's own next step after the call: a task for the user on the phone."""
        self.env["mail.activity"]._cobranza_create([{
            "record": self.partner_id, "activity_type": activity_type, "deadline": deadline, "user": self.env.user,
            "compose": lambda reader: (summary(reader), self._note_html() or invoices_note(reader.env, self.move_ids)),
        }])

    def _compose_paid_task(self, partner):
        """The accountant's task of a customer who says on the phone it paid."""
        env = partner.env
        return env._("Find the payment %s says it made", partner.name), html_note(
            env._("%(customer)s says on the phone it paid %(invoices)s. %(note)s"), customer=partner.name,
            invoices=", ".join(self.move_ids.mapped("name")) or env._("its open invoices"), note=self.note or "")

    def _summary(self):
        outcome = dict(self._fields["outcome"]._description_selection(self.env))[self.outcome]
        text = _("Collection call: %(outcome)s.", outcome=outcome)
        if self.note:
            text = f"{text} {self.note}"
        return text

    def _apply_outcome(self, partner, today):
        """What the outcome changes: pause, follow-up task or exclusion of the invoices."""
        if self.outcome == "promise":
            self.env["cobranza.promise"].create({
                "partner_id": partner.id,
                "company_id": self.company_id.id,
                "move_ids": [fields.Command.set(self.move_ids.ids)],
                "amount": self.promise_amount or self.amount_due,
                "date": self.promise_date,
                "channel": "call",
                "origin": "collector",
                "note": self.note,
            })
        elif self.outcome == "call_back":
            partner.cobranza_snooze_until = self.callback_date
            self._follow_up_task("mail.mail_activity_data_call", self.callback_date,
                                 lambda reader: reader.env._("Call %s back", reader.name))
        elif self.outcome == "no_answer":
            self._follow_up_task("mail.mail_activity_data_call", today + timedelta(days=1),
                                 lambda reader: reader.env._("Try calling %s again", reader.name))
        elif self.outcome == "wrong_number":
            self._follow_up_task("mail.mail_activity_data_todo", today,
                                 lambda reader: reader.env._("Find the right phone number of %s", reader.name))
        elif self.outcome == "paid":
            # held as a reply saying it paid: the accountant looks for the payment meanwhile
            policy = self.move_ids[:1]._cobranza_resolve_policy().get(self.move_ids[:1]) \
                if self.move_ids else self.company_id.cobranza_policy_id
            partner._cobranza_payment_claimed(self.company_id, self._compose_paid_task, days=policy.reply_wait_days)
        elif self.outcome == "dispute":
            self.env["cobranza.dispute"].create([{
                "move_id": move.id,
                "reason": "other",
                "description": self.note or _("Disputed by phone."),
            } for move in self.move_ids])
