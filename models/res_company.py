from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    def _default_cobranza_policy(self):
        return self.env.ref("account_cobranza.cobranza_policy_default", raise_if_not_found=False)

    cobranza_policy_id = fields.Many2one(
        "cobranza.policy",
        string="Default Collection Policy",
        default=_default_cobranza_policy,
        help="Policy of the customers that have no policy of their own and no segment policy.",
    )

    # payment behaviour, segments, predictions
    cobranza_behaviour_months = fields.Integer(
        string="Payment History Window (Months)", default=12,
        help="Payments of this many months back give each customer's payment behaviour.",
    )
    cobranza_on_time_days = fields.Integer(
        string="On-Time Tolerance (Days)", default=3,
        help="An invoice settled no later than its due date plus these days counts as paid on time.",
    )
    cobranza_min_history = fields.Integer(
        string="Minimum History (Invoices)", default=3,
        help="Customers with fewer invoices settled in the window go to the segment of new customers.",
    )
    cobranza_shrink_weight = fields.Float(
        string="Prior Weight (Invoices)", default=2.0, digits=(16, 1),
        help="Expected delay and risk of a customer are shrunk toward its segment's (else the "
             "company's) as if the segment had this many invoices of the customer's own.",
    )
    cobranza_average_delay = fields.Float(
        string="Average Payment Delay of Customers", readonly=True, digits=(16, 1),
        help="Mean of every customer's known delays at the last segmentation: the expected "
             "delay of a customer without any history yet.",
    )
    cobranza_behaviour_mark = fields.Json(
        readonly=True, copy=False,
        help="Technical: the last nightly computation of the customers' behaviour (its date, "
             "window, and what it saw of the ledger's changes), from which the next one "
             "recomputes only the customers whose history changed.",
    )
    cobranza_rating_a = fields.Float(
        string="Rating A up to (Risk)", default=0.10, digits=(16, 2),
        help="Customers whose risk score (probability of settling an invoice more than 30 days "
             "late) is at most this value are rated A.",
    )
    cobranza_rating_b = fields.Float(string="Rating B up to (Risk)", default=0.30, digits=(16, 2))
    cobranza_rating_c = fields.Float(
        string="Rating C up to (Risk)", default=0.80, digits=(16, 2),
        help="Above this risk score a customer is rated D.",
    )
    # monthly statements and open credits
    cobranza_statement_day = fields.Integer(
        string="Monthly Statement Day", default=1,
        help="Day of the month on which customers whose policy sends statements receive their account "
             "statement by email (a day past the month's end: its last day).",
    )
    cobranza_apply_credits = fields.Boolean(
        string="Apply Open Credits Automatically", default=False,
        help="The daily run applies each customer's payments and credit notes not yet matched to its "
             "oldest open invoices, with Odoo's own reconciliation (what the invoice's Outstanding "
             "credits widget does), and logs it on the customer.",
    )

    # ------------------------------------------------------------------ constraints
    @api.constrains("cobranza_behaviour_months", "cobranza_on_time_days", "cobranza_min_history",
                    "cobranza_shrink_weight", "cobranza_rating_a", "cobranza_rating_b", "cobranza_rating_c")
    def _check_cobranza_scoring(self):
        for company in self:
            if company.cobranza_behaviour_months <= 0:
                raise ValidationError(_("The payment history window must be at least one month."))
            if min(company.cobranza_on_time_days, company.cobranza_min_history, company.cobranza_shrink_weight) < 0:
                raise ValidationError(_("The on-time tolerance, minimum history and prior weight cannot be negative."))
            if not 0 <= company.cobranza_rating_a <= company.cobranza_rating_b <= company.cobranza_rating_c <= 1:
                raise ValidationError(_("The rating limits must be risk scores between 0 and 1, "
                                        "with A ≤ B ≤ C."))

    @api.constrains("cobranza_statement_day")
    def _check_cobranza_statement_day(self):
        for company in self:
            if not 1 <= company.cobranza_statement_day <= 31:
                raise ValidationError(_(
                    "The day of the monthly statements must be a day of the month, from 1 to 31 "
                    "(a day past the month's end means its last day)."))

    @api.constrains("cobranza_policy_id")
    def _check_cobranza_policy_company(self):
        for company in self:
            company._cobranza_ensure_usable(company.cobranza_policy_id)

    # ------------------------------------------------------------------ business methods
    def _cobranza_ensure_usable(self, *records):
        """Collection records (a policy, a segment) of another company cannot be used in this
        one: the company's default policy, a customer's policy or segment."""
        self.ensure_one()
        for record in records:
            if record.company_id and record.company_id != self:
                raise ValidationError(_(
                    "“%(record)s” belongs to %(other)s and cannot be used in %(company)s.",
                    record=record.display_name, other=record.company_id.name, company=self.name))
