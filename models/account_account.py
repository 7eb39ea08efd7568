from odoo import models

from ..utils import ledger_sql


class AccountAccount(models.Model):
    _inherit = "account.account"

    # ------------------------------------------------------------------ CRUD
    def write(self, vals):
        """Extends: an account that becomes, or stops being, receivable changes every figure
        rebuilt from the receivable ledger since its first item (recorded for the KPI
        snapshots)."""
        if "account_type" not in vals:
            return super().write(vals)
        changing = self.filtered(lambda account: (account.account_type == ledger_sql.RECEIVABLE)
                                 != (vals["account_type"] == ledger_sql.RECEIVABLE))
        result = super().write(vals)
        self.env["cobranza.ledger.change"]._record_accounts(changing)
        return result
