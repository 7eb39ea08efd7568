import calendar
import logging

import pytz

from odoo import api, fields, models, modules

from ..engine.ladder import PAYABLE_PAYMENT_STATES
from ..utils import ledger_sql
from .cobranza_contact_rule import allow_all

_logger = logging.getLogger(__name__)
# a statement day the cron missed (the server down, the cron off) is caught up this many days
STATEMENT_CATCH_UP_DAYS = 5


class ResPartner(models.Model):
    """Monthly account statements by email, and the customer terms a customer is shown.

    On the company's statement day, the cron plans one ``cobranza.contact`` per customer with
    an open balance whose policy sends statements and who accepts them (and email); the
    dispatcher carries them out like any email contact, the statement PDF attached
    (``attach_statement``). The contact's key (customer, company, month) plans each statement
    once, however often the cron runs that day.

    A statement is information, not a reminder: it goes to customers who are not chased
    (*Do Not Chase*), snoozed, or whose invoices are in a dispute, a promise or a plan, and
    it is not a level of the ladder. Consent and the contact rules (hours, holidays, caps)
    apply as to any email: to stop the statements of one customer, untick its *Accepts
    Monthly Statements*."""

    _inherit = "res.partner"

    # ------------------------------------------------------------------ cron
    @api.model
    def _cron_cobranza_statements(self):
        """Scheduled action *Collections: monthly statements*: today's statements of every
        company, each planned then sent (committed chunk by chunk in the cron)."""
        commit = not modules.module.current_test
        for company in self.env["res.company"].sudo().search([]):
            today = fields.Date.context_today(self.with_context(tz=company.partner_id.tz or "UTC"))
            try:
                with self.env.cr.savepoint():  # one company's error never stops the others'
                    contacts = self.sudo().with_company(company)._cobranza_plan_statements(company, today)
            except Exception:  # noqa: BLE001 - logged, the next companies go on
                _logger.exception("Collections: the monthly statements of %s could not be planned", company.name)
                continue
            if contacts:
                if commit:
                    self.env.cr.commit()  # planned once, whatever happens to the sending
                contacts._dispatch(commit=commit)

    # ------------------------------------------------------------------ terms said up front
    def _cobranza_customer_terms(self):
        """The terms of this customer's collection policy in the current company (HTML, in the
        context's language), or False: shown on its statement, in print and in the portal."""
        self.ensure_one()
        Move = self.env["account.move"].sudo()  # the customer reads them
        partner = self.commercial_partner_id.sudo()
        return Move._cobranza_customer_policy(partner, self.env.company, Move._cobranza_default_policy()) \
            ._cobranza_customer_terms()

    # ------------------------------------------------------------------ business methods
    @api.model
    def _cobranza_statement_date(self, company, day):
        """The day of `day`'s month on which `company` sends its statements: its statement
        day, or the month's last day when the month is shorter."""
        last = calendar.monthrange(day.year, day.month)[1]
        return day.replace(day=min(company.cobranza_statement_day or 1, last))

    @api.model
    def _cobranza_plan_statements(self, company, date):
        """Plan the monthly statements of `company` when `date` is its statement day (or one of
        the STATEMENT_CATCH_UP_DAYS after it, should the cron have missed it): one email
        contact per customer with an open receivable balance there, whose policy sends
        statements and who accepts them and email, and who has an address to send it to.
        Returns the contacts planned (none on another day, none twice in a month). A handful
        of queries, whatever the number of customers."""
        Contact = self.env["cobranza.contact"].sudo()
        if not 0 <= (date - self._cobranza_statement_date(company, date)).days <= STATEMENT_CATCH_UP_DAYS:
            return Contact
        balances = self._cobranza_statement_balances(company)
        partners = self.sudo().browse(list(balances)).with_company(company)
        Move = self.env["account.move"].sudo()
        default = Move._cobranza_default_policy()
        policies = {partner.id: Move._cobranza_customer_policy(partner, company, default) for partner in partners}
        fallback = self.env.ref("account_cobranza.mail_template_cobranza_statement", raise_if_not_found=False)
        templates = {pid: policy.statement_template_id or fallback for pid, policy in policies.items()
                     if policy.send_statement}
        customers = partners.filtered(
            lambda p: templates.get(p.id) and p.cobranza_consent_statement and p.cobranza_consent_email
            and any(recipient.email for recipient in p._cobranza_reminder_partners()))
        if not customers:
            return Contact
        invoices = dict(Move._read_group(
            [("commercial_partner_id", "in", customers.ids), ("company_id", "=", company.id),
             *Move._cobranza_invoice_domain(PAYABLE_PAYMENT_STATES)],
            ["commercial_partner_id"], ["id:array_agg"]))
        now = pytz.utc.localize(fields.Datetime.now())
        gates = self.env["cobranza.contact.rule"].sudo()._gates(customers, company, now)
        vals_list = []
        for partner in customers:
            vals = {
                "partner_id": partner.id, "company_id": company.id, "channel": "email", "action": "email",
                "channel_reason": "notice", "mail_template_id": templates[partner.id].id,
                "attach_statement": True, "amount_due": balances[partner.id],
                "move_ids": [fields.Command.set(sorted(invoices.get(partner, ())))],
                "note": self.env._("Monthly account statement"), "author_id": self.env.uid,
                "key": f"statement:{company.id}:{partner.id}:{date:%Y-%m}",
            }
            # the contact rules apply as to any email: deferred to the first allowed moment
            verdict = gates.get(partner.id, allow_all)("email")
            if verdict.refused:
                continue  # email is not allowed at all
            if verdict.deferred:
                vals.update(state="deferred", scheduled_at=verdict.at, defer_reason=verdict.reason)
            vals_list.append(vals)
        return Contact._plan(vals_list)

    @api.model
    def _cobranza_statement_balances(self, company):
        """``{customer id: balance}`` of the customers (commercial entities) whose open
        receivable balance in `company` is positive, as their statement adds it up: every
        open receivable item, invoices less payments and credit notes not yet applied, in the
        company's currency. One query."""
        groups = self.env["account.move.line"].sudo()._read_group(
            [("company_id", "=", company.id), ("account_id.account_type", "=", ledger_sql.RECEIVABLE),
             ("parent_state", "=", "posted"), ("reconciled", "=", False), ("partner_id", "!=", False)],
            ["partner_id"], ["amount_residual:sum"], having=[("amount_residual:sum", ">", 0)])
        return {partner.id: balance for partner, balance in groups
                if partner == partner.commercial_partner_id and not company.currency_id.is_zero(balance)}

    def _cobranza_statement_pdf(self, record):
        """The account statement of this customer in the current company, as of today and in
        its language, as a PDF attached to `record`: ``[attachment id]``."""
        self.ensure_one()
        partner = self.commercial_partner_id
        content, _type = self.env["ir.actions.report"].sudo().with_company(self.env.company)._render_qweb_pdf(
            "account_cobranza.action_report_cobranza_statement", partner.ids)
        label = self.with_context(lang=partner.lang or self.env.lang).env._("Account Statement")
        today = fields.Date.context_today(self)
        attachment = self.env["ir.attachment"].sudo().create({
            "name": f"{label} - {partner.name} - {today}.pdf", "raw": content, "mimetype": "application/pdf",
            "res_model": record._name, "res_id": record.id,
        })
        return [attachment.id]
