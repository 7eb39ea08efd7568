from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    cobranza_policy_id = fields.Many2one(
        "cobranza.policy",
        string="Collection Policy",
        check_company=True,
        copy=False,
        tracking=True,
        help="Overrides the customer's collection policy for this invoice only.",
    )

    def _cobranza_resolve_policy(self):
        """Effective policy of each invoice: invoice override, then the customer's override,
        then the customer's segment policy, then the company default.  A policy of another
        company is never used.  Returns ``{move: policy}`` (policy may be empty)."""
        default_policy = self.env.ref(
            "account_cobranza.cobranza_policy_default", raise_if_not_found=False
        ) or self.env["cobranza.policy"]
        result = {}
        for move in self:
            partner = move.commercial_partner_id
            for policy in (
                move.cobranza_policy_id,
                partner.cobranza_policy_id,
                partner.cobranza_segment_id.policy_id,
                move.company_id.cobranza_policy_id,
                default_policy,
            ):
                if policy.active and policy.company_id in (move.company_id, move.company_id.browse()):
                    result[move] = policy
                    break
            else:
                result[move] = self.env["cobranza.policy"]
        return result

    def _cobranza_days_overdue(self):
        """Days since the due date on the reference date (negative: days left)."""
        self.ensure_one()
        today = self.env.context.get("cobranza_date") or fields.Date.context_today(self)
        due = self.invoice_date_due or self.invoice_date or self.date
        return (fields.Date.to_date(today) - due).days
