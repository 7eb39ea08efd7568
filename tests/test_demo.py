from datetime import timedelta

from stdnum.cl import rut as cl_rut

from odoo.tests import TransactionCase, tagged

from ..engine import aging


# Runs on a database installed with demo data (`make test` does both), never on the other.
@tagged("post_install", "-at_install", "-standard", "account_cobranza_demo")
class TestDemoData(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref("account_cobranza.demo_company")
        data = cls.env["ir.model.data"].search(
            [("module", "=", "account_cobranza"), ("model", "=", "res.partner"),
             ("name", "=like", "demo_customer_%")]
        )
        # segments, ratings and collection state are per company: read them in the demo's
        cls.customers = cls.env["res.partner"].with_company(cls.company).browse(data.mapped("res_id"))
        cls.invoices = cls.env["account.move"].search(
            [("company_id", "=", cls.company.id), ("move_type", "=", "out_invoice"), ("state", "=", "posted")]
        )
        cls.today = cls.env.cr.now().date()

    def _chile(self):
        """Whether Odoo's Chilean localization is installed (make test's demo suite, make run)."""
        return self.env["cobranza.demo"]._demo_chile()

    def test_on_the_chilean_chart_where_l10n_cl_is_installed(self):
        """With l10n_cl, the demo company is on the Chilean chart: valid RUTs, first-category
        taxpayers with their activity, its invoices electronic invoices (33) numbered by their
        folio with IVA 19 %; without it, the generic chart as ever."""
        customer_invoices = self.invoices.filtered(lambda m: not m.debit_origin_id)
        if not self._chile():
            self.assertEqual(self.company.chart_template, "generic_coa")
            return
        self.assertEqual(self.company.chart_template, "cl")
        self.assertEqual(self.company.account_fiscal_country_id.code, "CL")
        sale_tax = self.company.account_sale_tax_id
        self.assertEqual((sale_tax.amount, sale_tax.price_include), (19.0, False))
        rut = self.env.ref("l10n_cl.it_RUT")
        for partner in self.customers | self.company.partner_id:
            self.assertEqual(partner.l10n_latam_identification_type_id, rut, partner.name)
            self.assertTrue(cl_rut.is_valid(partner.vat), partner.vat)
            self.assertEqual(partner.l10n_cl_sii_taxpayer_type, "1", partner.name)
            self.assertTrue(partner.l10n_cl_activity_description, partner.name)
        self.assertTrue(self.company.l10n_cl_activity_description)
        self.assertTrue(customer_invoices.journal_id.l10n_latam_use_documents)
        self.assertEqual(customer_invoices.l10n_latam_document_type_id, self.env.ref("l10n_cl.dc_a_f_dte"))
        folios = customer_invoices.mapped("l10n_latam_document_number")
        self.assertTrue(all(folios))
        self.assertEqual(len(set(folios)), len(folios), "a folio each")
        self.assertTrue(all(name.startswith("FAC ") for name in customer_invoices.mapped("name")))
        products = customer_invoices.invoice_line_ids.filtered(lambda line: line.display_type == "product")
        self.assertEqual(products.tax_ids, sale_tax)
        for move in customer_invoices[:50]:
            self.assertEqual(move.amount_tax, move.currency_id.round(move.amount_untaxed * 0.19))
        # settled exactly: no customer paid a peso too much nor left one unpaid
        paid = customer_invoices.filtered(lambda m: m.payment_state == "paid")
        self.assertGreater(len(paid), len(customer_invoices) / 2)
        self.assertTrue(all(m.amount_residual == 0 for m in paid))

    def test_late_fees_are_debit_notes_of_their_invoices(self):
        """A late fee of the demo (the Intensive collection policy's 2 % on day 20) is, on the
        Chilean chart, an electronic debit note (56) of the invoice it charges."""
        fees = self.env["account.move"].search(
            [("company_id", "=", self.company.id), ("cobranza_fee_origin_id", "!=", False)])
        for fee in fees:
            self.assertEqual(fee.state, "posted")
            if self._chile():
                self.assertEqual(fee.debit_origin_id, fee.cobranza_fee_origin_id, "a debit note of its invoice")
                self.assertEqual(fee.l10n_latam_document_type_id.code, "56")
                self.assertTrue(fee.l10n_latam_document_number, "with its folio")

    def test_company_and_people(self):
        self.assertEqual(self.company.currency_id.name, "CLP")
        self.assertEqual(self.company.country_id.code, "CL")
        admin = self.env.ref("base.user_admin")
        self.assertEqual(admin.company_id, self.company)
        self.assertTrue(admin.has_group("account_cobranza.group_cobranza_manager"))
        collectors = self.customers.mapped("cobranza_collector_id")
        self.assertEqual(len(collectors), 2)
        self.assertTrue(all(u.has_group("account_cobranza.group_cobranza_user") for u in collectors))
        # in the collectors' language, the demo's records too
        policy = self.env.ref("account_cobranza.demo_policy_gentle").with_context(lang="es_419")
        self.assertEqual(policy.name, "Cobranza preventiva")

    def test_customers_spread_over_segments(self):
        self.assertEqual(len(self.customers), 30)
        by_segment = {}
        for partner in self.customers:
            by_segment.setdefault(partner.cobranza_segment_id, []).append(partner)
        # computed from each customer's history, never assigned
        self.assertEqual(len(by_segment), 5)
        self.assertTrue(all(len(group) >= 2 for group in by_segment.values()))
        self.assertEqual(self.env.ref("account_cobranza.demo_customer_ferreteria_roble").with_company(
            self.company).cobranza_segment_id, self.env.ref("account_cobranza.cobranza_segment_punctual"))
        self.assertEqual(set(self.customers.mapped("cobranza_rating")) - {False}, {"A", "B", "C", "D"})
        self.assertTrue(all(self.customers.mapped("cobranza_behaviour_date")))
        policies = {p: inv._cobranza_resolve_policy()[inv] for p in self.customers
                    for inv in self.invoices.filtered(lambda m, p=p: m.partner_id == p)[:1]}
        self.assertGreaterEqual(len(set(policies.values())), 3, "customers use several policies")

    def test_a_year_of_history_with_realistic_delays(self):
        self.assertGreater(len(self.invoices), 250)
        self.assertLessEqual(min(self.invoices.mapped("invoice_date")), self.today - timedelta(days=330))
        self.assertEqual(set(self.invoices.partner_id), set(self.customers))
        paid = self.invoices.filtered(lambda m: m.payment_state == "paid")
        self.assertGreater(len(paid), len(self.invoices) / 2)
        delays = {}
        for move in paid:
            last = max(move._get_reconciled_amls().mapped("date"))
            delays.setdefault(move.partner_id.with_company(self.company).cobranza_segment_id, []).append(
                (last - move.invoice_date_due).days)
        mean = {seg: sum(d) / len(d) for seg, d in delays.items()}
        punctual = self.env.ref("account_cobranza.cobranza_segment_punctual")
        delinquent = self.env.ref("account_cobranza.cobranza_segment_delinquent")
        self.assertLess(mean[punctual], 5)
        self.assertGreater(mean[delinquent], 20)
        self.assertTrue(self.invoices.filtered(lambda m: m.payment_state == "partial"))

    def test_open_invoices_in_every_aging_bucket(self):
        open_moves = self.invoices.filtered(lambda m: m.payment_state in ("not_paid", "partial"))
        buckets = {aging.bucket((self.today - m.invoice_date_due).days) for m in open_moves}
        self.assertEqual(buckets, set(aging.BUCKETS))

    def test_a_living_distributor(self):
        """Most of the open receivables not due or less than 60 days overdue, a few chronic
        cases past 90 days, a logo of its own."""
        values = self.env["cobranza.kpi"].compute(self.company, self.today.replace(day=1), self.today)
        aging = values["aging"]
        self.assertGreater((aging["not_due"] + aging["1_30"] + aging["31_60"]) / values["ar_total"], 0.7)
        self.assertLess(aging["over_90"] / values["ar_total"], 0.2)
        self.assertGreater(aging["over_90"], 0)
        self.assertTrue(self.company.logo)
        open_moves = self.invoices.filtered(lambda m: m.payment_state in ("not_paid", "partial"))
        self.assertTrue(all(open_moves.mapped("cobranza_predicted_date")))
        self.assertTrue(all(d >= self.today for d in open_moves.mapped("cobranza_predicted_date")))

    def test_a_year_of_kpis_and_a_prediction_that_beats_the_naive_one(self):
        snapshots = self.env["cobranza.kpi"].search([("company_id", "=", self.company.id)])
        self.assertGreaterEqual(len(snapshots), 365)
        self.assertGreaterEqual(min(snapshots.mapped("date")), self.today - timedelta(days=365))
        result = self.env["cobranza.kpi"].backtest(self.company, self.today - timedelta(days=365), self.today)
        self.assertGreater(result["count"], 150)
        self.assertLessEqual(result["mae_days"], 0.7 * result["mae_naive_days"])
        Kpi = self.env["cobranza.kpi"].with_user(self.env.ref("base.user_admin")).with_company(self.company)
        data = Kpi.get_dashboard_data()
        self.assertEqual(Kpi.get_dashboard_data()["kpi"], data["kpi"], "the same figures each time")
        self.assertTrue(all(value is not None for value in data["trend"]["dso"]))
        self.assertEqual(len(data["top_overdue"]), 10)

    def test_reminder_renders_in_spanish_for_a_demo_customer(self):
        customer = self.env.ref("account_cobranza.demo_customer_constructora_andes")
        self.assertEqual(customer.lang, "es_419")
        template = self.env.ref("account_cobranza.mail_template_cobranza_overdue_firm").with_company(self.company)
        body = template._render_field("body_html", customer.ids, compute_lang=True)[customer.id]
        self.assertIn("Estimado", body)
        self.assertTrue("Total adeudado" in body or "Monto neto adeudado" in body, body)
        self.assertIn("$", body)
        recipients = template._render_field("partner_to", customer.ids)[customer.id]
        self.assertEqual(recipients, str(self.env.ref("account_cobranza.demo_contact_constructora_pagos").id))

    def test_daily_runs_fill_the_calendar(self):
        runs = self.env["cobranza.run"].search([("company_id", "=", self.company.id)])
        self.assertGreaterEqual(len(runs), 4)
        self.assertFalse(runs.filtered("error_count"))
        contacts = self.env["cobranza.contact"].search([("company_id", "=", self.company.id)])
        self.assertGreaterEqual(len(set(contacts.mapped("channel"))), 3, "emails, SMS, calls, letters...")
        worklist = self.env["res.partner"].with_company(self.company).search(
            [("cobranza_status", "=", "needs_action")])
        self.assertTrue(worklist)
        # today's run again: nobody is contacted twice
        again = self.env["cobranza.run"].run_for_date(self.today, self.company)
        self.assertEqual(again.action_count, 0)
        self.assertGreater(again.invoice_count, 0)

    def test_plans_promises_and_disputes(self):
        Plan = self.env["cobranza.payment.plan"]
        self.assertTrue(Plan.search([("company_id", "=", self.company.id), ("state", "=", "active")]))
        self.assertTrue(Plan.search([("company_id", "=", self.company.id), ("state", "=", "broken")]))
        Promise = self.env["cobranza.promise"]
        self.assertEqual(set(Promise.search([("company_id", "=", self.company.id)]).mapped("state")),
                         {"kept", "broken"})
        dispute = self.env["cobranza.dispute"].search([("company_id", "=", self.company.id), ("state", "=", "open")])
        self.assertTrue(dispute)
        self.assertEqual(dispute.move_id.cobranza_stage, "dispute")

    def test_a_plan_paid_by_card_and_a_plan_secured_by_checks(self):
        consent = self.env["cobranza.autopay"].search([("company_id", "=", self.company.id)])
        self.assertEqual(len(consent), 1)
        self.assertEqual(consent.state, "active")
        self.assertIn("4242", consent.token_id.display_name)
        charges = consent.charge_ids.sorted("id")
        self.assertEqual(charges.mapped("state"), ["done", "failed", "done"], "one paid, one declined then retried")
        self.assertEqual(consent.plan_id.line_ids.mapped("autopay_state"), ["paid", "paid", "scheduled"])
        lines = self.env["cobranza.payment.plan.line"].search(
            [("company_id", "=", self.company.id), ("check_id", "!=", False)])
        self.assertEqual(len(lines.plan_id), 1)
        self.assertEqual(lines.mapped("check_state"), ["deposited", "registered", "registered"])
        self.assertEqual(lines[0].state, "paid")
        self.assertIn("Check no.", lines[0].instrument)

    def test_replies_to_review_by_email_and_whatsapp(self):
        replies = self.env["cobranza.reply"].search([("company_id", "=", self.company.id), ("state", "=", "to_review")])
        self.assertEqual(set(replies.mapped("source")), {"email", "whatsapp"})
        self.assertEqual(set(replies.mapped("intent")), {"promise", "dispute", "plan"})
        self.assertTrue(all(replies.mapped("partner_id")), "WhatsApp senders found by their mobile number")
        promise = replies.filtered(lambda r: r.intent == "promise" and r.source == "email")
        partner = promise.partner_id.with_company(self.company)
        # the ladder waits for this customer while its reply waits for review
        run = self.env["cobranza.run"].with_company(self.company).run_for_date(self.today + timedelta(days=1), self.company)
        self.assertFalse(self.env["cobranza.contact"].search([("run_id", "=", run.id), ("partner_id", "=", partner.id)]))
        promise.with_user(self.env.ref("base.user_admin")).action_accept()
        self.assertEqual(promise.promise_id.state, "open")
        self.assertEqual(set(promise.move_ids.mapped("cobranza_stage")), {"promise"})

    def test_chilean_contact_rules_defer_contacts(self):
        rule = self.env["cobranza.contact.rule"].search([("company_id", "=", self.company.id)])
        self.assertEqual(rule.country_id.code, "CL")
        self.assertEqual(rule.max_written_per_week, 2)
        deferred = self.env["cobranza.contact"].search(
            [("company_id", "=", self.company.id), ("state", "=", "deferred")])
        self.assertTrue(deferred, "runs on consecutive days: the Chilean spacing defers contacts")
        self.assertTrue(all(deferred.mapped("defer_reason")))
        self.assertTrue(all(deferred.mapped("scheduled_at")))

    def test_portal_user_sees_the_statement_of_her_company(self):
        user = self.env.ref("account_cobranza.demo_user_portal")
        self.assertTrue(user.has_group("base.group_portal"))
        partner = user.partner_id.commercial_partner_id
        statement = partner.with_user(user).with_company(self.company).sudo()._cobranza_statement_values()
        self.assertTrue(statement["lines"])
        self.assertGreater(statement["overdue_total"], 0)
        plan = self.env["cobranza.payment.plan"].search([("partner_id", "=", partner.id), ("state", "=", "active")])
        self.assertTrue(plan, "she can pay an installment online")
        overdue = [line["move"] for line in statement["lines"] if line["days"] > 0]
        self.assertTrue([move for move in overdue if move not in plan.move_ids],
                        "and still has overdue invoices to pay, promise or dispute")

    def test_one_customer_of_each_kind_of_credit_not_yet_matched(self):
        Line = self.env["account.move.line"]
        credits = Line._cobranza_open_credits(self.customers, self.company)
        kinds = {}
        for partner in self.customers.filtered(lambda p: p.id in credits):
            lines = Line.browse([credit.id for credit in credits[partner.id]])
            kinds[partner] = lines
        self.assertEqual(len(kinds), 4, "a payment, a credit note, a partial payment, dollars")
        self.assertTrue(any(lines.move_id.move_type == "out_refund" for lines in kinds.values()))
        self.assertTrue(any(lines.currency_id != self.company.currency_id for lines in kinds.values()))
        covered = self.customers.filtered(lambda p: p.cobranza_exclusion == "credit")
        self.assertEqual(len(covered), 2, "the transfer and the credit note cover what is due")
        match = self.env.ref("account_cobranza.mail_activity_type_cobranza_match")
        today_contacts = self.env["cobranza.contact"].search([
            ("company_id", "=", self.company.id), ("run_date", "=", self.today), ("partner_id", "in", covered.ids)])
        self.assertFalse(today_contacts, "nobody chases them today")
        tasks = self.env["mail.activity"].search([("res_model", "=", "res.partner"), ("res_id", "in", covered.ids),
                                                  ("activity_type_id", "=", match.id)])
        self.assertEqual(len(tasks), 2, "their accountant has a task on the worklist")
        self.assertTrue(all(task.user_id.has_group("account.group_account_manager") for task in tasks))
