"""The dispatcher: one path from a planned contact to its delivery.

Whoever decides a contact (the daily run, installment reminders, plan notices, thank-you
messages, the reminder wizard) only plans it (``cobranza.contact._plan``). The dispatcher
claims the planned contacts whose moment has come (``SELECT … FOR UPDATE SKIP LOCKED``, so
that two workers never take the same one), re-checks what may have changed since they were
planned, and hands them to the executor of their action — one method each, below, working
on a whole chunk at once. Emails and SMS go into Odoo's queues; their real delivery is then
followed from Odoo's notifications (``_sync_delivery``).
"""
import logging
from collections import defaultdict
from datetime import timedelta

import psycopg2
import pytz
from markupsafe import Markup

from odoo import _, api, fields, models, modules
from odoo.exceptions import UserError
from odoo.tools import SQL, is_html_empty, plaintext2html
from odoo.tools.mail import generate_tracking_message_id

from ..engine import channels

_logger = logging.getLogger(__name__)

CHUNK_SIZE = 200
# an email or SMS whose delivery failed this way is retried (the mail server or the SMS
# service was unreachable); any other failure is final
TRANSIENT_FAILURES = ("mail_smtp", "sms_server")
MAX_DELIVERY_ATTEMPTS = 5
# WhatsApp's receipts, and how far each says a message went (a failure is apart: final)
WHATSAPP_RECEIPTS = ("sent", "delivered", "read", "failed")
DELIVERY_RANK = {"sending": 0, "queued": 1, "sent": 2, "delivered": 3, "read": 4}
EMAIL_FIELDS = ("subject", "email_from", "reply_to", "partner_to", "auto_delete", "mail_server_id")
BODY_SEPARATOR = "<cobranza-message-separator></cobranza-message-separator>"


def claim(env, query, retry=False, attempts=5):
    """The ids `query` (a ``SELECT … FOR UPDATE SKIP LOCKED``) locks. Under Odoo's repeatable
    read, a row another worker changed since this transaction's snapshot cannot be locked
    (a serialization failure): with `retry`, on a transaction that holds nothing yet, roll
    back and claim again on a fresh snapshot."""
    for attempt in range(attempts):
        try:
            env.cr.execute(query)
            return [row[0] for row in env.cr.fetchall()]
        except psycopg2.errors.SerializationFailure:
            if not retry or attempt == attempts - 1:
                raise
            env.cr.rollback()
            env.invalidate_all()


def customer_id(contact):
    """The customer a message is rendered for (SMS and WhatsApp templates read the customer)."""
    return contact.partner_id.commercial_partner_id.id


class CobranzaContact(models.Model):
    _inherit = "cobranza.contact"

    # ------------------------------------------------------------------ dispatcher
    @api.model
    def _cron_send_deferred(self):
        """The name of the dispatcher's cron before 18.0.1.1.0, kept for the callers of that
        time: the deferred contacts whose moment came are the dispatcher's now."""
        return self._cron_dispatch()

    @api.model
    def _cron_dispatch(self):
        """Scheduled action *Collections: send planned contacts*: every contact whose moment
        came (deferred by the contact rules, left by an interrupted run...), then the retries
        of deliveries that failed for a passing reason."""
        Contact = self.sudo()
        commit = not modules.module.current_test
        Contact._dispatch(commit=commit)
        Contact._retry_deliveries()
        Contact._expire_sending()
        return True

    def _dispatch(self, domain=None, commit=False, chunk_size=CHUNK_SIZE):
        """Carry out the planned contacts whose moment has come — these contacts, or, called
        on the empty model, all those matching `domain` (every one by default) — chunk by
        chunk, committing each chunk when `commit`. Fallbacks planned on the way (another
        channel after a failure) are carried out too. Returns the contacts taken: sent,
        failed, or cancelled and deferred again by the re-check."""
        done = self.browse()
        only = set(self.ids) if self else None
        if commit:
            self.env.cr.commit()  # claim on a fresh snapshot
        while True:
            chunk = self._claim(domain, only, chunk_size, retry=commit)
            if not chunk:
                return done
            fallbacks = chunk._execute(commit=commit)
            done |= chunk
            if only is not None:
                only = (only - set(chunk.ids)) | set(fallbacks.ids)
            if commit:
                self.env.cr.commit()

    def _claim(self, domain, only, limit, retry=False):
        """The next planned contacts due now, locked for this transaction; those another
        worker holds are skipped, never waited for. With `retry` (a fresh transaction that
        may be rolled back) a contact another worker took in the meantime only means
        claiming again."""
        if only is not None and not only:
            return self.browse()
        self.flush_model()
        query = self._search([
            ("state", "in", ("planned", "deferred")), ("dispatched_at", "=", False), ("action", "!=", False),
            ("scheduled_at", "<=", fields.Datetime.now()),
            *([("id", "in", list(only))] if only is not None else []),
            *(domain or []),
        ], order="scheduled_at, id", limit=limit)
        ids = claim(self.env, SQL("%s FOR UPDATE OF %s SKIP LOCKED", query.select(), SQL.identifier(self._table)),
                    retry)
        return self.browse(ids)

    def _execute(self, commit=False):
        """Carry out these claimed contacts: what changed since they were planned first, then
        each action's executor on its contacts at once. An executor that raises is retried
        contact by contact, so that only the contacts it cannot handle fail, with the reason.
        WhatsApp messages go last, one by one (``_execute_whatsapp``). Returns the fallback
        contacts planned for the messages that failed or whose channel was refused."""
        ready, refused = self._recheck()
        whatsapp = ready.filtered(lambda c: c.action == "whatsapp")
        in_sets = ready - whatsapp
        for action, _label in self._fields["action"].selection:
            contacts = in_sets.filtered(lambda c: c.action == action)
            if contacts:
                contacts._execute_set(action)
        in_sets._log_on_invoices()
        fallbacks = (in_sets.filtered(lambda c: c.state == "failed") | refused)._plan_fallbacks()
        if whatsapp:
            whatsapp._execute_whatsapp(commit=commit)
            whatsapp._log_on_invoices()
            fallbacks |= whatsapp.filtered(lambda c: c.state == "failed")._plan_fallbacks()
        return fallbacks

    def _execute_set(self, action):
        """The executor of `action` on these contacts at once; if it raises, contact by
        contact, recording on each contact that still breaks it the reason."""
        try:
            with self.env.cr.savepoint():
                getattr(self, f"_execute_{action}")()
        except Exception:  # noqa: BLE001 - isolate the contact that breaks the executor
            _logger.warning("Collections: the %s executor failed on a chunk, retrying one by one", action,
                            exc_info=True)
            for contact in self:
                try:
                    with self.env.cr.savepoint():
                        getattr(contact, f"_execute_{action}")()
                except Exception as error:  # noqa: BLE001 - recorded on the contact
                    _logger.warning("Collections: contact %s failed", contact.id, exc_info=True)
                    contact._fail(_("Unexpected error: %s", str(error) or error.__class__.__name__))

    def _recheck(self):
        """Automatic contacts are checked again before they go: the customer may have paid,
        disputed, promised or agreed a plan, been snoozed or excluded, withdrawn a consent, or
        reached a contact cap since. Such contacts are cancelled or deferred again. Returns
        ``(ready, refused)``: the contacts to carry out, and those cancelled because their
        channel is not allowed any more (their next channel is tried)."""
        automatic = self.filtered(lambda c: c.run_id and c.action in ("email", "sms", "whatsapp", "activity")
                                  # a backfill records the past: what it decided for its date stands
                                  and not c.run_id.backfill)
        ready, refused = self - automatic, self.browse()
        holds = automatic.filtered(lambda c: not c.plan_id).move_ids._cobranza_holds()
        now = pytz.utc.localize(fields.Datetime.now())
        for company in automatic.company_id:
            today = fields.Date.context_today(self.with_context(tz=company.partner_id.tz or "UTC"))
            contacts = automatic.filtered(lambda c: c.company_id == company)
            gates = self.env["cobranza.contact.rule"]._gates(contacts.partner_id.with_company(company), company, now,
                                                             exclude=contacts)
            waiting = contacts.partner_id._cobranza_replies_waiting(company)
            for contact in contacts:
                partner = contact.partner_id.with_company(company)
                open_moves = contact.move_ids.filtered(lambda m: m.cobranza_payable)
                if contact.move_ids and not open_moves:
                    contact._cancel(_("The invoices were paid before the contact went."))
                elif not contact.plan_id and open_moves and all(holds.get(m.id) for m in open_moves):
                    contact._cancel(_("The invoices are in a dispute, a payment plan or a promise since the "
                                      "contact was planned."))
                elif partner.cobranza_no_chase:
                    contact._cancel(_("The customer is not chased any more."))
                elif partner.cobranza_snooze_until and partner.cobranza_snooze_until > today:
                    contact._cancel(_("The customer is snoozed until %s.", partner.cobranza_snooze_until))
                elif (since := waiting.get(partner.id)) and \
                        since + timedelta(days=contact.level_id.policy_id.reply_wait_days) > today:
                    contact._cancel(_("The customer answered on %s: its reply waits for review.", since))
                elif contact.action != "activity" and (gate := gates.get(partner.id)):
                    blocked = gate(contact.channel)
                    if blocked and blocked[0]:
                        contact.write({"state": "deferred", "scheduled_at": blocked[0], "defer_reason": blocked[1]})
                    elif blocked and not blocked[0]:
                        contact._cancel(_("The customer withdrew its consent to this channel."), blocked[1])
                        refused |= contact
                    else:
                        ready |= contact
                else:
                    ready |= contact
        return ready, refused

    def _plan_fallbacks(self):
        """For failed messages with channels left to try: the next one, planned now."""
        vals_list = []
        for contact in self.filtered("fallback_channels"):
            left = [c for c in contact.fallback_channels.split(",") if c in channels.MESSAGE_CHANNELS]
            level = contact.level_id
            while left and not (level and level._cobranza_can_send(left[0])):
                left.pop(0)
            if not left:
                continue
            vals_list.append({
                **contact._copy_for_fallback(),
                "channel": left[0], "action": left[0], "channel_reason": "fallback",
                "fallback_channels": ",".join(left[1:]) or False,
                "mail_template_id": level.mail_template_id.id, "sms_template_id": level.sms_template_id.id,
            })
        return self._plan(vals_list)

    def _copy_for_fallback(self):
        self.ensure_one()
        return {
            "partner_id": self.partner_id.id, "company_id": self.company_id.id,
            "move_ids": [fields.Command.set(self.move_ids.ids)], "level_id": self.level_id.id,
            "run_id": self.run_id.id, "run_date": self.run_date, "author_id": self.author_id.id,
            "amount_due": self.amount_due, "attach_invoices": self.attach_invoices,
        }

    # ------------------------------------------------------------------ outcome of a contact
    def _done(self, **values):
        now = fields.Datetime.now()
        self.write({"state": "sent", "dispatched_at": now, "date": now, **values})

    def _fail(self, reason, **values):
        self.write({"state": "failed", "dispatched_at": fields.Datetime.now(), "note": reason, **values})

    def _cancel(self, reason, defer_reason=False):
        values = {"state": "cancelled", "dispatched_at": fields.Datetime.now(), "note": reason}
        if defer_reason:
            values["defer_reason"] = defer_reason
        self.write(values)

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
        self._insert_messages(vals_list)

    # ------------------------------------------------------------------ executors
    def _execute_email(self):
        """Email: rendered once per template and chunk (Odoo's ``_generate_template``), posted
        in the chatter of the customer (or of its payment plan) and queued in Odoo's mail
        queue, with one notification per recipient so that delivery can be followed."""
        groups = self.grouped(lambda c: (c.mail_template_id, c._target()._name, c.company_id))
        for (template, model, company), contacts in groups.items():
            for batch in contacts._split_by_target():
                values = batch._email_values(template, model, company)
                messages = self._insert_messages([v["message"] for v in values])
                batch._queue_emails(messages, values, company)
                for contact, message in zip(batch, messages):
                    contact._done(mail_message_id=message.id, delivery_status="queued",
                                  subject=contact.subject or message.subject)
        self._wake_queue("mail.ir_cron_mail_scheduler_action")

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
        website_url = company.website and (company.website if company.website.lower().startswith(("http:", "https:"))
                                           else f"http://{company.website}")
        mails, recipients = [], []
        for contact, message, vals in zip(self, messages, values):
            target = contact._target()
            lang = contact.partner_id.lang or self.env.lang
            layout = message.email_layout_xmlid or "mail.mail_notification_layout"
            body = QWeb._render(layout, {
                "message": message, "subtype": message.subtype_id, "is_discussion": True, "tracking_values": [],
                "record": target, "record_name": target.display_name, "subtitles": [target.display_name],
                "model_description": False, "company": company, "lang": lang, "signature": "",
                "email_add_signature": False, "website_url": website_url, "author_user": contact.author_id,
                "is_html_empty": is_html_empty, "has_button_access": False, "button_access": {}, "actions": [],
                "email_notification_force_header": False, "email_notification_force_footer": False,
                "email_notification_allow_header": True, "email_notification_allow_footer": False,
            }, minimal_qcontext=True, raise_if_not_found=False, lang=lang) or message.body
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
        mails = self._insert_rows("mail.mail", mails)
        self.env["mail.notification"].sudo().create([
            {"author_id": message.author_id.id, "is_read": True, "mail_mail_id": mail.id,
             "mail_message_id": message.id, "notification_status": "ready", "notification_type": "email",
             "res_partner_id": partner_id}
            for message, mail, partner_ids in zip(messages, mails, recipients) for partner_id in partner_ids
        ])

    def _execute_sms(self):
        """SMS: rendered per template and chunk, posted in the customer's chatter and put in
        Odoo's SMS queue (with the notifications and trackers Odoo's own SMS get, so that
        delivery can be followed); a customer without a usable mobile number (or who answered
        STOP) makes the contact fail."""
        numbers = self.partner_id._cobranza_sms_numbers()
        sendable = self.filtered(lambda c: numbers.get(c.partner_id.commercial_partner_id.id))
        (self - sendable)._fail(_("The customer has no valid mobile number."))
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
        messages = self._insert_messages([{
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
            contact._done(mail_message_id=message.id, delivery_status="queued", sms_ids=[fields.Command.set(one.ids)])
        self._wake_queue("sms.ir_cron_sms_scheduler_action")

    def _wake_queue(self, cron_xmlid):
        """Ask Odoo's queue to send what was just put in it, instead of at its next hourly
        turn: reminders go out while the day's run is still running."""
        cron = self.env.ref(cron_xmlid, raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()

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
                if not contact._claim_again():
                    continue
                contact.write({"delivery_status": "sending", "dispatched_at": fields.Datetime.now()})
                self.env.cr.commit()
            contact._send_whatsapp(numbers.get(customer_id(contact)))
            if commit:
                self.env.cr.commit()  # the message left: never send it twice

    def _claim_again(self):
        """Lock this contact again in a new transaction, if it is still planned and nobody
        took it in the meantime."""
        self.ensure_one()
        self.invalidate_recordset()
        return bool(claim(self.env, SQL(
            "SELECT id FROM cobranza_contact WHERE id = %s AND state IN ('planned', 'deferred') "
            "AND dispatched_at IS NULL FOR UPDATE SKIP LOCKED", self.id), retry=True))

    def _send_whatsapp(self, number):
        self.ensure_one()
        level = self.level_id
        partner = self.partner_id.commercial_partner_id.with_company(self.company_id).with_context(
            **self._render_context(customer_id))
        if not number:
            self._fail(_("The customer has no valid mobile number."), delivery_status=False)
            return
        try:
            message_id = self.company_id._cobranza_whatsapp_send(
                number, level.whatsapp_template_name, level.whatsapp_template_lang or "es",
                [partner.name, partner._cobranza_reminder_amount_text(), partner._cobranza_portal_url()],
            )
        except UserError as error:
            self._fail(str(error.args[0]), delivery_status=False)
            return
        except Exception as error:  # noqa: BLE001 - whether it left is unknown: never sent again
            _logger.warning("Collections: WhatsApp contact %s failed", self.id, exc_info=True)
            self._fail(_("Unexpected error: %s", str(error) or error.__class__.__name__), delivery_status=False)
            return
        message = self.env["mail.message"]
        try:
            with self.env.cr.savepoint():
                message = partner.sudo().message_post(
                    body=_("WhatsApp reminder “%(template)s” sent (%(id)s).",
                           template=level.whatsapp_template_name, id=message_id),
                    message_type="comment", subtype_xmlid="mail.mt_note",
                )
        except Exception:  # noqa: BLE001 - the message left: the contact is sent all the same
            _logger.warning("Collections: WhatsApp contact %s sent but not posted", self.id, exc_info=True)
        self._done(mail_message_id=message.id, delivery_status="queued", whatsapp_message_id=message_id)

    def _execute_activity(self):
        """A task for a person (a collector's call, a level decided by hand): the contact stays
        planned until the task is done."""
        vals_list = []
        for contact in self:
            level, partner = contact.level_id, contact.partner_id
            if level.automatic:
                summary = level.activity_summary or level.name
            else:
                summary = _("Decide the reminder “%(level)s” for %(customer)s", level=level.name, customer=partner.name)
            vals_list.append(contact._task_values(
                level.activity_type_id, summary, level.activity_note,
                partner._cobranza_task_user(contact.move_ids, level.policy_id),
                contact.callback_date or contact.run_date))
        for contact, activity in zip(self, self._create_tasks(vals_list)):
            contact.write({"activity_id": activity.id, "dispatched_at": fields.Datetime.now()})

    def _task_values(self, activity_type, summary, note, user, deadline=None):
        self.ensure_one()
        return {
            "res_model_id": self.env["ir.model"]._get_id("res.partner"), "res_id": self.partner_id.id,
            "activity_type_id": (activity_type or self.env.ref("mail.mail_activity_data_call")).id,
            "summary": summary, "note": note or _("Invoices: %s", ", ".join(self.move_ids.mapped("name"))),
            "user_id": user.id, "date_deadline": deadline or fields.Date.context_today(self),
        }

    def _create_tasks(self, vals_list):
        """The activities of a chunk at once. Their people find them in their activities and
        worklists: no email per task (a backlog day would flood them)."""
        return self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(vals_list)

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
                contact._cancel(_("The invoice was paid before the fee was charged."))
                continue
            fee = move._cobranza_charge_fee(contact.level_id)
            if fee:
                contact._done(fee_move_id=fee.id)
            else:
                contact._cancel(_("No fee to charge: already charged, or nothing left to charge."))

    def _execute_legal(self):
        """The hand-off of the invoices to legal: a task for the policy's responsible (else the
        collector, else a Collections Manager)."""
        todo = self.env.ref("mail.mail_activity_data_todo")
        managers = {company: self.env["res.users"]._cobranza_managers(company)[:1] for company in self.company_id}
        vals_list = []
        for contact in self:
            partner = contact.partner_id
            responsible = (contact.level_id.policy_id.responsible_id | partner.cobranza_collector_id
                           | self.env.user)._cobranza_people()[:1] or managers[contact.company_id]
            vals_list.append(contact._task_values(
                todo, _("Hand %(customer)s's debt to legal", customer=partner.name), False, responsible,
                contact.run_date))
        for contact, activity in zip(self, self._create_tasks(vals_list)):
            contact._done(activity_id=activity.id)

    @api.model
    def _insert_messages(self, vals_list):
        """The chatter messages of the collection trail (reminders posted on customers, notes on
        invoices), inserted at once: on a backlog day these are tens of thousands of messages
        of known shape, and the ORM would run its whole create machinery for each and sanitize
        each body twice. Their bodies are safe already: a mail template's body is sanitized when
        it is saved and QWeb escapes everything it renders into it; a text a person wrote is
        sanitized by the contact's HTML field; our notes are escaped text. Returns the
        messages, in order."""
        now = fields.Datetime.now()
        messages = self._insert_rows("mail.message", [{
            "model": vals["model"], "res_id": vals["res_id"], "body": vals.get("body") or "",
            "subject": vals.get("subject") or None, "message_type": vals["message_type"],
            "subtype_id": vals.get("subtype_id"), "author_id": vals.get("author_id"),
            "email_from": vals.get("email_from") or None, "reply_to": vals.get("reply_to") or None,
            "message_id": generate_tracking_message_id(f"{vals['res_id']}-{vals['model']}"),
            "is_internal": bool(vals.get("is_internal")), "email_add_signature": bool(vals.get("email_add_signature")),
            "record_company_id": vals.get("record_company_id"), "mail_server_id": vals.get("mail_server_id") or None,
            "date": now, "partner_ids": vals.get("partner_ids") or (), "attachment_ids": vals.get("attachment_ids") or (),
        } for vals in vals_list])
        for model in {vals["model"] for vals in vals_list}:
            self.env[model].invalidate_model(["message_ids"])
        return messages

    @api.model
    def _insert_rows(self, model, vals_list):
        """Insert records of `model` at once, bypassing the ORM's per-record machinery: for
        the rows of known shape the executors write by thousands (chatter messages, queued
        mails). `vals_list`: column values, all with the same keys; a many2many field's value
        is a list of ids. Returns the records, in order."""
        Model = self.env[model].sudo()
        if not vals_list:
            return Model
        now, uid = fields.Datetime.now(), self.env.uid
        m2m = [name for name in vals_list[0] if Model._fields[name].type == "many2many"]
        columns = [name for name in vals_list[0] if name not in m2m] + ["create_uid", "create_date", "write_uid",
                                                                        "write_date"]
        count = len(vals_list)
        arrays = [[vals[name] for vals in vals_list] for name in columns[:-4]] + [[uid] * count, [now] * count] * 2
        types = [Model._fields[name].column_type[1] for name in columns]
        Model.flush_model()
        # one array per column: a statement of a few parameters, whatever the number of rows
        self.env.cr.execute(SQL(
            "INSERT INTO %s (%s) SELECT * FROM unnest(%s) RETURNING id", SQL.identifier(Model._table),
            SQL(", ").join(SQL.identifier(name) for name in columns),
            SQL(", ").join(SQL(f"%s::{sqltype}[]", array) for array, sqltype in zip(arrays, types)),
        ))
        records = Model.browse([row[0] for row in self.env.cr.fetchall()])
        for name in m2m:
            field = Model._fields[name]
            pairs = [(record.id, rel_id) for record, vals in zip(records, vals_list) for rel_id in vals[name]]
            if pairs:
                self.env.cr.execute(SQL(
                    "INSERT INTO %s (%s, %s) SELECT * FROM unnest(%s::int4[], %s::int4[])",
                    SQL.identifier(field.relation), SQL.identifier(field.column1), SQL.identifier(field.column2),
                    [pair[0] for pair in pairs], [pair[1] for pair in pairs],
                ))
        Model.invalidate_model()
        # the other side of the new rows' links (a customer's contacts, an invoice's...)
        for name in columns[:-4] + m2m:
            field = Model._fields[name]
            if field.type not in ("many2one", "many2many"):
                continue
            Comodel = self.env[field.comodel_name]
            Comodel.invalidate_model([
                other.name for other in Comodel._fields.values()
                if other.comodel_name == model and (
                    (other.type == "one2many" and other.inverse_name == name)
                    or (other.type == "many2many" and other.relation == getattr(field, "relation", None)))])
        return records

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
    def _cobranza_whatsapp_statuses(self, company, statuses):
        """WhatsApp's delivery receipts (webhook ``statuses``) of messages `company` sent: the
        contact follows them as it follows an email's notifications. They arrive out of order
        and more than once: a status never steps back (sent < delivered < read; a message
        delivered or read stays so when another device reports a failure), a failure is
        final and plans the next channel, and receipts of unknown messages are ignored."""
        receipts = defaultdict(list)
        for status in statuses:
            if status.get("status") in WHATSAPP_RECEIPTS and isinstance(status.get("id"), str):
                receipts[status["id"]].append(status)
        if not receipts:
            return self.browse()
        contacts = self.sudo().search([("company_id", "=", company.id), ("channel", "=", "whatsapp"),
                                       ("whatsapp_message_id", "in", list(receipts))])
        undelivered = self.browse()
        for contact in contacts:
            for status in receipts[contact.whatsapp_message_id]:
                current = contact.delivery_status
                if current == "failed":
                    break
                if status["status"] != "failed":
                    if DELIVERY_RANK[status["status"]] > DELIVERY_RANK.get(current, 0):
                        contact.write({"delivery_status": status["status"]})
                elif DELIVERY_RANK.get(current, 0) < DELIVERY_RANK["delivered"]:
                    contact.write({"delivery_status": "failed", "state": "failed",
                                   "delivery_error": self._whatsapp_error(status)})
                    undelivered |= contact
        undelivered._plan_fallbacks()
        return contacts

    @api.model
    def _whatsapp_error(self, status):
        errors = [e for e in status.get("errors") or [] if isinstance(e, dict)]
        if not errors:
            return _("WhatsApp could not deliver the message.")
        error = errors[0]
        details = (error.get("error_data") or {}).get("details") if isinstance(error.get("error_data"), dict) else None
        return _("WhatsApp could not deliver the message (error %(code)s: %(title)s).",
                 code=str(error.get("code") or "?")[:20],
                 title=str(details or error.get("title") or error.get("message") or "?")[:300])

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
