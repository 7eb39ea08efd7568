from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class CobranzaPolicy(models.Model):
    """A collection policy: the ladder of levels applied to a customer's invoices."""

    _name = "cobranza.policy"
    _description = "Collection Policy"
    _inherit = ["mail.thread"]
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company",
        string="Company",
        index=True,
        default=lambda self: self.env.company,
        tracking=True,
        help="Leave empty to share this policy between all companies.",
    )
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
        help="Currency of the amounts of the policy: the company's, or the current "
        "company's for a shared policy.",
    )
    level_ids = fields.One2many("cobranza.policy.level", "policy_id", string="Levels", copy=True)
    level_count = fields.Integer(compute="_compute_level_count")
    tolerance_amount = fields.Monetary(
        string="Tolerance",
        currency_field="currency_id",
        tracking=True,
        help="Invoices whose amount due (in company currency) is below this amount are "
        "never chased.",
    )
    min_days_between_contacts = fields.Integer(
        string="Minimum Days Between Contacts",
        default=1,
        tracking=True,
        help="A customer is not contacted again by the daily run until this many days have "
        "passed since the last contact.",
    )
    responsible_id = fields.Many2one(
        "res.users",
        string="Responsible",
        tracking=True,
        domain=[("share", "=", False)],
        help="Receives collector tasks when the customer has no collector and the invoice no "
        "salesperson, and the legal hand-off tasks.",
    )
    send_thank_you = fields.Boolean(
        string="Thank for Late Payments",
        default=True,
        help="When an invoice that received an overdue reminder is fully paid, thank the customer.",
    )
    thank_you_template_id = fields.Many2one(
        "mail.template",
        string="Thank-you Template",
        domain=[("model", "=", "res.partner")],
        default=lambda self: self.env.ref(
            "account_cobranza.mail_template_cobranza_thank_you", raise_if_not_found=False
        ),
    )
    description = fields.Html(translate=True)
    segment_ids = fields.One2many("cobranza.segment", "policy_id", string="Segments")

    @api.constrains("min_days_between_contacts", "tolerance_amount")
    def _check_amounts(self):
        for policy in self:
            if policy.min_days_between_contacts < 0:
                raise ValidationError(
                    _("The minimum number of days between two contacts cannot be negative.")
                )
            if policy.tolerance_amount < 0:
                raise ValidationError(_("The tolerance amount cannot be negative."))

    @api.depends("company_id")
    @api.depends_context("company")
    def _compute_currency_id(self):
        for policy in self:
            policy.currency_id = (policy.company_id or self.env.company).currency_id

    @api.depends("level_ids")
    def _compute_level_count(self):
        for policy in self:
            policy.level_count = len(policy.level_ids)

    @api.constrains("company_id")
    def _check_company_users(self):
        """A policy cannot move to a company while another company relies on it."""
        for policy in self.filtered("company_id"):
            companies = self.env["res.company"].sudo().search(
                [("cobranza_policy_id", "=", policy.id)]
            ) | policy.sudo().segment_ids.company_id
            others = companies - policy.company_id
            if others:
                raise ValidationError(
                    _(
                        "The policy “%(policy)s” cannot belong to %(company)s only: "
                        "%(others)s use it.",
                        policy=policy.display_name,
                        company=policy.company_id.name,
                        others=", ".join(others.mapped("name")),
                    )
                )

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        return [
            dict(vals, name=_("%s (copy)", policy.name)) if "name" not in (default or {}) else vals
            for policy, vals in zip(self, vals_list)
        ]

    def action_view_levels(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Levels of %s", self.display_name),
            "res_model": "cobranza.policy.level",
            "view_mode": "list,form",
            "domain": [("policy_id", "=", self.id)],
            "context": {"default_policy_id": self.id},
        }
