from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount, format_date

from ..models.cobranza_payment_plan import FREQUENCIES, default_first_date, schedule_error
from ..engine import schedule


class CobranzaPlanWizard(models.TransientModel):
    """Offer a payment plan, with a live preview of its installments."""

    _name = "cobranza.plan.wizard"
    _inherit = "cobranza.wizard.mixin"
    _description = "Create a Payment Plan"

    installment_count = fields.Integer(string="Installments", default=3, required=True)
    frequency = fields.Selection(FREQUENCIES, default="monthly", required=True)
    first_date = fields.Date(string="First Installment", required=True, default=default_first_date)
    down_payment = fields.Monetary(currency_field="currency_id")
    currency_id = fields.Many2one("res.currency", compute="_compute_amounts")
    amount_due = fields.Monetary(compute="_compute_amounts", currency_field="currency_id")
    preview = fields.Html(compute="_compute_preview", sanitize=False)
    limits_note = fields.Char(compute="_compute_preview")
    note = fields.Text()

    @api.depends("move_ids", "company_id")
    def _compute_amounts(self):
        for wizard in self:
            wizard.currency_id = wizard.move_ids[:1].currency_id or wizard.company_id.currency_id
            wizard.amount_due = sum(wizard.move_ids.mapped("amount_residual"))

    @api.depends("move_ids", "installment_count", "frequency", "first_date", "down_payment")
    def _compute_preview(self):
        for wizard in self:
            wizard.preview, wizard.limits_note = wizard._render_preview()

    def _render_preview(self):
        if not self.move_ids or not self.first_date:
            return False, False
        try:
            installments = schedule.build(
                self.amount_due, self.installment_count, self.first_date, self.frequency,
                self.currency_id.decimal_places, down_payment=self.down_payment or 0,
                today=fields.Date.context_today(self),
            )
        except schedule.ScheduleError as error:
            return Markup('<div class="alert alert-warning mb-0">%s</div>') % schedule_error(self.env, error).args[0], False
        rows = Markup("").join(
            Markup("<tr><td>%s</td><td>%s</td><td class='text-end'>%s</td></tr>") % (
                _("Down payment") if inst.down_payment else inst.sequence,
                format_date(self.env, inst.due),
                format_amount(self.env, float(inst.amount), self.currency_id),
            )
            for inst in installments
        )
        table = Markup(
            "<table class='table table-sm mb-0'><thead><tr><th>#</th><th>%s</th>"
            "<th class='text-end'>%s</th></tr></thead><tbody>%s</tbody></table>"
        ) % (_("Due Date"), _("Amount"), rows)
        plan = self.env["cobranza.payment.plan"].new(self._plan_values())
        reasons = plan._limit_violations()
        note = _("Outside the segment's limits (%s): a Collections Manager must approve it.",
                 "; ".join(reasons)) if reasons else _("Within the segment's limits.")
        return table, note

    def _plan_values(self):
        return {
            "partner_id": self.partner_id.id,
            "company_id": self.company_id.id,
            "move_ids": [fields.Command.set(self.move_ids.ids)],
            "installment_count": self.installment_count,
            "frequency": self.frequency,
            "first_date": self.first_date,
            "down_payment": self.down_payment,
            "note": self.note,
        }

    def action_create(self):
        self.ensure_one()
        self._validate_moves()
        if not self.move_ids:
            raise UserError(_("Select the invoices the plan covers."))
        plan = self.env["cobranza.payment.plan"].create(self._plan_values())
        plan.action_confirm()
        return {
            "type": "ir.actions.act_window",
            "res_model": "cobranza.payment.plan",
            "res_id": plan.id,
            "view_mode": "form",
            "target": "current",
        }
