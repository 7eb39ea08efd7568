from datetime import timedelta
from decimal import Decimal

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_amount, format_date

from ..engine import autopay, checks, schedule
from ..engine.ladder import PAYABLE_PAYMENT_STATES

FREQUENCIES = [("weekly", "Weekly"), ("biweekly", "Every Two Weeks"), ("monthly", "Monthly")]


def default_first_date(record):
    """A week from today: the usual first installment of a plan."""
    return fields.Date.context_today(record) + timedelta(days=7)


def schedule_error(env, error):
    """The translated UserError of an engine.schedule.ScheduleError."""
    messages = {
        "count": env._("A payment plan has between 1 and %s installments.", schedule.MAX_INSTALLMENTS),
        "first_date": env._("The first installment cannot be due in the past."),
        "first_date_far": env._("The first installment must be due within %s days.", schedule.MAX_FIRST_DAYS),
        "down_payment": env._("The down payment must be positive and smaller than the total."),
        "down_payment_date": env._("The first installment must come after the down payment (today)."),
        "total": env._("There is nothing left to pay on these invoices."),
        "frequency": env._("Unknown installment frequency."),
    }
    return UserError(messages[error.code])


class CobranzaPaymentPlan(models.Model):
    """An agreement to pay a customer's open invoices in installments (cuotas)."""

    _name = "cobranza.payment.plan"
    _description = "Payment Plan"
    _inherit = ["mail.thread", "mail.activity.mixin", "portal.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(default=lambda self: _("New"), readonly=True, copy=False)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, tracking=True,
        domain=[("parent_id", "=", False)],
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(
        "res.currency", compute="_compute_currency_id", store=True, readonly=False, required=True,
        precompute=True,
    )
    user_id = fields.Many2one(
        "res.users", string="Collector", default=lambda self: self.env.user, tracking=True,
        domain=[("share", "=", False)],
    )
    move_ids = fields.Many2many(
        "account.move", "cobranza_payment_plan_move_rel", "plan_id", "move_id",
        string="Invoices", check_company=True,
        domain="[('commercial_partner_id', '=', partner_id), ('company_id', '=', company_id),"
        " ('move_type', '=', 'out_invoice'), ('state', '=', 'posted'),"
        " ('cobranza_payable', '=', True)]",
    )
    state = fields.Selection(
        [("draft", "Draft"), ("proposed", "Waiting Approval"), ("active", "Active"),
         ("done", "Paid"), ("broken", "Broken"), ("cancelled", "Cancelled")],
        default="draft", required=True, tracking=True, index=True, copy=False,
    )
    installment_count = fields.Integer(string="Installments", default=3, required=True, tracking=True)
    frequency = fields.Selection(FREQUENCIES, default="monthly", required=True)
    first_date = fields.Date(string="First Installment", required=True, default=default_first_date)
    down_payment = fields.Monetary(tracking=True)
    invoice_amount = fields.Monetary(
        compute="_compute_invoice_amount", string="Amount Due",
        help="What the selected invoices still owe.",
    )
    fee_amount = fields.Monetary(
        string="Financing Fee", readonly=True, copy=False,
        help="Financing fee of the policy, invoiced separately when the plan is activated.",
    )
    fee_move_id = fields.Many2one("account.move", string="Fee Invoice", readonly=True, copy=False)
    fee_move_ids = fields.Many2many(
        "account.move", "cobranza_payment_plan_fee_move_rel", "plan_id", "move_id", string="Fee Documents",
        readonly=True, copy=False,
        help="The documents charging the financing fee: a debit note of each invoice, or one invoice.",
    )
    total_amount = fields.Monetary(
        string="Total", readonly=True, copy=False,
        help="Amount due of the invoices when the plan was activated, plus the financing fee.",
    )
    paid_amount = fields.Monetary(string="Paid", readonly=True, copy=False)
    start_residual = fields.Monetary(
        readonly=True, copy=False,
        help="What the covered invoices owed at activation: any later decrease is a payment.",
    )
    remaining_amount = fields.Monetary(compute="_compute_remaining_amount", string="Remaining")
    line_ids = fields.One2many("cobranza.payment.plan.line", "plan_id", string="Schedule", copy=False)
    needs_approval = fields.Boolean(compute="_compute_needs_approval")
    approval_reason = fields.Char(compute="_compute_needs_approval")
    approved_by_id = fields.Many2one("res.users", string="Approved By", readonly=True, copy=False)
    activation_date = fields.Date(readonly=True, copy=False)
    end_date = fields.Date(readonly=True, copy=False)
    accepted_date = fields.Datetime(
        string="Accepted by the Customer", readonly=True, copy=False, tracking=True,
        help="When the customer accepted the written agreement (from the portal).",
    )
    accepted_by = fields.Char(readonly=True, copy=False)
    note = fields.Text()
    autopay_ids = fields.One2many("cobranza.autopay", "plan_id", string="Automatic Payment Consents")
    autopay_id = fields.Many2one("cobranza.autopay", compute="_compute_autopay_id", string="Automatic Payment",
                                 help="The customer's active consent to pay the installments automatically.")
    charge_ids = fields.One2many("cobranza.charge", "plan_id", string="Automatic Charges")

    # ------------------------------------------------------------------ computes
    @api.depends("move_ids", "company_id")
    def _compute_currency_id(self):
        for plan in self:
            plan.currency_id = plan.move_ids[:1].currency_id or plan.currency_id or plan.company_id.currency_id

    @api.depends("move_ids.amount_residual")
    def _compute_invoice_amount(self):
        for plan in self:
            plan.invoice_amount = sum(plan.move_ids.mapped("amount_residual"))

    @api.depends("total_amount", "paid_amount")
    def _compute_remaining_amount(self):
        for plan in self:
            plan.remaining_amount = max(plan.total_amount - plan.paid_amount, 0.0)

    @api.depends("installment_count", "down_payment", "first_date", "frequency", "invoice_amount",
                 "partner_id.cobranza_segment_id")
    def _compute_needs_approval(self):
        for plan in self:
            reasons = plan._limit_violations()
            plan.needs_approval = bool(reasons)
            plan.approval_reason = "; ".join(reasons)

    @api.depends("autopay_ids.state")
    def _compute_autopay_id(self):
        for plan in self:
            plan.autopay_id = plan.autopay_ids.filtered(lambda c: c.state == "active")[:1]

    def _compute_access_url(self):
        super()._compute_access_url()
        for plan in self:
            plan.access_url = f"/my/cobranza/plans/{plan.id}"

    # ------------------------------------------------------------------ constraints
    @api.constrains("installment_count", "down_payment")
    def _check_numbers(self):
        for plan in self:
            if not 0 < plan.installment_count <= schedule.MAX_INSTALLMENTS:
                raise ValidationError(_("A payment plan has between 1 and %s installments.", schedule.MAX_INSTALLMENTS))
            if plan.down_payment < 0:
                raise ValidationError(_("The down payment cannot be negative."))

    # ------------------------------------------------------------------ CRUD
    @api.model_create_multi
    def create(self, vals_list):
        plans = super().create(vals_list)
        for plan in plans:
            plan.name = self.env["ir.sequence"].with_company(plan.company_id).next_by_code(
                "cobranza.payment.plan") or _("New")
        return plans

    # ------------------------------------------------------------------ actions
    def action_compute_schedule(self):
        for plan in self.filtered(lambda p: p.state in ("draft", "proposed")):
            plan._validate_invoices()
            plan._write_schedule()

    def action_confirm(self):
        """Activate the plan when inside the limits, else ask a manager."""
        for plan in self:
            if plan.state != "draft":
                raise UserError(_("Only a draft plan can be confirmed."))
            plan._validate_invoices()
            plan._write_schedule()
            if plan.needs_approval and not self.env.user.has_group("account_cobranza.group_cobranza_manager"):
                plan.state = "proposed"
                plan._request_approval()
                plan._refresh_customers()
            else:
                plan._activate()
        return True

    def action_approve(self):
        if not self.env.user.has_group("account_cobranza.group_cobranza_manager"):
            raise UserError(_("Only a Collections Manager can approve a payment plan outside the limits."))
        for plan in self:
            if plan.state != "proposed":
                raise UserError(_("Only a plan waiting for approval can be approved."))
            plan._validate_invoices()
            plan.approved_by_id = self.env.user
            plan.activity_feedback(["mail.mail_activity_data_todo"], feedback=_("Approved"))
            plan._write_schedule()
            plan._activate()
            plan.with_context(lang=plan.partner_id.lang)._notify_customer_approved()

    def action_cancel(self):
        for plan in self:
            if plan.state in ("done", "cancelled"):
                raise UserError(_("This plan is already closed."))
            plan.state = "cancelled"
            plan.activity_unlink(["mail.mail_activity_data_todo"])
            plan.autopay_ids._withdraw(self.env.user)
        self._refresh_customers()

    def action_cancel_autopay(self):
        """The collector stops automatic payment (the customer can from the portal)."""
        self.autopay_id._withdraw(self.env.user)

    def action_register_checks(self):
        """Register the customer's post-dated checks, one per unpaid installment."""
        self.ensure_one()
        if self.state != "active":
            raise UserError(_("Checks secure the installments of an active payment plan."))
        return {
            "type": "ir.actions.act_window", "name": _("Register Post-Dated Checks"),
            "res_model": "cobranza.check.wizard", "view_mode": "form", "target": "new",
            "context": {"default_plan_id": self.id},
        }

    def action_draft(self):
        for plan in self.filtered(lambda p: p.state in ("proposed", "cancelled")):
            plan.state = "draft"

    def action_print_agreement(self):
        return self.env.ref("account_cobranza.action_report_cobranza_plan").report_action(self)

    # ------------------------------------------------------------------ business methods: schedule and limits
    def _limits(self):
        self.ensure_one()
        return self.partner_id.commercial_partner_id.with_company(self.company_id)._cobranza_plan_limits()

    def _limit_violations(self):
        """What puts this plan outside its segment's limits (then a manager approves it)."""
        self.ensure_one()
        limits = self._limits()
        reasons = []
        if self.installment_count > limits["max_installments"]:
            reasons.append(_("%(count)s installments (the limit is %(max)s)",
                             count=self.installment_count, max=limits["max_installments"]))
        total = self.invoice_amount or 0.0
        minimum = schedule.minimum_down_payment(total, limits["min_down_payment"], self.currency_id.decimal_places)
        if total and minimum and self.currency_id.compare_amounts(self.down_payment, float(minimum)) < 0:
            reasons.append(_("a down payment under %s%%", limits["min_down_payment"]))
        try:
            dates = self.first_date and self.installment_count > 0 and schedule.due_dates(
                self.first_date, self.installment_count, self.frequency)
        except schedule.ScheduleError:
            dates = None  # the schedule itself refuses these dates
        if dates:
            days = (dates[-1] - fields.Date.context_today(self)).days
            if days > limits["max_days"]:
                reasons.append(_("%(days)s days long (the limit is %(max)s)", days=days, max=limits["max_days"]))
        return reasons

    def _validate_invoices(self):
        for plan in self:
            moves = plan.move_ids
            if not moves:
                raise UserError(_("Select the invoices the plan covers."))
            moves._cobranza_ensure_owner(plan.partner_id, plan.company_id)
            if len(moves.currency_id) > 1:
                raise UserError(_("A payment plan covers invoices of one currency only."))
            if moves - moves.filtered_domain(moves._cobranza_invoice_domain(PAYABLE_PAYMENT_STATES)):
                raise UserError(_("Only posted customer invoices that are not paid can be in a plan."))
            others = self.search([("id", "!=", plan.id), ("state", "in", ("proposed", "active")),
                                  ("move_ids", "in", moves.ids)])
            if others:
                raise UserError(_("Some of these invoices are already in the plan %s.", others[0].name))

    def _schedule(self, today=None):
        """The installments of this plan (engine values), or a translated UserError."""
        self.ensure_one()
        decimals = self.currency_id.decimal_places
        # the fee invoice, once created, is one of the covered invoices
        total = Decimal(str(self.currency_id.round(self.invoice_amount)))
        try:
            return schedule.build(
                total, self.installment_count, self.first_date, self.frequency, decimals,
                down_payment=Decimal(str(self.down_payment or 0)),
                today=today or fields.Date.context_today(self),
            )
        except schedule.ScheduleError as error:
            raise schedule_error(self.env, error) from None

    def _write_schedule(self):
        for plan in self:
            plan.line_ids.unlink()
            plan.line_ids = [fields.Command.create({
                "sequence": inst.sequence, "date": inst.due, "amount": float(inst.amount),
                "down_payment": inst.down_payment,
            }) for inst in plan._schedule()]

    def _request_approval(self):
        """A task for the Collections Managers (up to five) to approve these plans."""
        Users = self.env["res.users"]
        self.env["mail.activity"]._cobranza_create([{
            "record": plan, "user": manager,
            "compose": lambda reader: (reader.env._("Approve the payment plan %s", reader.name), reader.approval_reason),
        } for plan in self for manager in Users._cobranza_managers(plan.company_id)[:5]], notify=True)

    def _activate(self):
        self.ensure_one()
        policy = self.move_ids[:1]._cobranza_resolve_policy()[self.move_ids[:1]]
        if policy.plan_fee_percentage and not self.fee_move_id:
            self._create_fee(policy)
        self._validate_invoices()
        self._write_schedule()
        self.write({
            "state": "active",
            "activation_date": fields.Date.context_today(self),
            "total_amount": sum(self.line_ids.mapped("amount")),
            "start_residual": sum(self.move_ids.mapped("amount_residual")),
            "paid_amount": 0.0,
        })
        self.message_post(body=Markup("<p>%s</p>") % _(
            "Payment plan activated: %(count)s installments, the ordinary reminders of the "
            "covered invoices are paused.", count=len(self.line_ids)))
        self._refresh_customers()

    def _create_fee(self, policy):
        """Charge the policy's financing fee on the plan's invoices, in proportion to what each
        owes: a debit note of each invoice whose charges are debit notes (as the localization
        requires, or as the policy chose), one invoice for the shares of the others."""
        amount = self.currency_id.round(self.invoice_amount * policy.plan_fee_percentage / 100.0)
        if self.currency_id.is_zero(amount):
            return
        product = policy.plan_fee_product_id or self.env.ref("account_cobranza.product_financing_fee")
        label = _("Financing fee of the payment plan %s", self.name)
        moves = self.move_ids.with_company(self.company_id).sorted(lambda m: (m.invoice_date_due or m.date, m.id))
        shares = schedule.prorate(Decimal(str(amount)), [m.amount_residual for m in moves],
                                  self.currency_id.decimal_places)
        documents = {move: move._cobranza_charge_document(policy.fee_document) for move in moves}
        fees = self.env["account.move"].concat(*(
            move._cobranza_issue_charge("debit_note", product, float(share), label, self.first_date)
            for move, share in zip(moves, shares) if share and documents[move] == "debit_note"))
        invoiced = [(move, share) for move, share in zip(moves, shares) if documents[move] == "invoice"]
        if rest := sum(share for _move, share in invoiced):
            fees |= invoiced[0][0]._cobranza_issue_charge("invoice", product, float(rest), label, self.first_date,
                                                          partner_id=self.partner_id.id, invoice_origin=self.name)
        self.write({"fee_move_id": fees[:1].id, "fee_move_ids": [fields.Command.set(fees.ids)],
                    "fee_amount": sum(fees.mapped("amount_residual")), "move_ids": [fields.Command.link(f.id) for f in fees]})

    def _refresh_customers(self):
        for company in self.company_id:
            plans = self.filtered(lambda p: p.company_id == company)
            self.env["res.partner"]._cobranza_refresh(plans.partner_id, company)

    # ------------------------------------------------------------------ business methods: the daily evaluation
    def _evaluate(self, today):
        """Allocate what was paid to the installments, oldest first, and close the plans that
        are paid or broken. Returns the broken plans."""
        broken = self.browse()
        limits = {}
        for plan in self.filtered(lambda p: p.state == "active"):
            start = plan.start_residual
            now = sum(plan.move_ids.mapped("amount_residual"))
            paid = plan.currency_id.round(max(start - now, 0.0))
            installments = [
                schedule.Installment(line.sequence, line._grace_due(), Decimal(str(line.amount)), line.down_payment)
                for line in plan.line_ids
            ]
            key = plan.partner_id.commercial_partner_id.with_company(plan.company_id)
            limits.setdefault(key, key._cobranza_plan_limits())
            verdict = schedule.evaluate_plan(installments, Decimal(str(paid)), today,
                                             limits[key]["grace_days"])
            plan.paid_amount = paid
            for line, covered in zip(plan.line_ids, verdict.paid):
                line.paid_amount = float(covered)
            if verdict.state == "done":
                plan.write({"state": "done", "end_date": today})
                plan.message_post(body=_("All installments are paid. Thank you!"))
            elif verdict.state == "broken":
                plan.write({"state": "broken", "end_date": today})
                broken |= plan
        broken._notify_broken()
        return broken

    def _notify_broken(self):
        """The customer is told (a contact of the plan) and the collector gets a task."""
        template = self.env.ref("account_cobranza.mail_template_cobranza_plan_broken", raise_if_not_found=False)
        if template:
            self.env["cobranza.contact"].sudo()._plan([{
                "partner_id": plan.partner_id.id, "company_id": plan.company_id.id, "plan_id": plan.id,
                "move_ids": [fields.Command.set(plan.move_ids.ids)], "channel": "email", "action": "email",
                "channel_reason": "notice", "mail_template_id": template.id, "author_id": self.env.user.id,
                "key": f"plan:{plan.id}:broken", "amount_due": plan.remaining_amount,
            } for plan in self])
        Users = self.env["res.users"]
        self.env["mail.activity"]._cobranza_create([{
            "record": plan,
            "user": Users._cobranza_task_user("collector", plan.company_id, plan.partner_id, first=plan.user_id),
            "compose": lambda reader: (
                reader.env._("Payment plan %s is broken: the ordinary reminders resume", reader.name), False),
        } for plan in self])

    def _plan_reminders(self, run):
        """Installment reminders through the calendar (before due, due, overdue): one email per
        plan and day, about its most urgent unpaid installment, planned for `run`."""
        template = self.env.ref("account_cobranza.mail_template_cobranza_installment")
        vals_list = []
        for plan in self:
            due = []
            # an installment paid by its saved method or secured by a check is not asked for
            for line in plan.line_ids.filtered(lambda l: l.state != "paid" and l.autopay_state not in autopay.AWAITING
                                               and l.check_state != "registered"):
                offset = schedule.installment_reminder(line.date, run.date)
                if offset is not None and (not line.reminded or offset > line.reminder_offset):
                    due.append((offset, line))
            if not due:
                continue
            offset, line = max(due, key=lambda item: (item[0], -item[1].sequence))
            for _offset, reminded in due:
                reminded.write({"reminded": True, "reminder_offset": _offset})
            vals_list.append({
                "partner_id": plan.partner_id.id, "company_id": plan.company_id.id, "plan_id": plan.id,
                "plan_line_id": line.id, "move_ids": [fields.Command.set(plan.move_ids.ids)],
                "channel": "email", "action": "email", "channel_reason": "level", "run_id": run.id,
                "run_date": run.date, "mail_template_id": template.id, "author_id": self.env.user.id,
                "key": f"installment:{line.id}:{offset}", "note": _("Reminder of %s", line.display_name),
                "amount_due": line.remaining_amount,
            })
        return self.env["cobranza.contact"].sudo()._plan(vals_list)

    def _cobranza_reminder_line(self):
        """The installment an installment reminder is about (template helper): the one the
        dispatcher put in the context (``cobranza_line_ids``: ``{plan id: line id}``). Its
        prefix stays: the mail templates saved in each database call it by this name."""
        self.ensure_one()
        line_id = (self.env.context.get("cobranza_line_ids") or {}).get(self.id)
        line = self.env["cobranza.payment.plan.line"].browse(line_id)
        return line if line.plan_id == self else self.line_ids.filtered(lambda l: l.state != "paid")[:1]

    # ------------------------------------------------------------------ business methods: the customer
    def _notify_customer(self, text, key=None, note=None, sms=None):
        """Tell the customer `text` by email (its invoicing contacts; with `sms`, also that SMS
        where the contact rules allow), with the signed link to the plan's page (schedule,
        agreement, online payment): a contact of the plan, carried out at once. A person's
        action sends it each time (no `key`); an event (a declined charge, a returned check)
        once (its `key`), logged with its `note`."""
        self.ensure_one()
        self.env["cobranza.contact"]._notify({
            "partner_id": self.partner_id.id, "company_id": self.company_id.id, "plan_id": self.id,
            "move_ids": [fields.Command.set(self.move_ids.ids)], "amount_due": self.invoice_amount, "subject": self.name, "note": note,
            **({"key": key} if key else {}),
        }, text, self, _("See the schedule and pay online"), sms=sms)

    # ------------------------------------------------------------------ business methods: automatic payment
    def _autopay_retry_days(self):
        """The retry days of a declined charge: as the customer agreed, else the policy's."""
        self.ensure_one()
        if self.autopay_id:
            return autopay.parse_retry_days(self.autopay_id.retry_days)
        return self.partner_id._cobranza_autopay_retry_days(self.company_id, self.move_ids[:1])

    def _autopay_tokens(self, payer=None):
        """The saved payment methods that may pay this plan automatically (those `payer`
        may use)."""
        self.ensure_one()
        return self.partner_id._cobranza_autopay_tokens(self.company_id, payer=payer)

    def _autopay_portal_values(self):
        """What the plan's portal page shows a user of the customer about automatic payment:
        the active consent, or the saved methods that can pay it and the terms to accept."""
        self.ensure_one()
        tokens = self._autopay_tokens(payer=self.env.user.partner_id) if self.state == "active" \
            else self.env["payment.token"]
        consent = self.env["cobranza.autopay"].new({"plan_id": self.id, "company_id": self.company_id.id})
        return {
            "consent": self.autopay_id,
            "tokens": tokens,
            "terms": consent._terms(tokens if len(tokens) == 1 else None, self._autopay_retry_days())
            if tokens else False,
            "offered": self.state == "active" and bool(self.line_ids._unsecured()),
        }

    def _autopay_terms_dates(self, method):
        """The mandate's first sentence and the dates and amounts it charges (context's
        language)."""
        self.ensure_one()
        env = self.env
        intro = env._(
            "%(company)s will charge %(method)s for each installment of the payment plan %(plan)s on its due "
            "date, for what is left of it and never more than the covered invoices still owe:",
            company=self.company_id.name, plan=self.name, method=method)
        lines = self.line_ids._unsecured()
        return intro, [env._("%(date)s: %(amount)s", date=format_date(env, line.date),
                             amount=format_amount(env, line.remaining_amount, self.currency_id)) for line in lines]

    # ------------------------------------------------------------------ business methods: post-dated checks
    def _register_checks(self, values_list, journal):
        """Record the customer's post-dated checks on Odoo's third-party checks
        (``l10n_latam_check``), one per unpaid installment, in the order of the schedule:
        `values_list` dicts with ``line`` (an installment), ``number``, ``bank_id``,
        ``issuer_vat``, ``date`` (cash-in date) and ``amount``. Each check waits in a draft
        payment of `journal` until it is deposited; the treasurer gets a task for its date."""
        self.ensure_one()
        if self.state != "active":
            raise UserError(_("Checks secure the installments of an active payment plan."))
        lines = self.line_ids._unsecured()
        if [values["line"] for values in values_list] != list(lines):
            raise UserError(_("Register one check for each installment still to pay, in the order of the schedule."))
        try:
            checks.validate(
                [checks.Check(values["number"], Decimal(str(values["amount"])), values["date"]) for values in values_list],
                [(line.date, Decimal(str(line.remaining_amount))) for line in lines],
                fields.Date.context_today(self), self.currency_id.decimal_places)
        except checks.CheckError as error:
            raise self._check_error(error, lines) from None
        method = journal._cobranza_check_method_line()
        lines._autopay_unschedule()
        payments = self.env["account.payment"].create([{
            "payment_type": "inbound", "partner_type": "customer", "partner_id": self.partner_id.id,
            "company_id": self.company_id.id, "journal_id": journal.id, "payment_method_line_id": method.id,
            "date": values["date"], "currency_id": self.currency_id.id,
            "memo": f"{self.name} · {values['line'].display_name}",
            "l10n_latam_new_check_ids": [fields.Command.create({
                "name": values["number"].strip(), "payment_date": values["date"], "amount": values["amount"],
                # else Odoo's own: the customer's bank account and tax id
                **{key: values[key] for key in ("bank_id", "issuer_vat") if values.get(key)}})],
        } for values in values_list])
        for values, payment in zip(values_list, payments):
            values["line"].write({"check_id": payment.l10n_latam_new_check_ids.id, "check_state": "registered"})
        Users = self.env["res.users"]
        self.env["mail.activity"]._cobranza_create([{
            "record": payment.l10n_latam_new_check_ids, "deadline": values["date"],
            "user": Users._cobranza_task_user("accountant", self.company_id, self.partner_id),
            "compose": lambda reader, plan=self: (
                reader.env._("Deposit check no. %(number)s of %(customer)s", number=reader.name,
                             customer=plan.partner_id.name),
                reader.env._("It pays an installment of the payment plan %s: mark it deposited (or rejected) on "
                             "the plan.", plan.name)),
        } for values, payment in zip(values_list, payments)])
        self.message_post(body=Markup("<p>%s</p>") % _(
            "%(count)s post-dated checks registered: %(numbers)s.", count=len(payments),
            numbers=", ".join(v["number"].strip() for v in values_list)))
        return payments.l10n_latam_new_check_ids

    def _check_error(self, error, lines):
        """The translated UserError of an engine.checks.CheckError."""
        line = lines[error.index] if error.index is not None and error.index < len(lines) else lines.browse()
        env = self.env
        messages = {
            "count": lambda: env._("Register one check for each installment still to pay (%s).", len(lines)),
            "number": lambda: env._("The check of %s has no number.", line.display_name),
            "duplicate": lambda: env._("The check of %s repeats the number of another check.", line.display_name),
            "amount": lambda: env._("The check of %(installment)s must be for %(amount)s, what is left of it.",
                                installment=line.display_name,
                                amount=format_amount(env, line.remaining_amount, self.currency_id)),
            "date": lambda: env._("The check of %(installment)s must be cashable between today and its due date "
                              "(%(date)s).", installment=line.display_name, date=format_date(env, line.date)),
        }
        return UserError(messages[error.code]())

    def _notify_customer_approved(self):
        self._notify_customer(_(
            "Your payment plan %(plan)s is approved: the first installment is due on %(date)s.",
            plan=self.name, date=format_date(self.env, self.line_ids[:1].date)))

    def _notify_customer_requested(self):
        """Acknowledge a plan the customer asked for from the portal."""
        if self.state == "active":
            self._notify_customer_approved()
        else:
            self._notify_customer(_(
                "We received your request for the payment plan %s. It is outside what we can grant "
                "at once, so a manager will review it and we will let you know. Meanwhile the "
                "reminders of these invoices are paused.", self.name))

    def _accept(self, who):
        """The customer accepts the written agreement (from the portal or a signed link)."""
        self.ensure_one()
        if self.state not in ("proposed", "active"):
            raise UserError(_("Only a plan waiting for approval or active can be accepted."))
        if self.accepted_date:
            raise UserError(_("This agreement was already accepted on %s.", format_date(self.env, self.accepted_date)))
        self.write({"accepted_date": fields.Datetime.now(), "accepted_by": who})
        self.message_post(body=_("The customer accepted the agreement online (%s).", who))
