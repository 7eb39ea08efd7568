"""Replies one can trust: the customer who wrote (and only it), the server's clock, the
customer's own words whatever its mail client, escaped text, a strict WhatsApp webhook and
WhatsApp's delivery receipts. Each finding of the issue has its test here."""
import hashlib
import hmac
import json
import time
from datetime import datetime, timedelta
from pathlib import Path
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import CobranzaCase, CobranzaHelpers, FakeResponse
from .test_replies import ReplyHelpers

MAILS = Path(__file__).parent / "data" / "mail"
# what the reminder says and the customer's answer must never be read as
REMINDER_WORDS = "disregard this message"


class TrustHelpers(ReplyHelpers):

    @classmethod
    def _setup_customer(cls):
        cls.today = fields.Date.context_today(cls.env.user)
        cls.customer.write({"cobranza_collector_id": cls.collector.id, "cobranza_rules_exempt": True})
        cls.invoice = cls._invoice(amount=1000.0, due=cls.today, invoice_date=cls.today - timedelta(days=30))
        cls.Reply = cls.env["cobranza.reply"]

    def _raw(self, name, parent, sender=None):
        """A raw message of tests/data/mail, as that mail client writes an answer to `parent`."""
        raw = (MAILS / name).read_text(encoding="utf-8")
        return (raw.replace("{{IN_REPLY_TO}}", parent.message_id)
                .replace("{{MESSAGE_ID}}", f"<{time.time_ns()}.{name}@cliente.example.com>")
                .replace("{{FROM}}", sender or self.customer.email))

    def _process(self, raw):
        before = self.Reply.search([]).ids
        self.env["mail.thread"].message_process(False, raw)
        return self.Reply.search([("id", "not in", before)])


@tagged("post_install", "-at_install")
class TestRealMailClients(TrustHelpers, CobranzaCase):
    """Answers as Gmail, Outlook (desktop and on the web), Apple Mail, Thunderbird and
    plain-text clients write them, with the reminder quoted their way."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_customer()

    def test_each_client_gives_one_reply_with_the_customers_words(self):
        reminder = self._remind()
        friday = self.today + timedelta(days=(4 - self.today.weekday()) % 7 or 7)
        cases = {
            "gmail_es.eml": ("promise", "le pago el viernes sin falta"),
            "gmail_en_attachment.eml": ("paid", "We already paid this invoice yesterday"),
            "outlook_desktop_es.eml": ("other", "Lo reviso con contabilidad y les aviso"),
            "outlook_web_en.eml": ("plan", "split the balance into three monthly payments"),
            "apple_mail_es.eml": ("dispute", "No recibimos la mercadería"),
            "thunderbird_es.eml": ("callback", "llámenme mañana en la tarde"),
            "plain_text_es.eml": ("promise", "Les transfiero el 15 de diciembre"),
            "plain_gt_quotes_es.eml": ("other", "Lo veo con el contador"),
            "plain_text_en_signature.eml": ("optout", "Please stop emailing me"),
        }
        for name, (intent, words) in cases.items():
            with self.subTest(client=name):
                reply = self._process(self._raw(name, reminder))
                self.assertEqual(len(reply), 1, "one reply per message")
                self.assertEqual((reply.partner_id, reply.intent), (self.customer, intent), reply.body)
                self.assertIn(words, reply.body)
                self.assertNotIn(REMINDER_WORDS, reply.body, "the quoted reminder is not the customer's")
                self.assertTrue(reply.sender_on_file)
                self.assertEqual(reply.message_id.parent_id, reminder)
                if name == "gmail_es.eml":
                    self.assertEqual(reply.date, friday)
                if name == "gmail_en_attachment.eml":
                    self.assertEqual(reply.attachment_ids.mapped("name"), ["receipt-transfer.pdf"])
                if name == "outlook_web_en.eml":
                    self.assertEqual(reply.installments, 3)
                if name == "apple_mail_es.eml":
                    self.assertEqual(reply.reason, "not_received")
                if name == "plain_text_es.eml":
                    self.assertEqual((reply.date.month, reply.date.day), (12, 15))
                if name == "plain_text_en_signature.eml":
                    self.assertTrue(reply.optout_applied)
                    self.assertFalse(self.customer.cobranza_consent_email)

    def test_the_reminders_own_words_never_make_a_claim_of_payment(self):
        reminder = self._remind()
        # a client that pastes the reminder without any quote mark or header
        reply = self._email("Gracias por escribir.\nYou can pay them online in a few clicks. If you have already "
                            "made the payment, thank you, and please disregard this message.", parent=reminder)
        self.assertEqual(reply.intent, "other")


@tagged("post_install", "-at_install")
class TestWhoWrote(TrustHelpers, CobranzaCase):
    """An email answer is compared with the addresses on file; consent is per creditor; the
    time of a reply is the server's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_customer()

    def test_an_opt_out_from_an_address_not_on_file_waits_for_a_person(self):
        reminder = self._remind()
        raw = self._raw("plain_text_en_signature.eml", reminder, sender="copied@otra-empresa.example.com")
        reply = self._process(raw)
        self.assertEqual((reply.partner_id, reply.intent, reply.state), (self.customer, "optout", "to_review"))
        self.assertFalse(reply.sender_on_file)
        self.assertFalse(reply.optout_applied)
        self.assertTrue(self.customer.cobranza_consent_email, "a stranger cannot withdraw the customer's consent")
        self.assertIn("not an address or number on file", reply.note)
        reply.with_user(self.collector).action_accept()
        self.assertTrue(reply.optout_applied)
        self.assertFalse(self.customer.cobranza_consent_email, "a collector confirmed it")

    def test_a_contact_of_the_customer_is_on_file(self):
        self.env["res.partner"].create({"name": "Contadora", "parent_id": self.customer.id, "type": "invoice",
                                        "email": "Contadora <FACTURAS@cliente-uno.example.com>"})
        reply = self._email_from("facturas@cliente-uno.example.com", "No me escriban más a este correo.")
        self.assertTrue(reply.sender_on_file)
        self.assertEqual((reply.intent, reply.state), ("optout", "accepted"))
        self.assertFalse(self.customer.cobranza_consent_email)

    def test_a_stranger_promise_is_still_proposed_and_flagged(self):
        reply = self._email_from("alguien@otro.example.com", "Le pago el viernes.")
        self.assertEqual((reply.intent, reply.state, reply.sender_on_file), ("promise", "to_review", False))
        self.assertIn(reply, self.Reply.search([("sender_on_file", "=", False)]))

    def _email_from(self, address, text):
        reminder = self._remind()
        raw = self._raw("plain_gt_quotes_es.eml", reminder, sender=address).replace(
            "Recibido, gracias. Lo veo con el contador.", text)
        return self._process(raw)

    def test_an_opt_out_withdraws_the_consent_given_to_that_company_only(self):
        other = self.env["res.company"].create({"name": "Otra Empresa del Grupo"})
        self.assertTrue(self.customer.with_company(other).cobranza_consent_email)
        reply = self._email("Por favor no me escriban más.", parent=self._remind())
        self.assertEqual(reply.state, "accepted")
        self.assertFalse(self.customer.with_company(self.company).cobranza_consent_email)
        self.assertTrue(self.customer.with_company(other).cobranza_consent_email, "the other creditor keeps it")
        log = self.env["cobranza.contact"].search([("partner_id", "=", self.customer.id), ("run_id", "=", False)])
        self.assertEqual(log.company_id, self.company)
        self.assertIn(self.company.name, log.note)
        # the rule the run applies reads the consent of the run's company
        gates = self.env["cobranza.contact.rule"]._gates(self.customer, other, datetime.now().astimezone())
        self.assertFalse(gates.get(self.customer.id) and gates[self.customer.id]("email"))

    def test_a_new_customer_accepts_email_in_every_company(self):
        other = self.env["res.company"].create({"name": "Empresa Nueva"})
        partner = self.env["res.partner"].create({"name": "Cliente Nuevo"})
        for company in (self.company, other):
            self.assertTrue(partner.with_company(company).cobranza_consent_email)
            self.assertTrue(partner.with_company(company).cobranza_consent_sms)
            self.assertFalse(partner.with_company(company).cobranza_consent_whatsapp)

    def test_the_date_in_the_message_is_only_information(self):
        reminder = self._remind()
        raw = self._raw("gmail_es.eml", reminder).replace("Date: Tue, 1 Dec 2026 09:12:44 -0300",
                                                           "Date: Thu, 31 Dec 2099 23:59:59 +0000")
        started = fields.Datetime.now()
        reply = self._process(raw)
        self.assertEqual(reply.sent_at, datetime(2099, 12, 31, 23, 59, 59))
        self.assertGreaterEqual(reply.received_at, started - timedelta(seconds=1))
        self.assertLessEqual(reply.received_at, fields.Datetime.now() + timedelta(seconds=1))
        # the promise resolves against the day the server received it
        friday = self.today + timedelta(days=(4 - self.today.weekday()) % 7 or 7)
        self.assertEqual(reply.date, friday)
        # and the ladder waits at most the policy's days from then
        self.default_policy.reply_wait_days = 2
        Run, Contact = self.env["cobranza.run"], self.env["cobranza.contact"]
        waiting = Run.run_for_date(self.today + timedelta(days=1), self.company)
        self.assertFalse(Contact.search([("run_id", "=", waiting.id), ("partner_id", "=", self.customer.id)]))
        later = Run.run_for_date(self.today + timedelta(days=2), self.company)
        self.assertTrue(Contact.search([("run_id", "=", later.id), ("partner_id", "=", self.customer.id)]))

    def test_the_name_of_a_reply_reads_in_the_readers_language(self):
        self._cobranza_spanish()
        reply = self._email("Le pago el viernes.", parent=self._remind())
        self.assertIn("Promise to Pay", reply.with_context(lang="en_US").display_name)
        self.assertIn("Promesa de pago", reply.with_context(lang="es_419").display_name)


@tagged("post_install", "-at_install")
class TestCustomerTextIsEscaped(TrustHelpers, CobranzaCase):
    """Every path that writes a note, a task or a chatter message from a reply, a dispute, a
    promise or a plan: what the customer typed is shown as text, never as markup."""

    HOSTILE = ('Llámenme <a href="https://phishing.example.com/pagar">aquí</a> '
               '<img src="https://tracker.example.com/p.gif"> <b>urgente</b>')

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_customer()
        # a name the customer typed in the portal
        cls.customer.name = 'Cliente <img src="https://tracker.example.com/n.gif"> SpA'

    def _html_written(self, since_message, since_activity):
        messages = self.env["mail.message"].sudo().search([("id", ">", since_message)])
        activities = self.env["mail.activity"].sudo().search([("id", ">", since_activity)])
        return [str(m.body or "") for m in messages] + [str(a.note or "") for a in activities]

    def _last_ids(self):
        return (self.env["mail.message"].sudo().search([], order="id desc", limit=1).id or 0,
                self.env["mail.activity"].sudo().search([], order="id desc", limit=1).id or 0)

    def _assert_escaped(self, since, expect_text=True):
        html = self._html_written(*since)
        for body in html:
            for tag in ("<a href=\"https://phishing", "<img", "<b>urgente"):
                self.assertNotIn(tag, body)
        if expect_text:
            self.assertTrue(html, "the path wrote something")
            self.assertTrue(any("&lt;img" in body or "&lt;a href" in body for body in html),
                            "the customer's text is there, as text")

    def _reply(self, intent, body=None, **values):
        reply = self.Reply.create({
            "partner_id": self.customer.id, "body": body or self.HOSTILE, "intent": intent, "state": "to_review",
            "move_ids": [Command.set(self.invoice.ids)], "sender_on_file": True, **values})
        return reply

    def test_every_path_from_a_reply(self):
        cases = [
            ("callback", {"channel": "call"}),
            ("paid", {}),
            ("dispute", {"reason": "quality"}),
            ("promise", {"date": self.today + timedelta(days=3)}),
            ("plan", {"installments": 2}),
            ("optout", {"optout_channels": "sms"}),
        ]
        for intent, values in cases:
            with self.subTest(intent=intent):
                since = self._last_ids()
                reply = self._reply(intent, **values)
                reply.with_user(self.collector).action_accept()
                self.assertEqual(reply.state, "accepted")
                self._assert_escaped(since, expect_text=intent in ("callback", "paid", "dispute"))
                if intent == "dispute":
                    reply.dispute_ids.action_resolve()
                elif intent == "promise":
                    reply.promise_id.state = "cancelled"

    def test_disputes_promises_and_plans_made_by_people(self):
        since = self._last_ids()
        dispute = self.env["cobranza.dispute"].create({
            "move_id": self.invoice.id, "reason": "other", "description": self.HOSTILE,
            "user_id": self.collector.id})
        dispute.resolution = self.HOSTILE
        dispute.action_reject()
        self._assert_escaped(since)
        since = self._last_ids()
        plan = self.env["cobranza.payment.plan"].create({
            "partner_id": self.customer.id, "move_ids": [Command.set(self.invoice.ids)], "installment_count": 2,
            "note": self.HOSTILE, "first_date": self.today + timedelta(days=5)})
        plan.action_confirm()
        self._assert_escaped(since, expect_text=False)
        since = self._last_ids()
        invoice = self._invoice(amount=50.0, due=self.today, invoice_date=self.today)
        promise = self.env["cobranza.promise"].create({
            "partner_id": self.customer.id, "move_ids": [Command.set(invoice.ids)], "amount": 10.0,
            "date": self.today + timedelta(days=2), "note": self.HOSTILE})
        promise.message_post(body=self.HOSTILE)
        self._assert_escaped(since)


@tagged("post_install", "-at_install")
class TestInterpretOverRpc(CobranzaHelpers, HttpCase):

    def test_portal_and_public_users_cannot_read_replies_over_rpc(self):
        new_test_user(self.env, login="portal_reader", groups="base.group_portal")
        self.authenticate("portal_reader", "portal_reader")
        for method in ("interpret", "_interpret"):
            with self.subTest(method=method), mute_logger("odoo.http"):
                response = self.url_open("/web/dataset/call_kw", data=json.dumps({
                    "jsonrpc": "2.0", "method": "call", "params": {
                        "model": "cobranza.reply", "method": method, "args": ["hoy " * 100, "2026-12-02"],
                        "kwargs": {}}}), headers={"Content-Type": "application/json"})
                error = response.json().get("error")
                self.assertTrue(error, "refused")
                self.assertIn(error["data"]["name"], ("odoo.exceptions.AccessError", "odoo.exceptions.UserError"))

    def test_collectors_and_code_may(self):
        collector = new_test_user(self.env, login="lector", groups="base.group_user,account_cobranza.group_cobranza_user")
        result = self.env["cobranza.reply"].with_user(collector).interpret("le pago mañana", "2026-12-02")
        self.assertEqual(result["intent"], "promise")
        internal = new_test_user(self.env, login="interno", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.env["cobranza.reply"].with_user(internal).interpret("le pago mañana", "2026-12-02")


class WebhookHelpers:
    URL = "/cobranza/whatsapp/webhook"

    @staticmethod
    def _payload(phone_id, sender, message_id, text, profile="Cliente"):
        return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{
            "field": "messages", "value": {
                "messaging_product": "whatsapp", "metadata": {"phone_number_id": phone_id},
                "contacts": [{"wa_id": sender, "profile": {"name": profile}}],
                "messages": [{"from": sender, "id": message_id, "timestamp": str(int(time.time())),
                              "type": "text", "text": {"body": text}}],
            }}]}]}).encode()

    @staticmethod
    def _statuses(phone_id, *statuses):
        return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{
            "field": "messages", "value": {"messaging_product": "whatsapp", "metadata": {"phone_number_id": phone_id},
                                           "statuses": list(statuses)}}]}]}).encode()

    def _post(self, body, secret, headers=None):
        signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return self.url_open(self.URL, data=body, headers={"X-Hub-Signature-256": signature,
                                                           "Content-Type": "application/json", **(headers or {})})


@tagged("post_install", "-at_install")
class TestWhatsappTwoCompanies(WebhookHelpers, CobranzaHelpers, HttpCase):
    """Two companies with their own WhatsApp apps, and customers with the same number."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.chile = cls.env.ref("base.cl")
        cls.company_a = cls.env.company
        cls.company_a.write({"country_id": cls.chile.id, "cobranza_whatsapp_phone_id": "111",
                             "cobranza_whatsapp_token": "ta", "cobranza_whatsapp_app_secret": "secreto-a"})
        cls.company_b = cls.env["res.company"].create({
            "name": "Empresa B", "country_id": cls.chile.id, "currency_id": cls.company_a.currency_id.id,
            "cobranza_whatsapp_phone_id": "222", "cobranza_whatsapp_token": "tb",
            "cobranza_whatsapp_app_secret": "secreto-b"})
        cls.env.user.company_ids |= cls.company_b
        cls.env["account.chart.template"].try_loading("generic_coa", company=cls.company_b, install_demo=False)
        # the customer of A, written as a Chilean would (no prefix), and B's record of a
        # business with the same number
        cls.customer_a = cls.env["res.partner"].create({
            "name": "Almacén de A", "is_company": True, "mobile": "9 8765 4321", "country_id": cls.chile.id,
            "company_id": cls.company_a.id})
        cls.customer_b = cls.env["res.partner"].create({
            "name": "Almacén de B", "is_company": True, "mobile": "+56 9 8765 4321", "company_id": cls.company_b.id})
        cls._invoice(partner=cls.customer_a, amount=100.0, company=cls.company_a)
        cls._invoice(partner=cls.customer_b, amount=200.0, company=cls.company_b)
        for partner, company in ((cls.customer_a, cls.company_a), (cls.customer_b, cls.company_b)):
            partner.with_company(company).cobranza_consent_whatsapp = True
        cls.Reply = cls.env["cobranza.reply"]

    def _reply(self, message_id):
        self.Reply._cron_process()
        return self.Reply.search([("external_id", "=", message_id)])

    def test_a_message_reaches_the_customer_of_the_receiving_company_only(self):
        self.assertEqual(self._post(self._payload("111", "56987654321", "wamid.A", "le pago mañana"), "secreto-a")
                         .status_code, 200)
        reply = self._reply("wamid.A")
        self.assertEqual((reply.company_id, reply.partner_id, reply.sender_on_file),
                         (self.company_a, self.customer_a, True))
        self.assertEqual(reply.sender_name, "Cliente")
        self._post(self._payload("222", "56987654321", "wamid.B", "STOP"), "secreto-b")
        reply = self._reply("wamid.B")
        self.assertEqual((reply.company_id, reply.partner_id, reply.intent), (self.company_b, self.customer_b, "optout"))
        self.assertFalse(self.customer_b.with_company(self.company_b).cobranza_consent_whatsapp)
        self.assertTrue(self.customer_a.with_company(self.company_a).cobranza_consent_whatsapp)

    @mute_logger("odoo.addons.account_cobranza.models.res_company_whatsapp")
    def test_a_message_signed_by_one_company_never_reaches_the_others_customers(self):
        response = self._post(self._payload("222", "56987654321", "wamid.X", "STOP"), "secreto-a")
        self.assertEqual(response.status_code, 200, "signed: acknowledged")
        self.assertFalse(self.Reply.search([("external_id", "=", "wamid.X")]), "but refused")
        self.assertTrue(self.customer_b.with_company(self.company_b).cobranza_consent_whatsapp)
        # nor a number no company has (it was filed under the first company sharing the secret)
        self._post(self._payload("999", "56987654321", "wamid.Y", "STOP"), "secreto-a")
        self.assertFalse(self.Reply.search([("external_id", "=", "wamid.Y")]))

    def test_a_stranger_whose_number_ends_like_a_customers_reaches_nobody(self):
        self._post(self._payload("111", "5491187654321", "wamid.S", "STOP"), "secreto-a")
        reply = self._reply("wamid.S")
        self.assertFalse(reply.partner_id)
        self.assertFalse(reply.candidate_ids)
        self.assertEqual((reply.state, reply.optout_applied), ("to_review", False))
        self.assertTrue(self.customer_a.with_company(self.company_a).cobranza_consent_whatsapp)

    def test_several_customers_with_the_number_are_listed_for_a_person(self):
        twin = self.env["res.partner"].create({"name": "Almacén Gemelo", "is_company": True,
                                               "phone": "+56987654321", "company_id": False})
        self._invoice(partner=twin, amount=50.0, company=self.company_a)
        self._post(self._payload("111", "56987654321", "wamid.T", "no me escriban más"), "secreto-a")
        reply = self._reply("wamid.T")
        self.assertFalse(reply.partner_id)
        self.assertEqual(reply.candidate_ids, self.customer_a | twin)
        self.assertIn("Several customers", reply.note)
        self.assertTrue(self.customer_a.with_company(self.company_a).cobranza_consent_whatsapp)
        reply.partner_id = twin
        reply.with_user(self.env.ref("base.user_admin")).action_accept()
        self.assertFalse(twin.with_company(self.company_a).cobranza_consent_whatsapp)


@tagged("post_install", "-at_install")
class TestStrictWebhook(WebhookHelpers, CobranzaHelpers, HttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.write({"cobranza_whatsapp_phone_id": "111", "cobranza_whatsapp_token": "t",
                               "cobranza_whatsapp_app_secret": "secreto"})

    def test_unsigned_or_oversized_calls_are_refused_before_they_are_read(self):
        body = self._payload("111", "56911112222", "wamid.U", "hola")
        with self.assertLogs("odoo.addons.account_cobranza", "WARNING") as logs, \
                patch("odoo.addons.account_cobranza.models.res_company_whatsapp.ResCompany._cobranza_whatsapp_receive",
                      autospec=True) as receive:
            unsigned = self.url_open(self.URL, data=body, headers={"Content-Type": "application/json"})
            huge = self._post(b'{"entry": [' + b" " * (1024 * 1024 + 10) + b"]}", "secreto")
        self.assertEqual((unsigned.status_code, huge.status_code), (403, 413))
        receive.assert_not_called()  # neither body was read nor hashed
        self.assertEqual(len(logs.output), 2, "each refusal logged once")
        self.assertFalse(any("hola" in line for line in logs.output), "without the body")

    @mute_logger("odoo.addons.account_cobranza.models.res_company_whatsapp",
                 "odoo.addons.account_cobranza.controllers.whatsapp")
    def test_malformed_but_signed_bodies_are_acknowledged_and_ignored(self):
        for body in (b"[1, 2, 3]", b"not json", b'{"entry": "x"}', b'{"entry": [{"changes": [1, {"value": []}]}]}',
                     b'{"entry": [{"changes": [{"value": {"metadata": {"phone_number_id": "111"}, '
                     b'"messages": [{"id": 5, "text": "x"}, "y"], "statuses": [{"id": ["a"]}]}}]}]}'):
            with self.subTest(body=body):
                self.assertEqual(self._post(body, "secreto").status_code, 200)
        self.assertFalse(self.env["cobranza.reply"].search([("source", "=", "whatsapp")]).filtered(
            lambda r: r.external_id not in (False, "5")))


@tagged("post_install", "-at_install")
class TestWhatsappReceipts(WebhookHelpers, CobranzaHelpers, HttpCase):
    """Meta's statuses of the messages our contacts sent: delivered, read, failed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        company.write({"cobranza_whatsapp_phone_id": "111", "cobranza_whatsapp_token": "t",
                       "cobranza_whatsapp_app_secret": "secreto"})
        cls.policy = cls.env.ref("account_cobranza.cobranza_policy_default")
        company.cobranza_policy_id = cls.policy
        cls.customer = cls.env["res.partner"].create({
            "name": "Almacén", "is_company": True, "mobile": "+56 9 6123 4567", "email": "almacen@example.com",
            "cobranza_consent_whatsapp": True, "cobranza_rules_exempt": True})
        cls.level = cls.policy.level_ids.filtered(lambda lvl: lvl.offset_days == 1)
        cls.level.write({"send_whatsapp": True, "whatsapp_template_name": "recordatorio_pago",
                         "send_sms": False, "send_email": False})
        cls.invoice = cls._invoice(partner=cls.customer, amount=100.0, due=fields.Date.today() - timedelta(days=1))
        cls.Contact = cls.env["cobranza.contact"]

    def _send(self, wamid):
        with patch("odoo.addons.account_cobranza.models.res_company_whatsapp.requests.post",
                   return_value=FakeResponse(200, {"messages": [{"id": wamid}]})):
            self.env["cobranza.run"].run_for_date(fields.Date.today(), self.env.company)
        contact = self.Contact.search([("partner_id", "=", self.customer.id), ("channel", "=", "whatsapp")])
        self.assertEqual((contact.state, contact.delivery_status, contact.whatsapp_message_id),
                         ("sent", "queued", wamid))
        return contact

    def _status(self, wamid, status, **extra):
        return {"id": wamid, "status": status, "timestamp": str(int(time.time())), "recipient_id": "56961234567",
                **extra}

    def test_delivered_then_read_and_never_back(self):
        contact = self._send("wamid.R1")
        self._post(self._statuses("111", self._status("wamid.R1", "sent")), "secreto")
        self.assertEqual(contact.delivery_status, "sent")
        # out of order: read before delivered
        self._post(self._statuses("111", self._status("wamid.R1", "read"), self._status("wamid.R1", "delivered")),
                   "secreto")
        self.assertEqual(contact.delivery_status, "read")
        # a failure on a second device after the message was read changes nothing
        self._post(self._statuses("111", self._status("wamid.R1", "failed", errors=[
            {"code": 131047, "title": "Re-engagement message"}])), "secreto")
        self.assertEqual((contact.delivery_status, contact.state), ("read", "sent"))
        # an unknown id is ignored
        self._post(self._statuses("111", self._status("wamid.UNKNOWN", "failed")), "secreto")
        self.assertEqual(self.Contact.search_count([("delivery_status", "=", "failed")]), 0)

    def test_a_failed_message_plans_the_next_channel(self):
        contact = self._send("wamid.F1")
        response = self._post(self._statuses("111", self._status("wamid.F1", "failed", errors=[
            {"code": 131026, "title": "Message undeliverable",
             "error_data": {"details": "Receiver is incapable of receiving this message"}}])), "secreto")
        self.assertEqual(response.status_code, 200)
        self.assertEqual((contact.state, contact.delivery_status), ("failed", "failed"))
        self.assertIn("131026", contact.delivery_error)
        self.assertIn("Receiver is incapable", contact.delivery_error)
        # the level's next channel (its SMS), exactly as after a bounced email
        fallback = self.Contact.search([("partner_id", "=", self.customer.id), ("channel_reason", "=", "fallback")])
        self.assertEqual((fallback.channel, fallback.state), ("sms", "planned"))
        fallback._dispatch()
        self.assertEqual(fallback.state, "sent")
        self.assertEqual(self.customer.cobranza_undelivered_count, 1, "the customer shows it")
        # the same failure again plans nothing more
        self._post(self._statuses("111", self._status("wamid.F1", "failed")), "secreto")
        self.assertEqual(self.Contact.search_count([("partner_id", "=", self.customer.id),
                                                    ("channel_reason", "=", "fallback")]), 1)
