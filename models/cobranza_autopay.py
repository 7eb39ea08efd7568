from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date


class CobranzaAutopay(models.Model):
    """A customer's consent to pay a plan's installments automatically with a saved payment
    method (a token of Odoo's payment module): the mandate it read, who accepted it, when and
    from where, and its withdrawal. One active consent per plan."""

    _name = "cobranza.autopay"
    _description = "Automatic Payment Consent"
    _inherit = ["mail.thread"]
    _order = "id desc"
    _check_company_auto = True
    _rec_name = "plan_id"

    plan_id = fields.Many2one("cobranza.payment.plan", string="Payment Plan", required=True, index=True,
                              ondelete="cascade", check_company=True)
    partner_id = fields.Many2one(related="plan_id.partner_id", store=True, index=True, string="Customer")
    company_id = fields.Many2one(related="plan_id.company_id", store=True, index=True)
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
    ]

    # ------------------------------------------------------------------ computes
    @api.depends("plan_id.name", "token_id.display_name")
    def _compute_display_name(self):
        for consent in self:
            consent.display_name = f"{consent.plan_id.name} · {consent.token_id.display_name or ''}"

    # ------------------------------------------------------------------ constraints
    @api.constrains("token_id", "plan_id")
    def _check_token(self):
        for consent in self:
            token = consent.token_id
            if token not in consent.plan_id._autopay_tokens():
                raise ValidationError(_(
                    "Only a payment method the customer saved, with a provider of %s that charges saved "
                    "methods, can pay a plan automatically.", consent.company_id.name))

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
        if user._is_public() or user.partner_id.commercial_partner_id != plan.partner_id.commercial_partner_id:
            raise UserError(_("Only a user of the customer can set up automatic payment."))
        if not plan.line_ids.filtered(lambda line: line.state != "paid"):
            raise UserError(_("There is no installment left to pay on this plan."))
        plan.autopay_ids.filtered(lambda c: c.state == "active")._withdraw(user, replaced=True)
        plan.autopay_ids.flush_recordset(["state"])  # one active consent per plan, checked by the database
        retry = plan._autopay_retry_days()
        consent = self.sudo().create({
            "plan_id": plan.id, "token_id": token.id, "retry_days": ", ".join(map(str, retry)),
            "accepted_date": fields.Datetime.now(), "accepted_user_id": user.id, "accepted_ip": ip,
            "mandate": plan.with_context(lang=plan.partner_id.lang or self.env.lang)._autopay_terms(token),
        })
        plan.line_ids._autopay_schedule()
        consent._notify_mandate()
        plan.message_post(body=Markup("<p>%s</p>") % _(
            "%(user)s set up automatic payment of the installments with %(method)s (from %(ip)s).",
            user=user.name, method=token.display_name, ip=ip or "-"))
        return consent

    def _withdraw(self, user, replaced=False):
        """Stop these consents: no further charge (one being made finishes)."""
        for consent in self.filtered(lambda c: c.state == "active"):
            consent.write({"state": "cancelled", "cancelled_date": fields.Datetime.now(),
                           "cancelled_user_id": user.id})
            consent.plan_id.line_ids._autopay_unschedule()
            if not replaced:
                consent.plan_id.message_post(body=Markup("<p>%s</p>") % _(
                    "Automatic payment stopped by %s: the installments are paid by hand again.", user.name))

    def _notify_mandate(self):
        """The confirmation email: the mandate the customer accepted."""
        self.ensure_one()
        env = self.with_context(lang=self.partner_id.lang or self.env.lang).env
        plan = self.plan_id
        plan.with_env(env)._notify_customer(Markup("%s%s") % (
            env._("Thank you: automatic payment of the plan %(plan)s is set up (accepted on %(date)s by %(user)s).",
                  plan=plan.name, date=format_date(env, self.accepted_date), user=self.accepted_user_id.name),
            self.mandate), key=f"autopay:{self.id}:mandate")
