from odoo import fields, models
from odoo.tools import SQL

from .account_move import STAGES
from .res_partner_behaviour import RATINGS

BUCKETS = [("not_due", "Not Due"), ("1_30", "1-30 Days"), ("31_60", "31-60 Days"), ("61_90", "61-90 Days"),
           ("over_90", "Over 90 Days")]


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
    bucket = fields.Selection(BUCKETS, string="Age", readonly=True)
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
                   m.cobranza_stage AS stage, m.invoice_date_due, m.cobranza_predicted_date AS predicted_date,
                   GREATEST(CURRENT_DATE - m.invoice_date_due, 0) AS days_overdue,
                   CASE WHEN CURRENT_DATE - m.invoice_date_due <= 0 THEN 'not_due'
                        WHEN CURRENT_DATE - m.invoice_date_due <= 30 THEN '1_30'
                        WHEN CURRENT_DATE - m.invoice_date_due <= 60 THEN '31_60'
                        WHEN CURRENT_DATE - m.invoice_date_due <= 90 THEN '61_90'
                        ELSE 'over_90' END AS bucket,
                   m.amount_residual_signed AS amount_residual
              FROM account_move m
              JOIN res_company c ON c.id = m.company_id
              JOIN res_partner p ON p.id = m.commercial_partner_id
             WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
               AND m.payment_state IN ('not_paid', 'partial', 'blocked')
            """
        )
