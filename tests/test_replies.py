import hashlib
import hmac
import json
import time
from datetime import date, timedelta
from email.message import EmailMessage
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import CobranzaCase, CobranzaHelpers


class ReplyHelpers:
    """A customer with an overdue invoice, reminded by email today, and its answers."""

    def _remind(self):
        """Run today: the customer gets an email reminder; returns its chatter message."""
        with patch.object(type(self.env["account.move"]), "_cobranza_pdf_attachments", return_value=[]):
            self.env["cobranza.run"].run_for_date(self.today, self.company)
        contact = self.env["cobranza.contact"].search(
            [("partner_id", "=", self.customer.id), ("channel", "=", "email")], limit=1)
        self.assertTrue(contact.mail_message_id, "the reminder went by email")
        return contact.mail_message_id

    def _email(self, text=None, html=None, headers=None, subject="Re: Recordatorio de pago", attachment=None,
               parent=None):
        """The customer's answer as it arrives at the mail gateway (threaded on `parent`)."""
        mail = EmailMessage()
        mail["From"] = f"Tesorería <{self.customer.email}>"
        mail["To"] = "catchall@example.com"
        mail["Subject"] = subject
        mail["Message-Id"] = f"<{time.time_ns()}@cliente.example.com>"
        if parent:
            mail["In-Reply-To"] = parent.message_id
            mail["References"] = parent.message_id
        for name, value in (headers or {}).items():
            mail[name] = value
        if text is not None:
            mail.set_content(text)
        if html is not None:
            if text is None:
                mail.set_content(html, subtype="html")
            else:
                mail.add_alternative(html, subtype="html")
        if attachment:
            if not mail.is_multipart() and text is None and html is None:
                mail.set_content("")
            mail.add_attachment(attachment[1], maintype="application", subtype="pdf", filename=attachment[0])
        self.env["mail.thread"].message_process(False, mail.as_string())
        return self.env["cobranza.reply"].search([("partner_id", "=", self.customer.id)], order="id desc", limit=1)


@tagged("post_install", "-at_install")
class TestReplies(ReplyHelpers, CobranzaCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.context_today(cls.env.user)
        # a business customer: no consumer contact hours, the reminder leaves at once
        cls.customer.write({"cobranza_collector_id": cls.collector.id, "cobranza_rules_exempt": True})
        # due today: the ladder's reminder of the due date is an email
        cls.invoice = cls._invoice(amount=1000.0, due=cls.today, invoice_date=cls.today - timedelta(days=30))
        cls.Reply = cls.env["cobranza.reply"]

    def test_interpret_entry_point(self):
        result = self.Reply.interpret("le pago el viernes", date(2026, 11, 24))
        self.assertEqual(result["intent"], "promise")
        self.assertEqual(result["date"], date(2026, 11, 27))
        self.assertEqual(result["reason"], None)
        self.assertGreater(result["confidence"], 0.5)
        self.assertIn("amount", result)
        result = self.Reply.interpret("el monto está mal, nos cobraron $150.000 de más", date(2026, 11, 24), "es_CL")
        self.assertEqual((result["intent"], result["reason"], result["amount"]), ("dispute", "wrong_amount", 150000))

    def test_email_reply_threads_back_becomes_a_promise_and_the_ladder_waits(self):
        reminder = self._remind()
        friday = self.today + timedelta(days=(4 - self.today.weekday()) % 7 or 7)
        reply = self._email("Buenos días, le pago el viernes sin falta.\nSaludos", parent=reminder)
        self.assertEqual(reply.message_id.model, "res.partner", "the answer reached the customer's record")
        self.assertEqual(reply.message_id.parent_id, reminder)
        self.assertEqual((reply.state, reply.intent, reply.source), ("to_review", "promise", "email"))
        self.assertEqual(reply.date, friday)
        self.assertEqual(reply.move_ids, self.invoice, "the invoices of the reminder answered")
        # waiting for review: the next steps of the ladder wait for this customer
        run = self.env["cobranza.run"].run_for_date(self.today + timedelta(days=2), self.company)
        self.assertFalse(self.env["cobranza.contact"].search([("run_id", "=", run.id), ("partner_id", "=", self.customer.id)]))
        self.assertIn("reply", run.log.lower())
        # one click as a collector: the promise, and the reply is done
        reply.with_user(self.collector).action_accept()
        self.assertEqual(reply.state, "accepted")
        self.assertEqual((reply.promise_id.state, reply.promise_id.date, reply.promise_id.origin),
                         ("open", friday, "email"))
        self.assertEqual(reply.promise_id.amount, 1000.0)
        self.assertEqual(self.invoice.cobranza_stage, "promise")
        self.assertEqual(self.customer.cobranza_reply_count, 0)

    def test_the_ladder_waits_at_most_the_policys_days(self):
        reply = self.Reply.create({"partner_id": self.customer.id, "body": "¿quién habla?",
                                   "received_at": fields.Datetime.now()})
        reply._process()
        self.assertEqual((reply.state, reply.intent), ("to_review", "other"))
        self.default_policy.reply_wait_days = 2
        Run = self.env["cobranza.run"]
        waiting = Run.run_for_date(self.today + timedelta(days=1), self.company)
        self.assertFalse(self.env["cobranza.contact"].search([("run_id", "=", waiting.id)]))
        late = Run.run_for_date(self.today + timedelta(days=2), self.company)
        self.assertTrue(self.env["cobranza.contact"].search([("run_id", "=", late.id), ("partner_id", "=", self.customer.id)]))

    def test_auto_reply_is_ignored(self):
        reminder = self._remind()
        reply = self._email("Estaré fuera de la oficina hasta el lunes 7.", parent=reminder,
                            headers={"Auto-Submitted": "auto-replied"}, subject="Fuera de la oficina")
        self.assertEqual(reply.state, "ignored")
        self.assertTrue(reply.message_id.cobranza_auto_reply)
        self.assertIn("automatic", reply.note.lower())
        other = self._email("Gracias", parent=reminder, subject="Respuesta automática: vacaciones")
        self.assertEqual(other.state, "ignored")

    def test_opt_out_withdraws_the_consent_at_once_and_is_logged(self):
        reminder = self._remind()
        reply = self._email("Por favor no me escriban más a este correo.", parent=reminder)
        self.assertEqual((reply.intent, reply.state), ("optout", "accepted"))
        self.assertFalse(self.customer.cobranza_consent_email)
        self.assertTrue(self.customer.cobranza_consent_sms, "only the channel refused")
        log = self.env["cobranza.contact"].search([("partner_id", "=", self.customer.id), ("run_id", "=", False)])
        self.assertEqual(log.channel, "email")
        self.assertIn("consent withdrawn", log.note)

    def test_dispute_with_a_reason(self):
        reply = self._email("No recibí la factura, ¿me la pueden reenviar?", parent=self._remind())
        self.assertEqual((reply.intent, reply.reason), ("dispute", "not_received"))
        reply.with_user(self.collector).action_accept()
        dispute = reply.dispute_ids
        self.assertEqual((dispute.move_id, dispute.reason, dispute.origin), (self.invoice, "not_received", "email"))
        self.assertIn("No recibí la factura", dispute.description)

    def test_paid_claim_gives_the_accountant_a_task_with_the_receipt(self):
        reply = self._email("Ya pagué, adjunto comprobante.", parent=self._remind(),
                            attachment=("comprobante.pdf", b"%PDF-1.4 transferencia"))
        self.assertEqual(reply.intent, "paid")
        self.assertEqual(reply.attachment_ids.name, "comprobante.pdf")
        reply.with_user(self.collector).action_accept()
        self.assertEqual(reply.activity_id.res_id, self.customer.id)
        self.assertEqual(reply.activity_id.attachment_ids, reply.attachment_ids)
        self.assertIn("says it made", reply.activity_id.summary)
        self.assertGreater(self.customer.cobranza_snooze_until, self.today, "the reminders wait for the check")

    def test_plan_request_becomes_a_plan_proposal(self):
        reply = self._email("¿Puedo pagar en 3 cuotas?", parent=self._remind())
        self.assertEqual((reply.intent, reply.installments), ("plan", 3))
        action = reply.with_user(self.collector).action_accept()
        self.assertEqual(action["res_id"], reply.plan_id.id)
        self.assertEqual((reply.plan_id.state, reply.plan_id.installment_count), ("draft", 3))
        self.assertEqual(len(reply.plan_id.line_ids), 3)

    def test_contact_preference(self):
        reply = self._email("Mejor escríbanme por WhatsApp, el correo no lo reviso.", parent=self._remind())
        self.assertEqual((reply.intent, reply.channel), ("callback", "whatsapp"))
        reply.with_user(self.collector).action_accept()
        self.assertEqual(self.customer.cobranza_preferred_channel, "whatsapp")
        self.assertTrue(self.customer.cobranza_consent_whatsapp)
        call = self._email("Llámenme después de las 5 por favor", parent=self._remind())
        call.with_user(self.collector).action_accept()
        self.assertEqual(call.activity_id.activity_type_id, self.env.ref("mail.mail_activity_data_call"))
        self.assertEqual(call.activity_id.user_id, self.collector)

    def test_promise_beyond_the_policy_is_flagged_and_refused_on_accept(self):
        far = self.today + timedelta(days=60)
        reply = self._email(f"Le pago el {far.day}/{far.month}/{far.year}", parent=self._remind())
        self.assertEqual((reply.intent, reply.date), ("promise", far))
        self.assertTrue(reply.beyond_max)
        self.assertIn("maximum", reply.note)
        with self.assertRaises(UserError):
            reply.action_accept()
        self.assertFalse(self.env["cobranza.promise"].search([("partner_id", "=", self.customer.id)]))
        reply.date = self.today + timedelta(days=10)
        reply.action_accept()
        self.assertEqual(reply.promise_id.date, self.today + timedelta(days=10))

    def test_bad_input_is_kept_with_a_reason(self):
        reminder = self._remind()
        huge = self._email("Le pago mañana. " + "x" * 120_000, parent=reminder)
        self.assertEqual(huge.intent, "promise")
        self.assertIn("100 KB", huge.note)
        html = self._email(html="<p>Les <b>transfiero</b> el 30</p><blockquote>Recordatorio: debe 1.000</blockquote>",
                           parent=reminder)
        self.assertEqual(html.intent, "promise")
        self.assertNotIn("Recordatorio", html.body, "the quoted reminder is not read")
        only_file = self._email(attachment=("recibo.pdf", b"%PDF-1.4"), parent=reminder)
        self.assertEqual((only_file.state, only_file.attachment_ids.name), ("to_review", "recibo.pdf"))
        self.assertIn("no text", only_file.note)
        impossible = self._email("Le pago el 31 de febrero", parent=reminder)
        self.assertFalse(impossible.date)
        self.assertIn("does not exist", impossible.note)
        past = self._email("Le pagué el lunes", parent=reminder)
        self.assertEqual(past.intent, "paid")
        unknown = self._email("Obrigado, vou verificar com o financeiro", parent=reminder)
        self.assertEqual(unknown.intent, "other")
        self.assertIn("language", unknown.note)

    @mute_logger("odoo.addons.account_cobranza.models.cobranza_reply")
    def test_an_error_never_drops_the_incoming_mail(self):
        reminder = self._remind()
        Reply = type(self.Reply)
        with patch.object(Reply, "_read", side_effect=RuntimeError("boom")):
            reply = self._email("Le pago el viernes", parent=reminder)
        self.assertEqual(reply.state, "to_review")
        self.assertIn("could not be read", reply.note)
        with patch.object(Reply, "_reply_from_message", side_effect=RuntimeError("boom")):
            self._email("Le pago el lunes", parent=reminder)
        self.assertTrue(self.env["mail.message"].search([("body", "ilike", "Le pago el lunes")]),
                        "the mail itself is posted")

    def test_portal_message_on_an_invoice_counts(self):
        portal = self._cobranza_portal_user()
        self.invoice.sudo().message_post(body="Pago el 30, gracias", message_type="comment",
                                         subtype_xmlid="mail.mt_comment", author_id=portal.partner_id.id)
        reply = self.Reply.search([("partner_id", "=", self.customer.id)])
        self.assertEqual((reply.source, reply.intent, reply.move_ids), ("portal", "promise", self.invoice))
        # a collector's own note is not a reply
        self.invoice.message_post(body="Le pago el viernes", message_type="comment", subtype_xmlid="mail.mt_note")
        self.assertEqual(len(self.Reply.search([("partner_id", "=", self.customer.id)])), 1)

    def test_reject_keeps_the_reply_as_read(self):
        reply = self._email("Le pago el viernes", parent=self._remind())
        reply.with_user(self.collector).action_reject()
        self.assertEqual((reply.state, reply.reviewed_by_id), ("rejected", self.collector))
        self.assertFalse(self.env["cobranza.promise"].search([("partner_id", "=", self.customer.id)]))
        with self.assertRaises(UserError):
            reply.action_accept()

    def test_replies_of_another_company_are_not_seen(self):
        other = self.env["res.company"].create({"name": "Otra Empresa"})
        self.Reply.create({"partner_id": self.customer.id, "company_id": other.id, "body": "hola"})
        self.assertFalse(self.Reply.with_user(self.collector).search([("company_id", "=", other.id)]))

    def _cobranza_portal_user(self):
        contact = self.env["res.partner"].create({"name": "Tesorera", "parent_id": self.customer.id,
                                                  "email": "tesorera@cliente.example.com"})
        return new_test_user(self.env, login="tesorera_portal", groups="base.group_portal", partner_id=contact.id)


@tagged("post_install", "-at_install")
class TestWhatsappWebhook(CobranzaHelpers, HttpCase):
    URL = "/cobranza/whatsapp/webhook"
    SECRET = "app-secret-de-prueba"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.write({"cobranza_whatsapp_phone_id": "1234", "cobranza_whatsapp_token": "t",
                               "cobranza_whatsapp_verify_token": "verifica-esto",
                               "cobranza_whatsapp_app_secret": cls.SECRET})
        cls.customer = cls.env["res.partner"].create({"name": "Almacén WhatsApp", "is_company": True,
                                                      "mobile": "+56 9 8765 4321", "country_id": cls.env.ref("base.cl").id})
        today = fields.Date.context_today(cls.env.user)
        cls.invoice = cls._invoice(partner=cls.customer, amount=500.0, due=today - timedelta(days=5),
                                   invoice_date=today - timedelta(days=35))

    def _payload(self, message_id, text):
        return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{
            "field": "messages", "value": {
                "messaging_product": "whatsapp", "metadata": {"phone_number_id": "1234"},
                "contacts": [{"wa_id": "56987654321", "profile": {"name": "Almacén"}}],
                "messages": [{"from": "56987654321", "id": message_id, "timestamp": str(int(time.time())),
                              "type": "text", "text": {"body": text}}],
            }}]}]}).encode()

    def _post(self, body, secret=SECRET):
        signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return self.url_open(self.URL, data=body, headers={"X-Hub-Signature-256": signature,
                                                           "Content-Type": "application/json"})

    def test_verification_with_the_verify_token(self):
        ok = self.url_open(f"{self.URL}?hub.mode=subscribe&hub.verify_token=verifica-esto&hub.challenge=4242")
        self.assertEqual((ok.status_code, ok.text), (200, "4242"))
        bad = self.url_open(f"{self.URL}?hub.mode=subscribe&hub.verify_token=otra-cosa&hub.challenge=4242")
        self.assertEqual(bad.status_code, 403)

    @mute_logger("odoo.addons.account_cobranza.controllers.whatsapp")
    def test_signed_messages_are_recorded_once_and_read_afterwards(self):
        Reply = self.env["cobranza.reply"]
        body = self._payload("wamid.A1", "le transfiero mañana")
        forged = self._post(body, secret="no-es-el-secreto")
        self.assertEqual(forged.status_code, 403)
        self.assertFalse(Reply.search([("external_id", "=", "wamid.A1")]))
        response = self._post(body)
        self.assertEqual(response.status_code, 200)
        reply = Reply.search([("external_id", "=", "wamid.A1")])
        self.assertEqual((reply.state, reply.source), ("new", "whatsapp"), "answered at once, read afterwards")
        self.assertEqual(self._post(body).status_code, 200, "a replayed message is acknowledged")
        self.assertEqual(Reply.search_count([("external_id", "=", "wamid.A1")]), 1, "and recorded once")
        Reply._cron_process()
        self.assertEqual((reply.state, reply.partner_id, reply.intent), ("to_review", self.customer, "promise"))
        self.assertEqual(reply.date, fields.Date.context_today(self.env.user) + timedelta(days=1))
        self.assertEqual(reply.move_ids, self.invoice)
        # opt-out by WhatsApp: its consent is withdrawn at once
        self.customer.cobranza_consent_whatsapp = True
        self._post(self._payload("wamid.A2", "STOP"))
        Reply._cron_process()
        self.assertFalse(self.customer.cobranza_consent_whatsapp)

    def test_unknown_sender_waits_for_a_person(self):
        body = self._payload("wamid.B1", "hola, ¿cuánto debo?").replace(b"56987654321", b"56911112222")
        self._post(body)
        self.env["cobranza.reply"]._cron_process()
        reply = self.env["cobranza.reply"].search([("external_id", "=", "wamid.B1")])
        self.assertFalse(reply.partner_id)
        self.assertIn("not a known customer", reply.note)
        self.assertEqual(reply.state, "to_review")
