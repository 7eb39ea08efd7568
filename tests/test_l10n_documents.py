"""Fees, plan fees and credit notes as the localization's documents: on Odoo's own charts of
Chile, Peru and Argentina (the localization suite), and on the generic chart."""
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import Form, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import CobranzaCase, CobranzaLatamCase


class DocumentsMixin:
    """The same story on each chart: a late fee, the legal level, a plan with a financing fee,
    a dispute settled by a credit note, the statement that adds them up."""

    allow_inherited_tests_method = True  # Odoo collects these tests in each class below
    debit_note_code = credit_note_code = None  # the localization's document codes
    fee_taxed = False  # the country's VAT falls on late-payment interest

    @classmethod
    def _documents_setup(cls):
        cls.today = fields.Date.context_today(cls.env.user)
        cls.due = cls.today - timedelta(days=30)
        cls.policy = cls.env["cobranza.policy"].create({
            "name": "Con cargos", "company_id": cls.company.id, "plan_fee_percentage": 5.0, "level_ids": [
                Command.create({"name": "Cargo", "offset_days": 5, "charge_fee": True, "fee_type": "fixed",
                                "fee_fixed_amount": 10000.0}),
                Command.create({"name": "Legal", "offset_days": 20, "legal_handoff": True}),
            ]})
        cls.customer.cobranza_policy_id = cls.policy
        cls.invoice = cls._invoice(amount=100000.0, due=cls.due, invoice_date=cls.due)

    def _assert_document(self, move, internal_type, code):
        self.assertEqual(move.state, "posted")
        if code:
            self.assertEqual(move.l10n_latam_document_type_id.internal_type, internal_type)
            self.assertEqual(move.l10n_latam_document_type_id.code, code)
            self.assertTrue(move.l10n_latam_document_number, "a folio of its own")

    def test_late_fee_is_a_debit_note_of_the_invoice_then_legal(self):
        self._run(self.due + timedelta(days=5), frozen=True)
        contact = self.env["cobranza.contact"].search([("partner_id", "=", self.customer.id), ("action", "=", "fee")])
        fee = contact.fee_move_id
        self.assertEqual(contact.state, "sent")
        self.assertEqual((fee.move_type, fee.debit_origin_id), ("out_invoice", self.invoice), "a debit note of it")
        self._assert_document(fee, "debit_note", self.debit_note_code)
        self.assertEqual(fee.cobranza_fee_origin_id, self.invoice)
        self.assertEqual(fee.invoice_line_ids.price_unit, 10000.0)
        sale_tax = self.company.account_sale_tax_id
        if self.fee_taxed:
            self.assertEqual(fee.invoice_line_ids.tax_ids, sale_tax, "the country taxes late-payment interest")
            self.assertGreater(fee.amount_total, 10000.0)
        else:
            self.assertFalse(fee.invoice_line_ids.tax_ids)
        self.assertIn(fee, self.invoice.cobranza_fee_ids)
        # the fee is never charged twice, and the legal level follows
        self._run(self.due + timedelta(days=6), frozen=True)
        self.assertEqual(len(self.invoice.cobranza_fee_ids), 1)
        self._run(self.due + timedelta(days=20), frozen=True)
        legal = self.env["cobranza.contact"].search([("partner_id", "=", self.customer.id), ("action", "=", "legal")])
        self.assertEqual(legal.state, "sent")
        self.assertTrue(self.invoice.cobranza_legal)
        # the statement adds it up, balanced with the ledger
        values = self.customer.with_company(self.company)._cobranza_statement_values()
        self.assertIn(fee.id, [item["move"].id for item in values["items"] if item.get("move")])
        self.assertAlmostEqual(values["total"], self.invoice.amount_residual + fee.amount_residual)

    def test_plan_financing_fee_is_a_debit_note_of_each_invoice(self):
        second = self._invoice(amount=300000.0, due=self.due + timedelta(days=3), invoice_date=self.due)
        action = (self.invoice | second).with_user(self.collector).action_cobranza_plan()
        form = Form(self.env["cobranza.plan.wizard"].with_user(self.collector).with_context(action["context"]))
        form.installment_count = 2
        form.down_payment = 0.0
        form.first_date = self.today + timedelta(days=10)
        plan = self.env["cobranza.payment.plan"].browse(form.save().action_create()["res_id"])
        if plan.state == "proposed":  # beyond the collector's limits
            plan.with_user(self.manager).action_approve()
        self.assertEqual(plan.state, "active")
        fees = plan.fee_move_ids
        self.assertEqual(fees.debit_origin_id, self.invoice | second, "one debit note per invoice")
        for fee in fees:
            self._assert_document(fee, "debit_note", self.debit_note_code)
        shares = {fee.debit_origin_id: fee.invoice_line_ids.price_unit for fee in fees}
        owed = self.invoice.amount_residual + second.amount_residual
        self.assertAlmostEqual(sum(shares.values()), owed * 0.05, delta=1)
        self.assertAlmostEqual(shares[second] / shares[self.invoice], second.amount_residual / self.invoice.amount_residual,
                               places=3, msg="in proportion to what each owes")
        self.assertEqual(plan.fee_amount, sum(fees.mapped("amount_total")))
        self.assertLessEqual(fees, plan.move_ids, "the installments cover them")
        self.assertAlmostEqual(sum(plan.line_ids.mapped("amount")), owed + plan.fee_amount)

    def test_dispute_settled_by_the_localizations_credit_note(self):
        dispute = self.env["cobranza.dispute"].create({
            "move_id": self.invoice.id, "reason": "quality", "description": "Producto dañado"})
        action = dispute.action_credit_note()
        reversal = self.env["account.move.reversal"].with_context(action["context"]).create({
            "reason": "Producto dañado", "journal_id": self.invoice.journal_id.id})
        if self.credit_note_code:
            self.assertEqual(reversal.l10n_latam_document_type_id.code, self.credit_note_code)
        reversal.refund_moves()
        credit_note = dispute.credit_note_id
        self.assertEqual(dispute.state, "resolved")
        self.assertEqual((credit_note.move_type, credit_note.reversed_entry_id), ("out_refund", self.invoice))
        credit_note.action_post()
        self._assert_document(credit_note, "credit_note", self.credit_note_code)


@tagged("post_install", "-at_install", "-standard", "cobranza_l10n")
class TestChileDocuments(DocumentsMixin, CobranzaLatamCase):
    debit_note_code, credit_note_code, fee_taxed = "56", "61", True

    @classmethod
    @AccountTestInvoicingCommon.setup_country("cl")
    def setUpClass(cls):
        super().setUpClass()
        cls._documents_setup()

    def test_invoices_are_facturas_electronicas(self):
        self._assert_document(self.invoice, "invoice", "33")
        self.assertTrue(self.invoice.journal_id._cobranza_uses_documents())

    def test_a_reply_naming_the_invoices_folio_is_not_its_fee(self):
        self._run(self.due + timedelta(days=5), frozen=True)
        fee = self.invoice.cobranza_fee_ids
        self.assertEqual(fee._cobranza_folio(), self.invoice._cobranza_folio(), "each document type numbers its own")
        reply = self.env["cobranza.reply"].create({
            "partner_id": self.customer.id, "company_id": self.company.id, "source": "email", "sender_on_file": True,
            "sender": self.customer.email, "body": f"le pago la factura {self.invoice._cobranza_folio()} el viernes"})
        reply._read()
        self.assertEqual(reply.move_ids, self.invoice)

    def test_fee_taxes_follow_each_companys_country(self):
        products = self.env.ref("account_cobranza.product_late_fee") | self.env.ref(
            "account_cobranza.product_financing_fee")
        chilean_vat = self.company.account_sale_tax_id
        peru = self.setup_other_company(name="Cobranzas del Perú", country_id=self.env.ref("base.pe").id)["company"]
        for product in products:
            self.assertIn(chilean_vat, product.taxes_id)
            self.assertFalse(product.taxes_id.filtered(lambda tax: tax.company_id == peru),
                             "no IGV on late-payment interest, though Odoo gives a new company's tax to taxed products")

    def test_the_policy_may_choose_an_invoice(self):
        self.policy.fee_document = "invoice"
        self._run(self.due + timedelta(days=5), frozen=True)
        fee = self.invoice.cobranza_fee_ids
        self.assertFalse(fee.debit_origin_id)
        self._assert_document(fee, "invoice", "33")


@tagged("post_install", "-at_install", "-standard", "cobranza_l10n")
class TestPeruDocuments(DocumentsMixin, CobranzaLatamCase):
    debit_note_code, credit_note_code, fee_taxed = "08", "07", False

    @classmethod
    @AccountTestInvoicingCommon.setup_country("pe")
    def setUpClass(cls):
        super().setUpClass()
        cls._documents_setup()


@tagged("post_install", "-at_install", "-standard", "cobranza_l10n")
class TestArgentinaDocuments(DocumentsMixin, CobranzaLatamCase):
    """A Responsable Inscripto selling to another: documents of letter A (debit note 2, credit
    note 3), on a point of sale of pre-printed invoices."""
    debit_note_code, credit_note_code, fee_taxed = "2", "3", True

    @classmethod
    @AccountTestInvoicingCommon.setup_chart_template("ar_ri")
    def setUpClass(cls):
        super().setUpClass()
        cls._documents_setup()


@tagged("post_install", "-at_install")
class TestGenericChartDocuments(DocumentsMixin, CobranzaCase):
    """On the generic chart a fee stays an invoice, unless the policy asks for a debit note."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._documents_setup()
        cls.policy.fee_document = "debit_note"

    def test_as_the_journal_requires_is_an_invoice_here(self):
        self.policy.fee_document = "auto"
        self._run(self.due + timedelta(days=5), frozen=True)
        fee = self.invoice.cobranza_fee_ids
        self.assertEqual((fee.state, fee.debit_origin_id), ("posted", self.env["account.move"]))
        self.assertEqual(fee.invoice_origin, self.invoice.name)

    def test_a_fee_on_a_debit_note_is_an_invoice(self):
        self.assertEqual(self.invoice._cobranza_charge_document("debit_note"), "debit_note")
        self._run(self.due + timedelta(days=5), frozen=True)
        fee = self.invoice.cobranza_fee_ids
        self.assertEqual(fee._cobranza_charge_document("debit_note"), "invoice", "Odoo makes no debit note of one")
