from datetime import timedelta

from odoo import Command, fields, http
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

    def _post(self, url, data):
        return self.url_open(url, data={**data, "csrf_token": http.Request.csrf_token(self)}, allow_redirects=False)

    def test_customer_promises_a_date_and_the_ladder_pauses(self):
        self.authenticate("cliente_portal", "cliente_portal")
        day = fields.Date.to_string(fields.Date.today() + timedelta(days=5))
        response = self._post("/my/statement/promise", {"move_ids": str(self.overdue.id), "date": day})
        self.assertIn(response.status_code, (302, 303))
        promise = self.env["cobranza.promise"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual((promise.origin, promise.amount, promise.state), ("portal", 700.0, "open"))
        self.assertEqual(self.overdue.cobranza_stage, "promise")
        self.assertIn("payment promise is recorded", self.url_open("/my/statement").text)
        # beyond the policy's maximum: refused, shown, nothing created
        far = fields.Date.to_string(fields.Date.today() + timedelta(days=90))
        self._post("/my/statement/promise", {"move_ids": str(self.not_due.id), "date": far})
        self.assertEqual(self.env["cobranza.promise"].search_count([("partner_id", "=", self.customer.id)]), 1)
        self.assertIn("more than 30 days", self.url_open("/my/statement").text)

    def test_another_customers_invoice_is_refused(self):
        self.authenticate("cliente_portal", "cliente_portal")
        day = fields.Date.to_string(fields.Date.today() + timedelta(days=5))
        for url, data in (("/my/statement/promise", {"move_ids": str(self.other.id), "date": day}),
                          ("/my/statement/dispute", {"move_id": str(self.other.id), "reason": "other",
                                                     "description": "x"}),
                          ("/my/statement/promise", {"move_ids": "abc", "date": day})):
            with self.subTest(url=url, data=data):
                self.assertEqual(self._post(url, data).status_code, 404)
        self.assertFalse(self.env["cobranza.promise"].search([("move_ids", "in", self.other.ids)]))
        self.assertFalse(self.env["cobranza.dispute"].search([("move_id", "=", self.other.id)]))
        # without the CSRF token: refused
        response = self.url_open("/my/statement/dispute", data={"move_id": self.overdue.id, "reason": "other",
                                                                "description": "x"}, allow_redirects=False)
        self.assertEqual(response.status_code, 400)

    def test_customer_disputes_an_invoice(self):
        self.authenticate("cliente_portal", "cliente_portal")
        self._post("/my/statement/dispute", {"move_id": str(self.overdue.id), "reason": "wrong_amount",
                                             "description": "Recibimos 8 unidades, no 10"})
        dispute = self.env["cobranza.dispute"].search([("move_id", "=", self.overdue.id)])
        self.assertEqual((dispute.origin, dispute.reason, dispute.state), ("portal", "wrong_amount", "open"))
        self.assertFalse(dispute.user_id.share, "an internal user answers it")
        self.assertEqual(self.overdue.cobranza_stage, "dispute")

    def test_customer_chooses_the_contact_channel(self):
        self.authenticate("cliente_portal", "cliente_portal")
        self._post("/my/statement/preferences", {"preferred_channel": "whatsapp", "cobranza_consent_whatsapp": "on",
                                                 "cobranza_consent_email": "on"})
        self.assertEqual(self.customer.cobranza_preferred_channel, "whatsapp")
        self.assertTrue(self.customer.cobranza_consent_whatsapp)
        self.assertFalse(self.customer.cobranza_consent_sms)
        self.assertEqual(self._post("/my/statement/preferences", {"preferred_channel": "fax"}).status_code, 404)
