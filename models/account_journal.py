from odoo import Command, _, api, models
from odoo.exceptions import UserError


class AccountJournal(models.Model):
    _inherit = "account.journal"

    # ------------------------------------------------------------------ business methods
    def _cobranza_uses_documents(self):
        """Whether this journal issues the localization's legal documents (Chile, Argentina,
        Peru...: *Use Documents* of l10n_latam_invoice_document, when installed)."""
        self.ensure_one()
        return "l10n_latam_use_documents" in self._fields and bool(self.l10n_latam_use_documents)

    @api.model
    def _cobranza_check_journal(self, company, create=True):
        """The journal of `company` that receives customers' third-party checks (Odoo's
        ``l10n_latam_check``: the chart of Argentina has one), created where the chart has
        none: a cash journal whose *New Third Party Checks* receipts wait on the company's
        outstanding receipts account (not with `create` off: then empty)."""
        method = self.env.ref("l10n_latam_check.account_payment_method_new_third_party_checks")
        journal = self.search([*self._check_company_domain(company), ("type", "=", "cash"),
                               ("inbound_payment_method_line_ids.payment_method_id", "=", method.id)], limit=1)
        if journal or not create:
            return journal
        # the chart's Outstanding Receipts, else the account of another receipt method
        account = self.env.ref(f"account.{company.id}_account_journal_payment_debit_account_id",
                               raise_if_not_found=False) or self.env["account.payment.method.line"].search([
                                   ("journal_id.company_id", "=", company.id), ("payment_type", "=", "inbound"),
                                   ("payment_account_id", "!=", False)], limit=1).payment_account_id
        if not account:
            raise UserError(_("Create a cash journal receiving New Third Party Checks to register checks for %s.",
                              company.name))
        return self.sudo().create({
            "name": _("Third Party Checks"), "type": "cash", "company_id": company.id,
            "code": self.with_company(company)._cobranza_free_code("CHK"),
            "inbound_payment_method_line_ids": [Command.create({
                "payment_method_id": method.id,
                "payment_account_id": account.id})],
        }).sudo(False)

    def _cobranza_free_code(self, prefix):
        """A journal code of the current company starting with `prefix` that no journal uses."""
        used = set(self.search([*self._check_company_domain(self.env.company)]).mapped("code"))
        return next(code for n in range(1, 100) if (code := prefix if n == 1 else f"{prefix}{n}") not in used)

    def _cobranza_check_method_line(self):
        """The *New Third Party Checks* receipt method of this journal."""
        self.ensure_one()
        line = self.inbound_payment_method_line_ids.filtered(lambda l: l.code == "new_third_party_checks")[:1]
        if not line:
            raise UserError(_("The journal %s does not receive third-party checks.", self.display_name))
        return line
