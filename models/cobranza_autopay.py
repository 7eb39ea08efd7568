from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date

from ..engine import autopay


class CobranzaAutopay(models.Model):
    """A customer's consent to be charged automatically with a payment method saved with
    Odoo's payment module (a token): a payment plan's installments on their due dates, or,
    without a plan, the customer's invoices on theirs. It keeps the mandate the customer read,
    who accepted it, when and from where, and its withdrawal. One active consent per plan, and
    one for the invoices of a customer in a company."""

    _name = "cobranza.autopay"
    _description = "Automatic Payment Consent"
    _inherit = ["mail.thread"]
    _order = "id desc"
    _check_company_auto = True

    plan_id = fields.Many2one("cobranza.payment.plan", string="Payment Plan", index="btree_not_null",
                              ondelete="cascade", check_company=True,
                              help="Empty: the customer's invoices are charged on their due dates.")
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True,
                                 compute="_compute_partner_company", store=True, readonly=False, precompute=True)
    company_id = fields.Many2one("res.company", required=True, index=True,
                                 compute="_compute_partner_company", store=True, readonly=False, precompute=True)
    token_id = fields.Many2one("payment.token", string="Payment Method", required=True, ondelete="restrict")
    valid_until = fields.Date(related="token_id.cobranza_valid_until", string="Method Valid Until")
    state = fields.Selection([("active", "Active"), ("cancelled", "Cancelled")], default="active",
                             required=True, tracking=True, index=True)
    retry_days = fields.Char(
        string="Retries", readonly=True,
        help="Days after a due date on which a declined charge is tried again, as the customer agreed.")
    mandate = fields.Html(readonly=True, sanitize=True,
                          help="The mandate as the customer read it when accepting it.")
    accepted_date = fields.Datetime(string="Accepted On", readonly=True)
    accepted_user_id = fields.Many2one("res.users", string="Accepted By", readonly=True)
    accepted_ip = fields.Char(string="Accepted From (IP)", readonly=True)
    cancelled_date = fields.Datetime(string="Cancelled On", readonly=True)
    cancelled_user_id = fields.Many2one("res.users", string="Cancelled By", readonly=True)
    charge_ids = fields.One2many("cobranza.charge", "autopay_id", string="Charges")

    _sql_constraints = [
        ("one_active_per_plan", "EXCLUDE (plan_id WITH =) WHERE (state = 'active')",
         "A payment plan has at most one active automatic payment."),
        ("one_active_per_customer", "EXCLUDE (partner_id WITH =, company_id WITH =) "
         "WHERE (state = 'active' AND plan_id IS NULL)",
         "A customer has at most one active automatic payment of its invoices per company."),
    ]

    # ------------------------------------------------------------------ computes
    @api.depends("plan_id")
    def _compute_partner_company(self):
        for consent in self.filtered("plan_id"):
            consent.partner_id = consent.plan_id.partner_id.commercial_partner_id
            consent.company_id = consent.plan_id.company_id

    @api.depends("plan_id.name", "partner_id.name", "token_id.display_name")
    def _compute_display_name(self):
        for consent in self:
            what = consent.plan_id.name or _("Invoices of %s", consent.partner_id.name)
            consent.display_name = f"{what} · {consent.token_id.sudo().display_name or ''}"

    # ------------------------------------------------------------------ constraints
    @api.constrains("token_id", "partner_id", "company_id")
    def _check_token(self):
        for consent in self:
            if consent.token_id not in consent.partner_id._cobranza_autopay_tokens(consent.company_id):
                raise ValidationError(_(
                    "Only a payment method the customer saved, with a provider of %s that charges saved "
                    "methods, can pay automatically.", consent.company_id.name))

    # ------------------------------------------------------------------ actions
    def action_cancel(self):
        """The collector stops the automatic payment (the customer does it from the portal)."""
        self._withdraw(self.env.user)

    # ------------------------------------------------------------------ business methods
    @api.model
    def _grant(self, plan, token, user, ip, valid_until=None):
        """`user`, a user of the customer, accepts to pay `plan`'s installments with `token`
        (valid until `valid_until`, when the customer says it): the consent is stored with
        what it read, the installments are scheduled and the customer gets the mandate by
        email. Replaces an earlier consent of the plan."""
        if plan.state != "active":
            raise UserError(_("Automatic payment can only be set up on an active payment plan."))
        if not plan.line_ids.filtered(lambda line: line.state != "paid"):
            raise UserError(_("There is no installment left to pay on this plan."))
        consent = self._accept(plan.partner_id, plan.company_id, token, user, ip, plan.autopay_ids,
                               plan._autopay_retry_days(), plan=plan.id, valid_until=valid_until)
        plan.line_ids._autopay_schedule()
        plan.message_post(body=Markup("<p>%s</p>") % _(
            "%(user)s set up automatic payment of the installments with %(method)s (from %(ip)s).",
            user=user.name, method=token.display_name, ip=ip or "-"))
        return consent

    @api.model
    def _grant_invoices(self, partner, company, token, user, ip, valid_until=None):
        """`user`, a user of the customer, accepts to have the customer's invoices of `company`
        charged to `token` on their due dates, from today on (invoices in a payment plan are
        paid by its installments). Replaces an earlier such consent."""
        partner, company = partner.commercial_partner_id.with_env(self.env), company.with_env(self.env)
        earlier = self.search([("partner_id", "=", partner.id), ("company_id", "=", company.id),
                               ("plan_id", "=", False), ("state", "=", "active")])
        return self._accept(partner, company, token, user, ip, earlier, partner._cobranza_autopay_retry_days(company),
                            valid_until=valid_until)

    @api.model
    def _accept(self, partner, company, token, user, ip, earlier, retry, plan=False, valid_until=None):
        """Store a consent of `user` (one of `partner`'s) with the mandate in the customer's
        language, after withdrawing the `earlier` ones; the customer gets it by email."""
        if user._is_public() or user.partner_id.commercial_partner_id != partner.commercial_partner_id:
            raise UserError(_("Only a user of the customer can set up automatic payment."))
        if token not in partner._cobranza_autopay_tokens(company, payer=user.partner_id):
            raise ValidationError(_("Only a payment method you saved, or your company's, can pay automatically."))
        if valid_until:
            token.sudo()._cobranza_set_valid_until(valid_until)
        earlier.filtered(lambda c: c.state == "active")._withdraw(user, replaced=True)
        earlier.flush_recordset(["state"])  # one active consent, checked by the database
        consent = self.sudo().create({
            "plan_id": plan, "partner_id": partner.commercial_partner_id.id, "company_id": company.id,
            "token_id": token.id, "retry_days": ", ".join(map(str, retry)),
            "accepted_date": fields.Datetime.now(), "accepted_user_id": user.id, "accepted_ip": ip,
        })
        consent.mandate = consent.with_context(lang=consent.partner_id.lang or self.env.lang)._terms()
        consent._notify_mandate()
        return consent

    def _withdraw(self, user, replaced=False):
        """Stop these consents: no further charge (one being made finishes)."""
        for consent in self.filtered(lambda c: c.state == "active").sudo():  # read access was checked
            consent.write({"state": "cancelled", "cancelled_date": fields.Datetime.now(),
                           "cancelled_user_id": user.id})
            consent.plan_id.line_ids._autopay_unschedule()
            if not replaced:
                consent.message_post(body=Markup("<p>%s</p>") % _("Automatic payment stopped by %s.", user.name))
                if consent.plan_id:
                    consent.plan_id.message_post(body=Markup("<p>%s</p>") % _(
                        "Automatic payment stopped by %s: the installments are paid by hand again.", user.name))

    @api.model
    def _remind_expiring(self, today):
        """Ask the customers whose saved method expires before the last charge it must pay
        (a plan's last installment still to charge; any later invoice) to replace it, a few
        days before its last valid month: once per consent and expiry. Returns the consents
        reminded."""
        horizon = today + timedelta(days=autopay.EXPIRY_NOTICE_DAYS + 31)
        consents = self.sudo().search([("state", "=", "active"), ("token_id.cobranza_valid_until", ">=", today),
                                       ("token_id.cobranza_valid_until", "<=", horizon)])
        reminded = self.browse()
        for consent in consents:
            valid_until = consent.token_id.cobranza_valid_until
            lines = consent.plan_id.line_ids.filtered(lambda l: l.autopay_state in autopay.AWAITING)
            if consent.plan_id and not lines:
                continue  # nothing left for it to pay
            notice = autopay.expiry_notice_date(valid_until, max(lines.mapped("date")) if lines else None)
            if notice and notice <= today:
                consent._notify_expiring()
                reminded |= consent
        return reminded

    def _notify_expiring(self):
        """The reminder to save a new card before this consent's method expires, with how to
        choose it (the next charges go on): once per expiry (the contact's key)."""
        self.ensure_one()
        env = self.with_context(lang=self.partner_id.lang or self.env.lang).env
        month = format_date(env, self.token_id.cobranza_valid_until, date_format="MM/yyyy")
        if self.plan_id:
            expiry = env._("The payment method %(method)s that pays the installments of %(plan)s automatically is "
                           "valid until %(month)s, before the last installment it should pay.",
                           method=self.token_id.display_name, plan=self.plan_id.name, month=month)
        else:
            expiry = env._("The payment method %(method)s that pays your invoices automatically is valid until "
                           "%(month)s.", method=self.token_id.display_name, month=month)
        text = Markup("<p>%s</p><p>%s</p>") % (expiry, env._(
            "So that the next charges go through, please save your new card in your account (My Account, "
            "Payment Methods, or by ticking Save my payment details when you pay) and choose it under Pay "
            "automatically. Nothing changes until then; if you prefer, you can pay by hand as usual."))
        key = f"autopay:{self.id}:expiry:{self.token_id.cobranza_valid_until:%Y-%m}"
        note = env._("Saved payment method expiring (%s): the customer was asked to replace it", month)
        if self.plan_id:
            self.plan_id.with_env(env)._notify_customer(text, key=key, note=note)
        else:
            env["cobranza.contact"]._notify({
                "partner_id": self.partner_id.id, "company_id": self.company_id.id, "note": note,
                "subject": env._("Your payment method expires soon"), "key": key,
            }, text, None, None)

    def _terms(self, token=None, retry=None):
        """The mandate in plain words, in the context's language: what is charged, when, with
        what (`token`; None: the method the customer chooses), the retries and how to stop it.
        Also the terms shown before a consent exists (`self` empty: `retry` given)."""
        env = self.env
        token = token or self.token_id
        retry = autopay.parse_retry_days(self.retry_days) if retry is None else retry
        method = token.display_name if token else env._("the payment method you choose")
        if self.plan_id:
            intro, dates = self.plan_id._autopay_terms_dates(method)
        else:
            intro = env._(
                "%(company)s will charge %(method)s for each of your invoices on its due date, for what it still "
                "owes then (an invoice paid or credited before is not charged). Invoices in a payment plan are "
                "paid by its installments instead.", company=(self.company_id or env.company).name, method=method)
            dates = []
        if retry:
            failed = env._("If a charge is declined, we will tell you and try again %s days after the due date; "
                           "after that, you pay it by hand as usual.", ", ".join(map(str, retry)))
        else:
            failed = env._("If a charge is declined, we will tell you and you pay it by hand as usual.")
        stop = env._("You can stop automatic payment at any time from your account (the same page), or by "
                     "answering our messages; charges already made are not affected.")
        items = Markup("<ul>%s</ul>") % Markup("").join(Markup("<li>%s</li>") % line for line in dates) \
            if dates else Markup("")
        return Markup("<p>%s</p>%s<p>%s</p><p>%s</p>") % (intro, items, failed, stop)

    def _notify_mandate(self):
        """The confirmation email: the mandate the customer accepted."""
        self.ensure_one()
        env = self.with_context(lang=self.partner_id.lang or self.env.lang).env
        what = self.plan_id.name or env._("your invoices")
        text = Markup("%s%s") % (env._(
            "Thank you: automatic payment of %(what)s is set up (accepted on %(date)s by %(user)s).",
            what=what, date=format_date(env, self.accepted_date), user=self.accepted_user_id.name), self.mandate)
        if self.plan_id:
            self.plan_id.with_env(env)._notify_customer(text, key=f"autopay:{self.id}:mandate")
        else:
            env["cobranza.contact"]._notify({
                "partner_id": self.partner_id.id, "company_id": self.company_id.id,
                "subject": env._("Automatic payment of your invoices"), "key": f"autopay:{self.id}:mandate",
            }, text, None, None)
