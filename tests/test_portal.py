from datetime import timedelta

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestPortalStatement(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = fields.Date.today()
        cls.customer = cls.env["res.partner"].create({"name": "Cliente Portal SpA", "is_company": True,
                                                      "email": "portal@cliente.example.com"})
        cls.contact = cls.env["res.partner"].create({"name": "Tesorera", "parent_id": cls.customer.id,
                                                     "email": "tesorera@cliente.example.com"})
        cls.portal_user = new_test_user(cls.env, login="cliente_portal", groups="base.group_portal",
                                        partner_id=cls.contact.id)
        cls.stranger = cls.env["res.partner"].create({"name": "Otro Cliente"})
        product = cls.env["product.product"].create({"name": "Servicio", "list_price": 100.0})

        def invoice(partner, amount, days_overdue):
            move = cls.env["account.move"].create({
                "move_type": "out_invoice", "partner_id": partner.id,
                "invoice_date": today - timedelta(days=days_overdue + 30),
                "invoice_date_due": today - timedelta(days=days_overdue),
                "invoice_line_ids": [Command.create({"product_id": product.id, "price_unit": amount, "tax_ids": []})],
            })
            move.action_post()
            return move

        cls.overdue = invoice(cls.customer, 700.0, 45)
        cls.not_due = invoice(cls.customer, 300.0, -10)
        cls.other = invoice(cls.stranger, 999.0, 10)

    def test_statement_shows_only_the_customers_invoices(self):
        self.authenticate("cliente_portal", "cliente_portal")
        response = self.url_open("/my/statement")
        self.assertEqual(response.status_code, 200)
        for text in (self.overdue.name, self.not_due.name, "31-60", "1,000.00"):
            self.assertIn(text, response.text)
        self.assertNotIn(self.other.name, response.text, "another customer's invoice")
        self.assertIn("/my/invoices/overdue", response.text)
        home = self.url_open("/my/home")
        self.assertIn("/my/statement", home.text)
        pdf = self.url_open("/my/statement/pdf")
        self.assertEqual(pdf.status_code, 200)
        self.assertEqual(pdf.headers["Content-Type"], "application/pdf")

    def test_statement_needs_a_login(self):
        response = self.url_open("/my/statement", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])

    def test_counter_on_the_portal_home(self):
        self.authenticate("cliente_portal", "cliente_portal")
        result = self.make_jsonrpc_request("/my/counters", {"counters": ["cobranza_due_count"]})
        self.assertEqual(result["cobranza_due_count"], 2)
