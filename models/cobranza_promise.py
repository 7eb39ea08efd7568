from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount

from ..engine import schedule
from ..engine.ladder import PAYABLE_PAYMENT_STATES
from .cobranza_contact import CHANNELS


class CobranzaPromise(models.Model):
    """A customer's promise to pay an amount by a date: the ladder waits for it."""

    _name = "cobranza.promise"
    _description = "Promise to Pay"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True)
    company_id = fields.Many2one("res.company", required=True, index=True,
                                 default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    move_ids = fields.Many2many(
        "account.move", "cobranza_promise_move_rel", "promise_id", "move_id",
        string="Invoices", required=True, check_company=True,
    )
    amount = fields.Monetary(required=True, tracking=True, help="In the company currency.")
    date = fields.Date(string="Promised Date", required=True, tracking=True)
    channel = fields.Selection(CHANNELS, default="call", required=True)
    origin = fields.Selection(
        [("collector", "Collector"), ("portal", "Customer Portal"), ("email", "Email Reply"),
         ("whatsapp", "WhatsApp Reply")],
        default="collector", required=True,
    )
    user_id = fields.Many2one("res.users", string="Recorded By", default=lambda self: self.env.user)
    state = fields.Selection(
        [("open", "Open"), ("kept", "Kept"), ("broken", "Broken"), ("cancelled", "Cancelled")],
        default="open", required=True, tracking=True, index=True,
    )
    residual_start = fields.Monetary(
        string="Amount Due When Promised", readonly=True,
        help="What the invoices owed when the customer promised (company currency).",
    )
    grace_days = fields.Integer(readonly=True)
    approved_by_id = fields.Many2one("res.users", string="Accepted By", readonly=True)
    note = fields.Text()

    # ------------------------------------------------------------------ computes
    @api.depends("partner_id", "date")
    def _compute_name(self):
        for promise in self:
            promise.name = _("%(customer)s, %(date)s", customer=promise.partner_id.name or "",
                             date=fields.Date.to_string(promise.date) if promise.date else "")

    # ------------------------------------------------------------------ CRUD
    @api.model_create_multi
    def create(self, vals_list):
        promises = super().create(vals_list)
        promises._start()
        return promises

    # ------------------------------------------------------------------ actions
    def action_cancel(self):
        self.filtered(lambda p: p.state == "open").write({"state": "cancelled"})
        for promise in self:
            self.env["res.partner"]._cobranza_refresh(promise.partner_id, promise.company_id)

    # ------------------------------------------------------------------ business methods
    def _start(self):
        today = fields.Date.context_today(self)
        is_manager = self.env.user.has_group("account_cobranza.group_cobranza_manager")
        for promise in self:
            moves = promise.move_ids.sorted(lambda m: (m.invoice_date_due or m.date, m.id))
            partner = promise.partner_id.commercial_partner_id
            moves._cobranza_ensure_owner(partner, promise.company_id)
            residual = sum(moves.mapped("amount_residual_signed"))
            if promise.amount <= 0:
                raise UserError(_("The promised amount must be positive."))
            if promise.currency_id.compare_amounts(promise.amount, residual) > 0:
                raise UserError(_("The promised amount (%(amount)s) is above what the invoices owe (%(due)s).",
                                  amount=format_amount(self.env, promise.amount, promise.currency_id),
                                  due=format_amount(self.env, residual, promise.currency_id)))
            plans = self.env["cobranza.payment.plan"].sudo().search([
                ("move_ids", "in", moves.ids), ("state", "in", ("proposed", "active"))])
            if plans:
                raise UserError(_(
                    "%(invoices)s are in the payment plan %(plan)s: its installments already say when "
                    "they are paid.", invoices=", ".join((moves & plans.move_ids).mapped("name")),
                    plan=", ".join(plans.mapped("name"))))
            policy = moves[:1]._cobranza_resolve_policy()[moves[:1]]
            if not is_manager:
                promise._validate_minimum(policy, moves)
            if promise.date < today:
                raise UserError(_("The promised date cannot be in the past."))
            max_days = policy._promise_max_days()
            if promise.date > today + timedelta(days=max_days):
                raise UserError(_("The promised date cannot be more than %s days away.", max_days))
            if partner._cobranza_needs_manager_for_promise(policy) and not is_manager:
                raise UserError(_("%s broke several promises recently: only a Collections Manager can "
                                  "accept a new one.", partner.name))
            others = self.search([("id", "!=", promise.id), ("state", "=", "open"), ("move_ids", "in", moves.ids)])
            others.write({"state": "cancelled"})
            promise.write({
                "residual_start": residual,
                "grace_days": policy.promise_grace_days,
                "approved_by_id": self.env.user.id,
                "partner_id": partner.id,
            })
            self.env["res.partner"]._cobranza_refresh(partner, promise.company_id)

    def _validate_minimum(self, policy, moves):
        """A promise pauses the reminders of every invoice it names: it must cover a
        meaningful share of them (the policy says which), not a token amount."""
        self.ensure_one()
        currency = self.currency_id
        rule = policy.promise_minimum or "oldest"
        minimum = float(schedule.promise_minimum(
            rule, moves.mapped("amount_residual_signed"), policy.promise_minimum_percent, currency.decimal_places))
        if currency.compare_amounts(self.amount, minimum) >= 0:
            return
        what = {
            "oldest": _("what the oldest of these invoices owes") if len(moves) > 1 else _("what this invoice owes"),
            "all": _("what these invoices owe"),
            "percent": _("%s%% of what these invoices owe", policy.promise_minimum_percent),
        }[rule]
        raise UserError(_(
            "A promise must cover at least %(minimum)s (%(what)s). Please promise that amount or "
            "more, promise fewer invoices, or ask us for a payment plan.",
            minimum=format_amount(self.env, minimum, currency), what=what))

    def _evaluate(self, today):
        """Close the promises whose date (plus grace) passed, or that the customer kept.
        Returns the broken ones: their invoices go back to the ladder, one level up."""
        broken = self.browse()
        for promise in self.filtered(lambda p: p.state == "open"):
            verdict = schedule.promise_verdict(
                promise.date, promise.grace_days, promise.amount, promise.residual_start,
                sum(promise.move_ids.mapped("amount_residual_signed")), today,
            )
            if verdict != "open":
                promise.state = verdict
                if verdict == "broken":
                    broken |= promise
        broken._escalate()
        self.partner_id._cobranza_store_promise_rate()
        return broken

    def _escalate(self):
        """A broken promise may escalate the ladder one level (the next one is sent now)."""
        for promise in self:
            promise.message_post(body=_("Promise broken: the reminders resume."))
            moves = promise.move_ids.filtered(lambda m: m.payment_state in PAYABLE_PAYMENT_STATES)
            policies = moves._cobranza_resolve_policy()
            # the next level of the ladder is due at once (engine: Invoice.escalate)
            moves.filtered(lambda m: policies[m].promise_escalate).cobranza_escalate = True
