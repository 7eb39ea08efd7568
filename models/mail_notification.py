from odoo import api, models


class MailNotification(models.Model):
    _inherit = "mail.notification"

    @api.model_create_multi
    def create(self, vals_list):
        """EXTENDS mail: a notification born failed (no email address, no number) is the
        delivery status of its collection contact too."""
        notifications = super().create(vals_list)
        failed = notifications.filtered(lambda n: n.notification_status in ("exception", "bounce"))
        if failed:
            self.env["cobranza.contact"]._sync_delivery(failed.mail_message_id)
        return notifications

    def write(self, vals):
        """EXTENDS mail: when Odoo's queues deliver, fail or bounce an email or an SMS, the
        collection contact that sent it follows (``cobranza.contact._sync_delivery``)."""
        result = super().write(vals)
        if "notification_status" in vals:
            self.env["cobranza.contact"]._sync_delivery(self.mail_message_id)
        return result
