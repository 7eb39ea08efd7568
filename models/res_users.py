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
    def _cobranza_task_user(self, role, company, partner=None, moves=None, policy=None, first=None):
        """Who answers for a collection task: the one rule. The first person (never OdooBot, a
        portal user or a customer) of the chain of `role`, after the users in `first`, else a
        Collections Manager of `company`:

        - ``collector`` (a call, a level decided by hand, a dispute, a customer's request):
          the customer's collector, the invoices' salesperson, the policy's responsible, the
          user at work;
        - ``accountant`` (a payment or credit note to match): the company's billing
          administrator, the customer's collector;
        - ``legal`` (a debt handed to legal): the policy's responsible, the customer's
          collector, the user at work.
        """
        collector = partner.commercial_partner_id.cobranza_collector_id if partner else self.browse()
        responsible = policy.responsible_id if policy else self.browse()
        chain = {
            "collector": lambda: collector | (moves.invoice_user_id if moves else self.browse()) | responsible
            | self.env.user,
            "accountant": lambda: self._cobranza_accountants(company)[:1] | collector,
            "legal": lambda: responsible | collector | self.env.user,
        }[role]()
        return ((first or self.browse()) | chain)._cobranza_people()[:1] or self._cobranza_managers(company)[:1]

    @api.model
    def _cobranza_group(self, xmlid):
        """The group of `xmlid` without a query once known (``env.ref`` checks it exists each
        time: a task per customer on a backlog day would ask thousands of times)."""
        return self.env["res.groups"].browse(self.env["ir.model.data"]._xmlid_to_res_id(xmlid))

    @api.model
    def _cobranza_managers(self, company):
        """The Collections Managers of `company` who can act on a task; a company without any
        has its administrators answer for it (a task always has someone)."""
        for xmlid in ("account_cobranza.group_cobranza_manager", "base.group_system"):
            group = self._cobranza_group(xmlid)
            people = group.sudo().users.filtered(lambda user: company in user.company_ids)._cobranza_people()
            if people:
                return people
        return (self.env.ref("base.user_admin", raise_if_not_found=False) or self.browse())._cobranza_people()

    @api.model
    def _cobranza_accountants(self, company):
        """The billing administrators (Odoo's *Accounting / Billing Administrator*) of
        `company` who are persons: they match payments and credit notes."""
        return self._cobranza_group("account.group_account_manager").sudo().users.filtered(
            lambda user: company in user.company_ids)._cobranza_people()
