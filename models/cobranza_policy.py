from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_amount, formatLang, is_html_empty

from ..engine import autopay, schedule


class CobranzaPolicy(models.Model):
    """A collection policy: the ladder of levels applied to a customer's invoices."""

    _name = "cobranza.policy"
    _description = "Collection Policy"
    _inherit = ["mail.thread"]
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company",
        string="Company",
        index=True,
        default=lambda self: self.env.company,
        tracking=True,
        help="Leave empty to share this policy between all companies.",
    )
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
        help="Currency of the amounts of the policy: the company's, or the current "
        "company's for a shared policy.",
    )
    level_ids = fields.One2many("cobranza.policy.level", "policy_id", string="Levels", copy=True)
    level_count = fields.Integer(compute="_compute_level_count")
    tolerance_amount = fields.Monetary(
        string="Tolerance",
        currency_field="currency_id",
        tracking=True,
        help="Invoices whose amount due (in company currency) is below this amount are "
        "never chased.",
    )
    min_days_between_contacts = fields.Integer(
        string="Minimum Days Between Contacts",
        default=1,
        tracking=True,
        help="A customer is not contacted again by the daily run until this many days have "
        "passed since the last contact.",
    )
    responsible_id = fields.Many2one(
        "res.users",
        string="Responsible",
        tracking=True,
        domain=[("share", "=", False)],
        help="Receives collector tasks when the customer has no collector and the invoice no "
        "salesperson, and the legal hand-off tasks.",
    )
    send_thank_you = fields.Boolean(
        string="Thank for Late Payments",
        default=True,
        help="When an invoice that received an overdue reminder is fully paid, thank the customer.",
    )
    thank_you_template_id = fields.Many2one(
        "mail.template",
        string="Thank-you Template",
        domain=[("model", "=", "res.partner")],
        default=lambda self: self.env.ref(
            "account_cobranza.mail_template_cobranza_thank_you", raise_if_not_found=False
        ),
    )
    # promises to pay
    promise_max_days = fields.Integer(
        string="Maximum Promise Delay (Days)", default=30,
        help="A customer cannot promise to pay further than this many days from today.",
    )
    promise_grace_days = fields.Integer(
        string="Promise Grace Days", default=2,
        help="Days after the promised date before the promise counts as broken.",
    )
    promise_escalate = fields.Boolean(
        string="Escalate Broken Promises", default=True,
        help="When a promise is broken, the next level of the ladder is sent at once.",
    )
    promise_broken_limit = fields.Integer(
        string="Broken Promises Before Approval", default=2,
        help="A customer with this many broken promises in the period needs a Collections "
        "Manager to accept a new one (0: never).",
    )
    promise_broken_days = fields.Integer(string="Broken Promises Period (Days)", default=90)
    reply_wait_days = fields.Integer(
        string="Wait for a Reply's Review (Days)", default=3,
        help="While a customer's reply waits for a collector's review, the automatic reminders "
        "wait for that customer, at most this many days after the reply (0: they do not wait).",
    )
    promise_minimum = fields.Selection(
        [("oldest", "The Oldest Invoice Named"), ("all", "Every Invoice Named"), ("percent", "A Share of the Debt Named")],
        string="A Promise Covers at Least", default="oldest", required=True,
        help="What a promise must cover for the reminders of its invoices to wait: the whole "
        "amount due of the oldest invoice it names (of the invoice, when it names one), of every "
        "invoice it names, or a share of it. A Collections Manager can accept less.",
    )
    promise_minimum_percent = fields.Float(string="Minimum Share (%)", digits=(16, 2), default=50.0)
    # payment plans
    fee_document = fields.Selection(
        [("auto", "As the Journal Requires"), ("debit_note", "Debit Note of the Invoice"), ("invoice", "New Invoice")],
        string="Fee Document", default="auto", required=True,
        help="How late fees and plan financing fees are charged. As the journal requires: a debit note of "
             "the invoice where the sale journal uses the localization's documents (Chile, Argentina, Peru: "
             "the debit-note document type), a new invoice elsewhere. A debit note of the invoice: always "
             "(Odoo's Add Debit Note, linked to the invoice it charges). A new invoice: always, where the "
             "country allows it. A plan's fee is a debit note of each of its invoices, in proportion to what "
             "each owes.",
    )
    plan_fee_percentage = fields.Float(
        string="Plan Financing Fee (%)", digits=(16, 2),
        help="Fee on the amount due, invoiced separately when a payment plan is activated.",
    )
    autopay_retry_days = fields.Char(
        string="Retry Declined Charges", default="1, 3, 7",
        help="Days after the due date on which a declined automatic charge of an installment is tried "
             "again (comma-separated, at most five, up to 60). Empty: no retry. After the last one the "
             "installment is paid by hand, with the plan's reminders and grace.",
    )
    autopay_whatsapp_template = fields.Char(
        string="WhatsApp Template (Declined Charge)",
        help="The approved WhatsApp template that tells a customer its automatic charge was declined, "
             "where the invoices' level sends WhatsApp; its three parameters are the customer's name, the "
             "amount and what it was for, and the link to pay it. Empty: email (and SMS) only.",
    )
    autopay_whatsapp_lang = fields.Char(string="Its Language", default="es")
    plan_fee_product_id = fields.Many2one(
        "product.product", string="Financing Fee Product",
        default=lambda self: self.env.ref("account_cobranza.product_financing_fee", raise_if_not_found=False),
    )
    description = fields.Html(translate=True)
    # what the customer is told up front
    customer_terms = fields.Html(
        string="Customer Terms", translate=True,
        help="What the customers of this policy are told up front: the reminders they receive before "
             "and on the due date, the late fee and from when it applies, what happens when the debt "
             "goes to legal collection. Printed on the invoices and the account statements, and shown "
             "in the customer portal, in the customer's language: translate its sentences in each "
             "language (“Write from the Ladder” drafts it from the levels in every installed language). "
             "Leave it empty to print nothing.",
    )
    # monthly statements
    send_statement = fields.Boolean(
        string="Send Monthly Statements", tracking=True,
        help="On the company's statement day (Settings), every customer of this policy with an open "
             "balance receives its account statement by email, the PDF attached, with the link to pay "
             "online; customers may opt out. A statement is information, not a reminder: it also goes "
             "to customers who are not chased or snoozed.",
    )
    statement_template_id = fields.Many2one(
        "mail.template", string="Statement Template", domain=[("model", "=", "res.partner")],
        default=lambda self: self.env.ref("account_cobranza.mail_template_cobranza_statement",
                                          raise_if_not_found=False),
        help="Rendered on the customer, the statement PDF attached. Empty: “Collections: monthly account "
             "statement”.",
    )
    segment_ids = fields.One2many("cobranza.segment", "policy_id", string="Segments")

    # ------------------------------------------------------------------ computes
    @api.depends("company_id")
    @api.depends_context("company")
    def _compute_currency_id(self):
        for policy in self:
            policy.currency_id = (policy.company_id or self.env.company).currency_id

    @api.depends("level_ids")
    def _compute_level_count(self):
        for policy in self:
            policy.level_count = len(policy.level_ids)

    def _promise_max_days(self):
        """How far a promise may go (no policy, or 0: the engine's limit)."""
        return self.promise_max_days or schedule.MAX_PROMISE_DAYS

    # ------------------------------------------------------------------ constraints
    @api.constrains("promise_max_days", "promise_grace_days", "promise_broken_limit", "promise_broken_days",
                    "plan_fee_percentage", "promise_minimum_percent", "reply_wait_days")
    def _check_promise_settings(self):
        for policy in self:
            if min(policy.promise_max_days, policy.promise_grace_days, policy.promise_broken_limit,
                   policy.promise_broken_days, policy.reply_wait_days) < 0 or not 0 <= policy.plan_fee_percentage <= 100 \
                    or not 0 <= policy.promise_minimum_percent <= 100:
                raise ValidationError(_("The promise and plan settings of the policy “%s” must be "
                                        "positive (a fee or a share between 0 and 100%%).", policy.name))

    @api.constrains("autopay_retry_days")
    def _check_autopay_retry_days(self):
        for policy in self:
            try:
                autopay.parse_retry_days(policy.autopay_retry_days)
            except autopay.AutopayError:
                raise ValidationError(_(
                    "The retries of declined charges of the policy “%s” are days after the due date, "
                    "increasing and separated by commas (at most five, up to 60), for example “1, 3, 7”.",
                    policy.name)) from None

    @api.constrains("min_days_between_contacts", "tolerance_amount")
    def _check_amounts(self):
        for policy in self:
            if policy.min_days_between_contacts < 0:
                raise ValidationError(
                    _("The minimum number of days between two contacts cannot be negative.")
                )
            if policy.tolerance_amount < 0:
                raise ValidationError(_("The tolerance amount cannot be negative."))

    @api.constrains("company_id")
    def _check_company_users(self):
        """A policy cannot move to a company while another company relies on it."""
        for policy in self.filtered("company_id"):
            companies = self.env["res.company"].sudo().search(
                [("cobranza_policy_id", "=", policy.id)]
            ) | policy.sudo().segment_ids.company_id
            others = companies - policy.company_id
            if others:
                raise ValidationError(
                    _(
                        "The policy “%(policy)s” cannot belong to %(company)s only: "
                        "%(others)s use it.",
                        policy=policy.display_name,
                        company=policy.company_id.name,
                        others=", ".join(others.mapped("name")),
                    )
                )

    # ------------------------------------------------------------------ CRUD
    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        return [
            dict(vals, name=_("%s (copy)", policy.name)) if "name" not in (default or {}) else vals
            for policy, vals in zip(self, vals_list)
        ]

    # ------------------------------------------------------------------ actions
    def action_cobranza_draft_terms(self):
        """Write the customer terms from the ladder, in every installed language (to be reviewed)."""
        field = self._fields["customer_terms"]
        langs = [code for code, _label in self.env["res.lang"].get_installed() if code != "en_US"]
        for policy in self:
            if not policy.level_ids:
                raise UserError(_("The policy “%s” has no level to describe yet.", policy.name))
            # the English source, then the translation of each of its sentences (terms)
            source = policy.with_context(lang="en_US")._ladder_terms()
            policy.with_context(lang="en_US").customer_terms = source
            terms = field.get_trans_terms(policy.with_context(lang="en_US").customer_terms)
            policy.update_field_translations("customer_terms", {
                lang: dict(zip(terms, field.get_trans_terms(policy.with_context(lang=lang)._ladder_terms())))
                for lang in langs
            })

    def action_view_levels(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Levels of %s", self.display_name),
            "res_model": "cobranza.policy.level",
            "view_mode": "list,form",
            "domain": [("policy_id", "=", self.id)],
            "context": {"default_policy_id": self.id},
        }

    # ------------------------------------------------------------------ business methods
    def _cobranza_customer_terms(self):
        """The terms told to the customers of this policy (HTML, in the context's language),
        or False: none, or no policy."""
        return self.customer_terms if self and not is_html_empty(self.customer_terms) else False

    def _ladder_terms(self):
        """The ladder told to a customer, in the context's language: when it is reminded, the
        late fees and from when, the legal hand-off, and the offer to talk first (HTML)."""
        self.ensure_one()
        env = self.env
        levels = self.level_ids.sorted("offset_days")
        currency = self.currency_id
        messages = levels.filtered(lambda lvl: lvl.automatic and (lvl.send_email or lvl.send_sms or lvl.send_whatsapp
                                                                  or lvl.send_letter))
        before = [lvl.offset_days for lvl in messages if lvl.offset_days <= 0]
        after = [lvl.offset_days for lvl in messages
                 if lvl.offset_days > 0 and not lvl.charge_fee and not lvl.legal_handoff]
        items = []
        if before:
            moments = [env._("%s days before its due date", -days) if days else env._("on its due date")
                       for days in before]
            items.append(env._("We remind you of each invoice before it is due: %s.", ", ".join(moments)))
        if after:
            items.append(env._("If an invoice remains unpaid, we contact you again %s days after its due date.",
                               ", ".join(str(days) for days in after)))
        for level in levels.filtered("charge_fee"):
            if level.fee_type == "percentage":
                fee = env._("%(percent)s%% of the amount due", percent=formatLang(env, level.fee_percentage, digits=2))
                if level.fee_max_amount:
                    fee = env._("%(fee)s (at most %(cap)s)", fee=fee,
                                cap=format_amount(env, level.fee_max_amount, currency))
            else:
                fee = format_amount(env, level.fee_fixed_amount, currency)
            items.append(env._("From %(days)s days after the due date, a late fee of %(fee)s is charged on each "
                               "unpaid invoice.", days=level.offset_days, fee=fee))
        legal = levels.filtered("legal_handoff")[:1]
        if legal:
            items.append(env._("From %s days after the due date, the unpaid balance is handed over to our legal "
                               "department or to a collection agency.", legal.offset_days))
        items.append(env._("If you find it difficult to pay on time, please contact us before the due date: "
                           "we can agree on a payment date or a plan in installments."))
        return Markup("<ul>%s</ul>") % Markup().join(Markup("<li>%s</li>") % item for item in items)
