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

    @api.constrains("cobranza_policy_id")
    def _check_cobranza_policy_company(self):
        for company in self:
            policy = company.cobranza_policy_id
            if policy.company_id and policy.company_id != company:
                raise ValidationError(
                    _(
                        "The collection policy “%(policy)s” belongs to %(other)s and cannot be "
                        "the default policy of %(company)s.",
                        policy=policy.display_name,
                        other=policy.company_id.name,
                        company=company.name,
                    )
                )
