"""Documents named as the customer knows them: document type and folio, tax ids with their
type, replies naming a folio, money as the country writes it (Chile's chart; generic chart)."""
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import HttpCase, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import CobranzaCase, CobranzaLatamCase


class NamesMixin:

    @classmethod
    def _names_setup(cls):
        cls.invoice = cls._invoice(amount=1234567.0, due=fields.Date.today() - timedelta(days=10))

    def _html(self, report, records):
        return self.env["ir.actions.report"]._render_qweb_html(report, records.ids)[0].decode()

    def _letter(self):
        contact = self.env["cobranza.contact"].create({
            "partner_id": self.customer.id, "company_id": self.company.id, "channel": "letter",
            "action": "letter", "move_ids": [Command.set(self.invoice.ids)]})
        return self._html("account_cobranza.report_cobranza_letter", contact)

    def _statement(self):
        return self._html("account_cobranza.action_report_cobranza_statement", self.customer)

    def _reply(self, text):
        reply = self.env["cobranza.reply"].create({
            "partner_id": self.customer.id, "company_id": self.company.id, "source": "email", "body": text,
            "sender": self.customer.email, "sender_on_file": True})
        reply._read()
        return reply


@tagged("post_install", "-at_install", "-standard", "cobranza_l10n")
class TestChileNames(NamesMixin, CobranzaLatamCase):
    allow_inherited_tests_method = True

    @classmethod
    @AccountTestInvoicingCommon.setup_country("cl")
    def setUpClass(cls):
        super().setUpClass()
        cls._names_setup()

    def test_documents_and_tax_ids_on_letters_and_statements(self):
        folio = self.invoice.l10n_latam_document_number
        label = self.invoice.with_context(lang="es_419")._cobranza_document_label()
        self.assertEqual(label, f"{self.invoice.l10n_latam_document_type_id.with_context(lang='es_419').name} N° {folio}")
        self.assertEqual(self.customer._cobranza_tax_id_label(), f"RUT {self.customer.vat}")
        for html in (self._letter(), self._statement()):
            self.assertIn(f"N° {folio}", html, "the folio next to Odoo's name")
            self.assertIn(self.invoice.name, html)
            self.assertIn(f"RUT {self.customer.vat}", html, "the customer's tax id with its type")
            self.assertIn(f"RUT {self.company.partner_id.vat}", html, "and the company's")

    def test_a_reply_names_an_invoice_by_its_folio(self):
        folio = int(self.invoice.l10n_latam_document_number)
        other = self._invoice(amount=500.0, due=fields.Date.today() + timedelta(days=5))
        for text in (f"le pago la factura {folio} el viernes", f"el folio {folio} lo pago mañana",
                     f"la F-{folio:06d} la pago el lunes", f"pago la {self.invoice.name} el lunes"):
            with self.subTest(text=text):
                self.assertEqual(self._reply(text).move_ids, self.invoice)
        self.assertNotEqual(other._cobranza_folio(), folio)

    def test_pesos_without_decimals_and_dates_in_spanish(self):
        self.customer.lang = "es_419"
        body = self.env.ref("account_cobranza.mail_template_cobranza_pre_due")._render_field(
            "body_html", self.customer.ids, compute_lang=True)[self.customer.id]
        self.assertIn("1.234.567", body, "CLP: no decimals, thousands with dots")
        self.assertNotIn("1.234.567,00", body)
        self.assertIn(self.invoice.invoice_date_due.strftime("%d/%m/%Y"), body, "the date as Spanish writes it")


@tagged("post_install", "-at_install", "-standard", "cobranza_l10n")
class TestChilePortalStatement(CobranzaLatamCase, HttpCase):
    """The customer's treasurer reads the folios and both RUTs on the portal statement."""

    @classmethod
    @AccountTestInvoicingCommon.setup_country("cl")
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice = cls._invoice(amount=1234567.0, due=fields.Date.today() - timedelta(days=10))
        treasurer = cls.env["res.partner"].create({"name": "Tesorería", "parent_id": cls.customer.id,
                                                   "email": "tesoreria@cliente-uno.example.com"})
        cls.env["res.users"].create({
            "login": "cl_portal", "password": "cl_portal", "partner_id": treasurer.id,
            "company_id": cls.company.id, "company_ids": [Command.set(cls.company.ids)],
            "groups_id": [Command.set(cls.env.ref("base.group_portal").ids)]})

    def test_folios_and_tax_ids_on_the_portal_statement(self):
        self.authenticate("cl_portal", "cl_portal")
        page = self.url_open("/my/statement")
        self.assertEqual(page.status_code, 200)
        self.assertIn(f"N° {self.invoice.l10n_latam_document_number}", page.text)
        self.assertIn(f"RUT {self.customer.vat}", page.text)
        self.assertIn(f"RUT {self.company.partner_id.vat}", page.text)
        self.assertIn("1.234.567", page.text, "pesos without decimals")


@tagged("post_install", "-at_install")
class TestGenericChartNames(NamesMixin, CobranzaCase):
    """On the generic chart: no document label; a tax id only when there is one."""
    allow_inherited_tests_method = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._names_setup()

    def test_nothing_changes_without_documents(self):
        self.assertFalse(self.invoice._cobranza_document_label())
        self.assertFalse(self.customer._cobranza_tax_id_label())
        self.assertNotIn("cobranza_customer_tax_id\">", self._statement().replace(" ", ""))
        self.customer.vat = "BE0477472701"
        self.customer.country_id = self.env.ref("base.be")
        self.assertEqual(self.customer._cobranza_tax_id_label(), "VAT BE0477472701")
        self.assertIn("VAT BE0477472701", self._letter())

    def test_a_reply_names_an_invoice_by_its_number(self):
        self.assertEqual(self._reply(f"pagaré la factura {self.invoice.sequence_number} el viernes").move_ids,
                         self.invoice)
