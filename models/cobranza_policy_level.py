from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..engine import channels, scoring
from .cobranza_contact_rule import allow_all

TONES = [
    ("friendly", "Friendly"),
    ("neutral", "Neutral"),
    ("firm", "Firm"),
    ("final", "Final"),
]


class CobranzaPolicyLevel(models.Model):
    """One step of a policy's ladder, triggered a number of days from the due date."""

    _name = "cobranza.policy.level"
    _description = "Collection Policy Level"
    _order = "policy_id, offset_days, id"
    _check_company_auto = True

    policy_id = fields.Many2one(
        "cobranza.policy", string="Policy", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="policy_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="policy_id.currency_id")
    sequence = fields.Integer(
        compute="_compute_sequence",
        store=True,
        help="Position of the level in its policy's ladder, following the days offset.",
    )
    name = fields.Char(required=True, translate=True)
    offset_days = fields.Integer(
        string="Days from Due Date",
        required=True,
        help="When the level applies, in days relative to the invoice due date: -3 is three "
        "days before the due date, 0 the due date, 15 fifteen days after it.",
    )
    tone = fields.Selection(TONES, required=True, default="neutral")
    automatic = fields.Boolean(
        default=True,
        help="When off, the daily run does not contact the customer itself: it only "
        "schedules a task for the collector, who decides what to send.",
    )
    # email
    send_email = fields.Boolean(string="Email")
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Email Template",
        domain=[("model", "=", "res.partner")],
        help="Rendered on the customer; it lists the invoices reaching this level.",
    )
    attach_invoices = fields.Boolean(
        string="Attach Invoices", help="Attach the PDF of every listed invoice to the email."
    )
    # sms
    send_sms = fields.Boolean(string="SMS")
    sms_template_id = fields.Many2one(
        "sms.template", string="SMS Template", domain=[("model", "=", "res.partner")]
    )
    # whatsapp (Cloud API; collectors also have click-to-chat)
    send_whatsapp = fields.Boolean(string="WhatsApp")
    whatsapp_template_name = fields.Char(
        string="WhatsApp Template",
        help="Name of the template approved by Meta; its body receives the customer's name, the "
        "amount due and the link to pay online.",
    )
    whatsapp_template_lang = fields.Char(string="WhatsApp Template Language", default="es")
    channel_mode = fields.Selection(
        [("fixed", "Every channel ticked"), ("preferred", "The customer's preferred channel"),
         ("best", "The best channel for the customer's segment")],
        string="Channels", default="fixed", required=True,
        help="Every channel ticked, or only one: the customer's preferred channel (or, once the "
        "analytics are available, the one with the best payment rate in its segment), the others "
        "following the fallback order when it is not possible or fails.",
    )
    channel_fallback = fields.Char(
        string="Fallback Order", default="whatsapp,sms,email",
        help="When a message cannot be sent on a channel, the next one of this list is tried.",
    )
    # activity
    create_activity = fields.Boolean(string="Activity")
    activity_type_id = fields.Many2one("mail.activity.type", string="Activity Type")
    activity_summary = fields.Char(string="Activity Summary", translate=True)
    activity_note = fields.Html(string="Activity Note", translate=True)
    # letter
    send_letter = fields.Boolean(
        string="Letter", help="Queue a printable reminder letter for the batch printing."
    )
    # late fee
    charge_fee = fields.Boolean(string="Late Fee")
    fee_type = fields.Selection(
        [("fixed", "Fixed Amount"), ("percentage", "Percentage of the Amount Due")],
        string="Fee Type",
        default="fixed",
    )
    fee_fixed_amount = fields.Monetary(string="Fee Amount", currency_field="currency_id")
    fee_percentage = fields.Float(string="Fee Percentage", digits=(16, 2))
    fee_max_amount = fields.Monetary(
        string="Fee Cap",
        currency_field="currency_id",
        help="Maximum fee charged per invoice; 0 means no cap.",
    )
    fee_product_id = fields.Many2one(
        "product.product",
        string="Fee Product",
        default=lambda self: self.env.ref(
            "account_cobranza.product_late_fee", raise_if_not_found=False
        ),
        help="Product of the fee invoice line (its income account and taxes apply).",
    )
    # legal
    legal_handoff = fields.Boolean(
        string="Legal Hand-off",
        help="Hand the debt to the legal department or a collection agency: automatic "
        "contacts stop and the manager gets a task.",
    )
    channel_summary = fields.Char(compute="_compute_channel_summary", string="Actions")

    # ------------------------------------------------------------------ computes
    @api.depends("policy_id.level_ids.offset_days")
    def _compute_sequence(self):
        for policy in self.policy_id:
            for rank, level in enumerate(policy.level_ids.sorted("offset_days"), start=1):
                level.sequence = rank
        for level in self.filtered(lambda lvl: not lvl.policy_id):
            level.sequence = 0

    @api.depends(
        "send_email", "send_sms", "send_whatsapp", "create_activity", "send_letter", "charge_fee",
        "legal_handoff",
    )
    def _compute_channel_summary(self):
        labels = self._channel_labels()
        for level in self:
            level.channel_summary = ", ".join(
                label for fname, label in labels.items() if level[fname]
            ) or _("Nothing")

    @api.depends("name", "offset_days")
    def _compute_display_name(self):
        for level in self:
            level.display_name = _(
                "%(name)s (%(days)s)", name=level.name or "", days=level._offset_label()
            )

    # ------------------------------------------------------------------ constraints
    @api.constrains("policy_id", "offset_days")
    def _check_offset_unique(self):
        for policy in self.policy_id:
            offsets = policy.level_ids.mapped("offset_days")
            duplicates = sorted({days for days in offsets if offsets.count(days) > 1})
            if duplicates:
                raise ValidationError(
                    _(
                        "Two levels of the policy “%(policy)s” apply on the same day "
                        "(%(days)s days from the due date). Give each level its own day.",
                        policy=policy.name,
                        days=", ".join(map(str, duplicates)),
                    )
                )

    @api.constrains(
        "send_email", "mail_template_id", "send_sms", "sms_template_id", "send_whatsapp",
        "whatsapp_template_name", "create_activity",
        "activity_type_id", "charge_fee", "fee_type", "fee_fixed_amount", "fee_percentage",
        "fee_max_amount", "fee_product_id",
    )
    def _check_channel_requirements(self):
        for level in self:
            problems = []
            if level.send_email and not level.mail_template_id:
                problems.append(_("it sends an email but has no email template"))
            if level.send_sms and not level.sms_template_id:
                problems.append(_("it sends an SMS but has no SMS template"))
            if level.send_whatsapp and not level.whatsapp_template_name:
                problems.append(_("it sends a WhatsApp message but has no WhatsApp template"))
            if level.create_activity and not level.activity_type_id:
                problems.append(_("it schedules an activity but has no activity type"))
            if min(level.fee_fixed_amount, level.fee_max_amount, level.fee_percentage) < 0:
                problems.append(_("a late fee cannot be negative"))
            if level.fee_percentage > 100:
                problems.append(_("a late fee percentage cannot exceed 100%"))
            if level.charge_fee:
                if level.fee_type == "fixed" and not level.fee_fixed_amount:
                    problems.append(_("its fixed late fee has no amount"))
                if level.fee_type == "percentage" and not level.fee_percentage:
                    problems.append(_("its late fee percentage is zero"))
                if not level.fee_product_id:
                    problems.append(_("its late fee has no product"))
            if problems:
                raise ValidationError(
                    _(
                        "The level “%(level)s” of the policy “%(policy)s” cannot be saved: "
                        "%(problems)s.",
                        level=level.name,
                        policy=level.policy_id.name,
                        problems="; ".join(problems),
                    )
                )

    # ------------------------------------------------------------------ business methods
    def _channel_labels(self):
        return {
            "send_email": _("Email"),
            "send_sms": _("SMS"),
            "send_whatsapp": _("WhatsApp"),
            "create_activity": _("Activity"),
            "send_letter": _("Letter"),
            "charge_fee": _("Late fee"),
            "legal_handoff": _("Legal hand-off"),
        }

    def _offset_label(self):
        self.ensure_one()
        if self.offset_days < 0:
            return _("%s days before due date", -self.offset_days)
        if self.offset_days == 0:
            return _("on due date")
        return _("%s days overdue", self.offset_days)

    def _fee_amount(self, move):
        """Late fee of this level for `move`, in the invoice currency, capped."""
        self.ensure_one()
        currency = move.currency_id
        company_currency = move.company_id.currency_id
        date = move._cobranza_today()
        if self.fee_type == "percentage":
            amount = move.amount_residual * self.fee_percentage / 100.0
        else:
            amount = company_currency._convert(self.fee_fixed_amount, currency, move.company_id, date)
        if self.fee_max_amount:
            cap = company_currency._convert(self.fee_max_amount, currency, move.company_id, date)
            amount = min(amount, cap)
        return currency.round(amount)

    # ------------------------------------------------------------------ business methods: the daily run
    def _engine_level(self):
        from ..engine.ladder import Level

        self.ensure_one()
        return Level(
            id=self.id,
            offset_days=self.offset_days,
            automatic=self.automatic,
            legal=self.legal_handoff,
            needs_collector=not self.automatic or self.create_activity or self.legal_handoff,
        )

    def _main_channel(self):
        self.ensure_one()
        for flag, channel in (("send_email", "email"), ("send_sms", "sms"),
                              ("create_activity", "call"), ("send_letter", "letter")):
            if self[flag]:
                return channel
        return "other"

    def _plan_contacts(self, partner, moves, base, gate=allow_all, rates=None):
        """The contacts this level plans for `partner` about `moves` (values for
        ``cobranza.contact._plan``): one per message channel, with the channels to fall back
        to, the collector's task and the letter. `base`: what they all share (customer,
        company, run, invoices, amount). `gate(channel)`: the contact rules' verdict
        (``cobranza.contact.rule._gates``): a deferred contact waits for its moment, a
        refused channel (no consent) gives way to the next one. `rates()`: the evidence of
        the best channel of each segment (``cobranza.contact._channel_rates``)."""
        self.ensure_one()
        if not self.automatic:  # a person decides: only the collector's task
            return [{**base, "channel": self._main_channel(), "action": "activity", "channel_reason": "level"}]
        message = {"mail_template_id": self.mail_template_id.id, "sms_template_id": self.sms_template_id.id,
                   "attach_invoices": self.attach_invoices}
        vals_list, done = [], set()
        best, note = self._best_channel(partner, gate, rates)
        for reason, chain in self._message_chains(partner, best):
            for position, channel in enumerate(chain):
                if channel in done:
                    break
                verdict = gate(channel)
                vals = {**base, **message, "channel": channel, "action": channel,
                        "channel_reason": reason if position == 0 else "fallback",
                        "channel_note": note or False}
                if verdict.refused:
                    vals_list.append({**vals, "state": "cancelled", "defer_reason": verdict.reason})
                    continue
                if verdict.deferred:
                    vals.update(state="deferred", scheduled_at=verdict.at, defer_reason=verdict.reason)
                vals["fallback_channels"] = ",".join(c for c in chain[position + 1:] if c not in done) or False
                vals_list.append(vals)
                done.add(channel)
                break
        if self.create_activity:
            verdict = gate("call")
            phone = self.activity_type_id.category == "phonecall"
            vals_list.append({**base, "channel": "call" if phone else "other", "action": "activity",
                              "channel_reason": "level",
                              # the collector calls on the first day the rules allow
                              "callback_date": verdict.at.date() if verdict.deferred else base.get("run_date")})
        if self.send_letter:
            vals_list.append({**base, "channel": "letter", "action": "letter", "channel_reason": "level"})
        return vals_list

    def _can_send(self, channel, company=None):
        self.ensure_one()
        if channel == "email":
            return bool(self.mail_template_id)
        if channel == "sms":
            return bool(self.sms_template_id)
        if channel == "whatsapp":
            company = company or self.policy_id.company_id or self.env.company
            return bool(self.whatsapp_template_name) and company._cobranza_whatsapp_ready()
        return False

    def _possible_channels(self):
        return [c for c in channels.fallback_order(self.channel_fallback) if self._can_send(c)]

    def _message_chains(self, partner, best=None):
        """``[(reason, [channel, fallback, ...])]``: the message channels to try (engine.channels)."""
        self.ensure_one()
        ticked = [c for c in channels.MESSAGE_CHANNELS if self[f"send_{c}"]]
        return channels.chains(self.channel_mode, ticked, self._possible_channels(),
                               preferred=partner.commercial_partner_id.cobranza_preferred_channel, best=best)

    def _best_channel(self, partner, gate=allow_all, rates=None):
        """``(channel, why)`` for the mode “best channel”: among the channels this level can send
        and the customer may receive (consent, contact rules), the one whose contacts were most
        often followed by a payment within 7 days in the customer's segment, when at least
        30 contacts support it (engine.scoring.best_channel); else ``(None, why)``: the
        preferred channel applies."""
        self.ensure_one()
        if self.channel_mode != "best" or rates is None:
            return None, None
        segment = partner.commercial_partner_id.cobranza_segment_id
        allowed = [c for c in self._possible_channels() if not gate(c).refused]
        evidence = rates().get(segment.id or None, {})
        best, _reason = scoring.best_channel(evidence, allowed, scoring.MIN_EVIDENCE)
        labels = dict(self.env["cobranza.contact"]._fields["channel"]._description_selection(self.env))
        if best:
            contacts, paid = evidence[best]
            return best, _("%(channel)s: %(paid)s of %(contacts)s contacts in the segment “%(segment)s” were "
                           "followed by a payment within 7 days, the best rate of the channels the customer "
                           "may receive.", channel=labels[best], paid=paid, contacts=contacts,
                           segment=segment.name or _("none"))
        return None, _("Too little evidence in the segment “%(segment)s” (fewer than %(minimum)s contacts on "
                       "each channel the customer may receive): the preferred channel applies.",
                       segment=segment.name or _("none"), minimum=scoring.MIN_EVIDENCE)
