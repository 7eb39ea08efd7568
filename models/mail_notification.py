from odoo import models


class MailNotification(models.Model):
    _inherit = "mail.notification"

    def write(self, vals):
        """EXTENDS mail: when Odoo's queues deliver, fail or bounce an email or an SMS, the
        collection contact that sent it follows (``cobranza.contact._sync_delivery``)."""
        result = super().write(vals)
        if "notification_status" in vals:
            self.env["cobranza.contact"]._sync_delivery(self.mail_message_id)
        return result
