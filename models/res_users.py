from odoo import api, models


class ResUsers(models.Model):
    _inherit = "res.users"

    def _cobranza_people(self):
        """The users of `self` a person answers for: active internal users, never the
        superuser (OdooBot) or another system account. The order is kept, so
        ``(first | second | third)._cobranza_people()[:1]`` is the first person of a chain
        of fallbacks."""
        return self.filtered(lambda user: user.active and not user.share and not user._is_superuser())

    @api.model
    def _cobranza_managers(self, company):
        """The Collections Managers of `company` who can act on a task; a company without any
        has its administrators answer for it (a task always has someone)."""
        for xmlid in ("account_cobranza.group_cobranza_manager", "base.group_system"):
            group = self.env.ref(xmlid)
            people = group.sudo().users.filtered(lambda user: company in user.company_ids)._cobranza_people()
            if people:
                return people
        return (self.env.ref("base.user_admin", raise_if_not_found=False) or self.browse())._cobranza_people()

    @api.model
    def _cobranza_accountants(self, company):
        """The billing administrators (Odoo's *Accounting / Billing Administrator*) of
        `company` who are persons: they match payments and credit notes."""
        return self.env.ref("account.group_account_manager").sudo().users.filtered(
            lambda user: company in user.company_ids)._cobranza_people()
