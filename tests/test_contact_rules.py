import base64
import csv
import io
from datetime import date, datetime, timedelta

from unittest.mock import patch

import requests
from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from odoo.addons.sms.tests.common import SMSCase

from .common import CobranzaCase, FakeResponse

MONDAY = date(2026, 3, 2)  # Chile is on UTC-3 (summer time) in March


@tagged("post_install", "-at_install")
class TestContactRules(CobranzaCase, SMSCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "America/Santiago"
        cls.chile = cls.env["cobranza.contact.rule"].create({
            "name": "Chile", "company_id": cls.company.id, "country_id": cls.env.ref("base.cl").id, "preset": "CL"})
        cls.chile.action_load_preset()
        cls.customer.write({"country_id": cls.env.ref("base.cl").id, "tz": "America/Santiago",
                            "mobile": "+56 9 6123 4567", "cobranza_collector_id": cls.collector.id})

    def test_preset_is_loaded(self):
        self.assertEqual(len(self.chile.window_ids), 6, "Monday to Saturday")
        self.assertEqual((self.chile.window_ids[0].hour_from, self.chile.window_ids[0].hour_to), (8.0, 20.0))
        self.assertEqual((self.chile.max_voice_per_week, self.chile.max_written_per_week,
                          self.chile.min_days_between), (1, 2, 2))

    def test_run_outside_the_hours_defers_to_the_first_allowed_moment(self):
        self._invoice(amount=100.0, due=MONDAY)  # due today: the email level
        run = self._run(MONDAY, moment=datetime(2026, 3, 2, 10, 30))  # 07:30 in Santiago
        contact = self._contacts(channel="email")
        self.assertEqual((contact.state, contact.defer_reason), ("deferred", "hours"))
        self.assertEqual(contact.scheduled_at, datetime(2026, 3, 2, 11, 0), "08:00 in Santiago")
        self.assertEqual(run.deferred_count, 1)
        self.assertIn("outside the allowed hours (1)", run.log)
        self.assertFalse(contact.mail_message_id)
        with freeze_time(datetime(2026, 3, 2, 10, 59)):
            self.env["cobranza.contact"]._cron_send_deferred()
        self.assertEqual(contact.state, "deferred")
        with freeze_time(datetime(2026, 3, 2, 11, 0)):
            self.env["cobranza.contact"]._cron_send_deferred()
        self.assertEqual(contact.state, "sent")
        self.assertIn("due today", contact.mail_message_id.subject)

    def test_customers_preferred_hours_inside_the_legal_ones(self):
        self.customer.write({"cobranza_contact_hour_from": 15.0, "cobranza_contact_hour_to": 18.0})
        self._invoice(amount=100.0, due=MONDAY)
        self._run(MONDAY, moment=datetime(2026, 3, 2, 13, 0))  # 10:00 in Santiago: legal, not preferred
        contact = self._contacts(channel="email")
        self.assertEqual((contact.state, contact.defer_reason), ("deferred", "hours"))
        self.assertEqual(contact.scheduled_at, datetime(2026, 3, 2, 18, 0), "15:00 in Santiago")

    def test_preferred_hours_apply_without_contact_rules(self):
        self.chile.unlink()
        self.customer.write({"cobranza_contact_hour_from": 9.0, "cobranza_contact_hour_to": 12.0})
        self._invoice(amount=100.0, due=MONDAY)
        self._run(MONDAY, moment=datetime(2026, 3, 2, 19, 0))  # 16:00 in Santiago
        contact = self._contacts(channel="email")
        self.assertEqual(contact.state, "deferred")
        self.assertEqual(contact.scheduled_at, datetime(2026, 3, 3, 12, 0), "09:00 the next day")
        with self.assertRaises(ValidationError):
            self.customer.write({"cobranza_contact_hour_from": 18.0, "cobranza_contact_hour_to": 9.0})

    def test_caps_across_channels_and_days(self):
        self._invoice(amount=100.0, due=MONDAY)
        self._run(MONDAY, moment=datetime(2026, 3, 2, 15, 0))  # noon in Santiago: allowed
        self.assertEqual(self._contacts(channel="email").state, "sent")
        # next day the SMS level: written contacts must be two days apart
        self._run(MONDAY + timedelta(days=1), moment=datetime(2026, 3, 3, 15, 0))
        sms = self._contacts(channel="sms")
        self.assertEqual((sms.state, sms.defer_reason), ("deferred", "too_soon"))
        self.assertEqual(sms.scheduled_at, datetime(2026, 3, 4, 11, 0))

    def test_public_holiday_of_the_company_calendar(self):
        self.company.resource_calendar_id.tz = "America/Santiago"
        self.env["resource.calendar.leaves"].create({
            "name": "Feriado", "calendar_id": self.company.resource_calendar_id.id, "company_id": self.company.id,
            "date_from": datetime(2026, 3, 2, 3, 0), "date_to": datetime(2026, 3, 3, 2, 59)})
        self._invoice(amount=100.0, due=MONDAY)
        self._run(MONDAY, moment=datetime(2026, 3, 2, 15, 0))
        contact = self._contacts(channel="email")
        self.assertEqual((contact.defer_reason, contact.scheduled_at), ("holiday", datetime(2026, 3, 3, 11, 0)))

    def test_business_customer_exempted(self):
        self.customer.cobranza_rules_exempt = True
        self._invoice(amount=100.0, due=MONDAY)
        self._run(MONDAY, moment=datetime(2026, 3, 2, 3, 0))  # midnight in Santiago
        self.assertEqual(self._contacts(channel="email").state, "sent")

    def test_manual_contact_refused_then_overridden_by_a_manager(self):
        self._invoice(amount=100.0, due=MONDAY - timedelta(days=10))
        with freeze_time(datetime(2026, 3, 8, 15, 0)):  # a Sunday
            action = self.customer.with_user(self.collector).action_cobranza_send_reminder()
            wizard = Form(self.env["cobranza.reminder.wizard"].with_user(self.collector).with_context(
                action["context"])).save()
            with self.assertRaisesRegex(UserError, "do not allow"):
                wizard.action_send()
            wizard.override_reason = "El cliente pidió que lo llamáramos hoy"
            with self.assertRaises(UserError):
                wizard.action_send()  # a collector cannot override
            wizard = Form(self.env["cobranza.reminder.wizard"].with_user(self.manager).with_context(
                action["context"])).save()
            wizard.override_reason = "El cliente pidió el detalle hoy"
            wizard.action_send()
        contact = self._contacts(channel="email")
        self.assertEqual((contact.override_by_id, contact.override_reason),
                         (self.manager, "El cliente pidió el detalle hoy"))

    def test_call_logging_respects_the_weekly_call_cap(self):
        self._invoice(amount=100.0, due=MONDAY - timedelta(days=10))
        with freeze_time(datetime(2026, 3, 3, 15, 0)):
            action = self.customer.with_user(self.collector).action_cobranza_log_call()
            Form(self.env["cobranza.call.wizard"].with_user(self.collector).with_context(action["context"])).save().action_confirm()
        with freeze_time(datetime(2026, 3, 5, 15, 0)):
            with self.assertRaisesRegex(UserError, "weekly limit"):
                Form(self.env["cobranza.call.wizard"].with_user(self.collector).with_context(
                    action["context"])).save().action_confirm()

    def test_sms_through_the_gateway_and_blacklist(self):
        self._invoice(amount=100.0, due=MONDAY - timedelta(days=1))
        self._run(MONDAY, moment=datetime(2026, 3, 2, 15, 0))
        contact = self._contacts(channel="sms")
        self.assertEqual(contact.state, "sent")
        with self.mockSMSGateway():
            contact.sms_ids._send()
        self.assertSMSIapSent(["+56961234567"])
        other = self.env["res.partner"].create({"name": "Bloqueado", "mobile": "+56 9 8765 4321",
                                                "country_id": self.env.ref("base.cl").id})
        self.env["phone.blacklist"].sudo().add("+56987654321")
        self._invoice(partner=other, amount=100.0, due=MONDAY - timedelta(days=1))
        self._run(MONDAY, moment=datetime(2026, 3, 2, 16, 0))
        blocked = self.env["cobranza.contact"].search([("partner_id", "=", other.id), ("channel", "=", "sms")])
        self.assertEqual(blocked.state, "failed")
        self.assertFalse(self.env["sms.sms"].search([("partner_id", "=", other.id)]))

    def test_whatsapp_click_to_chat_is_logged(self):
        invoice = self._invoice(amount=100.0, due=MONDAY - timedelta(days=3))
        self.customer.cobranza_consent_whatsapp = True
        with freeze_time(datetime(2026, 3, 2, 15, 0)):
            action = self.customer.with_user(self.collector).action_cobranza_whatsapp()
            wizard = Form(self.env["cobranza.whatsapp.wizard"].with_user(self.collector).with_context(
                action["context"])).save()
            self.assertEqual(wizard.number, "+56961234567")
            result = wizard.action_open()
        self.assertTrue(result["url"].startswith("https://wa.me/56961234567?text="))
        contact = self._contacts(channel="whatsapp")
        self.assertEqual((contact.state, contact.author_id, contact.move_ids), ("sent", self.collector, invoice))

    def test_channel_without_consent_is_refused(self):
        colombia = self.env["cobranza.contact.rule"].create({
            "name": "Colombia", "company_id": self.company.id, "country_id": self.env.ref("base.co").id,
            "preset": "CO"})
        colombia.action_load_preset()
        self.assertTrue(colombia.consent_whatsapp)
        self.customer.write({"country_id": self.env.ref("base.co").id, "tz": "America/Bogota",
                             "cobranza_consent_whatsapp": False})
        self._invoice(amount=100.0, due=MONDAY - timedelta(days=3))
        with freeze_time(datetime(2026, 3, 2, 15, 0)):
            action = self.customer.with_user(self.collector).action_cobranza_whatsapp()
            wizard = Form(self.env["cobranza.whatsapp.wizard"].with_user(self.collector).with_context(
                action["context"])).save()
            with self.assertRaisesRegex(UserError, "consent"):
                wizard.action_open()

    def test_export_contacts_csv_and_xlsx(self):
        self._invoice(amount=100.0, due=MONDAY)
        self._run(MONDAY, moment=datetime(2026, 3, 2, 15, 0))
        export = self.env["cobranza.contact.export"].with_user(self.collector).create({
            "partner_id": self.customer.id, "date_from": MONDAY - timedelta(days=1),
            "date_to": MONDAY, "file_format": "csv"})
        action = export.action_export()
        attachment = self.env["ir.attachment"].browse(int(action["url"].split("/")[3].split("?")[0]))
        rows = list(csv.reader(io.StringIO(base64.b64decode(attachment.datas).decode("utf-8-sig"))))
        self.assertEqual(len(rows), 2)
        self.assertIn(self.customer.name, rows[1])
        export.file_format = "xlsx"
        action = export.action_export()
        attachment = self.env["ir.attachment"].browse(int(action["url"].split("/")[3].split("?")[0]))
        self.assertEqual(base64.b64decode(attachment.datas)[:2], b"PK")
        with self.assertRaises(UserError):
            export.write({"date_from": MONDAY, "date_to": MONDAY - timedelta(days=2)})
            export.action_export()


@tagged("post_install", "-at_install")
class TestChannels(CobranzaCase):
    """WhatsApp Cloud API faked at its HTTP boundary (requests.post), channel choice, fallback."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"cobranza_whatsapp_phone_id": "1099", "cobranza_whatsapp_token": "secret"})
        cls.customer.write({"mobile": "+56 9 6123 4567", "cobranza_consent_whatsapp": True})
        cls.level = cls.default_policy.level_ids.filtered(lambda lvl: lvl.offset_days == 1)
        cls.level.write({"send_whatsapp": True, "whatsapp_template_name": "recordatorio_pago",
                         "send_sms": False, "channel_fallback": "whatsapp,sms,email"})
        cls.invoice = cls._invoice(amount=100.0, due=fields.Date.today() - timedelta(days=1))

    def _run_answered(self, responses):
        """Today's run, WhatsApp's API answering `responses` in turn; returns the run, the
        calls made and the mock of the pauses between retries."""
        calls = []

        def fake_post(url, json=None, headers=None, timeout=None):
            calls.append((url, json, headers, timeout))
            answer = responses.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer

        with patch("odoo.addons.account_cobranza.models.res_company_whatsapp.requests.post", fake_post), \
                patch("odoo.addons.account_cobranza.models.res_company_whatsapp.time.sleep") as sleep:
            run = self._run()
        return run, calls, sleep

    def test_whatsapp_success(self):
        run, calls, _sleep = self._run_answered([FakeResponse(200, {"messages": [{"id": "wamid.OK"}]})])
        (url, payload, headers, timeout), = calls
        self.assertEqual(url, "https://graph.facebook.com/v21.0/1099/messages")
        self.assertEqual(payload["to"], "56961234567")
        self.assertEqual(payload["template"]["name"], "recordatorio_pago")
        self.assertEqual(headers["Authorization"], "Bearer secret")
        self.assertTrue(timeout)
        contact = self._contacts()
        self.assertEqual((contact.channel, contact.state), ("whatsapp", "sent"))
        self.assertIn("wamid.OK", contact.mail_message_id.body)
        self.assertEqual(run.contact_ids, contact)

    def test_whatsapp_refused_falls_back_to_sms(self):
        self.level.sms_template_id = self.env.ref("account_cobranza.sms_template_cobranza_overdue")
        _run, calls, sleep = self._run_answered([FakeResponse(400, {"error": {"message": "Template not approved"}})])
        self.assertEqual(len(calls), 1, "a 4xx is not retried")
        sleep.assert_not_called()
        whatsapp, sms = self._contacts()
        self.assertEqual((whatsapp.channel, whatsapp.state), ("whatsapp", "failed"))
        self.assertIn("Template not approved", whatsapp.note)
        self.assertEqual((sms.channel, sms.state), ("sms", "sent"))

    def test_whatsapp_timeout_is_retried_then_falls_back(self):
        timeouts = [requests.exceptions.Timeout()] * 4
        _run, calls, sleep = self._run_answered(timeouts)
        self.assertEqual(len(calls), 4, "first try and three retries")
        self.assertEqual([c.args[0] for c in sleep.call_args_list], [1, 2, 4])
        whatsapp, sms = self._contacts()
        self.assertEqual(whatsapp.state, "failed")
        self.assertIn("did not answer", whatsapp.note)
        self.assertEqual((sms.channel, sms.state), ("sms", "sent"), "the level's SMS template as fallback")

    def test_retry_after_a_server_error_succeeds(self):
        _run, calls, _sleep = self._run_answered([FakeResponse(503, {}), FakeResponse(200, {"messages": [{"id": "w2"}]})])
        self.assertEqual(len(calls), 2)
        self.assertEqual(self._contacts().state, "sent")

    def test_preferred_channel(self):
        level = self.default_policy.level_ids.filtered(lambda lvl: lvl.offset_days == 15)
        level.write({"channel_mode": "preferred", "send_sms": True,
                     "sms_template_id": self.env.ref("account_cobranza.sms_template_cobranza_overdue").id})
        self.invoice.invoice_date_due = fields.Date.today() - timedelta(days=15)
        self.customer.cobranza_preferred_channel = "sms"
        self._run_answered([])
        channels = self._contacts().filtered(lambda c: c.channel != "letter").mapped("channel")
        self.assertEqual(channels, ["sms"], "only the preferred one of the ticked channels")
