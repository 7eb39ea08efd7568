from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# Commercial entities only: contacts of a company inherit its collection fields.
COMMERCIAL_DOMAIN = ["|", ("is_company", "=", True), ("parent_id", "=", False)]


class CobranzaSegment(models.Model):
    """A group of customers with a similar payment behaviour, chased with one policy."""

    _name = "cobranza.segment"
    _description = "Customer Collection Segment"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        string="Company",
        index=True,
        default=lambda self: self.env.company,
        help="Leave empty to share this segment between all companies.",
    )
    policy_id = fields.Many2one(
        "cobranza.policy",
        string="Policy",
        check_company=True,
        help="Collection policy of the customers of this segment, unless a customer or an "
        "invoice overrides it. Empty: the company's default policy.",
    )
    risk_factor = fields.Float(
        string="Risk Factor",
        default=1.0,
        digits=(16, 2),
        help="Weight of this segment in the collectors' worklist priority: above 1 brings its "
        "customers forward, below 1 lets them wait.",
    )
    # payment plans a collector may grant without a manager
    plan_max_installments = fields.Integer(string="Maximum Installments", default=6)
    plan_min_down_payment = fields.Float(
        string="Minimum Down Payment (%)", digits=(16, 2),
        help="Share of the amount due the customer pays up front.",
    )
    plan_max_days = fields.Integer(string="Maximum Plan Duration (Days)", default=180)
    plan_grace_days = fields.Integer(
        string="Grace Days", default=5,
        help="An installment unpaid this many days after its due date breaks the plan.",
    )
    color = fields.Integer()
    description = fields.Text(translate=True)
    partner_ids = fields.One2many("res.partner", "cobranza_segment_id", string="Customers")
    partner_count = fields.Integer(compute="_compute_partner_count", string="Number of Customers")

    # ------------------------------------------------------------------ computes
    def _compute_partner_count(self):
        counts = dict(
            self.env["res.partner"]._read_group(
                [("cobranza_segment_id", "in", self.ids), *COMMERCIAL_DOMAIN],
                ["cobranza_segment_id"],
                ["__count"],
            )
        )
        for segment in self:
            segment.partner_count = counts.get(segment, 0)

    # ------------------------------------------------------------------ constraints
    @api.constrains("plan_max_installments", "plan_min_down_payment", "plan_max_days", "plan_grace_days")
    def _check_plan_limits(self):
        for segment in self:
            if min(segment.plan_max_installments, segment.plan_max_days, segment.plan_grace_days) < 0 \
                    or not 0 <= segment.plan_min_down_payment <= 100:
                raise ValidationError(_("The payment plan limits of the segment “%s” must be positive "
                                        "(a down payment between 0 and 100%%).", segment.name))

    # ------------------------------------------------------------------ actions
    def action_view_partners(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Customers in %s", self.display_name),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": [("cobranza_segment_id", "=", self.id), *COMMERCIAL_DOMAIN],
            "context": {"default_cobranza_segment_id": self.id},
        }
