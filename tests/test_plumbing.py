"""The plumbing the models share (utils/) and the one way a collection task is made."""
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from ..utils.db import insert_rows, write_company_values
from ..utils.mail_layout import RECIPIENT_GROUP, layout_values
from .common import CobranzaCase


@tagged("post_install", "-at_install")
class TestPlumbing(CobranzaCase):
    def test_layout_values_are_the_keys_odoo_mail_layout_reads(self):
        """Bulk reminders render Odoo's notification layout without ``message_post``: they must
        give it every value Odoo's own notification gives it (and nothing it does not read)."""
        message = self.customer.message_post(body="Recordatorio", message_type="comment",
                                             subtype_xmlid="mail.mt_comment")
        odoo_values = self.customer._notify_by_email_prepare_rendering_context(message, {})
        # and what the recipients' group adds (``_notify_by_email_render_layout``)
        group_keys = set(RECIPIENT_GROUP)
        arch = self.env.ref("mail.mail_notification_layout").arch
        for key in group_keys:
            self.assertIn(key, arch, "Odoo's layout reads it")
        ours = layout_values(message, self.customer, self.company, "es_419", self.env.user)
        self.assertEqual(set(ours), set(odoo_values) | group_keys)
        body = self.env["ir.qweb"]._render("mail.mail_notification_layout", ours, minimal_qcontext=True)
        self.assertIn("Recordatorio", body)

    def test_company_dependent_values_of_many_records_in_one_statement(self):
        other = self.customer.copy({"name": "Cliente Dos"})
        second = self.env["res.company"].create({"name": "Otra SpA"})
        Partner = self.env["res.partner"]
        write_company_values(Partner, self.company, [("cobranza_total_due", "float"), ("cobranza_status", "text")],
                             [(self.customer.id, 100.0, "needs_action"), (other.id, 5.0, "ok")])
        write_company_values(Partner, second, [("cobranza_total_due", "float")], [(self.customer.id, 7.0)])
        self.assertEqual(self.customer.with_company(self.company).cobranza_total_due, 100.0)
        self.assertEqual(self.customer.with_company(self.company).cobranza_status, "needs_action")
        self.assertEqual(other.with_company(self.company).cobranza_total_due, 5.0)
        self.assertEqual(self.customer.with_company(second).cobranza_total_due, 7.0, "each company its own")
        with self.assertRaises(ValueError):
            write_company_values(Partner, self.company, [("name", "text")], [(self.customer.id, "x")])

    def test_inserted_rows_are_seen_from_both_sides(self):
        invoice = self._invoice(amount=100.0, due=fields.Date.today())
        contacts = insert_rows(self.env, "cobranza.contact", [
            {"partner_id": self.customer.id, "company_id": self.company.id, "channel": "call", "state": "sent",
             "date": fields.Datetime.now(), "move_ids": [invoice.id]},
            {"partner_id": self.customer.id, "company_id": self.company.id, "channel": "email", "state": "sent",
             "date": fields.Datetime.now(), "move_ids": []},
        ])
        self.assertEqual(contacts.mapped("channel"), ["call", "email"], "in order")
        self.assertEqual(contacts[0].move_ids, invoice)
        self.assertEqual(self.env["cobranza.contact"].search([("move_ids", "in", invoice.ids)]), contacts[0])


@tagged("post_install", "-at_install")
class TestTasks(CobranzaCase):
    """Collection tasks: one helper, one rule for who answers, the reader's language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._cobranza_spanish()
        cls.collector.lang = "es_419"
        cls.customer.cobranza_collector_id = cls.collector
        cls.level = cls.default_policy.level_ids.sorted("offset_days")[-1]

    def test_a_manual_level_task_reads_in_the_collector_language(self):
        """The run works as an English-speaking cron user; the Spanish collector reads the
        task, the level's name included, in Spanish."""
        self.level.write({"automatic": False, "name": "Hand-off to collections"})
        self.level.with_context(lang="es_419").name = "Traspaso a cobranza"
        self.assertEqual(self.env.user.lang, "en_US")
        self._invoice(amount=100.0, due=fields.Date.today() - timedelta(days=self.level.offset_days))
        self.env["cobranza.run"].run_for_date(fields.Date.today(), self.company)
        contact = self.env["cobranza.contact"].search([("partner_id", "=", self.customer.id),
                                                       ("level_id", "=", self.level.id), ("action", "=", "activity")])
        self.assertEqual(contact.activity_id.user_id, self.collector, "the customer's collector answers")
        self.assertEqual(contact.activity_id.summary,
                         "Decidir el recordatorio “Traspaso a cobranza” para Cliente Uno SpA")

    def test_who_answers(self):
        Users = self.env["res.users"]
        bot = self.env.ref("base.user_root")
        self.assertEqual(Users._cobranza_task_user("collector", self.company, self.customer), self.collector)
        self.customer.cobranza_collector_id = bot
        self.assertEqual(Users.with_user(bot)._cobranza_task_user("collector", self.company, self.customer),
                         Users._cobranza_managers(self.company)[:1], "never OdooBot: a Collections Manager")
        self.default_policy.responsible_id = self.manager
        self.assertEqual(Users._cobranza_task_user("legal", self.company, self.customer, policy=self.default_policy),
                         self.manager, "legal: the policy's responsible first")

    def test_a_payment_claim_holds_the_same_by_phone_or_reply(self):
        """Said on the phone or in a reply, "I paid" gives the accountant one task and holds the
        reminders for the policy's days to read a reply."""
        invoice = self._invoice(amount=100.0, due=fields.Date.today() - timedelta(days=10))
        days = max(self.default_policy.reply_wait_days, 1)
        wizard = self.env["cobranza.call.wizard"].with_user(self.collector).with_context(
            default_partner_id=self.customer.id, default_move_ids=invoice.ids).create(
            {"outcome": "paid", "partner_id": self.customer.id, "move_ids": invoice.ids})
        wizard.action_confirm()
        held = self.customer.with_company(self.company).cobranza_snooze_until
        self.assertEqual(held, fields.Date.context_today(self.customer) + timedelta(days=days))
        match = self.env.ref("account_cobranza.mail_activity_type_cobranza_match")
        task = self.customer.activity_ids.filtered(lambda a: a.activity_type_id == match)
        self.assertEqual(len(task), 1)
        reply = self.env["cobranza.reply"].create({
            "company_id": self.company.id, "partner_id": self.customer.id, "source": "email",
            "body": "Ya pagamos la factura", "intent": "paid", "move_ids": invoice.ids, "state": "to_review"})
        reply._accept_paid()
        self.assertEqual(reply.activity_id, task, "the same task: the claim joins it")
        self.assertEqual(self.customer.with_company(self.company).cobranza_snooze_until, held)
