from markupsafe import Markup

from odoo import _, fields, models
from odoo.exceptions import UserError


class CobranzaSnoozeWizard(models.TransientModel):
    """Pause the automatic reminders of a customer until a date."""

    _name = "cobranza.snooze.wizard"
    _inherit = "cobranza.wizard.mixin"
    _description = "Snooze Collection"

    date = fields.Date(string="Snooze Until", required=True)
    note = fields.Char(string="Reason")

    def action_confirm(self):
        self.ensure_one()
        if self.date <= fields.Date.context_today(self):
            raise UserError(_("Choose a date after today to snooze the reminders."))
        partner = self.partner_id.with_company(self.company_id)
        partner.cobranza_snooze_until = self.date
        partner.message_post(body=Markup("<p>%s</p>") % _(
            "Collection reminders snoozed until %(date)s. %(note)s",
            date=fields.Date.to_string(self.date), note=self.note or ""))
        self._refresh()
        return {"type": "ir.actions.act_window_close"}
