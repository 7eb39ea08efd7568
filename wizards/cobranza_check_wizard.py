from odoo import api, fields, models
from odoo.fields import Command


class CobranzaCheckWizard(models.TransientModel):
    """Register the post-dated checks that secure a payment plan: one line per installment
    still to pay, its amount and due date proposed; the plan checks them against its schedule."""

    _name = "cobranza.check.wizard"
    _description = "Register Post-Dated Checks"

    plan_id = fields.Many2one("cobranza.payment.plan", required=True, readonly=True, ondelete="cascade")
    company_id = fields.Many2one(related="plan_id.company_id")
    currency_id = fields.Many2one(related="plan_id.currency_id")
    journal_id = fields.Many2one(
        "account.journal", string="Checks Journal", check_company=True,
        compute="_compute_journal_id", store=True, readonly=False, precompute=True,
        domain="[('company_id', '=', company_id), ('type', '=', 'cash'),"
               " ('inbound_payment_method_line_ids.code', '=', 'new_third_party_checks')]",
        help="Where the checks wait until they are deposited (Odoo's third-party checks). Empty: a "
             "Third Party Checks journal is created when the checks are registered.")
    issuer_vat = fields.Char(string="Issuer Tax ID", help="The tax id of whoever signed the checks, when "
                             "it is not the customer.")
    bank_id = fields.Many2one("res.bank", string="Bank", help="The bank of the checks (each line can change it).")
    line_ids = fields.One2many("cobranza.check.wizard.line", "wizard_id", string="Checks",
                               compute="_compute_line_ids", store=True, readonly=False, precompute=True)

    # ------------------------------------------------------------------ computes
    @api.depends("plan_id")
    def _compute_journal_id(self):
        for wizard in self:
            wizard.journal_id = wizard.plan_id and self.env["account.journal"]._cobranza_check_journal(
                wizard.plan_id.company_id, create=False)

    @api.depends("plan_id")
    def _compute_line_ids(self):
        for wizard in self:
            wizard.line_ids = [Command.clear()] + [Command.create({
                "plan_line_id": line.id, "date": line.date, "amount": line.remaining_amount,
            }) for line in wizard.plan_id.line_ids._unsecured()]

    # ------------------------------------------------------------------ actions
    def action_register(self):
        self.ensure_one()
        self.plan_id._register_checks([{
            "line": line.plan_line_id, "number": line.number or "", "bank_id": (line.bank_id or self.bank_id).id,
            "issuer_vat": self.issuer_vat, "date": line.date, "amount": line.amount,
        } for line in self.line_ids], self.journal_id or self.env["account.journal"]._cobranza_check_journal(
            self.plan_id.company_id))
        return {"type": "ir.actions.act_window_close"}


class CobranzaCheckWizardLine(models.TransientModel):
    _name = "cobranza.check.wizard.line"
    _description = "Post-Dated Check to Register"
    _order = "due_date, id"

    wizard_id = fields.Many2one("cobranza.check.wizard", required=True, ondelete="cascade")
    plan_line_id = fields.Many2one("cobranza.payment.plan.line", string="Installment", required=True)
    due_date = fields.Date(related="plan_line_id.date", string="Due Date")
    currency_id = fields.Many2one(related="wizard_id.currency_id")
    number = fields.Char(string="Check Number")
    bank_id = fields.Many2one("res.bank", string="Bank")
    date = fields.Date(string="Cash-In Date", required=True)
    amount = fields.Monetary(required=True)
