from odoo import api, fields, models
from odoo.tools import SQL

from ..engine import aging
from ..utils import ledger_sql
from .account_move import STAGES
from .res_partner_behaviour import RATINGS


class CobranzaAgingReport(models.Model):
    """Open customer invoices by age today, with the customer's segment, collector and
    rating in the invoice's company: the pivot and graph of the aged receivables."""

    _name = "cobranza.aging.report"
    _description = "Aged Receivables"
    _auto = False
    _order = "days_overdue desc"

    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", string="Currency", readonly=True)
    segment_id = fields.Many2one("cobranza.segment", string="Segment", readonly=True)
    collector_id = fields.Many2one("res.users", string="Collector", readonly=True)
    rating = fields.Selection(RATINGS, readonly=True)
    stage = fields.Selection(STAGES, string="Collection Stage", readonly=True)
    bucket = fields.Selection(aging.CHOICES, string="Age", readonly=True)
    invoice_date_due = fields.Date(string="Due Date", readonly=True)
    predicted_date = fields.Date(string="Predicted Payment", readonly=True)
    days_overdue = fields.Integer(readonly=True, aggregator="max")
    amount_residual = fields.Monetary(string="Amount Due", readonly=True)

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT m.id, m.id AS move_id, m.commercial_partner_id AS partner_id, m.company_id,
                   c.currency_id, (p.cobranza_segment_id ->> m.company_id::text)::int AS segment_id,
                   p.cobranza_collector_id AS collector_id, p.cobranza_rating ->> m.company_id::text AS rating,
                   m.cobranza_stage AS stage, m.invoice_date_due, %(predicted)s AS predicted_date,
                   GREATEST(CURRENT_DATE - m.invoice_date_due, 0) AS days_overdue,
                   %(bucket)s AS bucket,
                   m.amount_residual_signed AS amount_residual
              FROM account_move m
              JOIN res_company c ON c.id = m.company_id
              JOIN res_partner p ON p.id = m.commercial_partner_id
             WHERE %(open)s
            """,
            bucket=ledger_sql.aging_bucket(SQL("CURRENT_DATE - m.invoice_date_due")),
            # the expected date, or today once it has passed (scoring.predicted_from_expected)
            predicted=SQL("CASE WHEN m.cobranza_expected_date IS NOT NULL "
                          "THEN GREATEST(m.cobranza_expected_date, CURRENT_DATE) END"),
            open=ledger_sql.open_customer_invoices("m"),
        )

    @api.model
    def _bucket_labels(self):
        """``{bucket: label}``: the labels of the aging buckets (engine.aging) in the user's
        language, for the statement and the dashboard."""
        return dict(self._fields["bucket"]._description_selection(self.sudo().env))
