import json
import random
from datetime import date, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from ..engine import kpi, rules
from ..models.cobranza_segment import BEHAVIOUR_COLUMNS
from ..utils.db import read_company_values
from .common import CobranzaCase


@tagged("post_install", "-at_install")
class TestAnalytics(CobranzaCase):
    """Payment behaviour, segments, predictions, KPIs and the dashboard's data."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.context_today(cls.env.user)
        cls.Segment = cls.env["cobranza.segment"]
        cls.Kpi = cls.env["cobranza.kpi"]
        cls.punctual = cls.env.ref("account_cobranza.cobranza_segment_punctual")
        cls.occasional = cls.env.ref("account_cobranza.cobranza_segment_occasional")
        cls.delinquent = cls.env.ref("account_cobranza.cobranza_segment_delinquent")
        cls.high_risk = cls.env.ref("account_cobranza.cobranza_segment_high_risk")
        cls.new = cls.env.ref("account_cobranza.cobranza_segment_new")

    def _customer(self, name, **values):
        return self.env["res.partner"].create({"name": name, "is_company": True, **values})

    def _history(self, partner, delays, amount=1000.0, first_days_ago=300):
        """Invoices of `partner` every 20 days from `first_days_ago`, each paid `delay` days
        after its 30-day term (None: still open)."""
        invoices = self.env["account.move"]
        for index, delay in enumerate(delays):
            invoice_date = self.today - timedelta(days=first_days_ago - 20 * index)
            due = invoice_date + timedelta(days=30)
            invoice = self._invoice(partner=partner, amount=amount, due=due, invoice_date=invoice_date)
            if delay is not None and due + timedelta(days=delay) <= self.today:
                self._pay(invoice, day=due + timedelta(days=delay))
            invoices |= invoice
        return invoices

    # ------------------------------------------------------------------ payment behaviour
    def test_behaviour_weighs_partial_payments_and_credit_notes(self):
        partner = self._customer("Parcial Ltda")
        due = self.today - timedelta(days=60)
        invoice = self._invoice(partner=partner, amount=1000.0, due=due, invoice_date=due - timedelta(days=30))
        self._pay(invoice, amount=400.0, day=due + timedelta(days=10))
        self._credit_note(invoice, 600.0, due + timedelta(days=20))
        open_invoice = self._invoice(partner=partner, amount=500.0, due=self.today - timedelta(days=40),
                                     invoice_date=self.today - timedelta(days=70))
        behaviour = partner._cobranza_behaviours(self.company, self.today)[partner.id]
        self.assertEqual(behaviour.settled_count, 1)
        # (400 × 10 + 600 × 20) / 1000: each partial reconciliation weighted by its amount
        self.assertAlmostEqual(behaviour.avg_delay, 16.0)
        self.assertEqual(behaviour.max_delay, 20)  # settled when the credit note came
        self.assertEqual(behaviour.on_time_ratio, 0.0)
        self.assertEqual(behaviour.overdue_amount, 500.0)
        self.assertEqual(behaviour.overdue_days, 40)
        self.assertEqual(behaviour.open_late_count, 1)
        # as of a date before the credit note, the invoice was not settled yet
        before = partner._cobranza_behaviours(self.company, due + timedelta(days=15))[partner.id]
        self.assertEqual(before.settled_count, 0)
        self.assertAlmostEqual(before.avg_delay, 10.0)
        self.assertEqual(before.overdue_amount, 600.0)
        self.assertTrue(open_invoice)

    def test_recompute_segments_classifies_locks_and_logs(self):
        punctual = self._customer("Siempre Puntual")
        self._history(punctual, [-2, 0, -1, 1, 0, -3])
        late = self._customer("Siempre Tarde")
        self._history(late, [35, 20, 42, 25, 45, 28])
        worst = self._customer("Peor Pagador")
        self._history(worst, [100, 120, 95, 110])
        newcomer = self._customer("Recién Llegado")
        self._history(newcomer, [0], first_days_ago=60)
        locked = self._customer("Cliente Protegido", cobranza_segment_id=self.occasional.id,
                                cobranza_segment_locked=True)
        self._history(locked, [100, 120, 95, 110])
        changes = self.Segment.recompute_segments()
        self.assertEqual(changes[punctual.id], (False, self.punctual.id))
        self.assertEqual(changes[late.id], (False, self.delinquent.id))
        self.assertEqual(changes[worst.id], (False, self.high_risk.id))
        self.assertEqual(changes[newcomer.id], (False, self.new.id))
        self.assertNotIn(locked.id, changes)
        self.assertEqual(locked.cobranza_segment_id, self.occasional)
        self.assertEqual(locked.cobranza_settled_count, 4)  # its behaviour is still computed
        self.assertEqual(punctual.cobranza_segment_id, self.punctual)
        self.assertEqual(punctual.cobranza_settled_count, 6)
        self.assertEqual(punctual.cobranza_rating, "A")
        self.assertEqual(worst.cobranza_rating, "D")
        self.assertGreater(worst.cobranza_risk_score, late.cobranza_risk_score)
        self.assertGreater(late.cobranza_risk_score, punctual.cobranza_risk_score)
        note = late.message_ids.filtered(lambda m: "Delinquent" in (m.body or ""))
        self.assertTrue(note, "the change is posted in the customer's chatter")
        self.assertIn("6 invoices settled", note[0].body)
        # nothing changed: nothing returned, nothing posted again
        self.assertEqual(self.Segment.recompute_segments(), {})
        self.assertEqual(len(late.message_ids.filtered(lambda m: "Delinquent" in (m.body or ""))), 1)
        # the same customers on the same date: the same segments
        self.assertEqual(self.Segment.recompute_segments(partners=late, date=self.today), {})

    def test_segment_is_per_company(self):
        partner = self._customer("Cliente Compartido")
        self._history(partner, [0, 0, 0, 0])
        self.Segment.recompute_segments(partners=partner)
        self.assertEqual(partner.cobranza_segment_id, self.punctual)
        other = self.env["res.company"].create({"name": "Otra Empresa"})
        self.assertFalse(partner.with_company(other).cobranza_segment_id)

    def test_short_history_is_shrunk_toward_the_segment(self):
        veterans = [self._customer(f"Veterano {n}") for n in range(3)]
        for veteran in veterans:
            self._history(veteran, [40, 42, 38, 41, 39, 40])
        short = self._customer("Historia Corta")
        self._history(short, [0, 2, 1, 0], first_days_ago=120)
        self.Segment.recompute_segments()
        veteran = veterans[0]
        self.assertAlmostEqual(veteran.cobranza_expected_delay, 40.0, delta=1.5)
        # four punctual invoices: their own ~0.75 days, pulled a little toward the punctual segment
        self.assertLess(short.cobranza_expected_delay, 5.0)
        self.assertEqual(short.cobranza_segment_id, self.punctual)
        open_invoice = self._invoice(partner=veteran, amount=100.0, due=self.today + timedelta(days=10),
                                     invoice_date=self.today - timedelta(days=20))
        self.assertEqual(open_invoice.cobranza_predicted_date,
                         self.today + timedelta(days=10 + round(veteran.cobranza_expected_delay)))
        overdue = self._invoice(partner=veteran, amount=100.0, due=self.today - timedelta(days=60),
                                invoice_date=self.today - timedelta(days=90))
        self.Segment.recompute_segments(partners=veteran)
        self.assertEqual(overdue.cobranza_predicted_date, self.today, "never predicted in the past")

    def test_an_overdue_invoice_is_predicted_today_and_keeps_its_expected_date(self):
        """What is stored is the expected date (due date plus expected delay), which does not
        move with the calendar; the predicted date is it or today, read and searched alike."""
        partner = self._customer("Atrasado SpA")
        self._history(partner, [5, 5, 5, 5])
        overdue = self._invoice(partner=partner, amount=100.0, due=self.today - timedelta(days=60),
                                invoice_date=self.today - timedelta(days=90))
        soon = self._invoice(partner=partner, amount=100.0, due=self.today + timedelta(days=20),
                             invoice_date=self.today - timedelta(days=10))
        self.Segment.recompute_segments(partners=partner)
        delay = round(partner.with_company(self.company).cobranza_expected_delay)
        self.assertEqual(overdue.cobranza_expected_date, self.today - timedelta(days=60 - delay))
        self.assertLess(overdue.cobranza_expected_date, self.today)
        self.assertEqual(overdue.cobranza_predicted_date, self.today, "never predicted in the past")
        self.assertEqual(soon.cobranza_predicted_date, soon.cobranza_expected_date)
        self.assertEqual(soon.cobranza_expected_date, self.today + timedelta(days=20 + delay))

        def found(*condition):
            return self.env["account.move"].search([("id", "in", (overdue | soon).ids),
                                                    ("cobranza_predicted_date", *condition)])
        self.assertEqual(found("=", self.today), overdue)
        self.assertEqual(found("<", self.today), self.env["account.move"])
        self.assertEqual(found("<=", self.today + timedelta(days=7)), overdue)
        self.assertEqual(found(">", self.today - timedelta(days=1)), overdue | soon)
        self.assertEqual(found(">=", soon.cobranza_expected_date), soon)
        self.assertEqual(found("=", soon.cobranza_expected_date), soon)
        self.assertEqual(found("!=", False), overdue | soon)
        self.assertEqual(found("!=", self.today), soon)
        self.assertEqual(found("in", [self.today, soon.cobranza_expected_date]), overdue | soon)
        self.assertEqual(found("not in", [self.today]), soon)
        # the day after: predicted for that day, nothing written for it
        expected = overdue.cobranza_expected_date
        with freeze_time(self.today + timedelta(days=1)):
            overdue.invalidate_recordset(["cobranza_predicted_date"])
            self.assertEqual(overdue.cobranza_predicted_date, self.today + timedelta(days=1))
            self.assertEqual(found("=", self.today), self.env["account.move"])
        self._pay(overdue)
        self.assertEqual(overdue.cobranza_expected_date, expected)
        self.assertEqual(overdue.cobranza_predicted_date, expected, "paid: the date it was expected")
        self.assertEqual(found("<", self.today), overdue)

    def test_a_night_reads_in_full_only_the_customers_whose_history_changed(self):
        """The nightly computation reads from the ledger only the customers whose settled
        history may have changed (a payment recorded since, even backdated; the window moving
        over a payment); the others' from what the previous night stored, with what they have
        open on the new date: and every figure equals a full computation's."""
        Partner = self.env["res.partner"]
        self.company.cobranza_behaviour_months = 12
        backdated, window, steady, overdue, absorbed = (self._customer(name) for name in (
            "Pago Atrasado", "Ventana Móvil", "Cliente Estable", "Cliente Vencido", "Sucursal Absorbida"))
        late_invoice = self._history(backdated, [10, 5, None])[-1]
        absorbed_invoice = self._history(absorbed, [5, None])[-1]
        # its only payment, 369 days before today: in the 12 months before the first night, out
        # of those before today
        window_invoice = self._invoice(partner=window, amount=300.0, due=self.today - timedelta(days=380),
                                       invoice_date=self.today - timedelta(days=410))
        self._pay(window_invoice, day=self.today - timedelta(days=369))
        self._history(steady, [0, 1, 2, 0])
        self._history(overdue, [3, None, None])
        columns = BEHAVIOUR_COLUMNS[1:]  # the figures, without their date

        def night(day):
            reads = []
            original = type(Partner)._cobranza_behaviours

            def spy(partners, company, date, known=None):
                reads.append((set(partners.ids), set(known or ())))
                return original(partners, company, date, known)

            with patch.object(type(Partner), "_cobranza_behaviours", spy):
                self.Segment.recompute_segments(date=day)
            read = set().union(*(partners - known for partners, known in reads))
            return read, read_company_values(Partner.browse([c.id for c in customers]), self.company, columns)

        customers = backdated | window | steady | overdue | absorbed
        first, figures = night(self.today - timedelta(days=8))
        self.assertTrue(set(customers.ids) <= first, "the first night reads everyone in full")
        self.assertEqual(figures[window.id][0], 1)
        # paid 12 days ago, recorded now: only the ledger's change log can tell
        self._pay(late_invoice, day=self.today - timedelta(days=12))
        # a customer that became another's contact keeps its items (and is read by them)
        absorbed.write({"is_company": False, "parent_id": self._customer("Grupo Comprador").id})
        self._pay(absorbed_invoice, day=self.today - timedelta(days=12))
        read, incremental = night(self.today)
        average = self.company.cobranza_average_delay
        self.assertIn(backdated.id, read)
        self.assertIn(absorbed.id, read)
        self.assertEqual(incremental[absorbed.id][0], 2)
        self.assertIn(window.id, read, "its payment left the window")
        self.assertNotIn(steady.id, read)
        self.assertNotIn(overdue.id, read, "what it has open is read, its history is the stored one")
        self.assertEqual(incremental[window.id][0], 0, "nothing settled in the window any more")
        self.assertEqual(incremental[backdated.id][0], 3)
        predicted = (customers.invoice_ids | late_invoice).mapped(lambda m: (m.id, m.cobranza_predicted_date))
        # the same date again: nothing read in full, nothing written
        with patch("odoo.addons.account_cobranza.models.cobranza_segment.write_company_values") as write:
            read, again = night(self.today)
        self.assertFalse(read & set(customers.ids))
        self.assertFalse([rows for _records, _company, _columns, rows in (c.args for c in write.call_args_list)
                          if rows], "no customer's figures changed")
        # a full computation of the same day gives every figure of the incremental one
        self.company.cobranza_behaviour_mark = False
        read, full = night(self.today)
        self.assertTrue(set(customers.ids) <= read)
        self.assertEqual(full, incremental)
        self.assertEqual(self.company.cobranza_average_delay, average, "the same priors, to the bit")
        self.assertEqual((customers.invoice_ids | late_invoice).mapped(lambda m: (m.id, m.cobranza_predicted_date)),
                         predicted)
        # another window: everyone in full again
        self.company.cobranza_behaviour_months = 6
        read, _figures = night(self.today)
        self.assertTrue(set(customers.ids) <= read)
        # a merge moves items out of the change log's sight: the next night reads everyone
        self.assertTrue(self.company.cobranza_behaviour_mark)
        self.env["base.partner.merge.automatic.wizard"]._merge(
            (self._customer("Duplicado") | self._customer("Original")).ids, extra_checks=False)
        self.assertFalse(self.company.cobranza_behaviour_mark)

    def test_thresholds_that_contradict_each_other_are_refused(self):
        segment = self.Segment.create({"name": "Prueba"})
        with self.assertRaises(ValidationError):
            segment.write({"threshold_ids": [Command.create({"metric": "on_time_ratio", "operator": "min",
                                                             "value": 1.5})]})
        with self.assertRaises(ValidationError):
            segment.write({"threshold_ids": [Command.create({"metric": "avg_delay", "operator": "max",
                                                             "value": -3})]})
        with self.assertRaises(ValidationError):
            segment.write({"threshold_ids": [
                Command.create({"metric": "avg_delay", "operator": "min", "value": 30}),
                Command.create({"metric": "avg_delay", "operator": "max", "value": 10}),
            ]})
        self.assertFalse(segment.threshold_ids, "nothing written")
        with self.assertRaises(ValidationError):
            self.company.cobranza_behaviour_months = 0
        with self.assertRaises(ValidationError):
            self.company.cobranza_rating_a = 0.6  # above B

    def test_managers_edit_thresholds_collectors_read_them(self):
        segment = self.occasional.with_user(self.manager)
        Form(segment).save()
        with Form(segment) as form, form.threshold_ids.new() as line:
            line.metric = "broken_promises"
            line.operator = "max"
            line.value = 2
        self.assertIn("broken_promises", segment.threshold_ids.mapped("metric"))
        self.assertTrue(self.occasional.with_user(self.collector).threshold_ids)
        with self.assertRaises(AccessError):
            self.occasional.threshold_ids[0].with_user(self.collector).value = 99

    # ------------------------------------------------------------------ KPIs
    def test_kpis_are_rebuilt_as_of_the_end_date(self):
        start = self.today - timedelta(days=59)
        end = self.today - timedelta(days=30)
        partner = self._customer("Libro Pequeño")
        # before the period: 1,000 due before it starts, paid after it ends
        old = self._invoice(partner=partner, amount=1000.0, due=start - timedelta(days=5),
                            invoice_date=start - timedelta(days=35))
        # in the period: 600 paid in it, 400 not due at its end
        paid = self._invoice(partner=partner, amount=600.0, due=start + timedelta(days=5),
                             invoice_date=start)
        self._pay(paid, day=start + timedelta(days=15))
        current = self._invoice(partner=partner, amount=400.0, due=end + timedelta(days=10),
                                invoice_date=end - timedelta(days=5))
        self._pay(old, day=end + timedelta(days=3))
        values = self.Kpi.compute(self.company, start, end)
        self.assertEqual(values["ar_total"], 1400.0, "the invoice paid after the end still counts as open")
        self.assertEqual(values["aging"], {"not_due": 400.0, "1_30": 0.0, "31_60": 1000.0, "61_90": 0.0,
                                           "over_90": 0.0})
        self.assertEqual(values["overdue_total"], 1000.0)
        self.assertAlmostEqual(values["overdue_pct"], 1000 / 1400 * 100)
        self.assertEqual(values["sales"], 1000.0)
        # CEI = (opening 1,000 + sales 1,000 − closing 1,400) / (1,000 + 1,000 − 400) × 100
        self.assertAlmostEqual(values["cei"], 600 / 1600 * 100)
        self.assertAlmostEqual(values["dso_standard"], 1400 / 1000 * 30)
        self.assertIsNotNone(values["dso_countback"])
        self.assertAlmostEqual(values["add"], values["dso_countback"] - values["bpdso"])
        # 600 paid 10 days late, 1,000 still open 34 days past due at the end
        self.assertAlmostEqual(values["avg_payment_delay"], (600 * 10 + 1000 * 34) / 1600)
        today = self.Kpi.compute(self.company, self.today.replace(day=1), self.today)
        self.assertEqual(today["ar_total"], 400.0)
        self.assertEqual(current.amount_residual, 400.0)

    def test_count_back_walks_back_calendar_months(self):
        partner = self._customer("Cuenta Regresiva")
        end = self.today.replace(day=1) - timedelta(days=1)  # last day of the previous month
        months, cursor = [], end
        for _index in range(3):
            months.append(cursor.replace(day=1))
            cursor = cursor.replace(day=1) - timedelta(days=1)
        for month, amount in zip(months, (100000.0, 80000.0, 70000.0)):
            self._invoice(partner=partner, amount=amount, due=month + timedelta(days=90), invoice_date=month)
        older = self._invoice(partner=partner, amount=1000000.0, due=cursor, invoice_date=cursor.replace(day=1))
        self._pay(older, amount=1000000.0 - 0.0, day=cursor)  # the older history is settled
        self._invoice(partner=partner, amount=0.01, due=end, invoice_date=end)  # noise
        values = self.Kpi.compute(self.company, months[0], end)
        days = [(end - months[0]).days + 1, (months[0] - months[1]).days]
        left = 250000.01 - 100000.01 - 80000.0
        self.assertAlmostEqual(values["dso_countback"], days[0] + days[1] + left / 70000.0 *
                               ((months[1] - months[2]).days), places=3)

    def test_bad_periods_and_companies_are_refused(self):
        with self.assertRaises(UserError):
            self.Kpi.compute(self.company, self.today, self.today - timedelta(days=1))
        stranger = self.env["res.company"].create({"name": "Empresa Ajena"})
        with self.assertRaises(AccessError):
            self.Kpi.with_user(self.collector).compute(stranger, self.today, self.today)
        for bad in ({"company_id": "abc"}, {"collector_id": [1]}, {"segment_id": "1; DROP"}):
            with self.subTest(bad=bad), self.assertRaises(UserError):
                self.Kpi.get_dashboard_data(**bad)
        self.assertEqual(self.Kpi.search_count([]), 0, "nothing written")

    def test_promises_plans_disputes_and_contacts(self):
        partner = self._customer("Cliente Promesas", email="p@example.com")
        invoice = self._invoice(partner=partner, amount=800.0, due=self.today - timedelta(days=20),
                                invoice_date=self.today - timedelta(days=50))
        Promise = self.env["cobranza.promise"]
        for days_ago, state in ((3, "broken"), (2, "kept")):
            promise = Promise.create({"partner_id": partner.id, "company_id": self.company.id,
                                      "move_ids": invoice.ids, "date": self.today, "amount": 800.0})
            promise.write({"date": self.today - timedelta(days=days_ago), "state": state})
        dispute = self.env["cobranza.dispute"].create({"move_id": invoice.id, "reason": "not_received",
                                                       "description": "No llegó"})
        contact = self.env["cobranza.contact"].create({
            "partner_id": partner.id, "company_id": self.company.id, "channel": "email", "state": "sent",
            "move_ids": [Command.set(invoice.ids)], "date": fields.Datetime.now() - timedelta(days=5)})
        values = self.Kpi.compute(self.company, self.today - timedelta(days=6), self.today)
        self.assertEqual(values["promise_kept_rate"], 50.0)
        self.assertEqual(values["disputed_amount"], 800.0)
        self.assertEqual(values["contacts_by_channel"], {"email": 1})
        self.assertEqual(values["paid_within_7d_by_channel"], {"email": 0.0})
        self._pay(invoice, amount=100.0, day=self.today - timedelta(days=1))
        values = self.Kpi.compute(self.company, self.today - timedelta(days=6), self.today)
        self.assertEqual(values["paid_within_7d_by_channel"], {"email": 100.0})
        self.assertTrue(contact)
        # a dispute opened three days ago and settled today still counted yesterday, with what
        # was due then
        self.env.cr.execute("UPDATE cobranza_dispute SET create_date = create_date - interval '3 days' WHERE id = %s",
                            [dispute.id])
        dispute.action_resolve()
        self.assertEqual(self.Kpi.compute(self.company, self.today, self.today)["disputed_amount"], 0.0)
        yesterday = self.today - timedelta(days=1)
        self.assertEqual(self.Kpi.compute(self.company, yesterday, yesterday)["disputed_amount"], 700.0)
        action = self.Kpi.action_open_kpi("promise_kept_rate", company_id=self.company.id, period="week")
        monday = self.today - timedelta(days=self.today.weekday())
        self.assertEqual(self.env["cobranza.promise"].search(action["domain"]),
                         Promise.search([("partner_id", "=", partner.id), ("date", ">=", monday)]))

    def test_snapshots_backfill_and_dashboard_agree_with_compute(self):
        partner = self._customer("Tablero SpA", cobranza_collector_id=self.collector.id)
        self._history(partner, [5, 10, None, None], first_days_ago=100)
        self.Segment.recompute_segments()
        snapshots, own_day_only = self._backfill_as_the_ledger(self.today - timedelta(days=40), self.today)
        self.assertEqual(len(snapshots), 41)
        # from the 31st on, the day before's snapshot and the one before its 30 days are there:
        # each such day reads only its own sales
        self.assertEqual(own_day_only, 41 - 30)
        last = snapshots.filtered(lambda s: s.date == self.today)
        values = self.Kpi.compute(self.company, self.today - timedelta(days=29), self.today)
        self.assertAlmostEqual(last.ar_total, values["ar_total"])
        self.assertAlmostEqual(last.aging_31_60 + last.aging_1_30 + last.aging_not_due + last.aging_61_90
                               + last.aging_over_90, values["ar_total"])
        data = self.Kpi.with_user(self.collector).get_dashboard_data(period="month")
        live = self.Kpi.compute(self.company, self.today.replace(day=1), self.today)
        self.assertEqual(data["kpi"]["ar_total"], live["ar_total"])
        self.assertEqual(data["kpi"]["aging"], live["aging"])
        self.assertEqual({t["key"]: t["value"] for t in data["tiles"]}["overdue_total"], live["overdue_total"])
        self.assertEqual(data["top_overdue"][0]["partner_id"], partner.id)
        self.assertEqual(len(data["forecast"]["amounts"]), 8)
        self.assertEqual(len(data["trend"]["labels"]), 12)
        self.assertIsNotNone(data["trend"]["dso"][-1])
        # by default the last 30 days, against the 30 before: figures identical to compute
        default = self.Kpi.get_dashboard_data()
        last_30 = self.Kpi.compute(self.company, self.today - timedelta(days=29), self.today)
        before = self.Kpi.compute(self.company, self.today - timedelta(days=59), self.today - timedelta(days=30))
        self.assertEqual((default["period"], default["date_from"]),
                         ("last_30", fields.Date.to_string(self.today - timedelta(days=29))))
        for key in ("ar_total", "overdue_total", "cei", "dso_countback", "bpdso", "avg_payment_delay", "sales"):
            self.assertEqual(default["kpi"][key], last_30[key], key)
            self.assertEqual(default["previous"][key], before[key], key)
        self.assertEqual((default["trend"]["dso"][-1], default["trend"]["cei"][-1]),
                         (last_30["dso_countback"], last_30["cei"]), "the trend ends on the period in progress")
        filtered = self.Kpi.get_dashboard_data(collector_id=self.collector.id, period="quarter")
        # the trend of a collector, from the ledger in one pass: each point as compute gives it
        ends = kpi.period_ends("quarter", self.today, 8)
        for index in range(len(ends)):
            point = self.Kpi.compute(self.company, kpi.period_start("quarter", ends[index]), ends[index],
                                     collector_id=self.collector.id)
            for key, trend_key in (("dso_countback", "dso"), ("bpdso", "bpdso"), ("cei", "cei")):
                self.assertEqual(filtered["trend"][trend_key][index], point[key], msg=f"{key} {ends[index]}")
        self.assertEqual(filtered["kpi"]["ar_total"], live["ar_total"])
        nobody = self.Kpi.get_dashboard_data(collector_id=self.manager.id)
        self.assertEqual(nobody["kpi"]["ar_total"], 0.0)
        action = self.Kpi.action_open_kpi("aging:1_30", company_id=self.company.id)
        invoices = self.env["account.move"].search(action["domain"])
        self.assertEqual(len(invoices), 2)
        self.assertTrue(all(1 <= (self.today - m.invoice_date_due).days <= 30 for m in invoices))

    def test_each_snapshot_from_the_day_before_is_the_ledgers_whole(self):
        """Snapshots taken one after the other across the first days of weeks, a month and a
        quarter, with sales and payments every day (and a due date moved in place): each taken
        from the day before's gives every figure the ledger gives whole."""
        partner = self._customer("Ventas Diarias")
        first = date(2026, 3, 20)
        for offset in range(22):  # to April 10th
            day = first + timedelta(days=offset)
            invoice = self._invoice(partner=partner, amount=100.0 + offset, due=day + timedelta(days=3),
                                    invoice_date=day)
            if offset % 2:
                self._pay(invoice, amount=40.0 + offset, day=day)
        self.env.flush_all()
        # the last one's due date moved in place (a change dated on its own day)
        invoice.line_ids.filtered(lambda l: l.account_id.account_type == "asset_receivable").date_maturity = \
            date(2026, 3, 1)
        snapshots, own_day_only = self._backfill_as_the_ledger(date(2026, 2, 10), date(2026, 4, 10))
        self.assertEqual(own_day_only, 60 - 30, "from the 31st day on, each reads only its own day")
        self.assertTrue(snapshots.filtered(lambda s: s.date == date(2026, 4, 10)).ledger["delays"][0])

    def _backfill_as_the_ledger(self, date_from, date_to):
        """``backfill`` of the period, each snapshot asserted to keep every figure the ledger
        gives whole for its 30 days (the week, month and quarter to date included). Returns the
        snapshots and how many days read only their own sales (taken from the day before's)."""
        read = []
        daily_sales = type(self.Kpi)._daily_sales

        def spy(kpi_model, company, start, end, partners=None):
            read.append((start, end))
            return daily_sales(kpi_model, company, start, end, partners)

        with patch.object(type(self.Kpi), "_daily_sales", spy):
            snapshots = self.Kpi.backfill(self.company, date_from, date_to)
        for snapshot in snapshots:
            whole = self.Kpi._ledger_figures(self.company, snapshot.date - timedelta(days=29), snapshot.date)
            kept = {key: value for key, value in snapshot.ledger.items() if key in whole}
            self.assertEqual(kept, json.loads(json.dumps(whole)), snapshot.date)
        return snapshots, sum(1 for start, end in read if start == end)

    def _assert_dashboard_is_compute(self, data):
        """The default view's figures are those ``compute`` rebuilds from the ledger, for the
        last 30 days and the 30 before, every key (money to the cent, ratios to the bit)."""
        last_30 = self.Kpi.compute(self.company, self.today - timedelta(days=29), self.today)
        before = self.Kpi.compute(self.company, self.today - timedelta(days=59), self.today - timedelta(days=30))
        for key, value in last_30.items():
            self.assertEqual(data["kpi"][key], fields.Date.to_string(value) if key.startswith("date_") else value, key)
        for key, value in before.items():
            self.assertEqual(data["previous"][key],
                             fields.Date.to_string(value) if key.startswith("date_") else value, key)
        return last_30, before

    def test_dashboard_reads_the_snapshots_that_hold_and_never_a_stale_one(self):
        partner = self._customer("Instantánea SpA")
        invoices = self._history(partner, [5, 12, None, 3, None, None], first_days_ago=150)
        self._unmatched_payment(partner, 150.0, day=self.today - timedelta(days=45))
        self.Kpi.backfill(self.company, self.today - timedelta(days=70), self.today - timedelta(days=1))
        yesterday, opening = self.today - timedelta(days=1), self.today - timedelta(days=30)
        days = self.Kpi._snapshot_days("last_30", self.today)
        self.assertTrue({yesterday, opening} <= self.Kpi._held_snapshots(self.company, days).keys())
        self._assert_dashboard_is_compute(self.Kpi.get_dashboard_data())
        # the snapshots are what the dashboard reads: with them, the balances of today only
        Kpi = type(self.Kpi)
        with patch.object(Kpi, "_open_items_on", autospec=True, side_effect=Kpi._open_items_on) as balances:
            self.Kpi.get_dashboard_data()
        self.assertEqual([set(call.args[2]) for call in balances.call_args_list], [{self.today}])

        # an invoice entered today with a date 40 days ago: every snapshot from then on is stale
        late = self._invoice(partner=partner, amount=777.0, invoice_date=self.today - timedelta(days=40),
                             due=self.today - timedelta(days=10))
        held = self.Kpi._held_snapshots(self.company, days)
        self.assertFalse({yesterday, opening} & held.keys())
        self.assertIn(self.today - timedelta(days=41), self.Kpi._held_snapshots(
            self.company, [self.today - timedelta(days=41)]))
        data = self.Kpi.get_dashboard_data()
        last_30, before = self._assert_dashboard_is_compute(data)
        self.assertEqual(data["kpi"]["aging"]["1_30"], last_30["aging"]["1_30"])
        self.assertEqual(self.Kpi._stale_days(self.company, self.today - timedelta(days=70), yesterday)[-1],
                         self.today - timedelta(days=40))

        # the night takes the stale snapshots again; then they hold and agree with the ledger
        with patch.object(self.env.cr, "commit", lambda: None):  # the night commits each day
            self.Kpi.sudo()._cron_snapshot()
        self.assertFalse(self.Kpi._stale_days(self.company, self.today - timedelta(days=70), yesterday))
        self.assertTrue({yesterday, opening} <= self.Kpi._held_snapshots(self.company, days).keys())
        self._assert_dashboard_is_compute(self.Kpi.get_dashboard_data())

        # a payment dated 35 days ago, matched today; then unmatched: stale each time
        self._pay(late, day=self.today - timedelta(days=35))
        self.assertFalse(opening in self.Kpi._held_snapshots(self.company, days))
        self._assert_dashboard_is_compute(self.Kpi.get_dashboard_data())
        self.Kpi.backfill(self.company, self.today - timedelta(days=35), yesterday)
        self.assertIn(opening, self.Kpi._held_snapshots(self.company, days))
        late.line_ids.remove_move_reconcile()
        self.assertFalse(opening in self.Kpi._held_snapshots(self.company, days))
        self._assert_dashboard_is_compute(self.Kpi.get_dashboard_data())
        self.Kpi.backfill(self.company, self.today - timedelta(days=35), yesterday)
        # an open invoice's due date moved in place, and one reset to draft
        invoices[-1].line_ids.filtered("date_maturity").date_maturity = self.today - timedelta(days=50)
        self.assertFalse(opening in self.Kpi._held_snapshots(self.company, days))
        self._assert_dashboard_is_compute(self.Kpi.get_dashboard_data())
        self.Kpi.backfill(self.company, self.today - timedelta(days=70), yesterday)
        invoices[-2].button_draft()
        self.assertFalse(opening in self.Kpi._held_snapshots(self.company, days))
        self._assert_dashboard_is_compute(self.Kpi.get_dashboard_data())
        # changes dated today leave yesterday's snapshots holding
        self.Kpi.backfill(self.company, self.today - timedelta(days=70), yesterday)
        self._invoice(partner=partner, amount=55.0, invoice_date=self.today)
        self.assertTrue({yesterday, opening} <= self.Kpi._held_snapshots(self.company, days).keys())
        self._assert_dashboard_is_compute(self.Kpi.get_dashboard_data())

    def test_an_account_that_stops_being_receivable_makes_snapshots_stale(self):
        partner = self._customer("Cuenta Movida SpA")
        account = self.env["account.account"].create({
            "name": "Deudores varios", "code": "119900", "account_type": "asset_receivable", "reconcile": True})
        income = self.env["account.account"].search(
            [("account_type", "=", "income"), ("company_ids", "in", self.company.id)], limit=1)
        entry = self.env["account.move"].create({
            "move_type": "entry", "date": self.today - timedelta(days=45), "line_ids": [
                Command.create({"account_id": account.id, "partner_id": partner.id, "debit": 640.0,
                                "date_maturity": self.today - timedelta(days=40)}),
                Command.create({"account_id": income.id, "credit": 640.0})]})
        entry.action_post()
        self.Kpi.backfill(self.company, self.today - timedelta(days=60), self.today - timedelta(days=1))
        days = self.Kpi._snapshot_days("last_30", self.today)
        opening = self.today - timedelta(days=30)
        self.assertIn(opening, self.Kpi._held_snapshots(self.company, days))
        account.account_type = "asset_current"
        self.assertNotIn(opening, self.Kpi._held_snapshots(self.company, days))
        last_30, before = self._assert_dashboard_is_compute(self.Kpi.get_dashboard_data())
        self.Kpi.backfill(self.company, self.today - timedelta(days=60), self.today - timedelta(days=1))
        account.account_type = "asset_receivable"
        self.assertNotIn(opening, self.Kpi._held_snapshots(self.company, days))
        again, _before = self._assert_dashboard_is_compute(self.Kpi.get_dashboard_data())
        self.assertEqual(again["ar_total"] - last_30["ar_total"], 640.0)

    def test_trend_points_from_snapshots_equal_compute(self):
        partner = self._customer("Tendencia Ltda")
        self._history(partner, [2, 20, 40, None, 5, None, None], first_days_ago=200)
        self.Kpi.backfill(self.company, self.today - timedelta(days=200), self.today - timedelta(days=1))
        for period in ("last_30", "month", "week"):
            trend = self.Kpi.get_dashboard_data(period=period)["trend"]
            ends = kpi.period_ends(period, self.today, len(trend["labels"]))
            for index, end in enumerate(ends):
                start = kpi.period_start(period, end)
                if start - timedelta(days=1) < self.today - timedelta(days=200):
                    continue  # before the snapshots
                point = self.Kpi.compute(self.company, start, end)
                for key, trend_key in (("dso_countback", "dso"), ("bpdso", "bpdso"), ("cei", "cei")):
                    self.assertEqual(trend[trend_key][index], point[key], f"{period} {end} {key}")
        # a stale point is read from the ledger
        self._invoice(partner=partner, amount=999.0, invoice_date=self.today - timedelta(days=100))
        trend = self.Kpi.get_dashboard_data(period="month")["trend"]
        ends = kpi.period_ends("month", self.today, len(trend["labels"]))
        point = self.Kpi.compute(self.company, kpi.period_start("month", ends[-2]), ends[-2])
        self.assertEqual((trend["dso"][-2], trend["bpdso"][-2], trend["cei"][-2]),
                         (point["dso_countback"], point["bpdso"], point["cei"]))

    def test_forecast_and_most_overdue_from_the_open_invoices(self):
        weekly, doubtful = self._customer("Semanal SpA"), self._customer("Dudoso Ltda")
        monday = self.today - timedelta(days=self.today.weekday())
        soon = self._invoice(partner=weekly, amount=300.0, due=monday + timedelta(days=9),
                             invoice_date=self.today - timedelta(days=5))
        soon.cobranza_predicted_date = monday + timedelta(days=16)  # expected in the third week
        self._invoice(partner=doubtful, amount=500.0, due=self.today - timedelta(days=100),
                      invoice_date=self.today - timedelta(days=130))
        blocked = self._invoice(partner=weekly, amount=200.0, due=self.today - timedelta(days=5),
                                invoice_date=self.today - timedelta(days=35))
        blocked.action_toggle_block_payment()
        paid = self._invoice(partner=weekly, amount=900.0, due=self.today - timedelta(days=50),
                             invoice_date=self.today - timedelta(days=80))
        self._pay(paid)
        data = self.Kpi.get_dashboard_data()
        self.assertEqual(data["forecast"]["amounts"], [0.0, 0.0, 300.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                         "by the predicted week; a blocked invoice is not expected")
        self.assertEqual(data["forecast"]["doubtful"], 500.0)
        self.assertEqual([(row["name"], row["overdue"], row["days"]) for row in data["top_overdue"]],
                         [("Dudoso Ltda", 500.0, 100), ("Semanal SpA", 200.0, 5)],
                         "the most overdue first; a blocked invoice is still owed, a paid one is not")

    def test_dashboard_data_is_denied_to_portal_and_other_companies(self):
        portal = self.env["res.users"].create({
            "name": "Portal", "login": "portal_kpi", "groups_id": [Command.set([self.env.ref("base.group_portal").id])]})
        with self.assertRaises(AccessError):
            self.Kpi.with_user(portal).get_dashboard_data()
        public = self.env.ref("base.public_user")
        with self.assertRaises(AccessError):
            self.Kpi.with_user(public).get_dashboard_data()
        stranger = self.env["res.company"].create({"name": "Empresa Ajena"})
        with self.assertRaises(AccessError):
            self.Kpi.with_user(self.collector).get_dashboard_data(company_id=stranger.id)
        self.assertTrue(self.Kpi.with_user(self.collector).get_dashboard_data()["tiles"])
        with self.assertRaises(AccessError):
            self.Kpi.with_user(self.collector).backfill(self.company, self.today, self.today)
        self.assertTrue(self.Kpi.with_user(self.manager).backfill(self.company, self.today, self.today))

    # ------------------------------------------------------------------ predictions and channels
    def test_backtest_beats_paying_on_the_due_date(self):
        rng = random.Random(7)
        habits = [-2, 0, 10, 25, 45, 70]
        for number in range(12):
            partner = self._customer(f"Historia {number}")
            mean = habits[number % len(habits)]
            self._history(partner, [max(int(rng.gauss(mean, 4)), -20) for _n in range(12)],
                          first_days_ago=330)
        result = self.Kpi.backtest(self.company, self.today - timedelta(days=200), self.today)
        self.assertGreater(result["count"], 60)
        self.assertLessEqual(result["mae_days"], 0.7 * result["mae_naive_days"])
        self.assertGreater(result["within_7_days_pct"], 30)
        with self.assertRaises(UserError):
            self.Kpi.backtest(self.company, self.today, self.today - timedelta(days=1))
        wizard = self.env["cobranza.backtest.wizard"].with_user(self.collector).create({
            "date_from": self.today - timedelta(days=200), "date_to": self.today})
        wizard.action_run()
        self.assertEqual(wizard.count, result["count"])

    def test_best_channel_follows_the_evidence(self):
        level = self.default_policy.level_ids[0]
        level.write({"channel_mode": "best", "send_email": True, "send_sms": True,
                     "sms_template_id": self.env.ref("account_cobranza.sms_template_cobranza_overdue").id})
        partner = self._customer("Cliente Evidencia", cobranza_segment_id=self.occasional.id,
                                 email="e@example.com", phone="+56 9 1234 5678")
        rates = {self.occasional.id: {"email": (40, 4), "sms": (35, 20)}}
        best, note = level._best_channel(partner, rates=lambda: rates)
        self.assertEqual(best, "sms")
        self.assertIn("20 of 35", note)
        # the customer may not receive SMS: the best channel it may receive
        refused = rules.Verdict(False, None, "consent")
        best, _note = level._best_channel(partner, gate=lambda c: refused if c == "sms" else rules.ALLOWED,
                                                   rates=lambda: rates)
        self.assertEqual(best, "email")
        # too little evidence: the preferred channel applies, and the log says why
        best, note = level._best_channel(partner, rates=lambda: {self.occasional.id: {"sms": (12, 10)}})
        self.assertIsNone(best)
        self.assertIn("Too little evidence", note)
        chains = level._message_chains(partner, "sms")
        self.assertEqual(chains[0], ("best", ["sms", "email"]))

    def test_effectiveness_counts_payments_within_seven_days(self):
        partner = self._customer("Cliente Canal", cobranza_segment_id=self.occasional.id)
        Contact = self.env["cobranza.contact"]
        for days_ago, paid_after in ((30, 3), (25, None), (20, 9)):
            invoice = self._invoice(partner=partner, amount=100.0, due=self.today - timedelta(days=days_ago + 1),
                                    invoice_date=self.today - timedelta(days=days_ago + 31))
            Contact.create({"partner_id": partner.id, "company_id": self.company.id, "channel": "sms",
                            "state": "sent", "move_ids": [Command.set(invoice.ids)],
                            "date": fields.Datetime.now() - timedelta(days=days_ago)})
            if paid_after:
                self._pay(invoice, day=self.today - timedelta(days=days_ago - paid_after))
        rates = Contact._channel_rates(self.company, self.today)
        self.assertEqual(rates[self.occasional.id]["sms"], (3, 1))

    # ------------------------------------------------------------------ performance
    def test_queries_do_not_grow_with_customers(self):
        def count(partners):
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self.Segment.recompute_segments(partners=partners)
            self.env.flush_all()
            return self.env.cr.sql_log_count - before

        few = self.env["res.partner"]
        many = self.env["res.partner"]
        for number in range(12):
            partner = self._customer(f"Carga {number}")
            self._history(partner, [number % 3 * 20, 5, None], first_days_ago=100)
            if number < 3:
                few |= partner
            else:
                many |= partner
        count(few | many)  # warm the caches of the segments and templates
        self.assertEqual(count(few), count(many))
        self.env.flush_all()
        before = self.env.cr.sql_log_count
        self.Kpi._snapshot_values(self.company, self.today)
        snapshot_queries = self.env.cr.sql_log_count - before
        self.assertLess(snapshot_queries, 20)
