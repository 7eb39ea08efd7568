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
            consent.display_name = f"{what} · {consent.token_id.display_name or ''}"

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
    def _grant(self, plan, token, user, ip):
        """`user`, a user of the customer, accepts to pay `plan`'s installments with `token`:
        the consent is stored with what it read, the installments are scheduled and the
        customer gets the mandate by email. Replaces an earlier consent of the plan."""
        if plan.state != "active":
            raise UserError(_("Automatic payment can only be set up on an active payment plan."))
        if not plan.line_ids.filtered(lambda line: line.state != "paid"):
            raise UserError(_("There is no installment left to pay on this plan."))
        consent = self._accept(plan.partner_id, plan.company_id, token, user, ip, plan.autopay_ids,
                               plan._autopay_retry_days(), plan=plan.id)
        plan.line_ids._autopay_schedule()
        plan.message_post(body=Markup("<p>%s</p>") % _(
            "%(user)s set up automatic payment of the installments with %(method)s (from %(ip)s).",
            user=user.name, method=token.display_name, ip=ip or "-"))
        return consent

    @api.model
    def _grant_invoices(self, partner, company, token, user, ip):
        """`user`, a user of the customer, accepts to have the customer's invoices of `company`
        charged to `token` on their due dates, from today on (invoices in a payment plan are
        paid by its installments). Replaces an earlier such consent."""
        partner, company = partner.commercial_partner_id.with_env(self.env), company.with_env(self.env)
        earlier = self.search([("partner_id", "=", partner.id), ("company_id", "=", company.id),
                               ("plan_id", "=", False), ("state", "=", "active")])
        return self._accept(partner, company, token, user, ip, earlier, partner._cobranza_autopay_retry_days(company))

    @api.model
    def _accept(self, partner, company, token, user, ip, earlier, retry, plan=False):
        """Store a consent of `user` (one of `partner`'s) with the mandate in the customer's
        language, after withdrawing the `earlier` ones; the customer gets it by email."""
        if user._is_public() or user.partner_id.commercial_partner_id != partner.commercial_partner_id:
            raise UserError(_("Only a user of the customer can set up automatic payment."))
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
        for consent in self.filtered(lambda c: c.state == "active"):
            consent.write({"state": "cancelled", "cancelled_date": fields.Datetime.now(),
                           "cancelled_user_id": user.id})
            consent.plan_id.line_ids._autopay_unschedule()
            if not replaced:
                consent.message_post(body=Markup("<p>%s</p>") % _("Automatic payment stopped by %s.", user.name))
                if consent.plan_id:
                    consent.plan_id.message_post(body=Markup("<p>%s</p>") % _(
                        "Automatic payment stopped by %s: the installments are paid by hand again.", user.name))

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
