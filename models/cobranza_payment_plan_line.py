from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_amount, format_date

from ..engine import autopay
from ..utils.db import claim_rows

AUTOPAY_STATES = [
    ("scheduled", "Scheduled"), ("charging", "Charging"), ("retry", "To Retry"),
    ("pending", "Waiting for the Provider"), ("paid", "Charged"), ("fallback", "Charge Failed"),
    ("stopped", "Stopped"),
]
CHECK_STATES = [("registered", "In Portfolio"), ("deposited", "Deposited"), ("rejected", "Rejected")]


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
    autopay_state = fields.Selection(
        AUTOPAY_STATES, string="Automatic Payment", readonly=True, copy=False, index="btree_not_null",
        help="How the saved payment method pays this installment.")
    autopay_next_date = fields.Date(string="Next Charge", readonly=True, copy=False)
    autopay_held_date = fields.Date(
        string="Charge Held Since", readonly=True, copy=False,
        help="Not charged since this day: payments or credit notes of the customer not yet matched cover it.")
    charge_ids = fields.One2many("cobranza.charge", "line_id", string="Charges")
    check_id = fields.Many2one("l10n_latam.check", string="Check", readonly=True, copy=False,
                               ondelete="set null", index="btree_not_null")
    check_state = fields.Selection(CHECK_STATES, readonly=True, copy=False)
    instrument = fields.Char(compute="_compute_instrument", string="Paid With", compute_sudo=True,
                             help="How this installment is paid: by hand, a saved payment method or a check.")

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

    @api.depends("autopay_state", "check_id", "check_state", "plan_id.autopay_ids.state",
                 "plan_id.autopay_ids.token_id")
    def _compute_instrument(self):
        for line in self:
            token = line.plan_id.autopay_ids.filtered(lambda c: c.state == "active")[:1].token_id
            if line.check_state in ("registered", "deposited"):
                line.instrument = _("Check no. %(number)s of %(bank)s", number=line.check_id.name,
                                    bank=line.check_id.bank_id.name or _("unknown bank"))
            elif line.autopay_state and line.autopay_state != "stopped" and (token or line.charge_ids):
                line.instrument = token.display_name or line.charge_ids[:1].token_id.display_name
            else:
                line.instrument = _("Manual")

    # ------------------------------------------------------------------ actions
    def action_check_deposited(self):
        """The treasurer deposited the check: it pays its installment."""
        self._check_deposit()

    def action_check_rejected(self):
        """The bank returned the check (bounced): the installment is unpaid again."""
        self._check_reject()

    # ------------------------------------------------------------------ business methods: automatic payment
    def _unsecured(self):
        """The installments of these lines still to pay that nothing pays yet: no check in
        portfolio or deposited (a rejected one leaves it open), no card charge being made or
        waiting for its answer. What a card or a check may be set up for."""
        return self.filtered(lambda l: l.state != "paid" and l.check_state not in ("registered", "deposited")
                             and l.autopay_state not in ("charging", "pending", "paid"))

    def _autopay_schedule(self, today=None):
        """Schedule the unpaid installments of these lines for automatic payment (their plan's
        consent): each charged on its due date, or today while a retry day remains."""
        today = today or fields.Date.context_today(self)
        for line in self._unsecured():
            day = autopay.first_attempt_date(line.date, today, line.plan_id._autopay_retry_days())
            line.write({"autopay_state": "scheduled" if day else "fallback", "autopay_next_date": day})

    def _autopay_unschedule(self):
        """No further charge of these installments (a charge being made finishes)."""
        self.filtered(lambda l: l.autopay_state in ("scheduled", "retry")).write(
            {"autopay_state": "stopped", "autopay_next_date": False})

    @api.model
    def _autopay_claim(self, today, limit):
        """The installments due to be charged by `today`, claimed for this worker (marked
        charging; those another worker holds are skipped). One query."""
        self.flush_model()
        ids = claim_rows(self.env, SQL(
            """UPDATE cobranza_payment_plan_line SET autopay_state = 'charging', write_date = NOW() AT TIME ZONE 'UTC'
                WHERE id IN (SELECT id FROM cobranza_payment_plan_line
                              WHERE autopay_state IN ('scheduled', 'retry') AND autopay_next_date <= %s
                              ORDER BY autopay_next_date, id LIMIT %s FOR UPDATE SKIP LOCKED)
            RETURNING id""", today, limit), retry=True)
        self.invalidate_model(["autopay_state"])
        return self.browse(ids)

    @api.model
    def _autopay_release(self, claimed_before):
        """Installments a dead worker claimed (charging) before `claimed_before` without
        making any charge for them: scheduled again (to retry after a declined charge). One
        query."""
        self.flush_model()
        self.env["cobranza.charge"].flush_model()
        self.env.cr.execute(SQL(
            """UPDATE cobranza_payment_plan_line l
                  SET autopay_state = CASE WHEN EXISTS (SELECT 1 FROM cobranza_charge c WHERE c.line_id = l.id)
                                           THEN 'retry' ELSE 'scheduled' END
                WHERE l.autopay_state = 'charging' AND l.write_date < %s
                  AND NOT EXISTS (SELECT 1 FROM cobranza_charge c
                                   WHERE c.line_id = l.id AND c.state IN ('charging', 'pending'))""",
            claimed_before))
        self.invalidate_model(["autopay_state"])

    def _autopay_refusal(self, today):
        """Why this claimed installment is not charged now (None: charge it), checked again
        at charge time: the plan (what was paid allocated first), the consent, what is still
        due."""
        self.ensure_one()
        plan = self.plan_id
        plan._evaluate(today)
        if plan.state != "active":
            return "stopped"
        if not plan.autopay_id or not plan.autopay_id.token_id.active:
            return "stopped"
        if self.charge_ids.filtered(lambda c: c.state in ("charging", "pending")):
            return "pending"  # a charge of it still waits for its answer: never a second one
        if self.state == "paid" or plan.currency_id.is_zero(min(self.remaining_amount, plan.invoice_amount)):
            return "paid"
        if plan.currency_id.is_zero(self._autopay_amount()):
            return "held"  # what the customer paid that nobody matched yet covers it
        return None

    def _autopay_amount(self):
        """What a charge of this installment takes: what is left of it, never more than the
        covered invoices still owe less what the customer paid that nobody matched yet and
        what the plan's other charges still waiting for their answer will pay."""
        plan = self.plan_id
        waiting = sum((plan.autopay_ids.charge_ids - self.charge_ids).filtered(
            lambda c: c.state in ("charging", "pending") or (c.state == "done" and not c.transaction_id.is_post_processed)
        ).mapped("amount"))
        return plan.partner_id._cobranza_autopay_amount(
            plan.company_id, plan.currency_id, self.remaining_amount, plan.invoice_amount, waiting)

    def _autopay_charge(self, today, commit=False):
        """Charge this claimed installment once (its next attempt), or release it when it is
        no longer to be charged. Returns the charge."""
        self.ensure_one()
        Charge = self.env["cobranza.charge"].sudo()  # the system charges, as the cron does
        refusal = self._autopay_refusal(today)
        if refusal == "held":
            self._autopay_hold(today)
        elif refusal:
            self.write({"autopay_state": refusal, "autopay_next_date": False})
        if refusal:
            if commit:
                self.env.cr.commit()
            return Charge
        plan, consent = self.plan_id, self.plan_id.autopay_id
        if self.autopay_held_date:
            self.autopay_held_date = False
        attempt = len(self.charge_ids) + 1
        amount = self._autopay_amount()
        charge = Charge.create({
            "autopay_id": consent.id, "line_id": self.id, "attempt": attempt, "key": f"{self.id}:{attempt}",
            "date": today, "amount": amount,
        })
        token = consent.token_id
        charge.transaction_id = self.env["payment.transaction"].sudo().create({
            "provider_id": token.provider_id.id, "payment_method_id": token.payment_method_id.id,
            "reference": self.env["payment.transaction"]._compute_reference(
                token.provider_id.code, prefix=f"{plan.name}-{self.sequence}"),
            "amount": amount, "currency_id": plan.currency_id.id, "partner_id": token.partner_id.id,
            "token_id": token.id, "operation": "offline",
            "invoice_ids": [fields.Command.set(plan.move_ids.filtered(lambda m: m.amount_residual > 0).ids)],
        })
        charge._send(commit)
        charge._record(today)
        if commit:
            self.env.cr.commit()
        return charge

    def _autopay_hold(self, today):
        """Not charged today: payments or credit notes of the customer nobody matched yet
        cover this installment. The first day, the collector gets a task to match them
        (charging it would take the money twice); it is looked at again each day until its
        last attempt day, then falls back to the plan's reminders."""
        self.ensure_one()
        held = self.autopay_held_date
        last = autopay.last_attempt_date(self.date, self.plan_id._autopay_retry_days())
        if today >= last:
            state, day = "fallback", False
        else:
            state, day = ("retry" if self.charge_ids else "scheduled"), today + timedelta(days=1)
        self.write({"autopay_state": state, "autopay_next_date": day, "autopay_held_date": held or today})
        if not held:
            plan = self.plan_id
            plan.partner_id._cobranza_autopay_match_task(plan, lambda env: self.with_env(env).display_name,
                                                         plan.move_ids, first=plan.user_id)

    def _grace_due(self):
        """The day the plan's grace of this installment counts from: its due date, or the last
        day it is charged automatically (retries first)."""
        self.ensure_one()
        if self.autopay_state in autopay.AWAITING or self.autopay_state == "fallback":
            return autopay.last_attempt_date(self.date, self.plan_id._autopay_retry_days())
        return self.date

    # ------------------------------------------------------------------ business methods: post-dated checks
    def _check_deposit(self):
        """Post the check's payment and reconcile it with the plan's invoices (oldest first):
        it pays its installment."""
        today = fields.Date.context_today(self)
        for line in self:
            if line.check_state != "registered":
                raise UserError(_("Only a check in portfolio can be deposited."))
            payment = line.check_id.payment_id
            if payment.state == "draft":
                payment.action_post()
            receivable = payment.move_id.line_ids.filtered(
                lambda l: l.account_id.account_type == "asset_receivable" and not l.reconciled)
            open_lines = line.plan_id.move_ids.line_ids.filtered(
                lambda l: l.account_id == receivable.account_id and not l.reconciled and l.balance > 0)
            (receivable | open_lines).reconcile()
            line.check_state = "deposited"
            line.check_id.activity_ids.sudo().action_feedback(feedback=_("Deposited"))
            line.plan_id.message_post(body=Markup("<p>%s</p>") % _(
                "Check no. %(number)s deposited: it pays %(installment)s.",
                number=line.check_id.name, installment=line.display_name))
            line.plan_id._evaluate(today)

    def _check_reject(self):
        """The check bounced: its payment is cancelled (the invoices owe again), the installment
        falls back to the plan's reminders and grace; customer and collector are told and the
        notice is logged as a contact."""
        for line in self:
            if line.check_state not in ("registered", "deposited"):
                raise UserError(_("Only a check in portfolio or deposited can be rejected."))
            payment = line.check_id.payment_id
            if payment.state != "draft":
                payment.action_draft()
            payment.action_cancel()
            line.check_id.activity_ids.sudo().action_feedback(feedback=_("Rejected by the bank"))
            line.check_state = "rejected"
            plan = line.plan_id
            plan._evaluate(fields.Date.context_today(self))
            env = line.with_context(lang=plan.partner_id.lang or self.env.lang).env
            plan.with_env(env)._notify_customer(env._(
                "Your check no. %(number)s for %(amount)s (%(installment)s) was returned by the bank. Please pay "
                "this installment from the link below, or contact us so we can find a solution together.",
                number=line.check_id.name, amount=format_amount(env, line.amount, plan.currency_id),
                installment=line.with_env(env).display_name), key=f"check:{line.check_id.id}:rejected",
                note=env._("Check no. %s rejected", line.check_id.name))
            Users = self.env["res.users"]
            self.env["mail.activity"]._cobranza_create([{
                "record": plan,
                "user": Users._cobranza_task_user("collector", plan.company_id, plan.partner_id, first=plan.user_id),
                "compose": lambda reader, line=line: (
                    reader.env._("Check no. %(number)s of %(customer)s was rejected",
                                 number=line.check_id.name, customer=reader.partner_id.name),
                    reader.env._("%(installment)s is unpaid again (due on %(date)s): the plan's reminders resume.",
                                 installment=line.with_env(reader.env).display_name,
                                 date=format_date(reader.env, line.date)))}])

    # ------------------------------------------------------------------ business methods
    def _cobranza_payment_link(self):
        """Signed, expiring link to the plan's page, where the customer pays what is left of
        the next installment online (across the covered invoices) without logging in. Its
        prefix stays: the mail templates saved in each database call it by this name."""
        self.ensure_one()
        if self.state == "paid" or self.plan_id.state != "active":
            return False
        return self.env["cobranza.link"]._url(self.plan_id.sudo())
