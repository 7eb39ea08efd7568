from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import CobranzaCase, CobranzaLatamCase


class ChecksMixin:
    """A plan of three installments and the customer's three post-dated checks for it."""

    def _plan_with_checks(self, amount=900.0):
        invoice = self._invoice(amount=amount, due=fields.Date.today() - timedelta(days=10))
        plan = self.env["cobranza.payment.plan"].create({
            "partner_id": self.customer.id, "move_ids": [Command.set(invoice.ids)], "user_id": self.collector.id,
            "installment_count": 3, "first_date": fields.Date.today() + timedelta(days=5)})
        plan.action_confirm()
        return invoice, plan

    def _register(self, plan, changes=None):
        """The checks of `plan` through the wizard, as the collector types them (`changes`:
        {index: {field: value}})."""
        form = Form(self.env["cobranza.check.wizard"].with_user(self.collector).with_context(default_plan_id=plan.id))
        for index in range(len(form.line_ids)):
            with form.line_ids.edit(index) as line:
                line.number = f"{index + 1:08d}"
                for name, value in (changes or {}).get(index, {}).items():
                    setattr(line, name, value)
        return form.save().action_register()


@tagged("post_install", "-at_install")
class TestPostDatedChecks(ChecksMixin, CobranzaCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.cobranza_collector_id = cls.collector
        cls.treasurer = cls._cobranza_user("tesorero", "account.group_account_manager")

    def test_registration_is_checked_against_the_schedule(self):
        _invoice, plan = self._plan_with_checks()
        first = plan.line_ids[0]
        for changes, message in (({1: {"amount": 250.0}}, "must be for"),
                                 ({2: {"date": plan.line_ids[2].date + timedelta(days=1)}}, "between today and its due date"),
                                 ({1: {"number": "00000001"}}, "repeats the number")):
            with self.subTest(changes=changes), self.assertRaisesRegex(UserError, message):
                self._register(plan, changes)
        self.assertFalse(plan.line_ids.check_id, "nothing half-done")
        with self.assertRaisesRegex(UserError, "one check for each installment"):
            plan._register_checks([{"line": first, "number": "1", "date": first.date, "amount": first.amount}],
                                  self.env["account.journal"]._cobranza_check_journal(self.company))
        self._register(plan)
        checks = plan.line_ids.check_id
        self.assertEqual(len(checks), 3)
        self.assertEqual(checks.mapped("amount"), plan.line_ids.mapped("amount"))
        self.assertEqual(checks.mapped("payment_date"), plan.line_ids.mapped("date"))
        self.assertEqual(set(checks.payment_id.mapped("state")), {"draft"}, "in portfolio until deposited")
        self.assertEqual(set(plan.line_ids.mapped("check_state")), {"registered"})
        self.assertEqual(first.instrument, f"Check no. {first.check_id.name} of unknown bank")
        tasks = checks.activity_ids
        self.assertEqual(len(tasks), 3, "the treasurer deposits each on its date")
        self.assertEqual(sorted(tasks.mapped("date_deadline")), plan.line_ids.mapped("date"))
        self.assertEqual(tasks.user_id, self.env["res.users"]._cobranza_task_user("accountant", self.company))
        run = self.env["cobranza.run"].create({"date": first.date, "company_id": self.company.id})
        self.assertFalse(plan._plan_reminders(run), "secured installments are not asked for")

    def test_a_deposited_check_pays_its_installment(self):
        invoice, plan = self._plan_with_checks()
        self._register(plan)
        first = plan.line_ids[0]
        first.with_user(self.collector).action_check_deposited()
        self.assertEqual(first.check_id.payment_id.state, "in_process")
        self.assertEqual(invoice.amount_residual, 600.0, "reconciled with the plan's invoice")
        self.assertEqual((first.state, first.check_state, plan.paid_amount), ("paid", "deposited", 300.0))
        self.assertFalse(first.check_id.activity_ids, "the deposit task is done")
        with self.assertRaises(UserError):
            first.action_check_deposited()

    def test_a_rejected_check_breaks_its_installment(self):
        invoice, plan = self._plan_with_checks()
        self._register(plan)
        first = plan.line_ids[0]
        first.action_check_deposited()
        first.with_user(self.collector).action_check_rejected()
        self.assertEqual(first.check_id.payment_id.state, "canceled")
        self.assertEqual(invoice.amount_residual, 900.0, "the invoice owes again")
        self.assertEqual((first.check_state, first.state, plan.paid_amount), ("rejected", "pending", 0.0))
        notice = self._contacts(key=f"check:{first.check_id.id}:rejected")
        self.assertEqual((notice.channel, notice.state, notice.plan_id), ("email", "sent", plan))
        self.assertIn("returned by the bank", notice.mail_message_id.body)
        self.assertIn("rejected", notice.note)
        task = plan.activity_ids.filtered(lambda a: "rejected" in a.summary)
        self.assertEqual(task.user_id, self.collector)
        run = self.env["cobranza.run"].create({"date": first.date, "company_id": self.company.id})
        self.assertTrue(plan._plan_reminders(run), "its reminders resume")
        self.assertEqual(first.instrument, "Manual", "the bounced check no longer pays it")
        # a new check can secure it again; the others stay in portfolio
        form = Form(self.env["cobranza.check.wizard"].with_user(self.collector).with_context(default_plan_id=plan.id))
        self.assertEqual(len(form.line_ids), 1, "only the installment whose check bounced")
        with form.line_ids.edit(0) as line:
            line.number = "00000099"
            line.date = fields.Date.today()
        form.save().action_register()
        self.assertEqual((first.check_state, first.check_id.name), ("registered", "00000099"))

    def test_an_installment_a_card_is_charging_takes_no_check(self):
        _invoice, plan = self._plan_with_checks()
        plan.line_ids[0].autopay_state = "pending"  # a card charge waits for the provider's answer
        wizard = self.env["cobranza.check.wizard"].with_user(self.collector).create({"plan_id": plan.id})
        self.assertEqual(wizard.line_ids.plan_line_id, plan.line_ids[1:])

    def test_opening_the_wizard_creates_nothing_and_registering_creates_the_journal(self):
        _invoice, plan = self._plan_with_checks()
        journals = self.env["account.journal"].search_count([])
        form = Form(self.env["cobranza.check.wizard"].with_user(self.collector).with_context(default_plan_id=plan.id))
        self.assertEqual(self.env["account.journal"].search_count([]), journals, "opening it creates nothing")
        self.assertFalse(form.journal_id)
        for index in range(len(form.line_ids)):
            with form.line_ids.edit(index) as line:
                line.number = f"{index + 1:08d}"
        form.save().action_register()
        self.assertEqual(plan.line_ids.check_id.payment_id.journal_id,
                         self.env["account.journal"]._cobranza_check_journal(self.company, create=False))

    def test_checks_secure_an_active_plan_only(self):
        _invoice, plan = self._plan_with_checks()
        plan.action_cancel()
        with self.assertRaises(UserError):
            plan.action_register_checks()


@tagged("post_install", "-at_install", "-standard", "cobranza_l10n")
class TestPostDatedChecksArgentina(ChecksMixin, CobranzaLatamCase):
    """On Odoo's Argentine chart, whose *Third Party Checks* journal the localization creates:
    the checks wait there."""

    @classmethod
    @AccountTestInvoicingCommon.setup_chart_template("ar_ri")
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.cobranza_collector_id = cls.collector

    def test_checks_on_the_localization_journal(self):
        journal = self.env["account.journal"]._cobranza_check_journal(self.company)
        self.assertEqual(journal, self.env.ref(
            f"account.{self.company.id}_third_party_check"))
        invoice, plan = self._plan_with_checks()
        self._register(plan)
        first = plan.line_ids[0]
        self.assertEqual(set(plan.line_ids.check_id.payment_id.journal_id), {journal})
        first.action_check_deposited()
        self.assertEqual(first.check_state, "deposited")
        self.assertAlmostEqual(invoice.amount_residual, invoice.amount_total - first.amount)
