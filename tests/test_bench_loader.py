from odoo import fields
from odoo.tests import tagged

from ..bench import loader
from .common import CobranzaCase


@tagged("post_install", "-at_install")
class TestBenchLoader(CobranzaCase):
    """The benchmark's SQL-level loader, at a small size: a consistent ledger the module reads
    like any other."""

    def test_a_small_ledger_is_consistent_and_usable(self):
        today = fields.Date.context_today(self.env.user)
        companies = self.company
        stats = loader.load(self.env, companies, customers=30, invoices=120, history=200, today=today)
        self.assertEqual(stats, {"customers": 30, "open_invoices": 120, "settled_invoices": 200})
        self.assertTrue(loader.check_ledger(self.env, companies))
        moves = self.env["account.move"].search([("company_id", "=", self.company.id), ("move_type", "=", "out_invoice"),
                                                 ("name", "=like", f"BENCH{self.company.id}/%")])
        open_moves = moves.filtered(lambda m: m.payment_state == "not_paid")
        self.assertEqual(len(open_moves), 120)
        self.assertEqual(len(moves.filtered(lambda m: m.payment_state == "paid")), 200)
        self.assertAlmostEqual(sum(open_moves.mapped("amount_residual")),
                               sum(open_moves.line_ids.filtered("date_maturity").mapped("amount_residual")))
        # the module reads it: the run evaluates the customers, the KPIs see the open amount
        run = self.env["cobranza.run"].run_for_date(today, self.company)
        self.assertEqual(run.error_count, 0)
        self.assertGreater(run.action_count, 0)
        kpi = self.env["cobranza.kpi"].compute(self.company, today.replace(day=1), today)
        self.assertAlmostEqual(kpi["ar_total"], sum(open_moves.mapped("amount_residual_signed")), places=2)
        self.env["cobranza.segment"].recompute_segments()
        customers = open_moves.commercial_partner_id
        self.assertTrue(any(customers.mapped("cobranza_settled_count")), "their payment history is read")
        # a residual that is not its reconciliations is caught
        line = open_moves[0].line_ids.filtered("date_maturity")
        self.env.cr.execute("UPDATE account_move_line SET amount_residual = amount_residual - 1 WHERE id = %s",
                            [line.id])
        with self.assertRaises(loader.LedgerError):
            loader.check_ledger(self.env, companies)
