from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import CobranzaHelpers


@tagged("post_install", "-at_install")
class TestConfigurationTour(HttpCase):
    def test_manager_opens_collections_configuration(self):
        self.start_tour("/odoo", "account_cobranza_configuration", login="admin")


@tagged("post_install", "-at_install")
class TestWorklistTour(CobranzaHelpers, HttpCase):
    def test_collector_logs_a_call_from_the_worklist(self):
        company = self.env.company
        collector = self._tour_collector("cobrador", "Cobrador")
        today = fields.Date.context_today(collector)
        partners = {}
        for name, amount, days in (("Ferretería Urgente", 90000.0, 7), ("Bazar Tranquilo", 500.0, 8)):
            partner = self.env["res.partner"].create(
                {"name": name, "is_company": True, "cobranza_collector_id": collector.id})
            self._invoice(partner=partner, amount=amount, due=today - timedelta(days=days),
                          invoice_date=today - timedelta(days=days + 30))
            partners[name] = partner
        # a week overdue: the ladder gives the collector a call task for each customer
        self.env["cobranza.run"].run_for_date(today, company)
        self.start_tour("/odoo", "account_cobranza_worklist", login="cobrador")
        call = self.env["cobranza.contact"].search([
            ("partner_id", "=", partners["Ferretería Urgente"].id), ("outcome", "=", "no_answer")])
        self.assertEqual(call.author_id, collector)
        self.assertIn("Buzón de voz", call.note)
        self.assertEqual(partners["Ferretería Urgente"].cobranza_status, "waiting")


@tagged("post_install", "-at_install")
class TestRepliesTour(CobranzaHelpers, HttpCase):
    def test_collector_accepts_a_reply_and_the_ladder_pauses(self):
        collector = self._tour_collector("cobrador_respuestas", "Cobrador")
        today = fields.Date.context_today(collector)
        partner = self.env["res.partner"].create({"name": "Almacén Respuesta", "is_company": True,
                                                  "email": "pagos@almacen.example.com",
                                                  "cobranza_collector_id": collector.id})
        invoice = self._invoice(partner=partner, amount=250000.0, due=today - timedelta(days=3),
                                invoice_date=today - timedelta(days=33))
        # the customer answers a reminder posted on its record, through the mail gateway's posting
        reminder = partner.message_post(body="Recordatorio de pago", message_type="comment",
                                        subtype_xmlid="mail.mt_comment")
        self.env["cobranza.contact"].create({"partner_id": partner.id, "channel": "email", "state": "sent",
                                             "mail_message_id": reminder.id, "move_ids": invoice.ids})
        partner.message_post(body="Hola, le pago el viernes. Gracias", message_type="email",
                             subtype_xmlid="mail.mt_comment", author_id=partner.id, parent_id=reminder.id)
        reply = self.env["cobranza.reply"].search([("partner_id", "=", partner.id)])
        self.assertEqual((reply.state, reply.intent), ("to_review", "promise"))
        self.start_tour("/odoo", "account_cobranza_replies", login="cobrador_respuestas")
        self.assertEqual(reply.state, "accepted")
        self.assertEqual(reply.promise_id.state, "open")
        self.assertEqual(invoice.cobranza_stage, "promise", "the ladder pauses for the promise")


@tagged("post_install", "-at_install")
class TestDashboardTour(CobranzaHelpers, HttpCase):
    def test_collector_follows_a_tile_to_its_invoices(self):
        collector = self._tour_collector("cobradora", "Cobradora")
        today = fields.Date.context_today(collector)
        partner = self.env["res.partner"].create({"name": "Ferretería Urgente", "is_company": True})
        self._invoice(partner=partner, amount=900000.0, due=today - timedelta(days=40),
                      invoice_date=today - timedelta(days=70))
        self.env["cobranza.segment"].recompute_segments()
        self.start_tour("/odoo", "account_cobranza_dashboard", login="cobradora")
