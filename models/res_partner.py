from datetime import timedelta

import pytz

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import email_normalize_all, format_datetime

from ..utils import ledger_sql
from ..utils.phone import e164, national_digits
from .cobranza_contact_rule import float_to_time

# Set on the commercial entity and shared by its contacts (see _commercial_fields).
COBRANZA_COMMERCIAL_FIELDS = [
    "cobranza_segment_id",
    "cobranza_policy_id",
    "cobranza_collector_id",
    "cobranza_no_chase",
    "cobranza_no_chase_reason",
    "cobranza_preferred_channel",
    "cobranza_consent_sms",
    "cobranza_consent_whatsapp",
    "cobranza_consent_call",
    "cobranza_consent_email",
    "cobranza_consent_statement",
    "cobranza_rules_exempt",
    "cobranza_contact_hour_from",
    "cobranza_contact_hour_to",
]
CONSENT_FIELDS = {
    "sms": "cobranza_consent_sms",
    "whatsapp": "cobranza_consent_whatsapp",
    "call": "cobranza_consent_call",
    "visit": "cobranza_consent_call",
    "email": "cobranza_consent_email",
}

class ResPartner(models.Model):
    _inherit = "res.partner"

    cobranza_segment_id = fields.Many2one(
        "cobranza.segment",
        string="Collection Segment",
        company_dependent=True,
        tracking=True,
        help="Group of customers with a similar payment behaviour in this company, set every "
        "night from its payment history unless the segment is kept; its policy applies unless "
        "the customer has a policy of its own.",
    )
    cobranza_policy_id = fields.Many2one(
        "cobranza.policy",
        string="Collection Policy",
        index=True,
        tracking=True,
        help="Overrides the policy of the customer's segment and the company default.",
    )
    cobranza_collector_id = fields.Many2one(
        "res.users",
        string="Collector",
        index=True,
        tracking=True,
        domain=[("share", "=", False)],
        help="Person in charge of collecting this customer's invoices.",
    )
    cobranza_no_chase = fields.Boolean(
        string="Do Not Chase",
        tracking=True,
        help="The daily run never contacts this customer about its invoices.",
    )
    cobranza_no_chase_reason = fields.Char(string="Reason Not to Chase", tracking=True)
    cobranza_preferred_channel = fields.Selection(
        [("email", "Email"), ("sms", "SMS"), ("whatsapp", "WhatsApp"), ("call", "Phone call"),
         ("letter", "Letter")],
        string="Preferred Channel", tracking=True,
        help="How the customer prefers to be reminded (levels set to “preferred channel”).",
    )
    # consent is given to a creditor: one value per company (the fallback of a company with
    # no value of its own is the global default of data/ir_default_data.xml)
    cobranza_consent_sms = fields.Boolean(string="Accepts SMS", company_dependent=True, tracking=True)
    cobranza_consent_whatsapp = fields.Boolean(string="Accepts WhatsApp", company_dependent=True, tracking=True)
    cobranza_consent_call = fields.Boolean(string="Accepts Calls", company_dependent=True, tracking=True)
    cobranza_consent_email = fields.Boolean(string="Accepts Email", company_dependent=True, tracking=True)
    # not a channel (CONSENT_FIELDS): the monthly statement goes by email, so it needs both
    cobranza_consent_statement = fields.Boolean(
        string="Accepts Monthly Statements", company_dependent=True, tracking=True,
        help="The customer receives its account statement by email every month when its policy sends "
             "statements (and it accepts email).")
    cobranza_contact_hour_from = fields.Float(
        string="Contact From", tracking=True,
        help="Preferred hours to be contacted (the customer's local time), inside the legal "
             "hours of the contact rules. Leave both at 0 for no preference.",
    )
    cobranza_contact_hour_to = fields.Float(string="Contact Until", tracking=True)
    cobranza_rules_exempt = fields.Boolean(
        string="Exempt from Consumer Contact Rules", tracking=True,
        help="A business customer: the legal limits on contacting consumers do not apply.",
    )
    # Collection state in the current company, written by the daily run.
    cobranza_total_due = fields.Float(
        string="Total Due", company_dependent=True, readonly=True, digits="Account",
        help="Open invoices of the customer, in the company currency.",
    )
    cobranza_total_overdue = fields.Float(
        string="Total Overdue", company_dependent=True, readonly=True, digits="Account"
    )
    cobranza_oldest_overdue_days = fields.Integer(
        string="Days Overdue", company_dependent=True, readonly=True,
        help="Days since the due date of the oldest overdue invoice.",
    )
    cobranza_level_id = fields.Many2one(
        "cobranza.policy.level", string="Highest Level", company_dependent=True, readonly=True,
        help="Highest collection level reached by the customer's open invoices.",
    )
    cobranza_next_date = fields.Date(
        string="Next Action", company_dependent=True, readonly=True,
        help="Date of the next step of the collection ladder.",
    )
    cobranza_status = fields.Selection(
        [("needs_action", "Needs Action"), ("waiting", "Waiting"), ("ok", "Up to Date")],
        string="Collection Status", company_dependent=True, readonly=True,
    )
    cobranza_priority = fields.Integer(
        string="Priority", company_dependent=True, readonly=True,
        help="Grows with the amount overdue, its age and the risk of the customer's segment.",
    )
    cobranza_snooze_until = fields.Date(
        string="Snoozed Until", company_dependent=True, tracking=True,
        help="No automatic reminder before this date.",
    )
    cobranza_contact_ids = fields.One2many("cobranza.contact", "partner_id", string="Collection Contacts")
    cobranza_promise_kept_rate = fields.Float(
        string="Promises Kept (%)", readonly=True, digits=(16, 1),
        help="Share of the customer's closed promises to pay that were kept.",
    )
    cobranza_plan_count = fields.Integer(compute="_compute_cobranza_counts")
    cobranza_promise_count = fields.Integer(compute="_compute_cobranza_counts")
    cobranza_dispute_count = fields.Integer(compute="_compute_cobranza_counts")
    cobranza_reply_count = fields.Integer(compute="_compute_cobranza_counts")
    cobranza_autopay_count = fields.Integer(
        string="Automatic Payments", compute="_compute_cobranza_counts",
        help="Payment plans the customer pays automatically with a saved payment method.")
    cobranza_contact_count = fields.Integer(compute="_compute_cobranza_contact_count")
    cobranza_undelivered_count = fields.Integer(
        string="Reminders Not Delivered", compute="_compute_cobranza_contact_count",
        help="Emails and SMS that Odoo's queue could not deliver, or retries for a passing reason.",
    )
    cobranza_currency_id = fields.Many2one(
        "res.currency", compute="_compute_cobranza_currency_id", string="Collection Currency"
    )

    # ------------------------------------------------------------------ computes
    def _compute_cobranza_contact_count(self):
        counts = {(partner, status): count for partner, status, count in self.env["cobranza.contact"]._read_group(
            [("partner_id", "in", self.ids)], ["partner_id", "delivery_status"], ["__count"])}
        for partner in self:
            partner.cobranza_contact_count = sum(n for (p, _status), n in counts.items() if p == partner)
            partner.cobranza_undelivered_count = counts.get((partner, "failed"), 0) + counts.get((partner, "retrying"), 0)

    def _compute_cobranza_counts(self):
        for fname, model, domain in (
            ("cobranza_plan_count", "cobranza.payment.plan", [("state", "in", ("proposed", "active"))]),
            ("cobranza_promise_count", "cobranza.promise", [("state", "=", "open")]),
            ("cobranza_dispute_count", "cobranza.dispute", [("state", "=", "open")]),
            ("cobranza_reply_count", "cobranza.reply", [("state", "=", "to_review")]),
            ("cobranza_autopay_count", "cobranza.autopay", [("state", "=", "active")]),
        ):
            counts = dict(self.env[model].sudo()._read_group(
                [("partner_id", "in", self.ids), *domain], ["partner_id"], ["__count"]))
            for partner in self:
                partner[fname] = counts.get(partner, 0)

    @api.depends_context("company")
    def _compute_cobranza_currency_id(self):
        self.cobranza_currency_id = self.env.company.currency_id

    # ------------------------------------------------------------------ constraints
    @api.constrains("cobranza_contact_hour_from", "cobranza_contact_hour_to")
    def _check_cobranza_contact_hours(self):
        for partner in self:
            start, end = partner.cobranza_contact_hour_from, partner.cobranza_contact_hour_to
            if (start or end) and not 0 <= start < end <= 24:
                raise ValidationError(_(
                    "The preferred contact hours of %s must go from an earlier to a later hour "
                    "of the same day.", partner.display_name))

    @api.constrains("company_id", "cobranza_policy_id", "cobranza_segment_id")
    def _check_cobranza_company(self):
        for partner in self:
            (partner.company_id or self.env.company)._cobranza_ensure_usable(
                partner.cobranza_policy_id if partner.company_id else partner.cobranza_policy_id.browse(),
                partner.cobranza_segment_id)

    # ------------------------------------------------------------------ CRUD
    @api.model
    def _commercial_fields(self):
        return super()._commercial_fields() + COBRANZA_COMMERCIAL_FIELDS

    # ------------------------------------------------------------------ actions
    def _cobranza_wizard(self, model):
        return self.env[model]._open_for(self.commercial_partner_id)

    def action_cobranza_log_call(self):
        return self._cobranza_wizard("cobranza.call.wizard")

    def action_cobranza_send_reminder(self):
        return self._cobranza_wizard("cobranza.reminder.wizard")

    def action_cobranza_whatsapp(self):
        return self._cobranza_wizard("cobranza.whatsapp.wizard")

    def action_cobranza_snooze(self):
        return self._cobranza_wizard("cobranza.snooze.wizard")

    def action_cobranza_assign(self):
        return self._cobranza_wizard("cobranza.assign.wizard")

    def action_cobranza_exclude(self):
        return self._cobranza_wizard("cobranza.exclude.wizard")

    def action_cobranza_resume(self):
        self.commercial_partner_id.write({"cobranza_no_chase": False, "cobranza_no_chase_reason": False,
                                          "cobranza_snooze_until": False})
        self._cobranza_refresh(self, self.env.company)

    def action_cobranza_plan(self):
        return self._cobranza_wizard("cobranza.plan.wizard")

    def action_cobranza_promise(self):
        return self._cobranza_wizard("cobranza.promise.wizard")

    def action_cobranza_dispute(self):
        return self._cobranza_wizard("cobranza.dispute.wizard")

    def _cobranza_related_action(self, xmlid):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    def action_cobranza_view_plans(self):
        return self._cobranza_related_action("account_cobranza.cobranza_payment_plan_action")

    def action_cobranza_view_autopay(self):
        return self._cobranza_related_action("account_cobranza.cobranza_autopay_action")

    def action_cobranza_view_promises(self):
        return self._cobranza_related_action("account_cobranza.cobranza_promise_action")

    def action_cobranza_view_disputes(self):
        return self._cobranza_related_action("account_cobranza.cobranza_dispute_action")

    def action_cobranza_view_contacts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account_cobranza.cobranza_contact_action")
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    def action_cobranza_view_undelivered(self):
        action = self.action_cobranza_view_contacts()
        action["context"] = {**action["context"], "search_default_not_delivered": 1}
        return action

    def action_cobranza_view_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account_cobranza.account_move_action_cobranza")
        action["domain"] = [("commercial_partner_id", "=", self.commercial_partner_id.id),
                            ("move_type", "=", "out_invoice"), ("state", "=", "posted")]
        action["context"] = {"search_default_cobranza_open": 1}
        return action

    def action_cobranza_print_statement(self):
        return self.env.ref("account_cobranza.action_report_cobranza_statement").report_action(
            self.commercial_partner_id)

    def action_cobranza_view_replies(self):
        return self._cobranza_related_action("account_cobranza.cobranza_reply_action")

    # ------------------------------------------------------------------ mail gateway
    def _message_post_after_hook(self, message, msg_values):
        """Extends mail.thread: a customer's answer to a reminder becomes a reply to review."""
        result = super()._message_post_after_hook(message, msg_values)
        self.env["cobranza.reply"]._receive_message(self, message)
        return result

    # ------------------------------------------------------------------ business methods: the customer's collection settings
    def _cobranza_opt_out(self, channels, reply):
        """Withdraw the consent to `channels` ("all": every channel) given to the company the
        customer answered (`reply`), at once, and log it as a contact. Consent is per
        creditor: the other companies keep theirs. Returns the channels stopped."""
        self.ensure_one()
        company = reply.company_id
        partner = self.commercial_partner_id.sudo().with_company(company)
        if "all" in channels:
            channels = ["email", "sms", "whatsapp", "call"]
        fnames = {CONSENT_FIELDS[c] for c in channels if c in CONSENT_FIELDS}
        if not fnames:
            return []
        partner.write(dict.fromkeys(fnames, False))
        stopped = [c for c in ("email", "sms", "whatsapp", "call") if CONSENT_FIELDS[c] in fnames]
        labels = dict(self.env["cobranza.contact"]._fields["channel"]._description_selection(self.env))
        text = _("The customer asked %(company)s not to contact it by %(channels)s any more: consent "
                 "withdrawn for %(company)s.", company=company.name,
                 channels=", ".join(labels[c] for c in stopped))
        self.env["cobranza.contact"].sudo().create({
            "partner_id": partner.id, "company_id": company.id, "channel": reply._reply_channel() or "other",
            "state": "sent", "note": text, "author_id": False, "date": reply.received_at,
            "move_ids": [Command.set(reply.move_ids.ids)],
        })
        partner.message_post(body=text, subtype_xmlid="mail.mt_note")
        return stopped

    def _cobranza_email_addresses(self, moves=None):
        """The email addresses on file for this customer (normalised): its commercial entity,
        every contact of it (invoicing addresses included) and the addresses `moves` were
        invoiced to."""
        commercial = self.commercial_partner_id
        people = self.sudo().with_context(active_test=False).search([("id", "child_of", commercial.ids)])
        if moves:
            people |= moves.sudo().partner_id
        return {address for person in people for address in email_normalize_all(person.email or "")}

    @api.model
    def _cobranza_customers_by_number(self, number, company):
        """The customers of `company` (commercial entities with receivables there) one of
        whose contacts has `number` as mobile or phone, compared exactly in E.164 (a stored
        number without an international prefix is read in its country, else the company's)."""
        wanted = e164(number, company.country_id.code)
        if not wanted:
            return self.browse()
        # every written form of the number contains its national digits: an indexed
        # prefilter, then the exact comparison
        found = self.sudo().search([("phone_mobile_search", "like", national_digits(wanted)),
                                    ("company_id", "in", [False, company.id])])
        found = found.filtered(lambda p: wanted in {
            e164(p[fname], (p.country_id or company.country_id).code) for fname in ("mobile", "phone") if p[fname]})
        commercial = found.commercial_partner_id
        if not commercial:
            return self.browse()
        customers = self.env["account.move.line"].sudo()._read_group([
            ("partner_id", "in", commercial.ids), ("company_id", "=", company.id), ("parent_state", "=", "posted"),
            ("account_id.account_type", "=", ledger_sql.RECEIVABLE),
        ], ["partner_id"])
        return self.browse([partner.id for partner, in customers]).with_env(self.env)

    def _cobranza_has_consent(self, channel):
        self.ensure_one()
        fname = CONSENT_FIELDS.get(channel)
        return not fname or self.commercial_partner_id[fname]

    def _cobranza_preferred_hours(self):
        """(start, end) local times the customer chose to be contacted in, or None."""
        commercial = self.commercial_partner_id
        if not (commercial.cobranza_contact_hour_from or commercial.cobranza_contact_hour_to):
            return None
        return (float_to_time(commercial.cobranza_contact_hour_from),
                float_to_time(min(commercial.cobranza_contact_hour_to, 23 + 59 / 60)))

    def _cobranza_contact_allowed(self, channel, override_reason=False):
        """Refuse a manual contact the contact rules forbid now, unless a Collections Manager
        overrides it with a reason. Returns the contact values recording the override."""
        self.ensure_one()
        company = self.env.company
        partner = self.commercial_partner_id
        rule = self.env["cobranza.contact.rule"]._for_partners(partner, company).get(partner.id)
        if not rule and not partner._cobranza_preferred_hours():
            return {}
        moment = pytz.utc.localize(fields.Datetime.now())
        history = [
            (pytz.utc.localize(c.date), c.channel)
            for c in self.env["cobranza.contact"].sudo().search([
                ("partner_id", "=", partner.id), ("company_id", "=", company.id),
                ("state", "in", ("sent", "planned")), ("date", ">=", fields.Datetime.now() - timedelta(days=8)),
            ])
        ]
        today = fields.Date.context_today(self)
        holidays = rule._holidays(company, today, today + timedelta(days=60))
        verdict = rule._contact_verdict(partner, channel, moment, history, holidays)
        if verdict.allowed:
            return {}
        if override_reason and self.env.user.has_group("account_cobranza.group_cobranza_manager"):
            return {"override_by_id": self.env.user.id, "override_reason": override_reason}
        when = verdict.at and format_datetime(self.env, verdict.at.astimezone(pytz.utc).replace(tzinfo=None),
                                              tz=self.env.context.get("tz"), dt_format="short")
        raise UserError(_(
            "The contact rules “%(rule)s” do not allow contacting %(customer)s now: %(reason)s.%(next)s "
            "A Collections Manager may override it with a reason.",
            rule=rule.name or _("preferred contact hours"), customer=partner.name,
            reason=rule._reason_label(verdict.reason),
            next=(" " + _("First allowed moment: %s.", when)) if when else "",
        ))

    def _cobranza_sms_numbers(self):
        """``{commercial partner id: mobile number in E.164}`` of these customers that have a
        usable one and did not opt out (STOP): two queries for any number of customers."""
        infos = self.commercial_partner_id._sms_get_recipients_info()
        numbers = {pid: info["sanitized"] for pid, info in infos.items() if info["sanitized"]}
        stopped = set(self.env["phone.blacklist"].sudo().search(
            [("number", "in", list(numbers.values()))]).mapped("number")) if numbers else set()
        return {pid: number for pid, number in numbers.items() if number not in stopped}

    def _cobranza_plan_limits(self):
        """Payment plans a collector may grant this customer (its segment's limits)."""
        self.ensure_one()
        segment = self.commercial_partner_id.cobranza_segment_id
        if not segment:  # no segment: the defaults of a new segment
            segment = self.env["cobranza.segment"].new({})
        return {
            "max_installments": segment.plan_max_installments,
            "min_down_payment": segment.plan_min_down_payment,
            "max_days": segment.plan_max_days,
            "grace_days": segment.plan_grace_days,
        }

    def _cobranza_needs_manager_for_promise(self, policy):
        self.ensure_one()
        if not policy.promise_broken_limit:
            return False
        since = fields.Date.context_today(self) - timedelta(days=policy.promise_broken_days)
        broken = self.env["cobranza.promise"].sudo().search_count([
            ("partner_id", "=", self.commercial_partner_id.id), ("state", "=", "broken"), ("date", ">=", since)])
        return broken >= policy.promise_broken_limit

    def _cobranza_store_promise_rate(self):
        """Promise-kept rate of these customers, stored for segmentation and KPIs."""
        stats = self.env["cobranza.promise"].sudo()._read_group(
            [("partner_id", "in", self.commercial_partner_id.ids), ("state", "in", ("kept", "broken"))],
            ["partner_id", "state"], ["__count"])
        totals = {}
        for partner, state, count in stats:
            kept, total = totals.get(partner.id, (0, 0))
            totals[partner.id] = (kept + (count if state == "kept" else 0), total + count)
        for partner in self.commercial_partner_id:
            kept, total = totals.get(partner.id, (0, 0))
            partner.cobranza_promise_kept_rate = 100.0 * kept / total if total else 0.0
