from werkzeug.urls import url_encode

from odoo import _, api, fields, models
from odoo.tools import hmac


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

    def _cobranza_payment_link(self):
        """Link to pay what is left of this installment online, on the oldest covered invoice."""
        self.ensure_one()
        moves = self.plan_id.move_ids.filtered(lambda m: m.payment_state in ("not_paid", "partial"))
        move = moves.sorted(lambda m: (m.invoice_date_due, m.id))[:1]
        if not move:
            return False
        amount = move.currency_id.round(min(self.remaining_amount, move.amount_residual))
        # the same signed link as Odoo's payment link wizard for an invoice (no request needed)
        token = hmac(self.env(su=True), "generate_access_token", f"{move.id}|{amount}")
        url = move.get_base_url() + move.sudo().get_portal_url()
        params = {"move_id": move.id, "amount": amount, "payment_token": token, "payment": True}
        return f"{url}{'&' if '?' in url else '?'}{url_encode(params)}"
