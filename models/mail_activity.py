from odoo import models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    def _action_done(self, feedback=False, attachment_ids=None):
        # A collector task marked done from the chatter completes its planned contact.
        contacts = self.env["cobranza.contact"].sudo().search([
            ("activity_id", "in", self.ids), ("state", "=", "planned"),
        ])
        contacts._complete(note=feedback or False)
        return super()._action_done(feedback=feedback, attachment_ids=attachment_ids)
