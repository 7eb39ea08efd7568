from datetime import date, timedelta
from unittest.mock import patch

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from .common import CobranzaCase

START = date(2026, 3, 1)


@tagged("post_install", "-at_install")
class TestDailyRun(CobranzaCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Run = cls.env["cobranza.run"]
        cls.Contact = cls.env["cobranza.contact"]
        cls.levels = {lvl.offset_days: lvl for lvl in cls.default_policy.level_ids}
        # A second, shorter policy for the "Delinquent" segment.
        cls.strict = cls.env["cobranza.policy"].create({
            "name": "Strict",
            "company_id": cls.company.id,
            "min_days_between_contacts": 3,
            "responsible_id": cls.manager.id,
            "level_ids": [
                Command.create({"name": "Overdue", "offset_days": 2, "send_email": True,
                                "mail_template_id": cls.env.ref("account_cobranza.mail_template_cobranza_overdue_firm").id}),
                Command.create({"name": "Fee", "offset_days": 10, "send_email": True, "charge_fee": True,
                                "fee_type": "percentage", "fee_percentage": 10.0, "fee_max_amount": 50.0,
                                "mail_template_id": cls.env.ref("account_cobranza.mail_template_cobranza_late_fee").id}),
                Command.create({"name": "Legal", "offset_days": 20, "legal_handoff": True, "send_letter": True}),
            ],
        })
        cls.delinquent = cls.env["cobranza.segment"].create(
            {"name": "Moroso", "company_id": cls.company.id, "policy_id": cls.strict.id, "risk_factor": 1.5})
        cls.moroso = cls.env["res.partner"].create({
            "name": "Moroso Ltda", "email": "moroso@example.com", "is_company": True,
            "cobranza_segment_id": cls.delinquent.id, "cobranza_collector_id": cls.collector.id,
        })

    def _contacts(self, partner=None):
        """The runs' contacts with `partner` (any customer): its late fees and legal hand-offs
        are in the contact log too, but they are no message to the customer."""
        domain = [("run_id", "!=", False), ("action", "not in", ("fee", "legal"))]
        return super()._contacts(partner or self.Contact.search(domain).partner_id, order="date, id", domain=domain)

    # ------------------------------------------------------------------ the calendar
    def test_calendar_of_120_days(self):
        """Three customers, two segments: every contact on the exact day, at the exact level."""
        first = self._invoice(amount=500.0, due=START + timedelta(days=10), invoice_date=START)
        second = self._invoice(amount=300.0, due=START + timedelta(days=20), invoice_date=START)
        late = self._invoice(partner=self.moroso, amount=200.0, due=START + timedelta(days=5), invoice_date=START)
        punctual = self.env["res.partner"].create({"name": "Puntual SA", "email": "p@example.com"})
        paid_on_time = self._invoice(partner=punctual, amount=100.0, due=START + timedelta(days=8), invoice_date=START)
        with patch.object(type(self.env["account.move"]), "_cobranza_pdf_attachments", return_value=[]):
            for n in range(120):
                day = START + timedelta(days=n)
                if day == START + timedelta(days=2):
                    self._pay(paid_on_time, day=day)
                with freeze_time(day):
                    self._run(day)
        fee = late.cobranza_fee_ids
        self.assertEqual(len(fee), 1)
        seen = [(c.run_date, c.partner_id, c.level_id.offset_days, c.channel,
                 tuple(sorted(c.move_ids.ids))) for c in self._contacts()]
        d = lambda n: START + timedelta(days=n)  # noqa: E731
        both = tuple(sorted((first | second).ids))
        expected = [
            # customer: -3/0 for the first invoice, then the second joins at its own dates
            (d(7), self.customer, -3, "email", (first.id,)),
            (d(10), self.customer, 0, "email", (first.id,)),
            (d(11), self.customer, 1, "sms", (first.id,)),
            # the second invoice's -3 falls on the first one's +7: one contact, the highest level
            (d(17), self.customer, 7, "call", both),
            (d(20), self.customer, 0, "email", (second.id,)),
            (d(21), self.customer, 1, "sms", (second.id,)),
            (d(25), self.customer, 15, "email", (first.id,)),
            (d(25), self.customer, 15, "letter", (first.id,)),
            (d(27), self.customer, 7, "call", (second.id,)),
            (d(35), self.customer, 15, "email", (second.id,)),
            (d(35), self.customer, 15, "letter", (second.id,)),
            (d(40), self.customer, 30, "email", (first.id,)),
            (d(50), self.customer, 30, "email", (second.id,)),
            (d(70), self.customer, 60, "email", (first.id,)),
            (d(70), self.customer, 60, "letter", (first.id,)),
            (d(80), self.customer, 60, "email", (second.id,)),
            (d(80), self.customer, 60, "letter", (second.id,)),
            (d(100), self.customer, 90, "email", (first.id,)),
            (d(110), self.customer, 90, "email", (second.id,)),
            # moroso: strict policy (3 days between contacts); the late fee invoice (due on
            # day 15) is chased too, but never charged a fee itself
            (d(7), self.moroso, 2, "email", (late.id,)),
            (d(15), self.moroso, 10, "email", (late.id,)),
            (d(18), self.moroso, 2, "email", (fee.id,)),
            (d(25), self.moroso, 20, "letter", tuple(sorted((late | fee).ids))),
            (d(35), self.moroso, 20, "letter", (fee.id,)),
        ]
        self.assertEqual(
            sorted(seen, key=lambda c: (c[1].id, c[0], c[3])),
            sorted(expected, key=lambda c: (c[1].id, c[0], c[3])),
        )
        self.assertFalse(self._contacts(punctual), "paid before its reminders")
        self.assertEqual(first.cobranza_stage, "legal")
        self.assertEqual(late.cobranza_stage, "legal")
        self.assertEqual(fee.amount_total, 20.0, "10% of 200, once")
        self.assertFalse(fee.cobranza_fee_ids)
        self.assertEqual(fee.cobranza_stage, "legal")

    def test_one_communication_lists_every_invoice_and_highest_level_wins(self):
        old = self._invoice(amount=100.0, due=START - timedelta(days=16))
        new = self._invoice(amount=50.0, due=START - timedelta(days=1))
        with patch.object(type(self.env["account.move"]), "_cobranza_pdf_attachments", return_value=[]):
            run = self._run(START)
        contacts = self._contacts(self.customer)
        self.assertEqual(set(contacts.mapped("channel")), {"email", "letter"}, "level +15: email and letter")
        self.assertEqual(contacts.level_id, self.levels[15])
        self.assertEqual(contacts[0].move_ids, old | new)
        self.assertEqual(old.cobranza_level_id, self.levels[15])
        self.assertEqual(new.cobranza_level_id, self.levels[1], "each invoice keeps its own level")
        self.assertEqual(new.cobranza_next_level_id, self.levels[7])
        message = contacts.filtered(lambda c: c.channel == "email").mail_message_id
        self.assertIn(old.name, message.body)
        self.assertIn(new.name, message.body)
        self.assertEqual(message.model, "res.partner")
        self.assertIn(self.customer.partner_id if hasattr(self.customer, "partner_id") else self.customer,
                      message.partner_ids)
        self.assertIn("Collection reminder", old.message_ids[0].body, "logged on the invoice too")
        self.assertEqual((run.action_count, run.email_count, run.letter_count), (1, 1, 1))

    def test_same_date_twice_contacts_nobody_twice(self):
        self._invoice(amount=100.0, due=START - timedelta(days=1))
        first = self._run(START)
        second = self._run(START)
        self.assertEqual(first.action_count, 1)
        self.assertEqual(second.action_count, 0)
        self.assertEqual(len(self._contacts(self.customer)), 1)
        self.assertEqual(first.company_id, self.company)
        # the database refuses a duplicate run contact as well
        contact = self._contacts(self.customer)
        with self.assertRaises(IntegrityError), self.cr.savepoint(), mute_logger("odoo.sql_db"):
            self.Contact.create({
                "partner_id": self.customer.id, "level_id": contact.level_id.id,
                "run_date": START, "channel": contact.channel, "run_id": first.id,
            })

    def _run_later(self, day, hours):
        """The run of `day` in a transaction begun `hours` after the test's: Odoo dates what a
        transaction writes by its start (the cursor's clock, moved here), the wall clock follows."""
        self._move_clock(hours)
        return self._run(day, moment=self.env.cr._now + timedelta(minutes=1))

    def _move_clock(self, hours):
        self.env.flush_all()  # what was written before is dated before
        self.env.cr._now = self.began + timedelta(hours=hours)

    def test_same_date_again_evaluates_only_what_changed(self):
        """A second run of the same date evaluates only the customers whose facts changed since
        the first one; everyone when a setting changed, a record was deleted or another date ran."""
        self.began = self.env.cr.now()
        self.levels[1].automatic = False  # the collector's task: the run's own activities are no change
        paid = self._invoice(amount=100.0, due=START - timedelta(days=1))
        others = self.env["res.partner"].create([{"name": f"Cliente {n}", "email": f"c{n}@example.com"}
                                                 for n in range(3)])
        disputed = [self._invoice(partner=partner, amount=100.0, due=START - timedelta(days=1)) for partner in others][0]
        first = self._run_later(START, 1)
        self.assertEqual((first.partner_count, first.unchanged_count, first.action_count), (4, 0, 4))
        self.assertTrue(first.facts_as_of)
        again = self._run_later(START, 2)
        self.assertEqual((again.partner_count, again.unchanged_count, again.action_count), (0, 4, 0))
        self.assertIn("not evaluated again: 4", again.log)
        # a payment, a dispute and a task done: those three customers only, and what they
        # changed is stored
        self._move_clock(3)
        self._pay(paid, day=START)
        dispute = self.env["cobranza.dispute"].create(
            {"move_id": disputed.id, "reason": "not_received", "description": "No llegó"})
        self._contacts(others[1]).activity_id.action_feedback(feedback="Llamado")
        third = self._run_later(START, 4)
        self.assertEqual((third.partner_count, third.unchanged_count, third.action_count), (3, 1, 0))
        # a task cancelled (deleted from the chatter): its customer only
        self._move_clock(4.5)
        self._contacts(others[2]).activity_id.unlink()
        self.assertEqual(self._run_later(START, 4.75).partner_count, 1)
        partner = self.customer.with_company(self.company)
        self.assertEqual((partner.cobranza_total_due, disputed.cobranza_exclusion), (0.0, "dispute"))
        # a setting changed: everyone again
        self._move_clock(5)
        self.default_policy.reply_wait_days += 1
        self.assertEqual(self._run_later(START, 6).partner_count, 3)  # the paid customer has nothing open
        self.assertEqual(self._run_later(START, 7).partner_count, 0)
        # a deletion leaves no date behind: everyone again, the undisputed invoice chased
        self._move_clock(8)
        dispute.unlink()
        deleted = self._run_later(START, 9)
        self.assertEqual((deleted.partner_count, deleted.unchanged_count), (3, 0))
        self.assertEqual(disputed.cobranza_exclusion, False)
        # another date ran in between: everyone
        self._run_later(START - timedelta(days=1), 10)
        self.assertEqual(self._run_later(START, 11).partner_count, 3)

    def test_partial_payment_keeps_the_ladder_full_payment_stops_it_and_thanks(self):
        invoice = self._invoice(amount=1000.0, due=START - timedelta(days=1))
        self._run(START)
        self._pay(invoice, amount=400.0, day=START)
        self.assertEqual(invoice.payment_state, "partial")
        self._run(START + timedelta(days=6))
        contact = self._contacts(self.customer)[-1]
        self.assertEqual(contact.level_id, self.levels[7])
        self.assertEqual(contact.amount_due, 600.0)
        self.assertEqual(self.customer.cobranza_total_overdue, 600.0)
        self._pay(invoice, day=START + timedelta(days=7))
        self.assertEqual(invoice.cobranza_stage, "paid")
        thanks = self.Contact.search([("partner_id", "=", self.customer.id), ("run_id", "=", False)])
        self.assertEqual(len(thanks), 1, "thanked once for the reminded invoice")
        self.assertIn("thank you", thanks.mail_message_id.subject.lower())
        self._run(START + timedelta(days=20))
        self.assertEqual(self._contacts(self.customer)[-1], contact, "nothing after the payment")
        self.assertEqual(self.customer.cobranza_status, "ok")
        self.assertEqual(invoice.cobranza_exclusion, "paid")

    def test_no_thank_you_when_the_policy_says_no(self):
        self.default_policy.send_thank_you = False
        invoice = self._invoice(amount=100.0, due=START - timedelta(days=1))
        self._run(START)
        self._pay(invoice, day=START)
        self.assertFalse(self.Contact.search([("partner_id", "=", self.customer.id), ("run_id", "=", False)]))

    def test_blocked_invoice_and_do_not_chase_customer(self):
        blocked = self._invoice(amount=100.0, due=START - timedelta(days=1))
        blocked.action_toggle_block_payment()
        other = self.env["res.partner"].create({"name": "No molestar", "cobranza_no_chase": True,
                                                "cobranza_no_chase_reason": "Convenio"})
        quiet = self._invoice(partner=other, amount=100.0, due=START - timedelta(days=1))
        self._run(START)
        self.assertFalse(self._contacts())
        self.assertEqual(blocked.cobranza_exclusion, "blocked")
        self.assertEqual(quiet.cobranza_exclusion, "no_chase")
        self.assertEqual(other.cobranza_total_overdue, 100.0, "still counted in the customer's debt")

    def test_tolerance(self):
        self.default_policy.tolerance_amount = 50.0
        small = self._invoice(amount=49.0, due=START - timedelta(days=1))
        self._run(START)
        self.assertFalse(self._contacts())
        self.assertEqual(small.cobranza_exclusion, "tolerance")

    def test_two_companies(self):
        company_2 = self.setup_other_company()["company"]
        self._invoice(amount=100.0, due=START - timedelta(days=1))
        other = self._invoice(amount=70.0, due=START - timedelta(days=1), company=company_2)
        run_1 = self._run(START)
        self.assertEqual(self._contacts().company_id, self.company)
        self.assertFalse(other.cobranza_level_id)
        runs = self.Run.run_for_date(START, self.company | company_2)
        self.assertEqual(runs.company_id, self.company | company_2)
        self.assertEqual(other.cobranza_level_id, self.levels[1])
        self.assertEqual(self.customer.with_company(company_2).cobranza_total_overdue, 70.0)
        self.assertEqual(self.customer.with_company(self.company).cobranza_total_overdue, 100.0)
        self.assertEqual(run_1.action_count, 1)

    def test_foreign_currency_invoice(self):
        currency = self.setup_other_currency("EUR", rates=[("2016-01-01", 2.0)])
        self.default_policy.tolerance_amount = 60.0
        invoice = self._invoice(amount=40.0, due=START - timedelta(days=15), currency=currency)
        self._run(START)
        self.assertEqual(invoice.amount_residual_signed, 20.0, "company currency")
        self.assertEqual(invoice.cobranza_exclusion, "tolerance", "compared in company currency")
        self.default_policy.tolerance_amount = 10.0
        self._run(START + timedelta(days=1))
        contact = self._contacts(self.customer).filtered(lambda c: c.channel == "email")
        self.assertEqual(contact.amount_due, 20.0)
        self.assertIn("40.00", contact.mail_message_id.body, "listed in the invoice's currency")

    def test_late_fee_charged_once_with_cap(self):
        invoice = self._invoice(partner=self.moroso, amount=1000.0, due=START - timedelta(days=10))
        self._run(START)
        fee = invoice.cobranza_fee_ids
        self.assertEqual(len(fee), 1)
        self.assertEqual(fee.amount_total, 50.0, "10% capped at 50")
        self.assertEqual(fee.state, "posted")
        self.assertEqual(fee.cobranza_fee_level_id.offset_days, 10)
        self._run(START)
        self._run(START + timedelta(days=1))
        self.assertEqual(len(invoice.cobranza_fee_ids), 1)
        self.assertEqual(len(fee.cobranza_fee_ids), 0, "no fee on the fee")

    def test_legal_handoff_stops_everything(self):
        invoice = self._invoice(partner=self.moroso, amount=100.0, due=START - timedelta(days=25))
        run = self._run(START)
        self.assertTrue(invoice.cobranza_legal)
        self.assertEqual(invoice.cobranza_stage, "legal")
        self.assertEqual(run.legal_count, 1)
        task = self.env["mail.activity"].search([("res_model", "=", "res.partner"), ("res_id", "=", self.moroso.id),
                                                 ("user_id", "=", self.manager.id)])
        self.assertTrue(task, "the manager gets the hand-off")
        contacts = self._contacts(self.moroso)
        for n in range(1, 40, 3):
            self._run(START + timedelta(days=n))
        self.assertEqual(self._contacts(self.moroso), contacts)
        self.assertEqual(invoice.cobranza_exclusion, "legal")

    def test_manual_level_only_creates_a_task(self):
        self.levels[1].automatic = False
        self._invoice(amount=100.0, due=START - timedelta(days=1))
        run = self._run(START)
        contact = self._contacts(self.customer)
        self.assertEqual(contact.state, "planned")
        self.assertEqual(contact.activity_id.user_id, self.env.user, "no collector, no salesperson")
        self.assertFalse(self.env["sms.sms"].search([("partner_id", "=", self.customer.id)]))
        self.assertEqual((run.activity_count, run.sms_count), (1, 0))
        self.assertEqual(self.customer.cobranza_status, "needs_action")

    def test_sms_goes_to_the_queue(self):
        self.customer.mobile = "+56 9 6123 4567"
        self._invoice(amount=100.0, due=START - timedelta(days=1))
        run = self._run(START)
        contact = self._contacts(self.customer)
        self.assertEqual(contact.channel, "sms")
        self.assertEqual(contact.sms_ids.state, "outgoing")
        self.assertIn(f"/cobranza/pay/m.{self.customer.id}.", contact.sms_ids.body, "a signed link to the invoices")
        self.assertEqual(run.sms_count, 1)

    def test_call_task_goes_to_the_collector_then_salesperson(self):
        self._invoice(amount=100.0, due=START - timedelta(days=7), invoice_user_id=self.manager.id)
        self._run(START)
        contact = self._contacts(self.customer)
        self.assertEqual(contact.channel, "call")
        self.assertEqual(contact.activity_id.user_id, self.manager, "the invoice salesperson")
        self.assertEqual(self.customer.cobranza_status, "needs_action")
        # done from the chatter: the planned contact is completed
        contact.activity_id.action_feedback(feedback="Llamado, paga el viernes")
        self.assertEqual(contact.state, "sent")

    def test_error_on_one_customer_is_recorded_and_others_go_on(self):
        broken = self.env["res.partner"].create({"name": "Roto SA", "email": "roto@example.com"})
        self._invoice(partner=broken, amount=100.0, due=START - timedelta(days=1))
        invoice = self._invoice(amount=100.0, due=START - timedelta(days=1))
        Level = type(self.env["cobranza.policy.level"])
        original = Level._plan_contacts

        def explode(level, partner, moves, base, gate=None, rates=None):
            if partner == broken:
                raise UserError("boom")
            return original(level, partner, moves, base, gate, rates)

        with patch.object(Level, "_plan_contacts", explode):
            run = self._run(START)
        self.assertEqual(run.error_count, 1)
        self.assertIn("Roto SA", run.log)
        self.assertEqual(run.action_count, 1)
        self.assertEqual(invoice.cobranza_level_id, self.levels[1])
        self.assertFalse(self._contacts(broken))
        run = self._run(START)
        self.assertEqual(run.action_count, 1, "the failed customer is retried")

    def test_min_days_between_contacts_defers(self):
        self._invoice(partner=self.moroso, amount=100.0, due=START - timedelta(days=2))
        self._run(START)
        self._invoice(partner=self.moroso, amount=50.0, due=START - timedelta(days=8))
        run = self._run(START + timedelta(days=1))
        self.assertEqual(run.deferred_count, 1)
        self.assertEqual(self.moroso.cobranza_next_date, START + timedelta(days=3))
        self.assertEqual(len(self._contacts(self.moroso)), 1)

    def test_cron_runs_every_company(self):
        self._invoice(amount=100.0, due=fields.Date.today() - timedelta(days=1))
        self.env["cobranza.run"]._cron_daily()
        runs = self.Run.search([("date", "=", fields.Date.today())])
        self.assertIn(self.company, runs.company_id)
        self.assertEqual(self.env.ref("account_cobranza.ir_cron_cobranza_daily_run").code, "model._cron_daily()")

    def test_a_run_left_without_its_counters_is_finished_by_the_next_worker(self):
        """A worker dies after committing its last batch, before the run's counters: the
        next worker that finds nothing to claim finishes the run."""
        self._invoice(amount=100.0, due=START - timedelta(days=10))
        run = self.Run.with_company(self.company).create({"date": START, "company_id": self.company.id})
        run._plan_batches()
        batch = self.env["cobranza.run.batch"]._claim_next(run)
        with patch.object(type(self.Run), "_finish", lambda run, retry=False: None):
            batch._process()
        self.assertEqual((batch.state, run.state), ("done", "running"))
        self.Run._work_batches()  # an extra cron worker: any running run
        self.assertEqual(run.state, "done")
        self.assertEqual((run.partner_count, run.action_count, run.contact_count), (1, 1, 1))
        self.assertTrue(0 < run.decision_duration <= run.duration, "the decision time is part of the work time")

    def test_queries_do_not_grow_with_invoices(self):
        """The run is set-based: the same number of queries to decide and email 3 customers
        owing one invoice each as 4 owing three (due on the run's day: the first email)."""
        partners = self.env["res.partner"].create([
            {"name": f"C{n}", "email": f"c{n}@example.com", "is_company": True} for n in range(8)])

        def count(partners, per_partner):
            for partner in partners:
                for _n in range(per_partner):
                    self._invoice(partner=partner, amount=10.0, due=START)
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            self._run(START)
            queries = self.cr.sql_log_count - before
            emailed = self._contacts().filtered(lambda c: c.partner_id in partners)
            self.assertEqual(sorted(emailed.mapped("action")), ["email"] * len(partners), "planned in the run")
            self.assertEqual(set(emailed.mapped("state")), {"sent"}, "and sent")
            self.assertEqual(len(self.env["mail.mail"].search([("mail_message_id", "in", emailed.mail_message_id.ids)])),
                             len(partners), "one mail queued each")
            return queries

        count(partners[:1], 1)  # warm the caches
        small = count(partners[1:4], 1)
        large = count(partners[4:], 3)
        self.assertEqual(small, large)


@tagged("post_install", "-at_install")
class TestCollectorActions(CobranzaCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.cobranza_collector_id = cls.collector
        cls.customer.phone = "+56 2 2345 6789"
        today = fields.Date.today()
        cls.inv_1 = cls._invoice(amount=300.0, due=today - timedelta(days=20))
        cls.inv_2 = cls._invoice(amount=200.0, due=today - timedelta(days=3))

    def _wizard(self, model, partner=None, user=None, **values):
        method = {"cobranza.call.wizard": "action_cobranza_log_call",
                  "cobranza.reminder.wizard": "action_cobranza_send_reminder",
                  "cobranza.snooze.wizard": "action_cobranza_snooze",
                  "cobranza.exclude.wizard": "action_cobranza_exclude"}[model]
        action = getattr((partner or self.customer).with_user(user or self.collector), method)()
        form = Form(self.env[model].with_user(user or self.collector).with_context(action["context"]))
        for name, value in values.items():
            setattr(form, name, value)
        return form

    def test_manual_reminder_with_preview_and_edited_text(self):
        form = self._wizard("cobranza.reminder.wizard", level_id=self.default_policy.level_ids.filtered(
            lambda lvl: lvl.offset_days == 15))
        self.assertIn(self.inv_1.name, form.body)
        self.assertIn(self.inv_2.name, form.body)
        form.body = "<p>Estimado cliente, le escribimos personalmente.</p>"
        wizard = form.save()
        wizard.action_send()
        contact = self.env["cobranza.contact"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual((contact.channel, contact.author_id, contact.state), ("email", self.collector, "sent"))
        self.assertIn("personalmente", contact.mail_message_id.body)
        self.assertEqual(self.inv_1.cobranza_level_id.offset_days, 15)
        # the daily run does not send level +15 again
        self.env["cobranza.run"].run_for_date(fields.Date.today(), self.company)
        self.assertFalse(self.env["cobranza.contact"].search(
            [("partner_id", "=", self.customer.id), ("level_id.offset_days", "=", 15), ("run_id", "!=", False)]))

    def test_manual_reminder_sms_and_letter(self):
        self.customer.mobile = "+56 9 8765 4321"
        wizard = self._wizard("cobranza.reminder.wizard", channel="sms").save()
        self.assertIn("/cobranza/pay/m.", wizard.sms_body)
        wizard.action_send()
        sms = self.env["cobranza.contact"].search([("partner_id", "=", self.customer.id), ("channel", "=", "sms")])
        self.assertTrue(sms.sms_ids)
        wizard = self._wizard("cobranza.reminder.wizard", channel="letter").save()
        action = wizard.action_send()
        self.assertEqual(action["report_name"], "account_cobranza.report_cobranza_letter")
        letter = self.env["cobranza.contact"].search([("partner_id", "=", self.customer.id), ("channel", "=", "letter")])
        html = self.env["ir.actions.report"]._render_qweb_html("account_cobranza.report_cobranza_letter", letter.ids)[0]
        self.assertIn(self.inv_1.name, html.decode())

    def test_reminder_refuses_bad_input(self):
        self.customer.write({"email": False, "phone": False})
        wizard = self._wizard("cobranza.reminder.wizard").save()
        with self.assertRaises(UserError):
            wizard.action_send()
        wizard = self._wizard("cobranza.reminder.wizard", channel="sms").save()
        with self.assertRaises(UserError):
            wizard.action_send()  # no mobile number
        self.assertFalse(self.env["cobranza.contact"].search([("partner_id", "=", self.customer.id)]))

    def test_call_outcomes(self):
        today = fields.Date.today()
        Contact = self.env["cobranza.contact"]
        cases = [
            ("no_answer", {}, lambda: self.assertTrue(self._activity("Try calling"))),
            ("wrong_number", {}, lambda: self.assertTrue(self._activity("right phone number"))),
            # held as a reply saying it paid: the policy's days to read a reply, the accountant's task
            ("paid", {}, lambda: (
                self.assertEqual(self.customer.cobranza_snooze_until,
                                 today + timedelta(days=max(self.default_policy.reply_wait_days, 1))),
                self.assertTrue(self._activity("says it made")))),
            ("call_back", {"callback_date": today + timedelta(days=4)},
             lambda: self.assertEqual(self.customer.cobranza_snooze_until, today + timedelta(days=4))),
            ("promise", {"promise_date": today + timedelta(days=5)},
             lambda: self.assertEqual(self.env["cobranza.promise"].search(
                 [("partner_id", "=", self.customer.id)]).date, today + timedelta(days=5))),
            ("dispute", {"note": "Precio incorrecto"},
             lambda: self.assertEqual(self.inv_1.cobranza_dispute_ids.description, "Precio incorrecto")),
        ]
        for outcome, values, check in cases:
            with self.subTest(outcome=outcome):
                self._wizard("cobranza.call.wizard", outcome=outcome, **values).save().action_confirm()
                contact = Contact.search([("partner_id", "=", self.customer.id)], limit=1)
                self.assertEqual((contact.outcome, contact.channel, contact.author_id),
                                 (outcome, "call", self.collector))
                check()
        self.assertEqual(self.inv_1.cobranza_exclusion, "dispute")
        # dates in the past are refused
        form = self._wizard("cobranza.call.wizard", outcome="promise", promise_date=today - timedelta(days=1))
        with self.assertRaises(UserError):
            form.save().action_confirm()

    def _activity(self, text):
        return self.env["mail.activity"].search([("res_model", "=", "res.partner"),
                                                 ("res_id", "=", self.customer.id), ("summary", "ilike", text)])

    def test_call_completes_the_planned_task(self):
        partner = self.env["res.partner"].create({"name": "Llamar SA", "cobranza_collector_id": self.collector.id})
        self._invoice(partner=partner, amount=80.0, due=fields.Date.today() - timedelta(days=7))
        self.env["cobranza.run"].run_for_date(fields.Date.today(), self.company)
        planned = self.env["cobranza.contact"].search([("partner_id", "=", partner.id), ("state", "=", "planned")])
        self.assertEqual(planned.channel, "call")
        self.assertEqual(planned.activity_id.user_id, self.collector)
        self.assertEqual(partner.cobranza_status, "needs_action")
        self._wizard("cobranza.call.wizard", partner=partner, outcome="reached").save().action_confirm()
        self.assertEqual(planned.state, "sent")
        self.assertEqual(planned.outcome, "reached")
        self.assertFalse(planned.activity_id)
        self.assertEqual(partner.cobranza_status, "waiting")

    def test_snooze_exclude_resume(self):
        today = fields.Date.today()
        action = self.inv_1.with_user(self.collector).action_cobranza_snooze()
        self.assertEqual(action["context"]["default_partner_id"], self.customer.id, "from the invoice too")
        self._wizard("cobranza.snooze.wizard", date=today + timedelta(days=10)).save().action_confirm()
        run = self.env["cobranza.run"].run_for_date(today, self.company)
        self.assertEqual(run.action_count, 0)
        self.assertEqual(run.skipped_count, 1)
        with self.assertRaises(UserError):
            self._wizard("cobranza.snooze.wizard", date=today).save().action_confirm()
        self._wizard("cobranza.exclude.wizard", reason="Acuerdo con gerencia").save().action_confirm()
        self.assertTrue(self.customer.cobranza_no_chase)
        self.customer.with_user(self.collector).action_cobranza_resume()
        self.assertFalse(self.customer.cobranza_no_chase)
        self.assertFalse(self.customer.cobranza_snooze_until)
        action = self.inv_2.with_user(self.collector).action_cobranza_exclude()
        wizard = Form(self.env["cobranza.exclude.wizard"].with_user(self.collector).with_context(action["context"]))
        self.assertEqual(wizard.scope, "invoices")
        wizard.reason = "Mercadería devuelta"
        wizard.save().action_confirm()
        self.assertEqual(self.inv_2.payment_state, "blocked")
        self.assertEqual(self.inv_2.cobranza_exclusion_note, "Mercadería devuelta")
        self.inv_2.with_user(self.collector).action_cobranza_resume()
        self.assertEqual(self.inv_2.payment_state, "not_paid")

    def test_worklist_order_and_assignment(self):
        today = fields.Date.today()
        big = self.env["res.partner"].create({"name": "Grande", "cobranza_segment_id": self.env.ref(
            "account_cobranza.cobranza_segment_high_risk").id})
        small = self.env["res.partner"].create({"name": "Chico", "cobranza_segment_id": self.env.ref(
            "account_cobranza.cobranza_segment_punctual").id})
        for partner, amount in ((big, 90000.0), (small, 900.0)):
            self._invoice(partner=partner, amount=amount, due=today - timedelta(days=100), invoice_user_id=False)
        self.env["cobranza.run"].run_for_date(today, self.company)
        action = self.env["ir.actions.act_window"]._for_xml_id("account_cobranza.res_partner_action_cobranza_worklist")
        found = self.env["res.partner"].search(safe_eval(action["domain"]) + [("id", "in", (big | small).ids)],
                                               order="cobranza_priority desc")
        self.assertEqual(found, big | small)
        self.assertGreater(big.cobranza_priority, small.cobranza_priority)
        assign = self.env["cobranza.assign.wizard"].create({"partner_ids": [Command.set((big | small).ids)],
                                                           "collector_id": self.collector.id})
        assign.action_confirm()
        self.assertEqual((big | small).cobranza_collector_id, self.collector)

    def test_access_rights(self):
        run = self.env["cobranza.run"].run_for_date(fields.Date.today(), self.company)
        contact = run.contact_ids.filtered(lambda c: c.state == "sent")[:1]  # part of the history
        self.assertTrue(contact)
        # collector: reads the log, logs contacts, never deletes nor rewrites history
        self.assertTrue(run.with_user(self.collector).contact_ids)
        with self.assertRaises(AccessError):
            self.env["cobranza.run"].with_user(self.collector).run_for_date(fields.Date.today(), self.company)
        with self.assertRaises(UserError):
            contact.with_user(self.collector).write({"note": "cambiado"})
        with self.assertRaises(UserError):
            contact.with_user(self.manager).unlink()
        # manager: can run
        self.env["cobranza.run"].with_user(self.manager).action_run_today()
        # portal and other company: nothing
        portal = self._cobranza_user("portal_c", company=self.company)
        portal.groups_id = [Command.set(self.env.ref("base.group_portal").ids)]
        with self.assertRaises(AccessError):
            self.env["cobranza.contact"].with_user(portal).search([])
        company_2 = self.setup_other_company()["company"]
        stranger = self._cobranza_user("stranger", "account_cobranza.group_cobranza_manager", company=company_2)
        self.assertFalse(self.env["cobranza.contact"].with_user(stranger).search([]))
        self.assertFalse(self.env["cobranza.run"].with_user(stranger).search([("id", "=", run.id)]))
