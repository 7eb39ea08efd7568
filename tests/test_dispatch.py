"""The path from decision to delivery inside one transaction: planned contacts, the
dispatcher's re-checks, executors that fail, the delivery status of emails and SMS, backfills.
(Crashes, races and a real mail server: test_reliability.py.)"""
from datetime import date, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.sms.tests.common import SMSCase

from .common import CobranzaCase

DAY = date(2026, 3, 2)


@tagged("post_install", "-at_install")
class TestDispatch(CobranzaCase, SMSCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Contact = cls.env["cobranza.contact"]
        cls.others = cls.env["res.partner"].create([
            {"name": f"Cliente {n}", "email": f"c{n}@example.com", "is_company": True} for n in range(3)])
        cls.invoices = cls._invoice(amount=100.0, due=DAY) | cls.env["account.move"].concat(*[
            cls._invoice(partner=partner, amount=200.0, due=DAY) for partner in cls.others])

    def _emails(self, partners=None):
        return self.Contact.search([("partner_id", "in", (partners or self.customer | self.others).ids),
                                    ("action", "=", "email")])

    def test_every_origin_plans_then_the_dispatcher_delivers(self):
        run = self._run(DAY, frozen=True)
        contacts = self._emails()
        self.assertEqual(len(contacts), 4)
        self.assertEqual(set(contacts.mapped("state")), {"sent"})
        self.assertEqual(set(contacts.mapped("channel_reason")), {"level"})
        self.assertTrue(all(contacts.mapped("dispatched_at")))
        self.assertEqual(set(contacts.mapped("delivery_status")), {"queued"}, "in Odoo's mail queue")
        mails = self.env["mail.mail"].search([("mail_message_id", "in", contacts.mail_message_id.ids)])
        self.assertEqual(len(mails), 4)
        self.assertEqual(set(mails.mapped("state")), {"outgoing"})
        self.assertEqual(run.email_count, 4, "the run's counters are read from its contacts")
        # the same decisions again: nothing new is planned
        vals = [{"partner_id": c.partner_id.id, "company_id": c.company_id.id, "level_id": c.level_id.id,
                 "run_date": c.run_date, "channel": "email", "action": "email"} for c in contacts]
        self.assertFalse(self.Contact._plan(vals))

    def test_a_level_attaching_invoices_sends_their_pdfs(self):
        """A level with `attach_invoices`: the reminder carries one PDF attachment per invoice
        it names, each named after its invoice. (Odoo's test mode renders reports as HTML, not
        through wkhtmltopdf: the attachment holds the invoice's report in HTML, typed as the PDF
        it is in production.)"""
        level = self.default_policy.level_ids.filtered(lambda lvl: lvl.offset_days == 0)
        self.assertTrue(level.send_email)
        level.attach_invoices = True
        second = self._invoice(amount=50.0, due=DAY)
        invoices = self.invoices.filtered(lambda m: m.partner_id == self.customer) | second
        self.assertFalse(invoices.invoice_pdf_report_id, "no stored PDF: rendered for the reminder")
        self._run(DAY, frozen=True)
        contact = self._emails(self.customer)
        self.assertEqual((len(contact), contact.state, contact.attach_invoices), (1, "sent", True))
        self.assertEqual(contact.move_ids, invoices)
        attachments = contact.mail_message_id.attachment_ids
        self.assertEqual(sorted(attachments.mapped("name")),
                         sorted(move._get_invoice_report_filename() for move in invoices))
        self.assertEqual(set(attachments.mapped("mimetype")), {"application/pdf"})
        for move in invoices:
            attachment = attachments.filtered(lambda a: a.name == move._get_invoice_report_filename())
            self.assertIn(move.name.encode(), attachment.raw, "the invoice's own report")
            self.assertIn(b"<html", attachment.raw[:500].lower(), "HTML in test mode (a PDF in production)")
        mail = self.env["mail.mail"].search([("mail_message_id", "=", contact.mail_message_id.id)])
        self.assertEqual(mail.attachment_ids, attachments, "the queued email carries them")
        others = self._emails(self.others)
        self.assertEqual(len(others.mail_message_id.attachment_ids), len(self.others), "one invoice each")

    def test_a_failing_executor_fails_only_its_contact(self):
        Contact = type(self.Contact)
        original = Contact._render_bodies
        broken = self.others[1]

        def render(self, template, records):
            if broken in records:
                raise ValueError("template exploded")
            return original(self, template, records)

        with patch.object(Contact, "_render_bodies", render):
            run = self._run(DAY, frozen=True)
        contacts = self._emails()
        failed = contacts.filtered(lambda c: c.partner_id == broken)
        self.assertEqual((failed.state, failed.note), ("failed", "Unexpected error: template exploded"))
        self.assertEqual(set((contacts - failed).mapped("state")), {"sent"}, "the others are done")
        self.assertEqual(run.email_count, 3)

    def test_a_backfill_twice_gives_the_same_result(self):
        late = self.env["res.partner"].create({"name": "Atrasado SA", "email": "atrasado@example.com"})
        due = DAY - timedelta(days=40)
        invoices = self._invoice(partner=late, amount=300.0, due=due) | self._invoice(
            partner=late, amount=50.0, due=due + timedelta(days=10))
        Run = self.env["cobranza.run"]
        first = Run.run_for_date(DAY, self.company)
        before = sorted((c.partner_id.id, c.level_id.id, c.channel, c.state, c.run_date) for c in first.contact_ids)
        levels = invoices.mapped("cobranza_level_id")
        second = Run.run_for_date(DAY, self.company)
        self.assertTrue(first.contact_ids.filtered(lambda c: c.partner_id == late))
        self.assertFalse(second.contact_ids, "no new contact")
        self.assertEqual(sorted((c.partner_id.id, c.level_id.id, c.channel, c.state, c.run_date)
                                for c in first.contact_ids), before, "identical result")
        self.assertEqual(invoices.mapped("cobranza_level_id"), levels)
        self.assertEqual((first.action_count, second.action_count), (len(first.contact_ids.partner_id), 0))

    def test_rules_are_checked_again_when_the_contact_goes(self):
        """A contact deferred to later goes only if nothing changed: the customer paid, was
        snoozed or excluded, or withdrew its consent in between."""
        self.env["cobranza.contact.rule"].create({"name": "Horario", "company_id": self.company.id,
                                                  "preset": "CL"}).action_load_preset()
        self.company.partner_id.tz = "UTC"
        (self.customer | self.others).write({"tz": "UTC"})
        with freeze_time(f"{DAY} 06:00:00"):  # before the allowed hours
            self.env["cobranza.run"].run_for_date(DAY, self.company)
        deferred = self._emails()
        self.assertEqual(set(deferred.mapped("state")), {"deferred"})
        paid, snoozed, excluded, fine = deferred.sorted("id")
        self._pay(paid.move_ids, day=DAY)
        snoozed.partner_id.with_company(self.company).cobranza_snooze_until = DAY + timedelta(days=5)
        excluded.partner_id.cobranza_no_chase = True
        with freeze_time(f"{DAY} 12:00:00"):
            self.Contact._cron_dispatch()
        self.assertEqual((paid.state, snoozed.state, excluded.state), ("cancelled",) * 3)
        self.assertIn("paid", paid.note)
        self.assertEqual(fine.state, "sent")

    def test_delivery_status_follows_odoos_queue(self):
        self._run(DAY, frozen=True)
        ok, bounced, unreachable, _other = self._emails().sorted("id")
        mails = self.env["mail.mail"].search([("mail_message_id", "in", (ok | bounced | unreachable).mail_message_id.ids)])
        mail_of = {mail.mail_message_id: mail for mail in mails}
        mail_of[ok.mail_message_id]._postprocess_sent_message(success_pids=ok.mail_message_id.partner_ids.ids)
        # what Odoo's queue does when the recipient's server refuses, and when ours is unreachable
        mail_of[bounced.mail_message_id].write({"state": "exception", "failure_reason": "550 unknown user"})
        mail_of[bounced.mail_message_id]._postprocess_sent_message(
            success_pids=[], failure_reason="550 unknown user", failure_type="mail_email_invalid")
        mail_of[unreachable.mail_message_id].write({"state": "exception", "failure_reason": "Connection refused"})
        mail_of[unreachable.mail_message_id]._postprocess_sent_message(
            success_pids=[], failure_reason="Connection refused", failure_type="mail_smtp")
        self.assertEqual((ok.state, ok.delivery_status), ("sent", "delivered"))
        self.assertEqual((bounced.state, bounced.delivery_status), ("failed", "failed"), "never silently sent")
        self.assertIn("550 unknown user", bounced.delivery_error)
        self.assertEqual((unreachable.state, unreachable.delivery_status), ("sent", "retrying"))
        # the dispatcher's cron puts it back in Odoo's queue, the way Odoo retries
        self.Contact._cron_dispatch()
        self.assertEqual(mail_of[unreachable.mail_message_id].state, "outgoing")
        self.assertEqual((unreachable.delivery_status, unreachable.delivery_attempts), ("queued", 1))
        mail_of[unreachable.mail_message_id]._postprocess_sent_message(
            success_pids=unreachable.mail_message_id.partner_ids.ids)
        self.assertEqual(unreachable.delivery_status, "delivered")
        # on the customer too
        self.assertIn(bounced, bounced.partner_id.cobranza_contact_ids.filtered(lambda c: c.delivery_status == "failed"))

    def test_sms_delivery_failure_shows_on_the_contact(self):
        self.customer.mobile = "+56 9 6123 4567"
        self.invoices[0].invoice_date_due = DAY - timedelta(days=1)  # the SMS level
        self._run(DAY, frozen=True)
        sms = self.Contact.search([("partner_id", "=", self.customer.id), ("action", "=", "sms")])
        self.assertEqual((sms.state, sms.delivery_status), ("sent", "queued"))
        with self.mockSMSGateway(sms_allow_unlink=True, nbr_t_error={"+56961234567": "wrong_number_format"}):
            sms.sms_ids._send()
        self.assertEqual((sms.state, sms.delivery_status), ("failed", "failed"))
        self.assertTrue(sms.delivery_error)

    def test_fees_and_legal_hand_offs_are_contacts(self):
        strict = self.env["cobranza.policy"].create({"name": "Estricta", "company_id": self.company.id, "level_ids": [
            Command.create({"name": "Cargo", "offset_days": 5, "charge_fee": True, "fee_type": "fixed",
                            "fee_fixed_amount": 10.0}),
            Command.create({"name": "Legal", "offset_days": 20, "legal_handoff": True}),
        ]})
        self.customer.cobranza_policy_id = strict
        self._run(DAY + timedelta(days=5), frozen=True)
        fee = self.Contact.search([("partner_id", "=", self.customer.id), ("action", "=", "fee")])
        self.assertEqual((fee.state, fee.move_ids, fee.fee_move_id.amount_total), ("sent", self.invoices[0], 10.0))
        self._run(DAY + timedelta(days=20), frozen=True)
        legal = self.Contact.search([("partner_id", "=", self.customer.id), ("action", "=", "legal")])
        self.assertEqual(legal.state, "sent")
        self.assertTrue(legal.activity_id)
        self.assertTrue(self.invoices[0].cobranza_legal)
        self.assertFalse(self.invoices[0].message_ids.filtered(
            lambda m: "Collection reminder" in str(m.body) and ("Late Fee" in str(m.body) or "Legal" in str(m.body))),
            "fees and hand-offs are not reminders sent to the customer")

    def _rules(self, preset):
        self.env["cobranza.contact.rule"].create({"name": preset, "company_id": self.company.id,
                                                  "preset": preset}).action_load_preset()
        self.company.partner_id.tz = "UTC"
        (self.customer | self.others).write({"tz": "UTC"})

    def test_a_contact_deferred_to_the_next_day_is_checked_again(self):
        """Deferred past midnight, the contact is still checked when it goes: the customer paid
        or disputed its invoice in the meantime."""
        self._rules("CL")
        with freeze_time(f"{DAY} 21:00:00"):  # after the allowed hours: tomorrow morning
            self.env["cobranza.run"].run_for_date(DAY, self.company)
        deferred = self._emails()
        self.assertEqual(set(deferred.mapped("state")), {"deferred"})
        paid, disputed, fine, _other = deferred.sorted("id")
        self._pay(paid.move_ids, day=DAY)
        self.env["cobranza.dispute"].create({"move_id": disputed.move_ids.id, "reason": "wrong_amount",
                                             "description": "El precio no es el acordado."})
        with freeze_time(f"{DAY + timedelta(days=1)} 12:00:00"):
            self.Contact._cron_dispatch()
        self.assertEqual((paid.state, disputed.state), ("cancelled", "cancelled"))
        self.assertIn("dispute", disputed.note)
        self.assertEqual(fine.state, "sent")

    def test_a_withdrawn_consent_tries_the_next_channel(self):
        self._rules("CO")  # SMS only with the customer's consent
        policy = self.env["cobranza.policy"].create({"name": "Preferida", "company_id": self.company.id,
                                                     "level_ids": [Command.create({
            "name": "Aviso", "offset_days": 0, "send_email": True, "channel_mode": "preferred",
            "mail_template_id": self.env.ref("account_cobranza.cobranza_level_due_today").mail_template_id.id,
            "sms_template_id": self.env.ref("account_cobranza.cobranza_level_sms").sms_template_id.id,
        })]})
        self.customer.write({"cobranza_policy_id": policy.id, "mobile": "+56 9 6123 4567",
                             "cobranza_preferred_channel": "sms", "cobranza_consent_sms": True})
        with freeze_time(f"{DAY} 06:00:00"):
            self.env["cobranza.run"].run_for_date(DAY, self.company)
        sms = self.Contact.search([("partner_id", "=", self.customer.id), ("action", "=", "sms")])
        self.assertEqual((sms.state, sms.fallback_channels), ("deferred", "email"))
        self.customer.cobranza_consent_sms = False
        with freeze_time(f"{DAY} 12:00:00"):
            self.Contact._cron_dispatch()
        self.assertEqual((sms.state, sms.defer_reason), ("cancelled", "consent"))
        email = self._emails(self.customer)
        self.assertEqual((email.channel_reason, email.state), ("fallback", "sent"))

    def test_no_fee_on_an_invoice_paid_in_the_meantime(self):
        level = self.env.ref("account_cobranza.cobranza_level_late_fee")
        invoice = self.invoices[0]
        fee = self.Contact._plan([{"partner_id": self.customer.id, "company_id": self.company.id,
                                   "move_ids": [Command.set(invoice.ids)], "level_id": level.id,
                                   "channel": "other", "action": "fee", "key": f"fee:{invoice.id}:{level.id}"}])
        self._pay(invoice)
        fee._dispatch()
        self.assertEqual(fee.state, "cancelled")
        self.assertFalse(invoice.cobranza_fee_ids)

    def test_a_payment_with_nothing_to_thank_sends_nothing_else(self):
        """A paid invoice plans no thank-you (the policy sends none): the planned contacts of
        other customers wait for their dispatcher."""
        waiting = self.Contact._plan([{
            "partner_id": self.others[0].id, "company_id": self.company.id, "channel": "email", "action": "email",
            "channel_reason": "person", "move_ids": [Command.set(self.invoices[1].ids)],
            "subject": "Recordatorio", "body": "<p>Su factura vence hoy.</p>",
        }])
        self.default_policy.send_thank_you = False
        invoice = self.invoices[0]
        invoice.cobranza_level_id = self.env.ref("account_cobranza.cobranza_level_sms")
        self._pay(invoice)
        self.assertTrue(invoice.cobranza_thanked)
        self.assertEqual(waiting.state, "planned")

    def test_the_audit_trail_cannot_be_reopened(self):
        self._run(DAY, frozen=True)
        sent = self._emails()[:1].with_user(self.collector)
        for values in ({"state": "planned", "dispatched_at": False}, {"delivery_status": "delivered"},
                       {"body": "<p>otro texto</p>"}):
            with self.assertRaises(UserError):
                sent.write(values)
        self.assertEqual(sent.state, "sent")

    def test_the_invoice_trail_names_every_channel_once_per_level(self):
        self.invoices[0].invoice_date_due = DAY - timedelta(days=15)  # email and letter
        with patch.object(type(self.env["account.move"]), "_cobranza_pdf_attachments", return_value=[]):
            self._run(DAY, frozen=True)
        notes = self.invoices[0].message_ids.filtered(lambda m: "Collection reminder" in str(m.body))
        self.assertEqual(len(notes), 1)
        self.assertIn("(Email, Letter)", str(notes.body))
