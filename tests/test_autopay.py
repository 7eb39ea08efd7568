from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import CobranzaCase, PortalCase


class AutopayCase(CobranzaCase):
    """A customer whose treasurer has a portal login and saved a card with Odoo's demo
    provider, whose tokens end each charge in their simulated state (done, pending, error)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.today()
        cls.customer.write({"cobranza_collector_id": cls.collector.id, "lang": "en_US"})
        cls.treasurer = cls.env["res.partner"].create({"name": "Tesorera", "parent_id": cls.customer.id,
                                                        "email": "tesoreria@cliente-uno.example.com"})
        cls.customer_user = new_test_user(cls.env, login="cliente_uno", groups="base.group_portal",
                                          partner_id=cls.treasurer.id)
        cls.provider = cls._demo_provider(cls.company)
        cls.card = cls._saved_card(cls.treasurer, cls.provider)

    def _charge(self, day):
        return self.env["cobranza.charge"]._charge_due(day)


@tagged("post_install", "-at_install")
class TestAutopay(AutopayCase):
    """Installments charged to a saved payment method."""

    def setUp(self):
        super().setUp()
        self.invoice = self._invoice(amount=900.0, due=self.today - timedelta(days=10))
        self.plan = self.env["cobranza.payment.plan"].create({
            "partner_id": self.customer.id, "move_ids": [Command.set(self.invoice.ids)], "user_id": self.collector.id,
            "installment_count": 3, "first_date": self.today + timedelta(days=5)})
        self.plan.action_confirm()
        self.first = self.plan.line_ids[0]

    def _consent(self, card=None):
        return self.env["cobranza.autopay"]._grant(self.plan, card or self.card, self.customer_user, "203.0.113.7")

    def test_a_due_installment_is_charged_once_and_reconciled(self):
        consent = self._consent()
        self.assertEqual(self.plan.line_ids.mapped("autopay_state"), ["scheduled"] * 3)
        self.assertEqual(self.first.autopay_next_date, self.first.date)
        self.assertFalse(self._charge(self.first.date - timedelta(days=1)), "nothing before the due date")
        charge = self._charge(self.first.date)
        self.assertEqual((len(charge), charge.state, charge.amount, charge.autopay_id), (1, "done", 300.0, consent))
        tx = charge.transaction_id
        self.assertEqual((tx.operation, tx.state, tx.token_id, tx.invoice_ids), ("offline", "done", self.card, self.invoice))
        self.assertTrue(tx.payment_id.state in ("in_process", "paid"), "Odoo's own payment, posted")
        self.assertEqual(self.invoice.amount_residual, 600.0, "reconciled with the covered invoice")
        self.assertEqual((self.first.state, self.first.autopay_state), ("paid", "paid"))
        self.assertEqual(self.plan.paid_amount, 300.0, "the plan allocated it")
        self.assertFalse(self._charge(self.first.date), "never charged twice")
        self.assertEqual(self.first.instrument, self.card.display_name)
        self.assertEqual(self.plan.line_ids[1].autopay_state, "scheduled")

    def test_the_consent_keeps_what_was_accepted_by_whom_and_from_where(self):
        consent = self._consent()
        self.assertEqual((consent.accepted_user_id, consent.accepted_ip, consent.retry_days),
                         (self.customer_user, "203.0.113.7", "1, 3, 7"))
        self.assertTrue(consent.accepted_date)
        for text in ("300.00", self.card.display_name, "1, 3, 7", "stop automatic payment"):
            self.assertIn(text, consent.mandate)
        self.assertEqual(self.plan.autopay_id, consent)
        mandate = self._contacts(key=f"autopay:{consent.id}:mandate")
        self.assertEqual((mandate.channel, mandate.state), ("email", "sent"), "the confirmation email")
        self.assertIn("automatic payment", mandate.mail_message_id.body)
        self.assertEqual(self.customer.cobranza_autopay_count, 1)
        # a second consent replaces the first
        second = self._consent(self._saved_card(self.treasurer, self.provider, digits="1111"))
        self.assertEqual((consent.state, second.state, self.plan.autopay_id), ("cancelled", "active", second))

    def test_only_a_user_of_the_customer_consents_with_its_own_method(self):
        with self.assertRaises(UserError):
            self.env["cobranza.autopay"]._grant(self.plan, self.card, self.collector, "198.51.100.1")
        other = self.env["res.partner"].create({"name": "Otra Empresa"})
        with self.assertRaises(ValidationError):
            self._consent(self._saved_card(other, self.provider))
        self.assertFalse(self.plan.autopay_ids, "nothing half-done")

    def test_a_declined_charge_is_told_retried_on_schedule_then_falls_back(self):
        self._consent(self._saved_card(self.treasurer, self.provider, state="error", digits="0002"))
        due = self.first.date
        for day, attempt, state, next_date in ((due, 1, "retry", due + timedelta(days=1)),
                                               (due + timedelta(days=1), 2, "retry", due + timedelta(days=3)),
                                               (due + timedelta(days=3), 3, "retry", due + timedelta(days=7)),
                                               (due + timedelta(days=7), 4, "fallback", False)):
            self.assertFalse(self._charge(day - timedelta(days=1)) if attempt > 1 else False)
            charge = self._charge(day)
            self.assertEqual((charge.attempt, charge.state), (attempt, "failed"))
            self.assertIn("error", charge.error)
            self.assertEqual((self.first.autopay_state, self.first.autopay_next_date), (state, next_date))
            notice = self._contacts(key=f"charge:{charge.id}:declined")
            self.assertEqual((notice.channel, notice.state), ("email", "sent"))
            self.assertIn("Automatic charge declined", notice.note)
            self.assertIn("/cobranza/pay/", notice.mail_message_id.body, "a signed link to pay it now")
        self.assertIn("will not try again", notice.mail_message_id.body)
        self.assertFalse(self._charge(due + timedelta(days=30)), "no attempt left")
        self.assertEqual(self.invoice.amount_residual, 900.0)
        # back to the plan's ordinary reminders, its grace counted from the last attempt
        self.assertEqual(self.first._grace_due(), due + timedelta(days=7))
        run = self.env["cobranza.run"].create({"date": due + timedelta(days=8), "company_id": self.company.id})
        self.assertTrue(self.plan._plan_reminders(run).filtered(lambda c: c.plan_line_id == self.first))

    def test_a_retry_that_succeeds_recovers_the_installment(self):
        card = self._saved_card(self.treasurer, self.provider, state="error", digits="0003")
        self._consent(card)
        due = self.first.date
        self.assertEqual(self._charge(due).state, "failed")
        card.demo_simulated_state = "done"  # the customer's bank accepts it now
        self.assertEqual(self._charge(due + timedelta(days=1)).state, "done")
        self.assertEqual((self.first.state, self.invoice.amount_residual), ("paid", 600.0))
        values = self.env["cobranza.kpi"].compute(self.company, due, due + timedelta(days=1))
        self.assertEqual((values["autopay_paid_count"], values["autopay_recovered_pct"]), (1, 100.0))
        data = self.env["cobranza.kpi"].get_dashboard_data()
        self.assertIn("autopay_paid_count", {tile["key"] for tile in data["tiles"]})
        action = self.env["cobranza.kpi"].action_open_kpi("autopay_recovered_pct")
        self.assertEqual(action["res_model"], "cobranza.charge")

    def test_consent_cancelled_before_the_due_date_means_no_charge(self):
        consent = self._consent()
        self.plan.with_user(self.collector).action_cancel_autopay()
        self.assertEqual((consent.state, consent.cancelled_user_id), ("cancelled", self.collector))
        self.assertEqual(set(self.plan.line_ids.mapped("autopay_state")), {"stopped"})
        self.assertFalse(self._charge(self.first.date))
        self.assertFalse(self.env["payment.transaction"].search([("token_id", "=", self.card.id)]))
        self.assertEqual(self.first.instrument, "Manual")

    def test_a_plan_cancelled_stops_its_automatic_payment(self):
        consent = self._consent()
        self.plan.action_cancel()
        self.assertEqual(consent.state, "cancelled")
        self.assertFalse(self._charge(self.first.date))

    def test_an_installment_paid_by_hand_the_day_before_is_not_charged(self):
        self._consent()
        self._pay(self.invoice, 300.0, self.first.date - timedelta(days=1))
        self.assertFalse(self._charge(self.first.date))
        self.assertEqual((self.first.state, self.first.autopay_state), ("paid", "paid"))
        self.assertFalse(self.env["payment.transaction"].search([("token_id", "=", self.card.id)]))
        self.assertEqual(self.invoice.amount_residual, 600.0)

    def test_a_charge_never_takes_more_than_is_left(self):
        self._consent()
        self._pay(self.invoice, 100.0, self.first.date - timedelta(days=1))
        charge = self._charge(self.first.date)
        self.assertEqual((charge.amount, charge.state), (200.0, "done"), "what is left of the installment")
        self.assertEqual(self.invoice.amount_residual, 600.0)

    def test_a_pending_charge_waits_for_the_provider_and_is_never_sent_again(self):
        card = self._saved_card(self.treasurer, self.provider, state="pending", digits="0004")
        self._consent(card)
        charge = self._charge(self.first.date)
        self.assertEqual((charge.state, self.first.autopay_state), ("pending", "pending"))
        self.assertFalse(self._charge(self.first.date + timedelta(days=1)), "not charged again while waiting")
        charge.transaction_id._set_done()  # the provider's notification
        self._charge(self.first.date + timedelta(days=1))
        self.assertEqual((charge.state, self.first.autopay_state, self.invoice.amount_residual), ("done", "paid", 600.0))
        self.assertEqual(len(self.env["payment.transaction"].search([("token_id", "=", card.id)])), 1)

    def test_a_charge_left_by_a_dead_worker_goes_to_a_person_never_to_the_provider(self):
        self._consent()
        Charge = type(self.env["cobranza.charge"])
        original = Charge._send
        Charge._send = lambda charge, commit=False: charge.write({"sent_at": fields.Datetime.now()})
        try:  # the worker died after asking: no answer recorded
            charge = self._charge(self.first.date)
        finally:
            Charge._send = original
        self.assertEqual((charge.state, charge.transaction_id.state), ("pending", "draft"))
        charge.write({"state": "charging", "sent_at": fields.Datetime.now() - timedelta(hours=1)})
        self.first.autopay_state = "charging"
        self._charge(self.first.date)
        self.assertEqual((charge.state, self.first.autopay_state), ("pending", "pending"))
        task = self.plan.activity_ids.filtered(lambda a: charge.key in a.summary)
        self.assertEqual(task.user_id, self.collector)
        self.assertEqual(len(self.env["payment.transaction"].search([("token_id", "=", self.card.id)])), 1)
        charge.with_user(self.collector).action_mark_failed()
        self.assertEqual((charge.state, self.first.autopay_state), ("failed", "retry"))

    def test_retry_days_of_the_policy_are_checked(self):
        with self.assertRaises(ValidationError):
            self.default_policy.autopay_retry_days = "7, 3"
        self.default_policy.autopay_retry_days = "2"
        self.assertEqual(self.plan._autopay_retry_days(), (2,))


@tagged("post_install", "-at_install")
class TestInvoiceAutopay(AutopayCase):
    """Without a plan: the customer's invoices charged on their due dates."""

    def setUp(self):
        super().setUp()
        self.consent = self.env["cobranza.autopay"]._grant_invoices(
            self.customer, self.company, self.card, self.customer_user, "203.0.113.9")
        self.due = fields.Date.today() + timedelta(days=3)
        self.invoice = self._invoice(amount=500.0, due=self.due, invoice_date=fields.Date.today())

    def test_an_invoice_is_charged_once_on_its_due_date_and_reconciled(self):
        self.assertFalse(self.consent.plan_id)
        self.assertEqual((self.consent.partner_id, self.consent.accepted_ip), (self.customer, "203.0.113.9"))
        self.assertIn("each of your invoices on its due date", self.consent.mandate)
        self.assertEqual(self._contacts(key=f"autopay:{self.consent.id}:mandate").state, "sent")
        self.assertFalse(self._charge(self.due - timedelta(days=1)))
        charge = self._charge(self.due)
        self.assertEqual((charge.move_id, charge.amount, charge.state), (self.invoice, 500.0, "done"))
        self.assertEqual(charge.transaction_id.invoice_ids, self.invoice)
        self.assertIn(self.invoice.payment_state, ("paid", "in_payment"))
        self.assertFalse(self._charge(self.due + timedelta(days=1)), "never twice")

    def test_invoices_before_the_consent_in_a_plan_or_paid_are_not_charged(self):
        older = self._invoice(amount=100.0, due=fields.Date.today() - timedelta(days=2))
        self._pay(self.invoice, 500.0)
        planned = self._invoice(amount=300.0, due=self.due)
        plan = self.env["cobranza.payment.plan"].create({
            "partner_id": self.customer.id, "move_ids": [Command.set(planned.ids)],
            "installment_count": 2, "first_date": fields.Date.today() + timedelta(days=10)})
        plan.action_confirm()
        self.assertFalse(self._charge(self.due))
        self.assertEqual(older.amount_residual, 100.0, "only what falls due after the consent")

    def test_a_declined_invoice_charge_is_retried_then_left_to_the_ladder(self):
        self.card.demo_simulated_state = "error"
        days = [self.due, self.due + timedelta(days=1), self.due + timedelta(days=3), self.due + timedelta(days=7)]
        for attempt, day in enumerate(days, start=1):
            charge = self._charge(day)
            self.assertEqual((charge.attempt, charge.state), (attempt, "failed"))
            notice = self._contacts(key=f"charge:{charge.id}:declined")
            self.assertEqual(notice.move_ids, self.invoice)
            self.assertIn("/cobranza/pay/", notice.mail_message_id.body)
        self.assertIn("will not try again", notice.mail_message_id.body)
        self.assertFalse(self._charge(self.due + timedelta(days=30)))
        values = self.env["cobranza.kpi"].compute(self.company, self.due, self.due + timedelta(days=7))
        self.assertEqual((values["autopay_paid_count"], values["autopay_recovered_pct"]), (0, 0.0))

    def test_a_stopped_consent_charges_nothing(self):
        self.consent.with_user(self.collector).action_cancel()
        self.assertFalse(self._charge(self.due))
        with self.assertRaises(UserError):
            self.env["cobranza.autopay"]._grant_invoices(self.customer, self.company, self.card, self.collector, "-")


@tagged("post_install", "-at_install")
class TestAutopayPortal(PortalCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider = cls._demo_provider(cls.env.company)
        cls.card = cls._saved_card(cls.contact, cls.provider)

    def test_a_signed_link_visitor_can_pay_but_never_set_up_or_use_a_saved_method(self):
        plan = self._active_plan()
        token = self._token(plan)
        self.authenticate(None, None)  # a visitor's session
        page = self.url_open(f"/cobranza/pay/{token}").text
        self.assertNotIn("cobranza_autopay_form", page)
        self.assertNotIn(self.card.display_name, page)
        response = self._post(f"/my/cobranza/plans/{plan.id}/autopay", {"token_id": self.card.id, "accept": "on"})
        self.assertIn("/web/login", response.headers.get("Location", ""), "a visitor must log in")
        with self.assertRaises(Exception):
            self._transaction(token, plan.line_ids[0].amount, flow="token", token_id=self.card.id)
        self.assertFalse(plan.autopay_ids)
        # another customer's user neither
        stranger_user = new_test_user(self.env, login="otro_portal", groups="base.group_portal",
                                      partner_id=self.stranger.id)
        self.authenticate(stranger_user.login, stranger_user.login)
        response = self._post(f"/my/cobranza/plans/{plan.id}/autopay", {"token_id": self.card.id, "accept": "on"})
        self.assertEqual(response.status_code, 404)
        self.assertFalse(plan.autopay_ids)

    def test_the_customer_sets_up_and_stops_automatic_payment(self):
        plan = self._active_plan()
        self.authenticate(self.portal_user.login, self.portal_user.login)
        page = self.url_open(f"/my/cobranza/plans/{plan.id}").text
        self.assertIn("cobranza_autopay_form", page)
        self.assertIn(self.card.display_name, page)
        response = self._post(f"/my/cobranza/plans/{plan.id}/autopay", {"token_id": self.card.id})
        self.assertFalse(plan.autopay_ids, "the terms must be accepted")
        response = self._post(f"/my/cobranza/plans/{plan.id}/autopay", {"token_id": self.card.id, "accept": "on"})
        self.assertEqual(response.status_code, 303)
        consent = plan.autopay_id
        self.assertEqual((consent.accepted_user_id, consent.token_id), (self.portal_user, self.card))
        self.assertTrue(consent.accepted_ip)
        self.assertIn("cobranza_autopay_on", self.url_open(f"/my/cobranza/plans/{plan.id}").text)
        self._post(f"/my/cobranza/plans/{plan.id}/autopay/cancel", {})
        self.assertEqual((consent.state, consent.cancelled_user_id), ("cancelled", self.portal_user))

    def test_the_customer_has_its_invoices_charged_automatically(self):
        self.authenticate(self.portal_user.login, self.portal_user.login)
        self.assertIn("cobranza_autopay_form", self.url_open("/my/statement").text)
        self._post("/my/statement/autopay", {"token_id": self.card.id, "accept": "on"})
        page = self.url_open("/my/statement").text
        self.assertNotIn("alert-danger", page, page[page.find("alert-danger"):][:300])
        consent = self.env["cobranza.autopay"].search([("partner_id", "=", self.customer.id), ("plan_id", "=", False)])
        self.assertEqual((consent.state, consent.token_id, consent.accepted_user_id),
                         ("active", self.card, self.portal_user))
        self.assertIn("cobranza_autopay_on", self.url_open("/my/statement").text)
        self._post("/my/statement/autopay/cancel", {})
        self.assertEqual(consent.state, "cancelled")

    def test_tour_accept_a_plan_with_automatic_payment(self):
        plan = self._active_plan()
        self.start_tour(f"/my/cobranza/plans/{plan.id}", "account_cobranza_portal_plan_autopay",
                        login=self.portal_user.login)
        self.assertEqual((plan.autopay_id.token_id, plan.autopay_id.accepted_user_id), (self.card, self.portal_user))
