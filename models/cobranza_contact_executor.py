"""The executors: one method per action of a planned contact (``_execute_<action>``), each
working on a whole chunk of claimed contacts at once (the dispatcher, in
cobranza_contact_dispatch.py, calls them). Emails and SMS go into Odoo's own queues; WhatsApp
messages go one by one through the company's account (res_company_whatsapp.py).
"""
import logging
from collections import defaultdict

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, is_html_empty, plaintext2html

from ..engine import channels
from ..utils.db import claim_rows, insert_messages, insert_rows
from ..utils.mail_layout import layout_values
from .mail_activity import invoices_note

_logger = logging.getLogger(__name__)

EMAIL_FIELDS = ("subject", "email_from", "reply_to", "partner_to", "auto_delete", "mail_server_id")
BODY_SEPARATOR = "<cobranza-message-separator></cobranza-message-separator>"


def customer_id(contact):
    """The customer a message is rendered for (SMS and WhatsApp templates read the customer)."""
    return contact.partner_id.commercial_partner_id.id


class CobranzaContact(models.Model):
    _inherit = "cobranza.contact"

    # ------------------------------------------------------------------ executors
    def _execute_email(self):
        """Email: rendered once per template and chunk (Odoo's ``_generate_template``), posted
        in the chatter of the customer (or of its payment plan) and queued in Odoo's mail
        queue, with one notification per recipient so that delivery can be followed."""
        groups = self.grouped(lambda c: (c.mail_template_id, c._target()._name, c.company_id))
        for (template, model, company), contacts in groups.items():
            for batch in contacts._split_by_target():
                values = batch._email_values(template, model, company)
                messages = insert_messages(self.env, [v["message"] for v in values])
                batch._queue_emails(messages, values, company)
                for contact, message in zip(batch, messages):
                    contact._mark_sent(mail_message_id=message.id, delivery_status="queued",
                                  subject=contact.subject or message.subject)
        self._wake_queue("mail.ir_cron_mail_scheduler_action")

    def _execute_sms(self):
        """SMS: rendered per template and chunk, posted in the customer's chatter and put in
        Odoo's SMS queue (with the notifications and trackers Odoo's own SMS get, so that
        delivery can be followed); a customer without a usable mobile number (or who answered
        STOP) makes the contact fail."""
        numbers = self.partner_id._cobranza_sms_numbers()
        sendable = self.filtered(lambda c: numbers.get(c.partner_id.commercial_partner_id.id))
        (self - sendable)._mark_failed(_("The customer has no valid mobile number."))
        texts = {}
        for (template, company), contacts in sendable.grouped(lambda c: (c.sms_template_id, c.company_id)).items():
            for batch in contacts._split_by_target(customer_id):
                rendered = {}
                if template:
                    rendered = template.with_company(company).with_context(
                        **batch._render_context(customer_id),
                    )._render_field("body", [customer_id(c) for c in batch], compute_lang=True)
                texts.update({c: c.sms_body or rendered.get(customer_id(c), "") for c in batch})
        if not sendable:
            return
        note_subtype = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
        messages = insert_messages(self.env, [{
            "model": "res.partner", "res_id": customer_id(contact), "message_type": "sms", "subtype_id": note_subtype,
            "body": plaintext2html(texts[contact]), "author_id": contact.author_id.partner_id.id,
            "partner_ids": [customer_id(contact)], "record_company_id": contact.company_id.id,
        } for contact in sendable])
        sms = self.env["sms.sms"].sudo().create([{
            "body": texts[contact], "mail_message_id": message.id, "state": "outgoing",
            "partner_id": customer_id(contact), "number": numbers[customer_id(contact)],
        } for contact, message in zip(sendable, messages)])
        self.env["mail.notification"].sudo().create([{
            "author_id": message.author_id.id, "mail_message_id": message.id, "res_partner_id": one.partner_id.id,
            "sms_number": one.number, "notification_type": "sms", "sms_id_int": one.id,
            "sms_tracker_ids": [fields.Command.create({"sms_uuid": one.uuid})], "is_read": True,
            "notification_status": "ready",
        } for message, one in zip(messages, sms)])
        for contact, message, one in zip(sendable, messages, sms):
            contact._mark_sent(mail_message_id=message.id, delivery_status="queued", sms_ids=[fields.Command.set(one.ids)])
        self._wake_queue("sms.ir_cron_sms_scheduler_action")

    def _execute_whatsapp(self, commit=False):
        """WhatsApp through the Cloud API (a paid service, one call per message), at most
        once: a message that left is never sent again. With `commit`, what the chunk did so
        far is committed first; then each contact is claimed again (another worker may have
        taken it since), marked *being sent* and committed before its call, and its result
        committed after it. A worker killed during a call leaves that contact *being sent*:
        ``_expire_sending`` turns it into a failure for a person to check."""
        numbers = self.partner_id._cobranza_sms_numbers()
        if commit:
            self.env.cr.commit()
        for contact in self:
            if commit:
                if not contact._lock_for_sending():
                    continue
                contact.write({"delivery_status": "sending", "dispatched_at": fields.Datetime.now()})
                self.env.cr.commit()
            contact._send_whatsapp(numbers.get(customer_id(contact)))
            if commit:
                self.env.cr.commit()  # the message left: never send it twice

    def _execute_activity(self):
        """A task for a person (a collector's call, a level decided by hand): the contact stays
        planned until the task is done."""
        Users = self.env["res.users"]
        tasks = []
        for contact in self:
            level = contact.level_id
            tasks.append({
                "record": contact.partner_id, "activity_type": level.activity_type_id or "mail.mail_activity_data_call",
                "user": Users._cobranza_task_user("collector", contact.company_id, contact.partner_id,
                                                  contact.move_ids, level.policy_id),
                "deadline": contact.callback_date or contact.run_date, "compose": contact._compose_level_task,
            })
        for contact, activity in zip(self, self.env["mail.activity"]._cobranza_create(tasks)):
            contact.write({"activity_id": activity.id, "dispatched_at": fields.Datetime.now()})

    def _compose_level_task(self, partner):
        """The summary and note of the task of this contact's level, in the language of
        `partner`'s environment (its reader's)."""
        self.ensure_one()
        level = self.level_id.with_env(partner.env)
        if level.automatic:
            summary = level.activity_summary or level.name
        else:
            summary = partner.env._("Decide the reminder “%(level)s” for %(customer)s",
                                    level=level.name, customer=partner.name)
        return summary, level.activity_note or invoices_note(partner.env, self.move_ids)

    def _compose_legal_task(self, partner):
        self.ensure_one()
        return partner.env._("Hand %(customer)s's debt to legal", customer=partner.name), \
            invoices_note(partner.env, self.move_ids)

    def _execute_letter(self):
        """A letter waits in *Letters to Print* until it is printed."""
        self.write({"dispatched_at": fields.Datetime.now()})

    def _execute_fee(self):
        """The late fee of the contact's level on its invoice, invoiced and posted once, unless
        the invoice was paid in the meantime."""
        for contact in self:
            move = contact.move_ids[:1].with_company(contact.company_id).with_context(
                cobranza_date=contact.run_date or False)
            if not move.cobranza_payable:
                contact._mark_cancelled(_("The invoice was paid before the fee was charged."))
                continue
            fee = move._cobranza_charge_fee(contact.level_id)
            if fee:
                contact._mark_sent(fee_move_id=fee.id)
            else:
                contact._mark_cancelled(_("No fee to charge: already charged, or nothing left to charge."))

    def _execute_legal(self):
        """The hand-off of the invoices to legal: a task for the policy's responsible (else the
        collector, else a Collections Manager)."""
        Users = self.env["res.users"]
        tasks = [{
            "record": contact.partner_id, "deadline": contact.run_date,
            "user": Users._cobranza_task_user("legal", contact.company_id, contact.partner_id,
                                              policy=contact.level_id.policy_id),
            "compose": contact._compose_legal_task,
        } for contact in self]
        for contact, activity in zip(self, self.env["mail.activity"]._cobranza_create(tasks)):
            contact._mark_sent(activity_id=activity.id)

    # ------------------------------------------------------------------ rendering and queuing
    def _target(self):
        """The record whose chatter receives the contact's message: its plan, else the customer."""
        self.ensure_one()
        return self.plan_id if self.plan_id else self.partner_id.commercial_partner_id

    def _split_by_target(self, key=None):
        """Batches in which each record rendered (`key` of the contact, its chatter record by
        default) appears once: one rendering context each."""
        key = key or (lambda c: c._target())
        batches = []
        for contact in self:
            target = key(contact)
            batch = next((b for b in batches if target not in b[1]), None)
            if batch is None:
                batch = [self.browse(), set()]
                batches.append(batch)
            batch[0] |= contact
            batch[1].add(target)
        return [contacts for contacts, _targets in batches]

    def _render_context(self, key=None):
        """What the templates read: the invoices of each contact still to pay (by the record
        rendered: `key` of the contact, its chatter record by default), the credits that
        cover part of them, the installment."""
        key = key or (lambda c: c._target().id)
        return {
            "cobranza_move_ids": {key(c): c.move_ids.filtered("cobranza_payable").ids or c.move_ids.ids
                                  for c in self},
            "cobranza_credits": {key(c): c.credit_allocation or [] for c in self},
            "cobranza_line_ids": {c.plan_id.id: c.plan_line_id.id for c in self if c.plan_line_id},
        }

    def _email_values(self, template, model, company):
        """The rendered message of each contact: its template's, or the text a person wrote."""
        targets = self.env[model].browse([c._target().id for c in self]).with_company(company)
        subtype_id = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_comment")
        rendered = {}
        if template:
            template = template.with_company(company).with_context(**self._render_context()).sudo()
            rendered = template._generate_template(targets.ids, EMAIL_FIELDS)
            for res_id, body in self._render_bodies(template, targets).items():
                rendered[res_id]["body_html"] = body
        values = []
        for contact in self:
            target = contact._target()
            render = rendered.get(target.id, {})
            recipients = render.get("partner_ids") or contact.partner_id._cobranza_reminder_partners().ids
            # written by the creditor when a customer's own request triggered it
            author = company.partner_id if not contact.author_id or contact.author_id.share \
                else contact.author_id.partner_id
            email_from = render.get("email_from") or company.email_formatted or author.email_formatted
            attachments = contact.move_ids._cobranza_pdf_attachments(target) if contact.attach_invoices else []
            if contact.attach_statement:
                attachments = attachments + contact.partner_id.with_company(company)._cobranza_statement_pdf(target)
            values.append({
                "res_id": target.id,
                "auto_delete": render.get("auto_delete", False),
                "message": {
                    "model": model, "res_id": target.id, "message_type": "comment", "subtype_id": subtype_id,
                    "subject": contact.subject or render.get("subject") or False,
                    "body": contact.body if not is_html_empty(contact.body) else render.get("body_html", ""),
                    "author_id": author.id, "email_from": email_from,
                    "reply_to": render.get("reply_to") or False,
                    "partner_ids": recipients,
                    "attachment_ids": attachments, "email_add_signature": False,
                    "mail_server_id": render.get("mail_server_id"),
                    "record_company_id": company.id,
                },
            })
        missing = [v["message"] for v in values if not v["message"]["reply_to"]]
        if missing:
            reply_to = targets._notify_get_reply_to(default=missing[0]["email_from"])
            for vals in missing:
                vals["reply_to"] = reply_to.get(vals["res_id"]) or vals["email_from"]
        return values

    @api.model
    def _render_bodies(self, template, records):
        """``{res_id: body}``: the template's body for `records`, compiled once per language
        (Odoo compiles a mail template's body again for every record: for a chunk of
        reminders, the body is rendered once in a loop over them, then cut apart)."""
        bodies = {}
        for _lang, (tpl, ids) in template._classify_per_lang(records.ids).items():
            wrapped = f'<t t-foreach="cobranza_records" t-as="object">{BODY_SEPARATOR}{tpl.body_html or ""}</t>'
            out = tpl._render_template_qweb(wrapped, records._name, ids[:1],
                                            add_context={"cobranza_records": tpl.env[records._name].browse(ids)})[ids[0]]
            bodies.update(zip(ids, out.split(BODY_SEPARATOR)[1:]))
        return template._render_template_postprocess(records._name, bodies)

    def _queue_emails(self, messages, values, company):
        """Odoo's notification email of each message, rendered in its layout and queued,
        with the notifications that follow its delivery."""
        QWeb = self.env["ir.qweb"]
        mails, recipients = [], []
        for contact, message, vals in zip(self, messages, values):
            target = contact._target()
            lang = contact.partner_id.lang or self.env.lang
            layout = message.email_layout_xmlid or "mail.mail_notification_layout"
            body = QWeb._render(layout, layout_values(message, target, company, lang, contact.author_id),
                                minimal_qcontext=True, raise_if_not_found=False, lang=lang) or message.body
            partner_ids = vals["message"]["partner_ids"]
            headers = {"X-Odoo-Objects": f"{target._name}-{target.id}"}
            if company.bounce_email:
                headers["Return-Path"] = company.bounce_email
            mails.append({
                "mail_message_id": message.id, "body_html": body, "references": message.message_id,
                "recipient_ids": partner_ids, "state": "outgoing", "is_notification": True,
                "auto_delete": bool(vals["auto_delete"]), "headers": repr(headers),
            })
            recipients.append(partner_ids)
        mails = insert_rows(self.env, "mail.mail", mails)
        self.env["mail.notification"].sudo().create([
            {"author_id": message.author_id.id, "is_read": True, "mail_mail_id": mail.id,
             "mail_message_id": message.id, "notification_status": "ready", "notification_type": "email",
             "res_partner_id": partner_id}
            for message, mail, partner_ids in zip(messages, mails, recipients) for partner_id in partner_ids
        ])

    def _wake_queue(self, cron_xmlid):
        """Ask Odoo's queue to send what was just put in it, instead of at its next hourly
        turn: reminders go out while the day's run is still running."""
        cron = self.env.ref(cron_xmlid, raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()

    def _lock_for_sending(self):
        """Lock this contact again in a new transaction, if it is still planned and nobody
        took it in the meantime."""
        self.ensure_one()
        self.invalidate_recordset()
        return bool(claim_rows(self.env, SQL(
            "SELECT id FROM cobranza_contact WHERE id = %s AND state IN ('planned', 'deferred') "
            "AND dispatched_at IS NULL FOR UPDATE SKIP LOCKED", self.id), retry=True))

    def _send_whatsapp(self, number):
        self.ensure_one()
        level = self.level_id
        partner = self.partner_id.commercial_partner_id.with_company(self.company_id).with_context(
            **self._render_context(customer_id))
        if not number:
            self._mark_failed(_("The customer has no valid mobile number."), delivery_status=False)
            return
        template = self.whatsapp_template or level.whatsapp_template_name
        try:
            if self.whatsapp_template:  # a notice: its own template and parameters
                lang, parameters = self.whatsapp_params["lang"], self.whatsapp_params["parameters"]
            else:
                lang, parameters = level.whatsapp_template_lang or "es", [
                    partner.name, partner._cobranza_reminder_amount_text(), partner._cobranza_portal_url()]
            message_id = self.company_id._cobranza_whatsapp_send(number, template, lang, parameters)
        except UserError as error:
            self._mark_failed(str(error.args[0]), delivery_status=False)
            return
        except Exception as error:  # noqa: BLE001 - whether it left is unknown: never sent again
            _logger.warning("Collections: WhatsApp contact %s failed", self.id, exc_info=True)
            self._mark_failed(_("Unexpected error: %s", str(error) or error.__class__.__name__), delivery_status=False)
            return
        message = self.env["mail.message"]
        try:
            with self.env.cr.savepoint():
                message = partner.sudo().message_post(
                    body=_("WhatsApp reminder “%(template)s” sent (%(id)s).", template=template, id=message_id),
                    message_type="comment", subtype_xmlid="mail.mt_note",
                )
        except Exception:  # noqa: BLE001 - the message left: the contact is sent all the same
            _logger.warning("Collections: WhatsApp contact %s sent but not posted", self.id, exc_info=True)
        self._mark_sent(mail_message_id=message.id, delivery_status="queued", whatsapp_message_id=message_id)

    # ------------------------------------------------------------------ collection trail
    def _log_on_invoices(self):
        """The invoices' chatter keeps the trail of the reminders sent about them: one note
        per invoice and level, naming the channels (messages sent, letters to print)."""
        labels = dict(self._fields["action"]._description_selection(self.env))
        steps = defaultdict(set)
        for contact in self.filtered(lambda c: c.move_ids and (c.level_id or c.channel_reason == "person") and (
                (c.action in channels.MESSAGE_CHANNELS and c.state == "sent")
                or (c.action == "letter" and c.state in ("planned", "sent")))):
            for move_id in contact.move_ids.ids:
                steps[move_id, contact.level_id].add(contact.action)
        if not steps:
            return
        note = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
        author = self.env.user.partner_id
        vals_list = []
        for (move_id, level), actions in steps.items():
            done = [label for action, label in labels.items() if action in actions]
            if level:
                text = _("Collection reminder “%(level)s” sent to the customer (%(channels)s).",
                         level=level.name, channels=", ".join(done))
            else:
                text = _("Collection reminder sent to the customer (%s).", ", ".join(done))
            vals_list.append({
                "model": "account.move", "res_id": move_id, "body": Markup("<p>%s</p>") % text,
                "message_type": "notification", "subtype_id": note, "is_internal": True, "author_id": author.id,
                "email_from": author.email_formatted,
            })
        insert_messages(self.env, vals_list)
