from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

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

    @api.depends("name", "offset_days")
    def _compute_display_name(self):
        for level in self:
            level.display_name = _(
                "%(name)s (%(days)s)", name=level.name or "", days=level._offset_label()
            )

    def _offset_label(self):
        self.ensure_one()
        if self.offset_days < 0:
            return _("%s days before due date", -self.offset_days)
        if self.offset_days == 0:
            return _("on due date")
        return _("%s days overdue", self.offset_days)

    # ------------------------------------------------------------------ daily run
    def _cobranza_engine_level(self):
        from ..engine.ladder import Level

        self.ensure_one()
        return Level(
            id=self.id,
            offset_days=self.offset_days,
            automatic=self.automatic,
            legal=self.legal_handoff,
            needs_collector=not self.automatic or self.create_activity or self.legal_handoff,
        )

    def _cobranza_main_channel(self):
        self.ensure_one()
        for flag, channel in (("send_email", "email"), ("send_sms", "sms"),
                              ("create_activity", "call"), ("send_letter", "letter")):
            if self[flag]:
                return channel
        return "other"

    def _cobranza_execute(self, partner, moves, contact_vals, counters, gate=None):
        """Contact `partner` about `moves` as this level says; one contact row per channel.

        `gate(channel)`: None when the contact rules allow the channel now, else
        ``(datetime, reason)``: the contact is then deferred to that moment."""
        self.ensure_one()
        Contact = self.env["cobranza.contact"]
        partner = partner.with_context(cobranza_move_ids={partner.id: moves.ids})
        if not self.automatic:
            activity = partner._cobranza_schedule_task(
                moves, self.policy_id, self.activity_type_id,
                _("Decide the reminder “%(level)s” for %(customer)s",
                  level=self.name, customer=partner.name),
                self.activity_note,
            )
            Contact.create({**contact_vals, "channel": self._cobranza_main_channel(),
                            "state": "planned", "activity_id": activity.id})
            counters["activity"] += 1
            moves._cobranza_log_reminder(self, _("a task for the collector"))
            return
        labels = []
        names = dict(Contact._fields["channel"]._description_selection(self.env))
        done = set()
        for chain in self._cobranza_message_chains(partner):
            for channel in chain:
                if channel in done:
                    break
                blocked = gate and gate(channel)
                if blocked and blocked[0]:
                    Contact.create({**contact_vals, "channel": channel, "state": "deferred",
                                    "scheduled_at": blocked[0], "defer_reason": blocked[1]})
                    counters["deferred_contacts"] += 1
                    counters[f"deferred:{blocked[1]}"] += 1
                    done.add(channel)
                    break
                if blocked:  # never allowed (no consent...): try the next channel
                    Contact.create({**contact_vals, "channel": channel, "state": "cancelled",
                                    "defer_reason": blocked[1]})
                    continue
                values = self._cobranza_send(channel, partner, moves)
                Contact.create({**contact_vals, "channel": channel, **values})
                if values.get("state") != "failed":
                    counters[channel] += 1
                    labels.append(names[channel])
                    done.add(channel)
                    break
        if self.create_activity:
            blocked = gate and gate("call")
            activity = partner._cobranza_schedule_task(
                moves, self.policy_id, self.activity_type_id,
                self.activity_summary or self.name, self.activity_note,
            )
            if blocked and blocked[0]:  # the collector calls on the first allowed day
                activity.date_deadline = blocked[0].date()
            channel = "call" if activity.activity_type_id.category == "phonecall" else "other"
            Contact.create({**contact_vals, "channel": channel, "state": "planned",
                            "activity_id": activity.id})
            counters["activity"] += 1
            labels.append(_("task"))
        if self.send_letter:
            Contact.create({**contact_vals, "channel": "letter", "state": "planned"})
            counters["letter"] += 1
            labels.append(_("letter"))
        if labels:
            moves._cobranza_log_reminder(self, ", ".join(labels))

    def _cobranza_send(self, channel, partner, moves):
        """Send this level's `channel` to `partner` now; returns the contact's values."""
        self.ensure_one()
        partner = partner.with_context(cobranza_move_ids={partner.id: moves.ids})
        if channel == "email":
            attachments = moves._cobranza_pdf_attachments() if self.attach_invoices else []
            message = partner.message_post_with_source(
                self.mail_template_id, message_type="comment", subtype_xmlid="mail.mt_comment",
                attachment_ids=attachments,
            )
            return {"state": "sent", "mail_message_id": message[:1].id, "date": fields.Datetime.now()}
        if channel == "sms":
            if not partner._cobranza_sms_number():
                return {"state": "failed", "note": _("The customer has no valid mobile number.")}
            message = partner._message_sms_with_template(
                template=self.sms_template_id, partner_ids=partner.ids, put_in_queue=True
            )
            sms = self.env["sms.sms"].sudo().search([("mail_message_id", "in", message.ids)])
            return {"state": "sent", "mail_message_id": message[:1].id, "date": fields.Datetime.now(),
                    "sms_ids": [fields.Command.set(sms.ids)]}
        if channel == "whatsapp":
            number = partner._cobranza_sms_number()
            if not number:
                return {"state": "failed", "note": _("The customer has no valid mobile number.")}
            company = self.env.company
            totals = partner._cobranza_reminder_amount_text()
            try:
                message_id = company._cobranza_whatsapp_send(
                    number, self.whatsapp_template_name, self.whatsapp_template_lang or "es",
                    [partner.name, totals, partner._cobranza_portal_url()],
                )
            except UserError as error:
                return {"state": "failed", "note": str(error.args[0])}
            message = partner.message_post(
                body=_("WhatsApp reminder “%(template)s” sent (%(id)s).",
                       template=self.whatsapp_template_name, id=message_id),
                message_type="comment", subtype_xmlid="mail.mt_note",
            )
            return {"state": "sent", "mail_message_id": message.id, "date": fields.Datetime.now()}
        raise ValueError(channel)

    def _cobranza_can_send(self, channel):
        self.ensure_one()
        if channel == "email":
            return bool(self.mail_template_id)
        if channel == "sms":
            return bool(self.sms_template_id)
        if channel == "whatsapp":
            return bool(self.whatsapp_template_name) and self.env.company._cobranza_whatsapp_ready()
        return False

    def _cobranza_message_chains(self, partner):
        """The message channels to try, each a chain: the channel then its fallbacks."""
        self.ensure_one()
        order = [c.strip() for c in (self.channel_fallback or "").split(",") if c.strip()]
        order += [c for c in ("whatsapp", "sms", "email") if c not in order]
        ticked = [c for c in ("email", "sms", "whatsapp") if self[f"send_{c}"]]
        possible = [c for c in order if self._cobranza_can_send(c)]
        if self.channel_mode == "fixed":
            return [[channel] + [c for c in possible if c != channel] if channel == "whatsapp" else [channel]
                    for channel in ticked]
        # preferred / best (until the analytics provide the best channel: the preferred one)
        preferred = partner.commercial_partner_id.cobranza_preferred_channel
        first = [preferred] if preferred in possible else []
        return [first + [c for c in possible if c in ticked and c not in first]
                + [c for c in possible if c not in ticked and c not in first]]

    def _cobranza_fee_amount(self, move):
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
