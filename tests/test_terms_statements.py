from datetime import date, timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import CobranzaCase, PortalCase

TERMS_EN = "<p>From 30 days after the due date, a late fee of 1.5% is charged.</p>"


def _today_utc(env):
    """Today where the test company is (no time zone: UTC), as the crons see it."""
    return fields.Date.context_today(env["res.partner"].with_context(tz="UTC"))


@tagged("post_install", "-at_install")
class TestCustomerTerms(CobranzaCase):
    """The policy's customer terms on the invoice, with the QR code of the signed link."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("es_419")
        cls.default_policy.customer_terms = TERMS_EN
        cls.default_policy.update_field_translations("customer_terms", {"es_419": {
            "From 30 days after the due date, a late fee of 1.5% is charged.":
            "Desde los 30 días posteriores al vencimiento, se cobra un recargo de 1,5%."}})

    def _html(self, invoice):
        html, _type = self.env["ir.actions.report"]._render_qweb_html("account.report_invoice", invoice.ids)
        return html.decode()

    def test_terms_and_qr_printed_on_an_open_invoice(self):
        invoice = self._invoice(amount=500.0, due=fields.Date.today() + timedelta(days=10))
        html = self._html(invoice)
        self.assertIn("Payment and collection terms", html)
        self.assertIn("a late fee of 1.5% is charged", html)
        self.assertIn("/report/barcode/?barcode_type=QR", html, "the QR code of the link to pay")
        self.assertIn("cobranza%2Fpay%2Fm.", html, "a signed link of the invoice")
        token = html.split("cobranza%2Fpay%2F")[1].split("&")[0].replace("%2F", "/")
        _link, partner, records = self.env["cobranza.link"]._resolve(token)
        self.assertEqual((partner, records), (self.customer, invoice), "the link pays exactly this invoice")

    def test_terms_in_the_customers_language(self):
        self.customer.lang = "es_419"
        html = self._html(self._invoice(amount=500.0))
        self.assertIn("se cobra un recargo de 1,5%", html)
        self.assertNotIn("a late fee of 1.5% is charged", html)

    def test_paid_invoice_keeps_the_terms_without_the_qr(self):
        invoice = self._invoice(amount=500.0)
        self._pay(invoice)
        html = self._html(invoice)
        self.assertIn("a late fee of 1.5% is charged", html)
        self.assertNotIn("cobranza_pay_qr", html, "nothing left to pay")

    def test_nothing_printed_without_terms_nor_open_invoice(self):
        self.default_policy.customer_terms = False
        invoice = self._invoice(amount=500.0)
        self.assertIn("cobranza_pay_qr", self._html(invoice), "the QR code needs no terms")
        self._pay(invoice)
        self.assertNotIn("cobranza_collection", self._html(invoice))

    def test_terms_of_the_invoice_policy(self):
        """Each invoice prints the terms of its own resolved policy."""
        strict = self.env["cobranza.policy"].create({
            "name": "Estricta", "company_id": self.company.id, "customer_terms": "<p>Strict terms apply.</p>"})
        invoice = self._invoice(amount=500.0, cobranza_policy_id=strict.id)
        html = self._html(invoice)
        self.assertIn("Strict terms apply.", html)
        self.assertNotIn("a late fee of 1.5%", html)

    def test_terms_written_from_the_ladder_in_every_language(self):
        late_fee = self.default_policy.level_ids.filtered(lambda lvl: lvl.offset_days == 30)
        late_fee.write({"charge_fee": True, "fee_type": "percentage", "fee_percentage": 1.5,
                        "fee_max_amount": 100.0})
        self.default_policy.action_cobranza_draft_terms()
        english = self.default_policy.with_context(lang="en_US").customer_terms
        for text in ("3 days before its due date", "on its due date", "From 30 days after the due date",
                     "1.50% of the amount due", "From 90 days after the due date", "legal department"):
            self.assertIn(text, english)
        spanish = self.default_policy.with_context(lang="es_419").customer_terms
        self.assertEqual(spanish.count("<li>"), english.count("<li>"), "written in every installed language")
        empty = self.env["cobranza.policy"].create({"name": "Vacía", "company_id": self.company.id})
        with self.assertRaises(UserError):
            empty.action_cobranza_draft_terms()


@tagged("post_install", "-at_install")
class TestCustomerTermsPortal(PortalCase):
    """The terms in the portal: on the account statement and in the invoice's page."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.ref("account_cobranza.cobranza_policy_default").customer_terms = TERMS_EN

    def test_terms_on_the_portal_statement_and_invoice(self):
        self.authenticate("cliente_portal", "cliente_portal")
        statement = self.url_open("/my/statement")
        self.assertEqual(statement.status_code, 200)
        self.assertIn("Our payment and collection terms", statement.text)
        self.assertIn("a late fee of 1.5% is charged", statement.text)
        # the invoice's page shows the invoice itself (its HTML document): the terms are in it
        page = self.url_open(f"/my/invoices/{self.overdue.id}?report_type=html")
        self.assertEqual(page.status_code, 200)
        self.assertIn("a late fee of 1.5% is charged", page.text)
        self.assertIn("barcode_type=QR", page.text)
        # the QR code is an image Odoo's barcode route renders (reportlab with its PNG backend)
        src = page.text.split('src="/report/barcode/?')[1].split('"')[0].replace("&amp;", "&")
        image = self.url_open(f"/report/barcode/?{src}")
        self.assertEqual(image.status_code, 200)
        self.assertTrue(image.content.startswith(b"\x89PNG"), "a PNG image")

    def test_statement_consent_in_the_preferences(self):
        self.assertTrue(self.customer.cobranza_consent_statement, "accepted by default")
        self.authenticate("cliente_portal", "cliente_portal")
        self.assertIn('name="cobranza_consent_statement"', self.url_open("/my/statement").text)
        self._post("/my/statement/preferences", {"cobranza_consent_email": "on"})
        self.assertFalse(self.customer.cobranza_consent_statement, "unticked: the customer opted out")
        self.assertTrue(self.customer.cobranza_consent_email)
        self._post("/my/statement/preferences", {"cobranza_consent_email": "on", "cobranza_consent_statement": "on"})
        self.assertTrue(self.customer.cobranza_consent_statement)


@tagged("post_install", "-at_install")
class TestEarlyDiscountReminder(CobranzaCase):
    """A pre-due reminder tells the early payment discount still granted, and what it saves."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.term = cls.env["account.payment.term"].create({
            "name": "15 días, 2% de descuento por pronto pago",
            "early_discount": True, "discount_percentage": 2.0, "discount_days": 15,
            "early_pay_discount_computation": "included",
            "line_ids": [Command.create({"value": "percent", "value_amount": 100.0, "nb_days": 15})],
        })

    def _reminder(self, **values):
        today = fields.Date.today()
        invoice = self._invoice(amount=1000.0, invoice_date=today - timedelta(days=12),
                                due=today + timedelta(days=3), **values)
        self.assertEqual(invoice.invoice_date_due, today + timedelta(days=3))
        self.env["cobranza.run"].run_for_date(today, self.company)
        contact = self.env["cobranza.contact"].search([("partner_id", "=", self.customer.id), ("channel", "=", "email")])
        self.assertEqual(contact.level_id.offset_days, -3, "the friendly reminder before the due date")
        self.assertTrue(contact.mail_message_id)
        return invoice, contact.mail_message_id.body

    def test_pre_due_reminder_tells_the_date_and_the_saving(self):
        invoice, body = self._reminder(invoice_payment_term_id=self.term.id)
        discount = invoice._cobranza_early_discount()
        self.assertEqual(discount["date"], invoice.invoice_date_due)
        self.assertAlmostEqual(discount["saved"], 20.0)
        self.assertAlmostEqual(discount["amount"], 980.0)
        self.assertIn("Good news", body)
        self.assertIn(fields.Date.to_date(discount["date"]).strftime("%m/%d/%Y"), body, "until when")
        self.assertIn("20.00", body, "how much paying by then saves")
        self.assertIn("980.00", body)
        self.assertIn(invoice.get_portal_url().split("?")[0], body, "the invoice's page, which takes the discount")

    def test_no_discount_no_sentence(self):
        _invoice, body = self._reminder()
        self.assertNotIn("Good news", body)

    def test_expired_discount_is_not_mentioned(self):
        term = self.env["account.payment.term"].create({
            "name": "15 días, 2% a 5 días", "early_discount": True, "discount_percentage": 2.0, "discount_days": 5,
            "line_ids": [Command.create({"value": "percent", "value_amount": 100.0, "nb_days": 15})],
        })
        invoice = self._invoice(amount=1000.0, invoice_date=fields.Date.today() - timedelta(days=12),
                                invoice_payment_term_id=term.id)
        self.assertFalse(invoice._cobranza_early_discount(), "its discount ended a week ago")
        self.assertTrue(invoice.with_context(cobranza_date=invoice.invoice_date)._cobranza_early_discount())


# The queries of one customer's statement sent by email (its PDF rendered and attached): the
# part of sending statements that grows with the customers.
STATEMENT_QUERIES = 12


@tagged("post_install", "-at_install")
class TestMonthlyStatements(CobranzaCase):
    """Statements by email on the company's day: planned as contacts, sent by the dispatcher."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = _today_utc(cls.env)
        cls.default_policy.send_statement = True
        cls.company.cobranza_statement_day = cls.today.day
        Partner = cls.env["res.partner"]
        cls.opted_out = Partner.create({"name": "Sin Estado SpA", "email": "no@example.com", "is_company": True})
        cls.opted_out.with_company(cls.company).cobranza_consent_statement = False
        cls.paid_up = Partner.create({"name": "Al Día SpA", "email": "aldia@example.com", "is_company": True})
        cls.not_chased = Partner.create({"name": "Colegio SpA", "email": "colegio@example.com", "is_company": True,
                                         "cobranza_no_chase": True, "cobranza_no_chase_reason": "Convenio"})
        cls.in_favour = Partner.create({"name": "A Favor SpA", "email": "favor@example.com", "is_company": True})
        overdue = cls.today - timedelta(days=20)
        cls.invoice = cls._invoice(amount=700.0, due=overdue)
        cls._invoice(amount=300.0, due=cls.today + timedelta(days=10))
        cls._invoice(partner=cls.opted_out, amount=100.0, due=overdue)
        cls._pay(cls._invoice(partner=cls.paid_up, amount=100.0, due=overdue))
        cls._invoice(partner=cls.not_chased, amount=50.0, due=overdue)
        cls._invoice(partner=cls.in_favour, amount=100.0, due=overdue,
                     move_type="out_refund")  # a credit note not yet applied: the balance is in its favour

    def _statements(self, partner=None):
        domain = [("key", "=like", f"statement:{self.company.id}:%")]
        if partner:
            domain.append(("partner_id", "=", partner.id))
        return self.env["cobranza.contact"].search(domain)

    def test_cron_on_the_day_sends_one_statement_per_customer(self):
        self.env["res.partner"]._cron_cobranza_statements()
        contacts = self._statements()
        self.assertEqual(contacts.partner_id, self.customer | self.not_chased,
                         "a balance and consent; a statement is information: a customer not chased gets it too")
        contact = self._statements(self.customer)
        self.assertEqual(len(contact), 1)
        self.assertEqual((contact.state, contact.channel, contact.channel_reason, contact.delivery_status),
                         ("sent", "email", "notice", "queued"))
        self.assertAlmostEqual(contact.amount_due, 1000.0)
        self.assertTrue(contact.attach_statement)
        message = contact.mail_message_id
        self.assertEqual(message.model, "res.partner")
        self.assertEqual(message.res_id, self.customer.id)
        self.assertIn("your monthly account statement", message.subject)
        self.assertIn("1,000.00", message.body)
        self.assertIn("/cobranza/pay/m.", message.body, "the link to pay")
        pdf = message.attachment_ids
        self.assertEqual(len(pdf), 1, "the statement attached")
        self.assertEqual(pdf.mimetype, "application/pdf")
        self.assertTrue(pdf.name.startswith("Account Statement - Cliente Uno SpA"))
        self.assertIn(self.invoice.name.encode(), pdf.raw, "the customer's statement")
        mail = self.env["mail.mail"].search([("mail_message_id", "=", message.id)])
        self.assertEqual(mail.attachment_ids, pdf, "the email carries it")
        self.assertEqual(mail.recipient_ids, self.customer)

    def test_never_twice_the_same_month(self):
        Partner = self.env["res.partner"]
        Partner._cron_cobranza_statements()
        Partner._cron_cobranza_statements()
        self.assertFalse(Partner._cobranza_plan_statements(self.company, self.today), "the key plans it once")
        self.assertEqual(len(self._statements(self.customer)), 1)

    def test_nothing_before_the_day_a_missed_day_caught_up(self):
        Partner = self.env["res.partner"]
        self.company.cobranza_statement_day = 10
        self.assertFalse(Partner._cobranza_plan_statements(self.company, date(2026, 11, 9)), "not yet")
        self.assertFalse(Partner._cobranza_plan_statements(self.company, date(2026, 11, 16)), "too late")
        self.assertTrue(Partner._cobranza_plan_statements(self.company, date(2026, 11, 13)), "the cron missed the 10th")
        self.assertFalse(Partner._cobranza_plan_statements(self.company, date(2026, 11, 14)), "once a month")

    def test_one_companys_error_does_not_stop_the_others(self):
        other = self.setup_other_company()["company"]
        other.cobranza_statement_day = self.today.day
        Partner = type(self.env["res.partner"])
        plan = Partner._cobranza_plan_statements

        def fail_for_the_other(this, company, day):
            if company == other:
                raise ValueError("a broken template")
            return plan(this, company, day)

        with patch.object(Partner, "_cobranza_plan_statements", fail_for_the_other), \
                self.assertLogs("odoo.addons.account_cobranza.models.res_partner_statement_mail", "ERROR") as logs:
            self.env["res.partner"]._cron_cobranza_statements()
        self.assertIn("company_2", logs.output[0], "logged, with the company")
        self.assertTrue(self._statements(self.customer), "the first company's statements went out")

    def test_short_month_sends_on_its_last_day(self):
        Partner = self.env["res.partner"]
        self.company.cobranza_statement_day = 31
        self.assertEqual(Partner._cobranza_statement_date(self.company, date(2026, 2, 10)), date(2026, 2, 28))
        self.assertEqual(Partner._cobranza_statement_date(self.company, date(2028, 2, 10)), date(2028, 2, 29))
        self.assertFalse(Partner._cobranza_plan_statements(self.company, date(2026, 2, 27)))
        self.assertTrue(Partner._cobranza_plan_statements(self.company, date(2026, 2, 28)))

    def test_only_policies_that_send_statements(self):
        self.default_policy.send_statement = False
        self.assertFalse(self.env["res.partner"]._cobranza_plan_statements(self.company, self.today))

    def test_no_email_consent_no_statement(self):
        self.customer.with_company(self.company).cobranza_consent_email = False
        contacts = self.env["res.partner"]._cobranza_plan_statements(self.company, self.today)
        self.assertEqual(contacts.partner_id, self.not_chased)

    def test_planned_in_sets(self):
        """Planning the statements costs the same queries for 2 customers as for 12; sending
        them (measured in the same block, each customer's statement a PDF of its own) adds
        at most the queries of one statement per customer."""
        def plan_and_send():
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            contacts = self.env["res.partner"]._cobranza_plan_statements(self.company, self.today)
            planning = self.env.cr.sql_log_count - before
            contacts._dispatch()
            self.env.flush_all()
            sending = self.env.cr.sql_log_count - before - planning
            self.assertEqual(set(contacts.mapped("state")), {"sent"}, "planned and sent")
            mails = self.env["mail.mail"].search([("mail_message_id", "in", contacts.mail_message_id.ids)])
            self.assertEqual(len(mails), len(contacts), "a mail queued each")
            contacts.sudo().unlink()
            return len(contacts), planning, sending

        plan_and_send()  # the caches of the first rendering (views, assets, reports)
        planned, few, few_sending = plan_and_send()
        self.assertEqual(planned, 2)
        for number in range(10):
            partner = self.env["res.partner"].create({"name": f"Cliente {number}", "email": f"c{number}@example.com",
                                                      "is_company": True})
            self._invoice(partner=partner, amount=10.0 + number)
        planned, many, many_sending = plan_and_send()
        self.assertEqual(planned, 12)
        self.assertLessEqual(many, few + 1)
        self.assertLessEqual(many_sending - few_sending, 10 * STATEMENT_QUERIES, "per customer: its statement")


@tagged("post_install", "-at_install")
class TestStatementSettings(CobranzaCase):

    def test_statement_day_is_a_day_of_the_month(self):
        self.assertEqual(self.company.cobranza_statement_day, 1, "the first of the month by default")
        for day in (0, 32, -3):
            with self.assertRaises(ValidationError):
                self.company.cobranza_statement_day = day
                self.company.flush_recordset()
        settings = self.env["res.config.settings"].with_company(self.company).create({"cobranza_statement_day": 31})
        settings.execute()
        self.assertEqual(self.company.cobranza_statement_day, 31)
        with self.assertRaises(ValidationError):
            self.env["res.config.settings"].with_company(self.company).create({"cobranza_statement_day": 40}).execute()

    def test_apply_credits_setting(self):
        self.assertFalse(self.company.cobranza_apply_credits, "off by default")
        self.env["res.config.settings"].with_company(self.company).create({"cobranza_apply_credits": True}).execute()
        self.assertTrue(self.company.cobranza_apply_credits)
