"""Documents named as the customer knows them: document type and folio, tax ids with their
type, replies naming a folio, money and dates as the customer's language writes them (on the
charts of Chile, Argentina and Peru; and on the generic chart)."""
import re
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import HttpCase, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import CobranzaCase, CobranzaLatamCase

NBSP = "\N{NO-BREAK SPACE}"


def readable(html):
    """What the reader sees of an amount: no-break spaces as spaces, the monetary widget's
    span around the figure left out ("$ <span ...>1.234.567</span>": "$ 1.234.567")."""
    return re.sub(r'<span class="oe_currency_value">([^<]*)</span>', r"\1", str(html)).replace(NBSP, " ")


class NamesMixin:
    """Rendering what the customer reads: a letter, the statement (PDF), a reminder, a reply."""

    @classmethod
    def _names_setup(cls, amount=1234567.0):
        cls.invoice = cls._invoice(amount=amount, due=fields.Date.today() - timedelta(days=10))

    def _html(self, report, records):
        return readable(self.env["ir.actions.report"]._render_qweb_html(report, records.ids)[0].decode())

    def _letter(self, moves=None):
        contact = self.env["cobranza.contact"].create({
            "partner_id": self.customer.id, "company_id": self.company.id, "channel": "letter",
            "action": "letter", "move_ids": [Command.set((moves or self.invoice).ids)]})
        return self._html("account_cobranza.report_cobranza_letter", contact)

    def _statement(self):
        return self._html("account_cobranza.action_report_cobranza_statement", self.customer)

    def _reminder(self):
        return readable(self.env.ref("account_cobranza.mail_template_cobranza_overdue_firm")._render_field(
            "body_html", self.customer.ids, compute_lang=True)[self.customer.id])

    def _reply(self, text):
        reply = self.env["cobranza.reply"].create({
            "partner_id": self.customer.id, "company_id": self.company.id, "source": "email", "body": text,
            "sender": self.customer.email, "sender_on_file": True})
        reply._read()
        return reply


class LatamNamesMixin(NamesMixin):
    """The same on each Latin-American chart: the document type and its number next to Odoo's
    name, both parties' tax ids with their type, a reply naming the folio."""

    allow_inherited_tests_method = True  # Odoo collects these tests in each class below
    l10n_module = None  # whose translations name the document types in Spanish
    customer_tax_id = company_tax_id = None  # as the localization writes them
    lang = "es_419"

    @classmethod
    def _latam_names_setup(cls):
        cls.env["res.lang"]._activate_lang(cls.lang)
        cls.env["ir.module.module"]._load_module_terms([cls.l10n_module], [cls.lang], overwrite=True)
        cls.customer.lang = cls.lang
        cls._names_setup()

    def _label(self, move):
        """What the customer reads: the document type's name in its language and the number."""
        name = move.l10n_latam_document_type_id.with_context(lang=self.lang).name
        return f"{name} N° {move.l10n_latam_document_number}"

    def test_documents_and_tax_ids_on_letters_and_statements(self):
        label = self._label(self.invoice)
        self.assertTrue(self.invoice.l10n_latam_document_number)
        self.assertEqual(self.invoice.with_context(lang=self.lang)._cobranza_document_label(), label)
        self.assertEqual(self.customer._cobranza_tax_id_label(), self.customer_tax_id)
        self.assertEqual(self.company.partner_id._cobranza_tax_id_label(), self.company_tax_id)
        for what, html in (("letter", self._letter()), ("statement", self._statement())):
            with self.subTest(what):
                self.assertIn(self.invoice.name, html, "Odoo's name")
                self.assertIn(label, html, "and next to it the document as the customer knows it")
                self.assertIn(self.customer_tax_id, html, "the customer's tax id with its type")
                self.assertIn(self.company_tax_id, html, "and the company's")
        self.assertIn(label, self._reminder(), "the reminder's table too")

    def test_a_reply_names_an_invoice_by_its_folio(self):
        other = self._invoice(amount=500.0, due=fields.Date.today() + timedelta(days=5))
        self.assertNotEqual(other._cobranza_folio(), self.invoice._cobranza_folio())
        folio = self.invoice._cobranza_folio()
        for text in (f"le pago la factura {folio} el viernes", f"el folio {folio} lo pago mañana",
                     f"la factura {self.invoice.l10n_latam_document_number} la pago el lunes",
                     f"pago la {self.invoice.name} el lunes"):
            with self.subTest(text=text):
                self.assertEqual(self._reply(text).move_ids, self.invoice)

    def test_another_customers_folio_is_not_named(self):
        stranger = self.customer.copy({"name": "Otro Cliente", "email": "otro@example.com"})
        theirs = self._invoice(partner=stranger, amount=700.0, due=fields.Date.today())
        reply = self._reply(f"le pago la factura {theirs._cobranza_folio()} el viernes")
        self.assertNotIn(theirs, reply.move_ids, "only the customer's own open invoices")

    def test_labels_are_read_at_once(self):
        """The label of each line of a letter or statement costs no query of its own."""
        moves = self.invoice | self._invoice(amount=10.0, due=fields.Date.today()) \
            | self._invoice(amount=20.0, due=fields.Date.today())

        def queries(records):
            self.env.invalidate_all()
            records = records.with_context(lang=self.lang).browse(records.ids)
            before = self.env.cr.sql_log_count
            labels = [move._cobranza_document_label() for move in records]
            self.assertTrue(all(labels))
            return self.env.cr.sql_log_count - before

        queries(moves[:1])  # caches of the first reading (languages...)
        self.assertEqual(queries(moves), queries(moves[:1]))

    def test_dates_and_money_in_the_customers_language(self):
        """Printed by an English-speaking user, the letter and the statement speak the
        customer's language: its dates and its way of writing money."""
        self.assertEqual(self.env.user.lang, "en_US")
        due = self.invoice.invoice_date_due.strftime(self.env["res.lang"]._lang_get(self.lang).date_format)
        residual = readable(self.invoice.currency_id.with_context(lang=self.lang).format(self.invoice.amount_residual))
        self.assertNotEqual(residual, readable(self.invoice.currency_id.format(self.invoice.amount_residual)))
        for what, html in (("letter", self._letter()), ("statement", self._statement())):
            with self.subTest(what):
                self.assertIn(due, html)
                self.assertIn(residual, html)


@tagged("post_install", "-at_install", "-standard", "cobranza_l10n")
class TestChileNames(LatamNamesMixin, CobranzaLatamCase):
    l10n_module = "l10n_cl"
    customer_tax_id, company_tax_id = "RUT 76.201.224-3", "RUT 76.086.428-5"

    @classmethod
    @AccountTestInvoicingCommon.setup_country("cl")
    def setUpClass(cls):
        super().setUpClass()
        cls._latam_names_setup()

    def test_a_factura_electronica_and_its_folio(self):
        self.assertEqual(self.invoice.name, f"FAC {self.invoice.l10n_latam_document_number}")
        label = self.invoice.with_context(lang="es_419")._cobranza_document_label()
        self.assertEqual(label, f"Factura Electrónica N° {self.invoice.l10n_latam_document_number}")
        for text in ("FAC %s la pago el lunes", "la F-%s se paga mañana"):
            self.assertEqual(self._reply(text % self.invoice.l10n_latam_document_number).move_ids, self.invoice)

    def test_pesos_as_chile_writes_them(self):
        """In Chilean Spanish, pesos have no decimals and dots between thousands: in the letter,
        the statement, the reminder email, the SMS and the amount a WhatsApp template carries."""
        self.env["res.lang"]._activate_lang("es_CL")
        self.customer.lang = "es_CL"
        self.assertEqual(self.company.currency_id.decimal_places, 0)
        sms = self.env.ref("account_cobranza.sms_template_cobranza_overdue")._render_field(
            "body", self.customer.ids, compute_lang=True)[self.customer.id]
        texts = {"letter": self._letter(), "statement": self._statement(), "email": self._reminder(),
                 "sms": readable(sms), "whatsapp": readable(self.customer._cobranza_reminder_amount_text())}
        for what, text in texts.items():
            with self.subTest(what):
                self.assertIn("$ 1.234.567", text)
                self.assertNotIn("1.234.567,00", text)
                self.assertNotIn("1,234,567", text)
        self.assertIn(self.invoice.invoice_date_due.strftime("%d/%m/%Y"), texts["email"], "dates as Chile writes them")


@tagged("post_install", "-at_install", "-standard", "cobranza_l10n")
class TestArgentinaNames(LatamNamesMixin, CobranzaLatamCase):
    """A Responsable Inscripto invoicing another (documents of letter A on a point of sale),
    to a customer who reads Argentine Spanish."""
    l10n_module, lang = "l10n_ar", "es_AR"
    customer_tax_id, company_tax_id = "CUIT 30-71429569-8", "CUIT 30-11111111-8"

    @classmethod
    @AccountTestInvoicingCommon.setup_chart_template("ar_ri")
    def setUpClass(cls):
        super().setUpClass()
        cls._latam_names_setup()

    def test_a_point_of_sale_and_a_number(self):
        second = self._invoice(amount=100.0, due=fields.Date.today())
        self.assertEqual(second.l10n_latam_document_number[:6], "00001-", "point of sale 1")
        self.assertEqual(self._label(self.invoice),
                         f"FACTURAS A N° {self.invoice.l10n_latam_document_number}")
        self.assertEqual(self._reply(f"le pago la factura {second.l10n_latam_document_number} el viernes").move_ids,
                         second)

    def test_pesos_as_argentina_writes_them(self):
        self.assertIn("$ 1.493.826,07", self._statement(), "1,234,567 + IVA 21 %: dots, then a decimal comma")


@tagged("post_install", "-at_install", "-standard", "cobranza_l10n")
class TestPeruNames(LatamNamesMixin, CobranzaLatamCase):
    l10n_module = "l10n_pe"
    customer_tax_id, company_tax_id = "RUC 20557912879", "RUC 20512528458"

    @classmethod
    @AccountTestInvoicingCommon.setup_country("pe")
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.write({"l10n_latam_identification_type_id": cls.env.ref("l10n_pe.it_RUC").id,
                                      "vat": "20512528458"})
        cls._latam_names_setup()


@tagged("post_install", "-at_install", "-standard", "cobranza_l10n")
class TestChilePortalStatement(CobranzaLatamCase, HttpCase):
    """The customer's treasurer reads the folios and both RUTs on the portal statement."""

    @classmethod
    @AccountTestInvoicingCommon.setup_country("cl")
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.module.module"]._load_module_terms(["l10n_cl"], ["es_419"], overwrite=True)
        cls.invoice = cls._invoice(amount=1234567.0, due=fields.Date.today() - timedelta(days=10))
        treasurer = cls.env["res.partner"].create({"name": "Tesorería", "parent_id": cls.customer.id,
                                                   "email": "tesoreria@cliente-uno.example.com", "lang": "es_419"})
        cls.env["res.users"].create({
            "login": "cl_portal", "password": "cl_portal", "partner_id": treasurer.id,
            "company_id": cls.company.id, "company_ids": [Command.set(cls.company.ids)],
            "groups_id": [Command.set(cls.env.ref("base.group_portal").ids)]})

    def test_folios_and_tax_ids_on_the_portal_statement(self):
        self.authenticate("cl_portal", "cl_portal")
        page = self.url_open("/my/statement")
        self.assertEqual(page.status_code, 200)
        text = readable(page.text)
        self.assertIn(f"Factura Electrónica N° {self.invoice.l10n_latam_document_number}", text)
        self.assertIn("RUT 76.201.224-3", text, "the customer's RUT")
        self.assertIn("RUT 76.086.428-5", text, "the company's")
        self.assertIn("$ 1.234.567", text, "pesos without decimals")


@tagged("post_install", "-at_install")
class TestGenericChartNames(NamesMixin, CobranzaCase):
    """On the generic chart: no document label; a tax id only when there is one."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._names_setup()

    def test_nothing_changes_without_documents(self):
        self.assertFalse(self.invoice._cobranza_document_label())
        self.assertFalse(self.customer._cobranza_tax_id_label())
        self.assertNotIn("N°", self._letter() + self._statement() + self._reminder())
        self.assertNotIn('id="cobranza_customer_tax_id">', self._statement().replace(" ", ""))
        self.customer.vat = "BE0477472701"
        self.customer.country_id = self.env.ref("base.be")
        self.assertEqual(self.customer._cobranza_tax_id_label(), "VAT BE0477472701")
        self.assertIn("VAT BE0477472701", self._letter())
        self.customer.country_id = False
        self.assertEqual(self.customer._cobranza_tax_id_label(), "Tax ID BE0477472701", "no country: a tax id")

    def test_a_reply_names_an_invoice_by_its_number(self):
        self.assertEqual(self._reply(f"pagaré la factura {self.invoice.sequence_number} el viernes").move_ids,
                         self.invoice)
