"""The debt as the customer sees it: payments not yet matched and open credit notes netted
in the daily run, the accountant's task, the statement that balances with the ledger."""
from datetime import timedelta
from unittest.mock import patch

import psycopg2

from odoo import Command, fields
from odoo.tests import tagged

from .common import CobranzaCase


@tagged("post_install", "-at_install")
class TestNetting(CobranzaCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.context_today(cls.env.user)
        # the reminders' invoice PDFs are not what these tests look at (see test_dispatch)
        cls.startClassPatcher(patch.object(type(cls.env["account.move"]), "_cobranza_pdf_attachments",
                                           return_value=[]))
        cls.customer.write({"cobranza_collector_id": cls.collector.id, "cobranza_rules_exempt": True})
        # twenty days overdue: the policy's firm reminder (day 15) is due today
        cls.due = cls.today - timedelta(days=20)
        cls.invoice = cls._invoice(amount=1000.0, due=cls.due, invoice_date=cls.due - timedelta(days=30))
        cls.Contact = cls.env["cobranza.contact"]

    # ------------------------------------------------------------------ helpers
    def _payment(self, amount, currency=None, day=None):
        return self._unmatched_payment(self.customer, amount, currency, day or self.today - timedelta(days=1))

    def _refund(self, amount):
        """An open credit note of the customer (not applied to any invoice)."""
        return self._invoice(amount=amount, due=self.today - timedelta(days=3), move_type="out_refund")

    def _match_tasks(self):
        return self.env["mail.activity"].search([
            ("res_model", "=", "res.partner"), ("res_id", "=", self.customer.id),
            ("activity_type_id", "=", self.env.ref("account_cobranza.mail_activity_type_cobranza_match").id)])

    def _ledger_balance(self):
        """The customer's receivable balance in the partner ledger."""
        lines = self.env["account.move.line"].search([
            ("partner_id", "=", self.customer.id), ("company_id", "=", self.company.id),
            ("account_id.account_type", "=", "asset_receivable"), ("parent_state", "=", "posted")])
        return sum(lines.mapped("balance"))

    # ------------------------------------------------------------------ covered
    def _assert_not_chased_and_one_task(self):
        run = self._run()
        self.assertFalse(self._contacts(run_id=run.id), "no reminder: the customer has paid")
        self.assertEqual(self.invoice.cobranza_exclusion, "credit")
        partner = self.customer.with_company(self.company)
        self.assertEqual(partner.cobranza_exclusion, "credit")
        self.assertEqual(partner.cobranza_total_overdue, 0.0)
        task = self._match_tasks()
        self.assertEqual(len(task), 1)
        self.assertTrue(task.user_id.has_group("account.group_account_manager"), "a billing administrator matches it")
        self.assertIn("not matched: apply it", task.summary)
        self.assertIn("credit", run.log.lower())
        # the next day, still one task
        self._run(self.today + timedelta(days=1))
        self.assertEqual(len(self._match_tasks()), 1)
        return task

    def test_an_unmatched_payment_covers_the_overdue_invoice(self):
        payment = self._payment(1000.0)
        task = self._assert_not_chased_and_one_task()
        self.assertIn(payment.move_id.name, str(task.note))
        self.assertIn("1,000.00", task.summary)

    def test_an_open_credit_note_covers_the_overdue_invoice(self):
        refund = self._refund(1000.0)
        task = self._assert_not_chased_and_one_task()
        self.assertIn(refund.name, str(task.note))

    def test_more_credit_than_debt_no_reminder_and_a_balance_in_favour(self):
        self._payment(1500.0)
        self._assert_not_chased_and_one_task()
        statement = self.customer.with_company(self.company)._cobranza_statement_values()
        self.assertEqual(statement["total"], -500.0)
        self.assertTrue(statement["in_favour"])
        self.assertAlmostEqual(statement["total"], self._ledger_balance())

    def test_partly_covered_the_reminder_and_the_contact_say_the_net(self):
        payment = self._payment(400.0)
        run = self._run()
        email = self._contacts(run_id=run.id).filtered(lambda c: c.channel == "email")
        self.assertEqual(email.amount_due, 600.0)
        self.assertEqual(email.credit_line_ids, payment.move_id.line_ids.filtered(
            lambda l: l.account_id.account_type == "asset_receivable"))
        body = str(email.mail_message_id.body)
        self.assertIn(payment.move_id.name, body, "the credit is listed")
        self.assertIn("Net amount due", body)
        self.assertIn("600.00", body)
        self.assertFalse(self._match_tasks(), "what is due is not covered: the reminder goes")
        # the letter of a firm level says the same
        letter = self._contacts(run_id=run.id).filtered(lambda c: c.channel == "letter")
        if letter:
            html = str(self.env["ir.actions.report"]._render_qweb_html(
                "account_cobranza.report_cobranza_letter", letter.ids)[0])
            self.assertIn(payment.move_id.name, html)
            self.assertIn("Net amount due", html)

    def test_a_credit_in_another_currency_never_nets(self):
        usd = self.env.ref("base.USD") if self.company.currency_id != self.env.ref("base.USD") else self.env.ref("base.EUR")
        usd.active = True
        self._payment(5000.0, currency=usd)
        run = self._run()
        email = self._contacts(run_id=run.id).filtered(lambda c: c.channel == "email")
        self.assertEqual(email.amount_due, 1000.0, "chased for the whole invoice")
        self.assertFalse(email.credit_allocation)
        self.assertFalse(self._match_tasks())

    def test_the_run_applies_open_credits_when_asked(self):
        older = self._invoice(amount=300.0, due=self.due - timedelta(days=10), invoice_date=self.due - timedelta(days=40))
        payment = self._payment(1100.0)
        self.company.cobranza_apply_credits = True
        run = self._run()
        self.assertEqual(older.payment_state, "paid", "the oldest first")
        self.assertEqual(self.invoice.amount_residual, 200.0)
        self.assertTrue(payment.move_id.line_ids.filtered(
            lambda l: l.account_id.account_type == "asset_receivable").reconciled)
        log = self.customer.message_ids.filtered(lambda m: "applied by the daily run" in str(m.body))
        self.assertEqual(len(log), 1)
        self.assertIn(older.name, str(log.body))
        email = self._contacts(run_id=run.id).filtered(lambda c: c.channel == "email")
        self.assertEqual(email.amount_due, 200.0)

    def test_a_reply_claiming_payment_meets_the_same_task(self):
        self._payment(1000.0)
        self._run()
        task = self._match_tasks()
        reply = self.env["cobranza.reply"].create({
            "partner_id": self.customer.id, "body": "Ya les pagué ayer", "intent": "paid", "state": "to_review",
            "move_ids": [Command.set(self.invoice.ids)], "sender_on_file": True})
        reply.with_user(self.collector).action_accept()
        self.assertEqual(reply.activity_id, task)
        self.assertEqual(len(self._match_tasks()), 1)
        self.assertIn("says it paid", str(task.note))

    # ------------------------------------------------------------------ statement
    def test_the_statement_balances_with_the_partner_ledger(self):
        second = self._invoice(amount=700.0, due=self.today + timedelta(days=10), invoice_date=self.today)
        self._pay(second, amount=200.0)
        refund = self._refund(150.0)
        payment = self._payment(90.0)
        statement = self.customer.with_company(self.company)._cobranza_statement_values()
        self.assertAlmostEqual(statement["total"], self._ledger_balance())
        self.assertAlmostEqual(statement["total"], 1000.0 + 500.0 - 150.0 - 90.0)
        self.assertEqual({c["move"] for c in statement["credits"]}, {refund, payment.move_id})
        self.assertAlmostEqual(sum(b["amount"] for b in statement["buckets"]), statement["total"])
        html = str(self.env["ir.actions.report"]._render_qweb_html(
            "account_cobranza.action_report_cobranza_statement", self.customer.ids)[0])
        for document in (self.invoice, second, refund, payment.move_id):
            self.assertIn(document.name, html)
        self.assertIn("Balance due", html)
        self.assertIn("/report/barcode/?barcode_type=QR", html, "a code to pay with")

    def test_the_portal_pays_the_net(self):
        self._payment(400.0)
        pay = self.env["cobranza.link"]._payment_documents(self.invoice)
        self.assertEqual(pay["amount"], 600.0)
        self.assertEqual(len(pay["credits"]), 1)

    # ------------------------------------------------------------------ bad input
    def test_a_credit_note_already_applied_is_not_counted_twice(self):
        refund = self._refund(300.0)
        (refund | self.invoice).line_ids.filtered(lambda l: l.account_id.account_type == "asset_receivable").reconcile()
        self.assertEqual(self.invoice.amount_residual, 700.0)
        self.assertFalse(self.env["account.move.line"]._cobranza_open_credits(self.customer, self.company))
        run = self._run()
        email = self._contacts(run_id=run.id).filtered(lambda c: c.channel == "email")
        self.assertEqual(email.amount_due, 700.0)
        self.assertFalse(email.credit_allocation)

    def test_a_credit_being_matched_elsewhere_does_not_stop_the_run(self):
        self._payment(1000.0)
        self.company.cobranza_apply_credits = True
        Move = type(self.env["account.move"])
        with patch.object(Move, "js_assign_outstanding_line",
                          side_effect=psycopg2.errors.SerializationFailure("matched by someone else")), \
                self.assertLogs("odoo.addons.account_cobranza.models.res_partner_run", "WARNING"):
            run = self._run()
        self.assertEqual(run.state, "done")
        self.assertEqual(self.invoice.amount_residual, 1000.0, "left as it was")
        self.assertEqual(self.invoice.cobranza_exclusion, "credit", "and netted all the same")
