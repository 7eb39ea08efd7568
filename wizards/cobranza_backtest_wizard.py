from dateutil.relativedelta import relativedelta

from odoo import _, fields, models


class CobranzaBacktestWizard(models.TransientModel):
    """How good the predicted payment dates are: the prediction replayed on the invoices
    settled in a period, each from what was known on its invoice date only."""

    _name = "cobranza.backtest.wizard"
    _description = "Payment Prediction Backtest"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    date_from = fields.Date(
        string="Settled From", required=True,
        default=lambda self: fields.Date.context_today(self) - relativedelta(months=6))
    date_to = fields.Date(string="Settled Until", required=True, default=fields.Date.context_today)
    done = fields.Boolean(readonly=True)
    count = fields.Integer(string="Invoices Replayed", readonly=True)
    mae_days = fields.Float(
        string="Mean Error (Days)", readonly=True, digits=(16, 1),
        help="Mean absolute difference between the predicted and the actual payment delay.")
    mae_naive_days = fields.Float(
        string="Mean Error Paying on the Due Date (Days)", readonly=True, digits=(16, 1),
        help="The same error for the naive prediction that every invoice is paid on its due date.")
    improvement_pct = fields.Float(string="Better Than Naive (%)", readonly=True, digits=(16, 1))
    within_7_days_pct = fields.Float(
        string="Within 7 Days (%)", readonly=True, digits=(16, 1),
        help="Share of the invoices whose prediction was at most 7 days off.")
    bias_days = fields.Float(
        string="Bias (Days)", readonly=True, digits=(16, 1),
        help="Mean of predicted − actual delay: above 0 the predictions are too late, below too early.")

    # ------------------------------------------------------------------ actions
    def action_run(self):
        self.ensure_one()
        result = self.env["cobranza.kpi"].backtest(self.company_id, self.date_from, self.date_to)
        self.write({"done": True, **{key: result.get(key) or 0.0 for key in (
            "count", "mae_days", "mae_naive_days", "improvement_pct", "within_7_days_pct", "bias_days")}})
        return {"type": "ir.actions.act_window", "res_model": self._name, "res_id": self.id,
                "name": _("Payment Prediction Backtest"), "views": [[False, "form"]], "target": "new"}
