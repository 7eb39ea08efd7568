from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import Command, fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..engine import links
from .common import PortalCase


@tagged("post_install", "-at_install")
class TestPortalStatement(PortalCase):

    def test_statement_shows_only_the_customers_invoices(self):
        self.authenticate("cliente_portal", "cliente_portal")
        response = self.url_open("/my/statement")
        self.assertEqual(response.status_code, 200)
        for text in (self.overdue.name, self.not_due.name, "31-60", "1,000.00"):
            self.assertIn(text, response.text)
        self.assertNotIn(self.other.name, response.text, "another customer's invoice")
        self.assertIn("/my/statement/pay?overdue=1", response.text)
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
                                             "description": "Recibimos 8 unidades, no 10"},
                   files={"attachment": ("guia_despacho.pdf", b"%PDF-1.4 guia", "application/pdf")})
        dispute = self.env["cobranza.dispute"].search([("move_id", "=", self.overdue.id)])
        self.assertEqual((dispute.origin, dispute.reason, dispute.state), ("portal", "wrong_amount", "open"))
        attachment = self.env["ir.attachment"].search([("res_model", "=", "cobranza.dispute"), ("res_id", "=", dispute.id)])
        self.assertEqual((attachment.name, attachment.raw), ("guia_despacho.pdf", b"%PDF-1.4 guia"))
        self.assertFalse(dispute.user_id.share, "an internal user answers it")
        self.assertEqual(self.overdue.cobranza_stage, "dispute")

    def test_customer_chooses_the_contact_channel(self):
        self.authenticate("cliente_portal", "cliente_portal")
        self._post("/my/statement/preferences", {"preferred_channel": "whatsapp", "cobranza_consent_whatsapp": "on",
                                                 "cobranza_consent_email": "on", "hour_from": "09:30",
                                                 "hour_to": "13:00"})
        self.assertEqual(self.customer.cobranza_preferred_channel, "whatsapp")
        self.assertEqual((self.customer.cobranza_contact_hour_from, self.customer.cobranza_contact_hour_to), (9.5, 13.0))
        # hours the wrong way round: refused, nothing changed
        self._post("/my/statement/preferences", {"preferred_channel": "email", "hour_from": "18:00", "hour_to": "09:00"})
        self.assertEqual(self.customer.cobranza_preferred_channel, "whatsapp")
        self.assertIn("preferred contact hours", self.url_open("/my/statement").text)
        self.assertTrue(self.customer.cobranza_consent_whatsapp)
        self.assertFalse(self.customer.cobranza_consent_sms)
        self._post("/my/statement/preferences", {"preferred_channel": "fax"})
        self.assertEqual(self.customer.cobranza_preferred_channel, "whatsapp")
        self.assertIn("Some of the values you entered are not valid", self.url_open("/my/statement").text)


@tagged("post_install", "-at_install")
class TestPortalLinks(PortalCase):
    """Signed links of reminders: exactly the message's invoices or plan, nothing more."""

    def test_link_shows_only_the_messages_invoices_without_login(self):
        response = self.url_open(f"/cobranza/pay/{self._token(self.overdue)}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.overdue.name, response.text)
        self.assertNotIn(self.not_due.name, response.text, "another invoice of the same customer")
        self.assertNotIn(self.other.name, response.text)
        self.assertIn("o_payment_form", response.text)
        self.assertIn("700.00", response.text)

    def test_invoices_in_another_currency_are_paid_separately(self):
        foreign = self._foreign_currency_invoice(50.0)
        token = self._token(self.overdue | foreign)
        page = self.url_open(f"/cobranza/pay/{token}").text
        self.assertIn("paid separately", page)
        self.assertIn(foreign.name, page)
        with self.assertRaises(Exception), mute_logger("odoo.http"):
            self._transaction(token, 700.0 + 50.0)
        values = self._transaction(token, 700.0)
        tx = self.env["payment.transaction"].search([("reference", "=", values["reference"])])
        self.assertEqual((tx.invoice_ids, tx.currency_id), (self.overdue, self.overdue.currency_id))

    def test_links_expire_after_the_configured_days(self):
        self.env["ir.config_parameter"].sudo().set_param("account_cobranza.link_validity_days", "2")
        token = self._token(self.overdue)
        Link = self.env["cobranza.link"]
        with freeze_time(datetime.now() + timedelta(days=1, hours=23)):
            self.assertEqual(Link._resolve(token)[2], self.overdue)
        with freeze_time(datetime.now() + timedelta(days=2, minutes=1)), self.assertRaises(links.LinkError) as error:
            Link._resolve(token)
        self.assertEqual(error.exception.code, "expired")

    def test_link_page_speaks_the_customers_language(self):
        self.env["res.lang"]._activate_lang("es_419")
        self.env["ir.module.module"]._load_module_terms(["account_cobranza"], ["es_419"], overwrite=True)
        self.customer.lang = "es_419"
        page = self.url_open(f"/cobranza/pay/{self._token(self.overdue)}")
        self.assertIn("Sus facturas", page.text)
        self.assertIn("Monto a pagar ahora", page.text)

    def test_tampered_foreign_and_expired_links_are_refused(self):
        token = self._token(self.overdue)
        kind, partner, ids, expires, signature = token.split(".")
        Link = self.env["cobranza.link"]
        forged = {
            "another invoice, same signature": f"{kind}.{partner}.{self.not_due.id}.{expires}.{signature}",
            "a longer life": f"{kind}.{partner}.{ids}.{int(expires) + 86400}.{signature}",
            "another customer's invoice, validly signed for this customer":
                links_encode(Link, "m", self.customer.id, self.other.ids, int(expires)),
            "expired": links_encode(Link, "m", self.customer.id, self.overdue.ids, 1_000_000),
            "garbage": "m.1.2",
        }
        for label, bad in forged.items():
            with self.subTest(label):
                page = self.url_open(f"/cobranza/pay/{bad}")
                self.assertEqual(page.status_code, 403)
                self.assertNotIn(self.overdue.name, page.text)
                self.assertNotIn(self.other.name, page.text)
                with self.assertRaises(Exception), mute_logger("odoo.http"):
                    self._transaction(bad, 700.0)
        self.assertIn("expired", self.url_open(f"/cobranza/pay/{forged['expired']}").text)
        self.assertFalse(self.env["payment.transaction"].search([("invoice_ids", "in", (self.overdue | self.other).ids)]))

    def test_amount_comes_from_the_server(self):
        token = self._token(self.overdue)
        for amount in (700.01, 7000.0, 1.0, None):
            with self.subTest(amount=amount), self.assertRaises(Exception), mute_logger("odoo.http"):
                self._transaction(token, amount)
        self.assertFalse(self.env["payment.transaction"].search([("invoice_ids", "in", self.overdue.ids)]))
        tx = self._pay_with_demo(token, 700.0)
        self.assertEqual((tx.state, tx.amount, tx.invoice_ids), ("done", 700.0, self.overdue))
        self.assertEqual(self.overdue.payment_state in ("paid", "in_payment"), True)
        self.assertEqual(tx.landing_route.split("?")[0], f"/cobranza/pay/{token}", "never a browser-given landing page")
        page = self.url_open(f"/cobranza/pay/{token}")
        self.assertIn("These invoices are paid", page.text)
        with self.assertRaises(Exception), mute_logger("odoo.http"):
            self._transaction(token, 700.0)

    def test_reminder_links_are_signed_for_the_messages_invoices(self):
        url = self.customer.with_context(cobranza_move_ids=self.overdue.ids)._cobranza_portal_url()
        token = url.rsplit("/", 1)[1]
        _link, partner, moves = self.env["cobranza.link"]._resolve(token)
        self.assertEqual((partner, moves), (self.customer, self.overdue))

    def test_installment_payment_advances_the_plan(self):
        plan = self._active_plan()
        token = self._token(plan)
        page = self.url_open(f"/cobranza/pay/{token}")
        self.assertIn("Installment 1 to pay now", page.text)
        first = plan.line_ids[0]
        self.assertAlmostEqual(first.amount, 333.33)
        with self.assertRaises(Exception), mute_logger("odoo.http"):
            self._transaction(token, 1000.0)
        tx = self._pay_with_demo(token, 333.33)
        self.assertEqual(tx.invoice_ids, self.overdue | self.not_due, "the installment is paid across the plan's invoices")
        self.assertEqual(first.state, "paid")
        self.assertAlmostEqual(plan.paid_amount, 333.33)
        self.assertEqual(plan.state, "active")
        self.assertIn("Installment 2 to pay now", self.url_open(f"/cobranza/pay/{token}").text)
        # the logged-in customer reaches the same page; another customer's plan is not found
        self.authenticate("cliente_portal", "cliente_portal")
        self.assertIn("Installment 2 to pay now", self.url_open(plan.access_url).text)
        foreign = self.env["cobranza.payment.plan"].create({
            "partner_id": self.stranger.id, "move_ids": [Command.set(self.other.ids)], "installment_count": 2,
            "first_date": fields.Date.today() + timedelta(days=5)})
        self.assertEqual(self.url_open(foreign.access_url).status_code, 404)

    def test_customer_accepts_the_agreement_with_the_link(self):
        plan = self._active_plan()
        token = self._token(plan)
        self.authenticate(None, None)  # a visitor with the link only
        self._post(f"/cobranza/pay/{token}/accept", {"name": "Marcela Soto"})
        self.assertEqual(plan.accepted_by, "Marcela Soto")
        self.assertTrue(plan.accepted_date)
        pdf = self.url_open(f"/cobranza/pay/{token}/agreement")
        self.assertEqual((pdf.status_code, pdf.headers["Content-Type"]), (200, "application/pdf"))
        forged = token.replace(f".{plan.id}.", f".{plan.id + 1}.")
        self.assertEqual(self._post(f"/cobranza/pay/{forged}/accept", {"name": "X"}).status_code, 403)
        self.assertEqual(self.url_open(f"/cobranza/pay/{forged}/agreement").status_code, 403)

    def test_every_route_needs_a_login_or_a_valid_token(self):
        plan = self._active_plan()
        self.authenticate(None, None)
        for url in ("/my/statement", "/my/statement/pdf", "/my/statement/pay?overdue=1", plan.access_url):
            with self.subTest(url=url):
                response = self.url_open(url, allow_redirects=False)
                self.assertIn(response.status_code, (302, 303))
                self.assertIn("/web/login", response.headers["Location"])
        for url in ("/my/statement/promise", "/my/statement/dispute", "/my/statement/preferences",
                    "/my/statement/plan", "/my/statement/pay"):
            with self.subTest(url=url):
                response = self._post(url, {"move_ids": str(self.overdue.id), "move_id": str(self.overdue.id)})
                self.assertIn(response.status_code, (302, 303))
                self.assertIn("/web/login", response.headers["Location"])
        # an invoice link does not open a plan's pages, nor the other way round
        moves_token = self._token(self.overdue)
        self.assertEqual(self.url_open(f"/cobranza/pay/{moves_token}/agreement").status_code, 404)
        self.assertEqual(self._post(f"/cobranza/pay/{moves_token}/accept", {"name": "X"}).status_code, 404)
        self.assertFalse(plan.accepted_date)
        self.assertFalse(self.env["cobranza.promise"].search([("partner_id", "=", self.customer.id)]))
        self.assertFalse(self.env["cobranza.dispute"].search([("move_id", "=", self.overdue.id)]))

def links_encode(Link, kind, partner_id, ids, expires):
    return links.encode(kind, partner_id, ids, expires, Link._sign)


@tagged("post_install", "-at_install")
class TestPortalPlanRequest(PortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.segment = cls.env["cobranza.segment"].create({
            "name": "Portal segment", "plan_max_installments": 4, "plan_min_down_payment": 0.0,
            "plan_max_days": 150})
        cls.customer.cobranza_segment_id = cls.segment

    def _request(self, count, days=10, **extra):
        first = fields.Date.to_string(fields.Date.today() + timedelta(days=days))
        return self._post("/my/statement/plan", {"installment_count": str(count), "first_date": first, **extra})

    def test_plan_inside_the_limits_is_active(self):
        self.authenticate("cliente_portal", "cliente_portal")
        response = self._request(3)
        plan = self.env["cobranza.payment.plan"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual((plan.state, len(plan.line_ids), plan.move_ids), ("active", 3, self.overdue | self.not_due))
        self.assertEqual(response.headers["Location"].split("?")[0].rsplit("/", 1)[1], str(plan.id))
        page = self.url_open(plan.access_url)
        self.assertIn("is active", page.text)
        self.assertEqual(self.overdue.cobranza_stage, "plan", "the ladder pauses")
        self.assertTrue(plan.message_ids.filtered(lambda m: "is approved" in (m.body or "") and m.partner_ids))
        # nothing left to plan: a second request is refused
        self._request(2)
        self.assertEqual(self.env["cobranza.payment.plan"].search_count([("partner_id", "=", self.customer.id)]), 1)
        # the statement marks the planned invoices; a promise on them is refused
        statement = self.url_open("/my/statement").text
        self.assertIn(plan.access_url, statement)
        day = fields.Date.to_string(fields.Date.today() + timedelta(days=5))
        self._post("/my/statement/promise", {"move_ids": str(self.overdue.id), "date": day})
        self.assertFalse(self.env["cobranza.promise"].search([("partner_id", "=", self.customer.id)]))
        self.assertIn("are in the payment plan", self.url_open("/my/statement").text)

    def test_plan_outside_the_limits_waits_for_a_manager(self):
        self.authenticate("cliente_portal", "cliente_portal")
        self._request(10)
        plan = self.env["cobranza.payment.plan"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(plan.state, "proposed")
        self.assertIn("10 installments", plan.approval_reason)
        self.assertTrue(plan.activity_ids, "a manager is asked to approve it")
        page = self.url_open(plan.access_url)
        self.assertIn("a manager will review it", page.text)
        told = plan.message_ids.filtered(lambda m: "We received your request" in (m.body or ""))
        self.assertEqual(told.partner_ids, self.customer, "the customer gets the acknowledgement by email")
        self.assertEqual(told.author_id, plan.company_id.partner_id, "from the creditor, not from the customer")

    def test_invalid_requests_create_nothing(self):
        self.authenticate("cliente_portal", "cliente_portal")
        for count, days in (("0", 10), ("abc", 10), ("3", -40)):
            with self.subTest(count=count, days=days):
                self._request(count, days)
        self.assertFalse(self.env["cobranza.payment.plan"].search([("partner_id", "=", self.customer.id)]))
        self.assertEqual(self._post("/my/statement/plan", {"installment_count": "2"}).status_code, 303)
        self.assertFalse(self.env["cobranza.payment.plan"].search([("partner_id", "=", self.customer.id)]))

    def test_logged_in_customer_pays_selected_or_overdue_invoices(self):
        self.authenticate("cliente_portal", "cliente_portal")
        response = self.url_open("/my/statement/pay?overdue=1", allow_redirects=False)
        token = response.headers["Location"].rsplit("/", 1)[1]
        self.assertEqual(self.env["cobranza.link"]._resolve(token)[2], self.overdue)
        response = self._post("/my/statement/pay", {"move_ids": [str(self.overdue.id), str(self.not_due.id)]})
        token = response.headers["Location"].rsplit("/", 1)[1]
        self.assertEqual(self.env["cobranza.link"]._resolve(token)[2], self.overdue | self.not_due)
        self.assertEqual(self._post("/my/statement/pay", {"move_ids": str(self.other.id)}).status_code, 404)
        self.assertEqual(self._post("/my/statement/pay", {"move_ids": [str(self.overdue.id), str(self.other.id)]}).status_code, 404)


@tagged("post_install", "-at_install")
class TestPortalTours(PortalCase):
    """The customer's self-service in Chromium."""

    def test_visitor_pays_an_installment_with_the_link(self):
        plan = self.env["cobranza.payment.plan"].create({
            "partner_id": self.customer.id, "move_ids": [Command.set((self.overdue | self.not_due).ids)],
            "installment_count": 3, "first_date": fields.Date.today() + timedelta(days=5)})
        plan.action_confirm()
        token = self.env["cobranza.link"]._token(plan)
        self.start_tour(f"/cobranza/pay/{token}", "account_cobranza_portal_installment")
        self.assertEqual(plan.line_ids.mapped("state"), ["paid", "pending", "pending"])
        self.assertAlmostEqual(plan.paid_amount, 333.33)
        tx = self.env["payment.transaction"].search([("invoice_ids", "in", plan.move_ids.ids)])
        self.assertEqual((tx.state, tx.amount), ("done", 333.33))

    def test_customer_requests_a_plan_inside_the_limits(self):
        self.start_tour("/my/statement", "account_cobranza_portal_plan_inside", login="cliente_portal")
        plan = self.env["cobranza.payment.plan"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual((plan.state, plan.installment_count), ("active", 3))
        self.assertEqual(self.overdue.cobranza_stage, "plan")

    def test_customer_requests_a_plan_outside_the_limits(self):
        self.start_tour("/my/statement", "account_cobranza_portal_plan_outside", login="cliente_portal")
        plan = self.env["cobranza.payment.plan"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual((plan.state, plan.installment_count), ("proposed", 10))
        self.assertTrue(plan.activity_ids)

    def test_customer_promises_a_date(self):
        self.start_tour("/my/statement", "account_cobranza_portal_promise", login="cliente_portal")
        promise = self.env["cobranza.promise"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual((promise.state, promise.move_ids, promise.origin), ("open", self.overdue | self.not_due, "portal"))
        self.assertEqual(self.overdue.cobranza_stage, "promise", "the ladder pauses")

    def test_customer_disputes_an_invoice(self):
        self.start_tour("/my/statement", "account_cobranza_portal_dispute", login="cliente_portal")
        dispute = self.env["cobranza.dispute"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual((dispute.move_id, dispute.reason, dispute.state), (self.overdue, "wrong_amount", "open"))
        self.assertEqual(self.overdue.cobranza_stage, "dispute")
