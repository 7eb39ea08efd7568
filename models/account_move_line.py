from odoo import api, fields, models
from odoo.tools import SQL

from ..engine import netting
from ..utils import ledger_sql

# what a posted item may have changed in place that the receivable ledger's figures read
LEDGER_FIELDS = {"date_maturity", "partner_id", "account_id", "balance", "debit", "credit"}


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    # ------------------------------------------------------------------ CRUD
    @api.model_create_multi
    def create(self, vals_list):
        """Extends: an item added to a posted entry changes the receivable ledger from its date
        on (recorded for the KPI snapshots; those of draft entries are recorded when posted)."""
        lines = super().create(vals_list)
        self.env["cobranza.ledger.change"]._record_lines(lines.filtered(lambda line: line.parent_state == "posted"))
        return lines

    def unlink(self):
        """Extends: an item removed from a posted entry changes the receivable ledger."""
        self.env["cobranza.ledger.change"]._record_lines(self.filtered(lambda line: line.parent_state == "posted"))
        return super().unlink()

    def write(self, vals):
        """Extends: a posted receivable item changed in place (its due date, customer, account
        or amount) changes the ledger from its date on (recorded for the KPI snapshots)."""
        if not LEDGER_FIELDS & vals.keys():
            return super().write(vals)
        posted = self.filtered(lambda line: line.parent_state == "posted")
        Change = self.env["cobranza.ledger.change"]
        Change._record_lines(posted)  # as they were (the customer or account they leave)
        result = super().write(vals)
        Change._record_lines(posted)  # as they are
        return result

    # ------------------------------------------------------------------ business methods
    @api.model
    def _cobranza_open_credits(self, partners, company, date=None):
        """``{commercial partner id: [netting.Credit]}``: the receivable credits of `partners`
        in `company` not yet matched to an invoice (open credit notes, payments, other
        entries: what Odoo's partner ledger shows as unreconciled credit), each in its own
        currency, in one query; with `date`, those dated that day or before (a run for a past
        date). Read without locks: a credit another user is matching right now is simply
        counted as it stood."""
        if not partners:
            return {}
        self.flush_model(["partner_id", "company_id", "account_id", "parent_state", "reconciled",
                          "amount_residual_currency", "currency_id", "date"])
        self.env.cr.execute(SQL(
            """
            SELECT l.partner_id, l.id, l.currency_id, -l.amount_residual_currency, l.date
              FROM account_move_line l
             WHERE l.company_id = %s AND l.partner_id = ANY(%s) AND %s AND l.parent_state = 'posted'
               AND NOT l.reconciled AND l.amount_residual_currency < 0 AND l.date <= %s
             ORDER BY l.date, l.id
            """, company.id, partners.ids, ledger_sql.on_receivable("l"), date or fields.Date.context_today(self)))
        credits = {}
        for partner_id, line_id, currency_id, amount, date in self.env.cr.fetchall():
            credits.setdefault(partner_id, []).append(netting.Credit(line_id, currency_id, float(amount), date))
        return credits
