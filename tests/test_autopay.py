from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import CobranzaCase, FakeResponse, PortalCase


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

    def test_a_declined_charge_is_told_by_whatsapp_where_the_level_sends_it(self):
        level = self.default_policy.level_ids.filtered(lambda lvl: lvl.offset_days == 1)
        level.write({"send_whatsapp": True, "whatsapp_template_name": "recordatorio_pago"})
        self.invoice.cobranza_level_id = level
        self.default_policy.autopay_whatsapp_template = "cobro_rechazado"
        self.company.write({"cobranza_whatsapp_phone_id": "1099", "cobranza_whatsapp_token": "secret"})
        self.customer.write({"mobile": "+56 9 6123 4567", "cobranza_consent_whatsapp": True})
        self._consent(self._saved_card(self.treasurer, self.provider, state="error", digits="0008"))
        calls = []

        def fake_post(url, json=None, headers=None, timeout=None):  # WhatsApp Cloud API, a paid service
            calls.append(json)
            return FakeResponse(200, {"messages": [{"id": "wamid.DECLINED"}]})

        with patch("odoo.addons.account_cobranza.models.res_company_whatsapp.requests.post", fake_post):
            charge = self._charge(self.first.date)
        notice = self._contacts(key=f"charge:{charge.id}:declined:whatsapp")
        self.assertEqual((notice.channel, notice.state, notice.whatsapp_message_id),
                         ("whatsapp", "sent", "wamid.DECLINED"))
        (payload,) = calls
        self.assertEqual(payload["template"]["name"], "cobro_rechazado")
        texts = [p["text"] for p in payload["template"]["components"][0]["parameters"]]
        self.assertEqual(texts[0], self.customer.name)
        self.assertIn("300.00", texts[1])
        self.assertIn("/cobranza/pay/", texts[2], "the signed link to pay it now")
        self.assertEqual(self._contacts(key=f"charge:{charge.id}:declined").state, "sent", "the email too")

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

    def test_an_error_raised_by_the_provider_is_never_taken_for_a_decline(self):
        self._consent()
        Transaction = type(self.env["payment.transaction"])
        # a timeout: the provider may have taken the money
        with patch.object(Transaction, "_send_payment_request", autospec=True, side_effect=ValidationError("timeout")), \
                self.assertLogs("odoo.addons.account_cobranza.models.cobranza_charge", "WARNING") as logged:
            charge = self._charge(self.first.date)
        self.assertIn("left to a person", logged.output[0])
        self.assertEqual((charge.state, self.first.autopay_state), ("pending", "pending"))
        self.assertTrue(self.plan.activity_ids.filtered(lambda a: charge.key in a.summary), "a person checks")
        self.assertFalse(self._contacts(key=f"charge:{charge.id}:declined"), "the customer is not told of a decline")
        self.assertFalse(self._charge(self.first.date + timedelta(days=1)), "never sent again on its own")
        self.assertEqual((len(self.first.charge_ids), charge.transaction_id.state, charge.state),
                         (1, "draft", "pending"))

    def test_a_claim_left_by_a_dead_worker_is_released_then_charged(self):
        self._consent()
        self.first.autopay_state = "charging"  # claimed, then the worker died before any charge
        self.assertFalse(self._charge(self.first.date), "a worker may still be charging it")
        self.first.flush_recordset()
        self.env.cr.execute("UPDATE cobranza_payment_plan_line SET write_date = write_date - interval '2 hours' "
                            "WHERE id = %s", [self.first.id])
        self.first.invalidate_recordset()
        charge = self._charge(self.first.date)
        self.assertEqual((charge.state, self.first.autopay_state, len(self.first.charge_ids)), ("done", "paid", 1))

    def test_a_transfer_nobody_matched_yet_is_never_charged_again(self):
        self._consent()
        self._invoice(amount=1000.0, due=self.first.date + timedelta(days=30))  # it owes more, not yet due
        payment = self._unmatched_payment(self.customer, 900.0, day=self.first.date - timedelta(days=1))
        self.assertFalse(self._charge(self.first.date), "the customer already paid")
        self.assertEqual((self.first.autopay_state, self.first.autopay_next_date, self.first.autopay_held_date),
                         ("scheduled", self.first.date + timedelta(days=1), self.first.date))
        self.assertFalse(self._charge(self.first.date + timedelta(days=1)))
        task = self.plan.activity_ids.filtered(lambda a: "Match the customer's payment" in a.summary)
        self.assertEqual((len(task), task.user_id), (1, self.collector), "one task, to match it")
        self.assertFalse(self.env["payment.transaction"].search([("token_id", "=", self.card.id)]))
        # the accountant matches it: the installments are paid by it, none is charged
        (payment.move_id | self.invoice).line_ids.filtered(
            lambda l: l.account_id.account_type == "asset_receivable").reconcile()
        self.assertFalse(self._charge(self.first.date + timedelta(days=2)))
        self.assertEqual((self.first.state, self.invoice.amount_residual), ("paid", 0.0))
        self.assertFalse(self.env["payment.transaction"].search([("token_id", "=", self.card.id)]))

    def test_a_held_installment_falls_back_after_its_last_retry_day(self):
        self._consent()
        self._unmatched_payment(self.customer, 900.0, day=self.first.date - timedelta(days=1))
        self.assertFalse(self._charge(self.first.date))
        self.assertFalse(self._charge(self.first.date + timedelta(days=7)), "its last attempt day")
        self.assertEqual((self.first.autopay_state, self.first.autopay_next_date), ("fallback", False))
        self.assertEqual(self.first._grace_due(), self.first.date + timedelta(days=7))
        self.assertFalse(self._charge(self.first.date + timedelta(days=8)))
        self.assertEqual(len(self.plan.activity_ids.filtered(lambda a: "Match the customer's payment" in a.summary)), 1)

    def test_a_charge_waiting_for_its_answer_counts_for_the_next(self):
        self._consent(self._saved_card(self.treasurer, self.provider, state="pending", digits="0005"))
        self._unmatched_payment(self.customer, 600.0, day=self.first.date - timedelta(days=1))
        first = self._charge(self.first.date)
        self.assertEqual((first.amount, first.state), (300.0, "pending"), "900 owed, 600 transferred")
        second = self.plan.line_ids[1]
        self.assertEqual(second._autopay_amount(), 0.0, "the 300 waiting for its answer pays the rest")
        self.assertEqual(second._autopay_refusal(self.first.date), "held")

    def test_a_person_records_the_provider_answer_once(self):
        self._consent(self._saved_card(self.treasurer, self.provider, state="pending", digits="0006"))
        charge = self._charge(self.first.date)
        charge.transaction_id._set_done()  # the provider's notification, before the cron settled it
        answer = charge.with_user(self.collector).action_mark_failed()
        self.assertEqual(answer["params"]["type"], "warning", "the person is told")
        self.assertEqual((charge.state, self.first.state), ("done", "paid"), "as the provider says")
        with self.assertRaises(UserError):
            charge.with_user(self.collector).action_mark_done()
        second = self._charge(self.plan.line_ids[1].date)
        self.assertEqual(second.state, "pending")
        second.with_user(self.collector).action_mark_done()  # checked with the provider: it was made
        self.assertEqual((second.state, second.transaction_id.state, self.plan.line_ids[1].state),
                         ("done", "done", "paid"))
        self.assertEqual(self.invoice.amount_residual, 300.0, "both posted and reconciled")

    def test_a_partial_transfer_leaves_only_the_rest_to_charge(self):
        self._consent()
        self._unmatched_payment(self.customer, 800.0, day=self.first.date - timedelta(days=1))
        charge = self._charge(self.first.date)
        self.assertEqual((charge.amount, charge.state), (100.0, "done"), "what the customer still owes, net")

    def test_a_removed_card_withdraws_its_automatic_payment(self):
        consent = self._consent()
        linked = self.card.with_user(self.customer_user).get_linked_records_info()
        self.assertEqual([(info["id"], info["name"]) for info in linked], [(consent.id, self.plan.name)],
                         "Odoo's confirmation lists what the method pays automatically")
        self.card.action_archive()  # the customer deletes it (My Account > Payment Methods)
        self.assertEqual(consent.state, "cancelled")
        self.assertEqual(set(self.plan.line_ids.mapped("autopay_state")), {"stopped"})
        self.assertFalse(self._charge(self.first.date))

    def test_a_colleague_card_is_never_offered_nor_accepted(self):
        colleague = self.env["res.partner"].create({"name": "Vendedor", "parent_id": self.customer.id})
        their_card = self._saved_card(colleague, self.provider, digits="7777")
        company_card = self._saved_card(self.customer, self.provider, digits="5555")
        offered = self.plan._autopay_tokens(payer=self.treasurer)
        self.assertEqual(offered, self.card | company_card, "the user's own and the customer's, as Odoo offers them")
        with self.assertRaises(ValidationError):
            self._consent(their_card)
        self.assertFalse(self.plan.autopay_ids, "nothing half-done")

    def test_a_collector_sees_how_each_installment_is_paid_and_changes_it_only_by_its_buttons(self):
        consent = self._consent()
        self.env.invalidate_all()
        plan = self.plan.with_user(self.collector)
        self.assertEqual(plan.line_ids[0].instrument, self.card.display_name)
        self.assertIn(self.card.display_name, consent.with_user(self.collector).display_name)
        with Form(plan) as form:  # the plan's form opens, with its automatic payment tab
            self.assertEqual(form.autopay_id, consent)
        with self.assertRaises(AccessError):
            consent.with_user(self.collector).write({"retry_days": "1"})
        with self.assertRaises(AccessError):
            self.env["cobranza.charge"].with_user(self.collector).check_access("write")
        plan.action_cancel_autopay()
        self.assertEqual(consent.state, "cancelled")

    def test_a_card_expiring_before_the_last_installment_is_reminded_once(self):
        last = self.plan.line_ids[-1].date
        valid_until = last.replace(day=1) - timedelta(days=1)  # it expires the month before the last one
        consent = self.env["cobranza.autopay"]._grant(self.plan, self.card, self.customer_user, "-",
                                                      valid_until=valid_until)
        self.assertEqual((self.card.cobranza_valid_until, consent.valid_until), (valid_until, valid_until))
        notice = valid_until.replace(day=1) - timedelta(days=7)
        Autopay = self.env["cobranza.autopay"]
        self.assertFalse(Autopay._remind_expiring(notice - timedelta(days=1)), "not yet")
        self.assertEqual(Autopay._remind_expiring(notice), consent)
        key = f"autopay:{consent.id}:expiry:{valid_until:%Y-%m}"
        reminder = self._contacts(key=key)
        self.assertEqual((reminder.channel, reminder.state, reminder.plan_id), ("email", "sent", self.plan))
        self.assertIn("valid until", reminder.mail_message_id.body)
        self.assertIn("/cobranza/pay/", reminder.mail_message_id.body, "the plan's page")
        Autopay._remind_expiring(notice + timedelta(days=1))
        self.assertEqual(len(self._contacts(key=key)), 1, "once")
        # a card valid through the last installment is never a worry
        self.card.cobranza_valid_until = (last.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        self.assertFalse(Autopay._remind_expiring(last.replace(day=1) - timedelta(days=7)))

    def test_an_expired_card_cannot_be_chosen(self):
        with self.assertRaises(ValidationError):
            self.env["cobranza.autopay"]._grant(self.plan, self.card, self.customer_user, "-",
                                                valid_until=self.today - timedelta(days=1))
        self.assertFalse(self.plan.autopay_ids, "nothing half-done")
        self.assertFalse(self.card.cobranza_valid_until)

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

    def test_an_invoice_under_dispute_is_not_charged(self):
        disputed = self._invoice(amount=200.0, due=self.due, invoice_date=fields.Date.today())
        self.env["cobranza.dispute"].create({"move_id": disputed.id, "reason": "wrong_amount",
                                             "description": "Se facturó de más"})
        self.assertEqual(self._charge(self.due).move_id, self.invoice, "only the undisputed one")

    def test_an_invoice_paid_by_a_transfer_nobody_matched_is_not_charged(self):
        self._invoice(amount=700.0, due=self.due + timedelta(days=20))  # it owes more, not yet due
        self._unmatched_payment(self.customer, 500.0)  # the customer's transfer for this one
        self.assertFalse(self._charge(self.due))
        self.assertFalse(self._charge(self.due + timedelta(days=1)))
        self.assertFalse(self.env["payment.transaction"].search([("token_id", "=", self.card.id)]))
        task = self.invoice.activity_ids.filtered(lambda a: "Match the customer's payment" in a.summary)
        self.assertEqual((len(task), task.user_id), (1, self.collector), "one task, to match it")

    def test_a_late_attempt_is_retried_on_a_later_day_never_the_same(self):
        self.card.demo_simulated_state = "error"
        late = self.due + timedelta(days=2)  # the cron did not run on the due date nor the day after
        self.assertEqual(self._charge(late).attempt, 1)
        self.assertFalse(self._charge(late), "not again the same day")
        self.assertEqual(self._charge(self.due + timedelta(days=3)).attempt, 2, "the next day of the schedule")

    def test_a_card_expiring_is_reminded_before_its_last_month(self):
        self.card.cobranza_valid_until = self.due + timedelta(days=60)
        notice = self.card.cobranza_valid_until.replace(day=1) - timedelta(days=7)
        self.assertEqual(self.env["cobranza.autopay"]._remind_expiring(notice), self.consent,
                         "invoices have no last date: any expiry is reminded")
        reminder = self._contacts(key=f"autopay:{self.consent.id}:expiry:{self.card.cobranza_valid_until:%Y-%m}")
        self.assertEqual((reminder.state, reminder.subject), ("sent", "Your payment method expires soon"))

    def test_its_reminders_wait_for_the_charge_and_its_retries_then_the_ladder_resumes(self):
        self.card.demo_simulated_state = "error"
        for day in (self.due - timedelta(days=3), self.due, self.due + timedelta(days=1),
                    self.due + timedelta(days=7)):
            self._charge(day)
            self._run(day, frozen=True)
        self.assertFalse(self._contacts(domain=[("move_ids", "in", self.invoice.ids), ("run_id", "!=", False)]),
                         "no reminder while it is charged automatically: the declined notices say it all")
        self.assertEqual((self.invoice.cobranza_stage, self.invoice.cobranza_exclusion), ("autopay", "autopay"))
        self._run(self.due + timedelta(days=8), frozen=True)
        reminder = self._contacts(domain=[("move_ids", "in", self.invoice.ids), ("run_id", "!=", False)])
        self.assertEqual(reminder.level_id.offset_days, 7, "after the last attempt, its ladder where it stands")
        self.assertEqual(self.invoice.cobranza_stage, "overdue")

    def test_a_new_invoice_of_the_customer_is_entered_as_usual(self):
        # the invoice form computes the collection stage of a record not saved yet
        form = Form(self.env["account.move"].with_context(default_move_type="out_invoice"))
        form.partner_id = self.customer
        form.invoice_date_due = self.due
        with form.invoice_line_ids.new() as line:
            line.name = "Servicio de mantención"
            line.price_unit = 250.0
        move = form.save()
        move.action_post()
        self.assertEqual((move.cobranza_stage, move._cobranza_holds()[move.id]), ("autopay", "autopay"))

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

    def test_the_customer_says_until_when_the_card_is_valid_and_changes_it(self):
        plan = self._active_plan()
        self.authenticate(self.portal_user.login, self.portal_user.login)
        url = f"/my/cobranza/plans/{plan.id}"
        self._post(f"{url}/autopay", {"token_id": self.card.id, "accept": "on", "valid_until": "13/2099"})
        self.assertFalse(plan.autopay_ids, "a month that is not one")
        self._post(f"{url}/autopay", {"token_id": self.card.id, "accept": "on", "valid_until": "2000-01"})
        self.assertFalse(plan.autopay_ids, "an expired card")
        self.assertIn("already expired", self.url_open(url).text)
        self._post(f"{url}/autopay", {"token_id": self.card.id, "accept": "on", "valid_until": "2099-02"})
        self.assertEqual(self.card.cobranza_valid_until, fields.Date.to_date("2099-02-28"))
        page = self.url_open(url).text
        self.assertIn("02/2099", page, "until when it is valid")
        self.assertNotIn("cobranza_autopay_change", page, "no other saved method to change to")
        new_card = self._saved_card(self.contact, self.provider, digits="9999")
        self.assertIn("cobranza_autopay_change", self.url_open(url).text)
        self._post(f"{url}/autopay", {"token_id": new_card.id, "accept": "on"})
        self.assertEqual(plan.autopay_id.token_id, new_card, "the new card replaces the old one")
        self.assertEqual(len(plan.autopay_ids), 2)

    def test_tour_accept_a_plan_with_automatic_payment(self):
        plan = self._active_plan()
        self.start_tour(f"/my/cobranza/plans/{plan.id}", "account_cobranza_portal_plan_autopay",
                        login=self.portal_user.login)
        self.assertEqual((plan.autopay_id.token_id, plan.autopay_id.accepted_user_id), (self.card, self.portal_user))
