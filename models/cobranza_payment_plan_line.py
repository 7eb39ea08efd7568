from odoo import _, api, fields, models


class CobranzaPaymentPlanLine(models.Model):
    """One installment (cuota) of a payment plan."""

    _name = "cobranza.payment.plan.line"
    _description = "Payment Plan Installment"
    _order = "plan_id, sequence, id"

    plan_id = fields.Many2one("cobranza.payment.plan", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="plan_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(related="plan_id.partner_id", store=True)
    currency_id = fields.Many2one(related="plan_id.currency_id")
    sequence = fields.Integer(string="#", readonly=True)
    down_payment = fields.Boolean(readonly=True)
    date = fields.Date(string="Due Date", required=True, readonly=True)
    amount = fields.Monetary(required=True, readonly=True)
    paid_amount = fields.Monetary(string="Paid", readonly=True)
    remaining_amount = fields.Monetary(compute="_compute_state", string="Remaining")
    state = fields.Selection(
        [("pending", "To Pay"), ("partial", "Partially Paid"), ("paid", "Paid"), ("overdue", "Overdue")],
        compute="_compute_state",
    )
    reminder_offset = fields.Integer(
        string="Last Reminder", readonly=True,
        help="Days from the due date of the last reminder sent for this installment.",
    )
    reminded = fields.Boolean(readonly=True)

    # ------------------------------------------------------------------ computes
    @api.depends("amount", "paid_amount", "date")
    def _compute_state(self):
        today = fields.Date.context_today(self)
        for line in self:
            line.remaining_amount = max(line.amount - line.paid_amount, 0.0)
            if line.currency_id.is_zero(line.remaining_amount):
                line.state = "paid"
            elif line.date < today:
                line.state = "overdue"
            else:
                line.state = "partial" if line.paid_amount else "pending"

    @api.depends("sequence", "plan_id.name", "down_payment")
    def _compute_display_name(self):
        for line in self:
            label = _("down payment") if line.down_payment else _("installment %s", line.sequence)
            line.display_name = f"{line.plan_id.name} · {label}"

    # ------------------------------------------------------------------ business methods
    def _cobranza_payment_link(self):
        """Signed, expiring link to the plan's page, where the customer pays what is left of
        the next installment online (across the covered invoices) without logging in. Its
        prefix stays: the mail templates saved in each database call it by this name."""
        self.ensure_one()
        if self.state == "paid" or self.plan_id.state != "active":
            return False
        return self.env["cobranza.link"]._url(self.plan_id.sudo())
