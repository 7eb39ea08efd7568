from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import CobranzaCase


@tagged("post_install", "-at_install")
class TestPaymentPlans(CobranzaCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.today()
        cls.segment = cls.env["cobranza.segment"].create({
            "name": "Plan segment", "company_id": cls.company.id, "plan_max_installments": 4,
            "plan_min_down_payment": 10.0, "plan_max_days": 120, "plan_grace_days": 5,
        })
        cls.customer.write({"cobranza_segment_id": cls.segment.id, "cobranza_collector_id": cls.collector.id})
        cls.inv_1 = cls._invoice(amount=600.0, due=cls.today - timedelta(days=20))
        cls.inv_2 = cls._invoice(amount=400.0, due=cls.today - timedelta(days=5))

    def _plan(self, user=None, **values):
        action = (self.inv_1 | self.inv_2).with_user(user or self.collector).action_cobranza_plan()
        form = Form(self.env["cobranza.plan.wizard"].with_user(user or self.collector).with_context(action["context"]))
        for name, value in {"installment_count": 3, "down_payment": 100.0,
                            "first_date": self.today + timedelta(days=10), **values}.items():
            setattr(form, name, value)
        return form

    def test_plan_inside_the_limits_is_active_at_once(self):
        form = self._plan()
        self.assertIn("Within", form.limits_note)
        self.assertIn("300", form.preview)
        result = form.save().action_create()
        plan = self.env["cobranza.payment.plan"].browse(result["res_id"])
        self.assertEqual(plan.state, "active")
        self.assertEqual(plan.line_ids.mapped("amount"), [100.0, 300.0, 300.0, 300.0])
        self.assertEqual(plan.total_amount, 1000.0)
        self.assertEqual(plan.line_ids[1].date, self.today + timedelta(days=10))
        self.assertEqual((self.inv_1 | self.inv_2).mapped("cobranza_stage"), ["plan", "plan"])
        self.assertEqual(self.inv_1.cobranza_exclusion, "plan")
        run = self.env["cobranza.run"].run_for_date(self.today, self.company)
        self.assertFalse(run.contact_ids.filtered(lambda c: c.level_id), "the ordinary ladder is paused")
        self.assertTrue(self.env.ref("account_cobranza.action_report_cobranza_plan")._render_qweb_html(
            "account_cobranza.report_cobranza_plan", plan.ids)[0])

    def test_plan_outside_the_limits_waits_for_a_manager(self):
        result = self._plan(installment_count=6, down_payment=0.0).save().action_create()
        plan = self.env["cobranza.payment.plan"].browse(result["res_id"])
        self.assertEqual(plan.state, "proposed")
        self.assertTrue(plan.needs_approval)
        self.assertIn("6 installments", plan.approval_reason)
        self.assertTrue(plan.activity_ids)
        self.assertEqual(self.inv_1.cobranza_stage, "plan", "paused while waiting")
        with self.assertRaises(UserError):
            plan.with_user(self.collector).action_approve()
        plan.with_user(self.manager).action_approve()
        self.assertEqual((plan.state, plan.approved_by_id), ("active", self.manager))
        self.assertEqual(len(plan.line_ids), 6)
        told = plan.message_ids.filtered(lambda m: "is approved" in (m.body or ""))
        self.assertEqual(told.partner_ids, self.customer, "the customer is told, with the link to pay")
        self.assertIn(f"/cobranza/pay/p.{self.customer.id}.{plan.id}.", told.body)

    def test_financing_fee_invoiced_separately(self):
        self.default_policy.plan_fee_percentage = 5.0
        result = self._plan().save().action_create()
        plan = self.env["cobranza.payment.plan"].browse(result["res_id"])
        self.assertEqual(plan.fee_move_id.amount_total, 50.0)
        self.assertEqual(plan.fee_move_id.state, "posted")
        self.assertIn(plan.fee_move_id, plan.move_ids)
        self.assertEqual(plan.total_amount, 1050.0)
        self.assertAlmostEqual(sum(plan.line_ids.mapped("amount")), 1050.0)

    def test_bad_input_creates_nothing(self):
        Plan = self.env["cobranza.payment.plan"]
        other_customer = self.env["res.partner"].create({"name": "Otro"})
        other_invoice = self._invoice(partner=other_customer, amount=50.0)
        currency = self.setup_other_currency("EUR", rates=[("2016-01-01", 2.0)])
        usd_invoice = self._invoice(amount=70.0, currency=currency)
        company_2 = self.setup_other_company()["company"]
        for values in ({"installment_count": 0}, {"installment_count": -1},
                       {"first_date": self.today - timedelta(days=1)}, {"down_payment": 1000.0},
                       {"down_payment": 5000.0}):
            with self.subTest(values=values), self.assertRaises(UserError):
                self._plan(**values).save().action_create()
        for moves in (self.inv_1 | other_invoice, self.inv_1 | usd_invoice):
            with self.subTest(moves=moves.mapped("name")), self.assertRaises(UserError):
                Plan.create({"partner_id": self.customer.id, "move_ids": [Command.set(moves.ids)],
                             "installment_count": 2}).action_confirm()
        foreign = self._invoice(amount=10.0, company=company_2)
        with self.assertRaises(UserError):
            Plan.create({"partner_id": self.customer.id, "move_ids": [Command.set((self.inv_1 | foreign).ids)],
                         "installment_count": 2}).action_confirm()
        self.assertFalse(Plan.search([("state", "in", ("active", "proposed"))]))

    def test_payments_are_allocated_oldest_first_and_plan_ends(self):
        result = self._plan(user=self.manager, down_payment=0.0, installment_count=2).save().action_create()
        plan = self.env["cobranza.payment.plan"].browse(result["res_id"])
        self.assertEqual(plan.line_ids.mapped("amount"), [500.0, 500.0])
        self._pay(self.inv_2, 400.0)  # whatever invoice: the plan's debt decreases
        self._pay(self.inv_1, 150.0)
        self.env["cobranza.run"].run_for_date(self.today, self.company)
        self.assertEqual(plan.paid_amount, 550.0)
        self.assertEqual(plan.line_ids.mapped("paid_amount"), [500.0, 50.0])
        self.assertEqual(plan.line_ids.mapped("state"), ["paid", "partial"])
        self._pay(self.inv_1, 450.0)
        self.env["cobranza.run"].run_for_date(self.today, self.company)
        self.assertEqual(plan.state, "done")
        self.assertEqual(plan.remaining_amount, 0.0)

    def test_unpaid_installment_breaks_the_plan_and_the_ladder_resumes(self):
        result = self._plan(user=self.manager, down_payment=0.0, installment_count=2).save().action_create()
        plan = self.env["cobranza.payment.plan"].browse(result["res_id"])
        Run = self.env["cobranza.run"]
        # reminders of the installment: 3 days before, on the due date, 3 days after
        for days, expected in ((6, 0), (7, 1), (10, 2), (13, 3), (15, 3)):
            Run.run_for_date(self.today + timedelta(days=days), self.company)
            sent = self.env["cobranza.contact"].search([("partner_id", "=", self.customer.id),
                                                       ("note", "ilike", "installment")])
            self.assertEqual(len(sent), expected, f"day {days}")
        # each reminder carries the signed link to the plan's page (pay without a login)
        reminder = sent[:1].mail_message_id
        self.assertIn(f"/cobranza/pay/p.{self.customer.id}.{plan.id}.", reminder.body)
        self.assertEqual(self.env["cobranza.link"]._resolve(
            reminder.body.split("/cobranza/pay/")[1].split('"')[0])[2], plan)
        self.assertEqual(plan.state, "active", "within the grace days")
        run = Run.run_for_date(self.today + timedelta(days=16), self.company)
        self.assertEqual(plan.state, "broken")
        self.assertIn("Broken payment plans: 1", run.log)
        self.assertTrue(plan.message_ids.filtered(lambda m: "no longer in force" in (m.subject or "")))
        self.assertTrue(run.contact_ids.filtered(lambda c: c.level_id), "the ordinary ladder resumes")
        self.assertEqual(self.inv_1.cobranza_exclusion, False)


@tagged("post_install", "-at_install")
class TestPromisesAndDisputes(CobranzaCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.today()
        cls.invoice = cls._invoice(amount=1000.0, due=cls.today - timedelta(days=8))

    def _promise(self, user=None, **values):
        action = self.invoice.with_user(user or self.collector).action_cobranza_promise()
        form = Form(self.env["cobranza.promise.wizard"].with_user(user or self.collector).with_context(action["context"]))
        for name, value in values.items():
            setattr(form, name, value)
        return form.save().action_create()

    def test_promise_pauses_then_kept(self):
        # by default a promise covers a whole invoice; this policy accepts half of what it names
        self.default_policy.write({"promise_minimum": "percent", "promise_minimum_percent": 50.0})
        promise = self._promise(date=self.today + timedelta(days=5), amount=600.0)
        self.assertEqual(promise.residual_start, 1000.0)
        self.assertEqual(self.invoice.cobranza_stage, "promise")
        Run = self.env["cobranza.run"]
        Run.run_for_date(self.today + timedelta(days=1), self.company)
        self.assertFalse(self.env["cobranza.contact"].search([("partner_id", "=", self.customer.id)]))
        self._pay(self.invoice, 600.0)
        Run.run_for_date(self.today + timedelta(days=2), self.company)
        self.assertEqual(promise.state, "kept")
        self.assertEqual(self.customer.cobranza_promise_kept_rate, 100.0)

    def test_broken_promise_resumes_and_escalates(self):
        promise = self._promise(date=self.today + timedelta(days=2))
        Run = self.env["cobranza.run"]
        Run.run_for_date(self.today + timedelta(days=4), self.company)
        self.assertEqual(promise.state, "open", "grace days")
        run = Run.run_for_date(self.today + timedelta(days=5), self.company)
        self.assertEqual(promise.state, "broken")
        contact = run.contact_ids.filtered(lambda c: c.level_id)
        self.assertEqual(contact.level_id.offset_days, 15, "13 days overdue, escalated to the next level")
        self.assertFalse(self.invoice.cobranza_escalate)
        self.assertEqual(self.customer.cobranza_promise_kept_rate, 0.0)

    def test_promise_bad_input_and_approval(self):
        for values in ({"amount": 1000.01}, {"date": self.today - timedelta(days=1)},
                       {"date": self.today + timedelta(days=31)}, {"amount": 0.0}):
            with self.subTest(values=values), self.assertRaises(UserError):
                self._promise(**values)
        self.assertFalse(self.env["cobranza.promise"].search([("partner_id", "=", self.customer.id)]))
        for _n in range(2):
            self._promise(date=self.today).state = "broken"
        with self.assertRaises(UserError):
            self._promise(date=self.today + timedelta(days=3))
        promise = self._promise(user=self.manager, date=self.today + timedelta(days=3))
        self.assertEqual(promise.approved_by_id, self.manager)

    def test_call_outcomes_open_promises_and_disputes(self):
        action = self.customer.with_user(self.collector).action_cobranza_log_call()
        form = Form(self.env["cobranza.call.wizard"].with_user(self.collector).with_context(action["context"]))
        form.outcome = "promise"
        form.promise_date = self.today + timedelta(days=3)
        form.save().action_confirm()
        promise = self.env["cobranza.promise"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual((promise.amount, promise.channel, promise.state), (1000.0, "call", "open"))
        form = Form(self.env["cobranza.call.wizard"].with_user(self.collector).with_context(action["context"]))
        form.outcome = "dispute"
        form.note = "El precio no corresponde"
        form.save().action_confirm()
        dispute = self.env["cobranza.dispute"].search([("move_id", "=", self.invoice.id)])
        self.assertEqual(dispute.description, "El precio no corresponde")
        self.assertEqual(self.invoice.cobranza_stage, "dispute", "a dispute wins over a promise")

    def test_dispute_pauses_only_its_invoice_then_rejected(self):
        other = self._invoice(amount=300.0, due=self.today - timedelta(days=8))
        action = self.invoice.with_user(self.collector).action_cobranza_dispute()
        form = Form(self.env["cobranza.dispute.wizard"].with_user(self.collector).with_context(action["context"]))
        form.reason = "wrong_amount"
        form.description = "Cobraron 10 unidades, recibimos 8"
        dispute = form.save().action_create()
        self.assertEqual(dispute.user_id, self.invoice.invoice_user_id, "the salesperson")
        self.assertTrue(dispute.activity_ids)
        run = self.env["cobranza.run"].run_for_date(self.today, self.company)
        contact = run.contact_ids.filtered(lambda c: c.level_id)
        self.assertEqual(contact.move_ids, other, "only the disputed invoice is paused")
        self.assertEqual(self.invoice.cobranza_exclusion, "dispute")
        with self.assertRaises(UserError):
            dispute.action_reject()  # a resolution is required
        dispute.resolution = "La guía de despacho confirma 10 unidades"
        dispute.action_reject()
        self.assertFalse(self.invoice.cobranza_exclusion)
        self.assertEqual(self.invoice.cobranza_stage, "overdue")

    def test_dispute_resolved_by_a_credit_note(self):
        dispute = self.env["cobranza.dispute"].create({
            "move_id": self.invoice.id, "reason": "quality", "description": "Producto dañado"})
        with self.assertRaises(UserError):
            self.env["cobranza.dispute"].create({"move_id": self.invoice.id, "reason": "other", "description": "x"})
        action = dispute.action_credit_note()
        reversal = self.env["account.move.reversal"].with_context(action["context"]).create({
            "reason": "Producto dañado", "journal_id": self.invoice.journal_id.id})
        reversal.refund_moves()
        self.assertEqual(dispute.state, "resolved")
        self.assertEqual(dispute.credit_note_id.move_type, "out_refund")

    def test_access_rights(self):
        promise = self._promise(date=self.today + timedelta(days=3))
        portal = self._cobranza_user("portal_p")
        portal.groups_id = [Command.set(self.env.ref("base.group_portal").ids)]
        for model in ("cobranza.promise", "cobranza.dispute", "cobranza.payment.plan"):
            with self.subTest(model=model), self.assertRaises(AccessError):
                self.env[model].with_user(portal).search([])
        company_2 = self.setup_other_company()["company"]
        stranger = self._cobranza_user("stranger_p", "account_cobranza.group_cobranza_manager", company=company_2)
        self.assertFalse(self.env["cobranza.promise"].with_user(stranger).search([("id", "=", promise.id)]))
        with self.assertRaises(UserError):
            promise.with_user(self.collector).unlink()
