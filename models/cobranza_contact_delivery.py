"""Delivery status: what became of a message after its executor put it in a queue or sent
it. Emails and SMS are followed from Odoo's notifications (mail_notification.py calls
``_sync_delivery``), WhatsApp messages from the receipts its webhook brings
(res_company_whatsapp.py calls ``_follow_whatsapp_receipts``). A message not delivered plans
the level's next channel (``_plan_fallbacks``).
"""
from collections import defaultdict
from datetime import timedelta

from odoo import _, api, fields, models

# an email or SMS whose delivery failed this way is retried (the mail server or the SMS
# service was unreachable); any other failure is final
TRANSIENT_FAILURES = ("mail_smtp", "sms_server")
MAX_DELIVERY_ATTEMPTS = 5
# how far a message went: a status never steps back (a failure is apart: final)
DELIVERY_RANK = {"sending": 0, "queued": 1, "sent": 2, "delivered": 3, "read": 4}


class CobranzaContact(models.Model):
    _inherit = "cobranza.contact"

    # ------------------------------------------------------------------ delivery
    @api.model
    def _sync_delivery(self, messages):
        """Follow the real fate of the emails and SMS of `messages` (Odoo's notifications):
        delivered, still in the queue, failing for a passing reason (retried), or not
        delivered (the contact fails, with the error, and its next channel is planned)."""
        contacts = self.sudo().search([("mail_message_id", "in", messages.ids), ("action", "in", ("email", "sms"))])
        if not contacts:
            return
        notifications = defaultdict(list)
        for notif in self.env["mail.notification"].sudo().search_read(
                [("mail_message_id", "in", contacts.mail_message_id.ids)],
                ["mail_message_id", "notification_status", "failure_type", "failure_reason"]):
            notifications[notif["mail_message_id"][0]].append(notif)
        types = dict(self.env["mail.notification"]._fields["failure_type"]._description_selection(self.env))
        undelivered = contacts.browse()
        for contact in contacts:
            notifs = notifications.get(contact.mail_message_id.id, [])
            statuses = {n["notification_status"] for n in notifs}
            if "sent" in statuses:
                values = {"delivery_status": "delivered", "delivery_error": False, "state": "sent"}
            elif not notifs or statuses & {"ready", "process", "pending"}:
                values = {"delivery_status": "queued"}
            else:
                failure = next(n for n in notifs if n["notification_status"] in ("exception", "bounce", "canceled"))
                error = failure["failure_reason"] or types.get(failure["failure_type"]) or _("Not delivered")
                transient = all(n["failure_type"] in TRANSIENT_FAILURES for n in notifs)
                if transient and contact.delivery_attempts < MAX_DELIVERY_ATTEMPTS:
                    values = {"delivery_status": "retrying", "delivery_error": error}
                else:
                    values = {"delivery_status": "failed", "delivery_error": error, "state": "failed"}
                    if contact.delivery_status != "failed":
                        undelivered |= contact
            if any(contact[name] != value for name, value in values.items()):
                contact.write(values)
        undelivered._plan_fallbacks()

    @api.model
    def _follow_whatsapp_receipts(self, company, receipts):
        """The delivery receipts of WhatsApp messages `company` sent
        (``res.company._cobranza_whatsapp_receipts``): the contact follows them as it follows
        an email's notifications. They arrive out of order and more than once: a status never
        steps back (sent < delivered < read; a message delivered or read stays so when another
        device reports a failure), a failure is final and plans the next channel, and
        receipts of unknown messages are ignored. Returns the contacts concerned."""
        contacts = self.sudo().search([("company_id", "=", company.id), ("channel", "=", "whatsapp"),
                                       ("whatsapp_message_id", "in", list(receipts))])
        undelivered = self.browse()
        for contact in contacts:
            for status, error in receipts[contact.whatsapp_message_id]:
                current = contact.delivery_status
                if current == "failed":
                    break
                if status != "failed":
                    if DELIVERY_RANK[status] > DELIVERY_RANK.get(current, 0):
                        contact.write({"delivery_status": status})
                elif DELIVERY_RANK.get(current, 0) < DELIVERY_RANK["delivered"]:
                    contact.write({"delivery_status": "failed", "state": "failed", "delivery_error": error})
                    undelivered |= contact
        undelivered._plan_fallbacks()
        return contacts

    @api.model
    def _retry_deliveries(self):
        """Put back in Odoo's queues the emails and SMS that failed for a passing reason (the
        mail server or the SMS service could not be reached): Odoo's own retry."""
        contacts = self.sudo().search([("delivery_status", "=", "retrying")])
        if not contacts:
            return contacts
        messages = contacts.mail_message_id
        self.env["mail.mail"].sudo().search(
            [("mail_message_id", "in", messages.ids), ("state", "=", "exception")]).action_retry()
        contacts.sms_ids.filtered(lambda s: s.state == "error").action_set_outgoing()
        self.env["mail.notification"].sudo().search([
            ("mail_message_id", "in", messages.ids), ("notification_status", "in", ("exception", "bounce")),
        ]).write({"notification_status": "ready", "failure_type": False, "failure_reason": False})
        for attempts, same in contacts.grouped("delivery_attempts").items():
            same.write({"delivery_attempts": attempts + 1, "delivery_status": "queued"})
        return contacts

    @api.model
    def _expire_sending(self, after=timedelta(hours=1)):
        """WhatsApp messages left *being sent* by a worker that stopped: whether they left is
        unknown, so they are never sent again; they fail for a person to check."""
        stale = self.sudo().search([("state", "=", "planned"), ("delivery_status", "=", "sending"),
                                    ("dispatched_at", "<", fields.Datetime.now() - after)])
        stale.write({"state": "failed", "delivery_status": "failed", "delivery_error": _(
            "The sending stopped half-way: check with the customer whether this message arrived "
            "before sending it again.")})
        return stale
