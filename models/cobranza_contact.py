from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..engine import scoring
from ..utils import ledger_sql
from ..utils.db import insert_rows

CHANNELS = [
    ("email", "Email"),
    ("sms", "SMS"),
    ("whatsapp", "WhatsApp"),
    ("call", "Call"),
    ("letter", "Letter"),
    ("visit", "Visit"),
    ("other", "Other"),
]
# What the dispatcher does with a planned contact: one executor each
# (cobranza_contact_dispatch.py). Empty for a contact a person made (a call, a visit...).
ACTIONS = [
    ("email", "Email"),
    ("sms", "SMS"),
    ("whatsapp", "WhatsApp"),
    ("activity", "Task"),
    ("letter", "Letter"),
    ("fee", "Late Fee"),
    ("legal", "Legal Hand-off"),
]
CHANNEL_REASONS = [
    ("level", "Channel of the level"),
    ("preferred", "Customer's preferred channel"),
    ("best", "Best channel of the segment"),
    ("fallback", "Fallback after a failure"),
    ("person", "Chosen by a person"),
    ("notice", "Notice to the customer"),
]
OUTCOMES = [
    ("no_answer", "No answer"),
    ("promise", "Promise to pay"),
    ("dispute", "Dispute"),
    ("paid", "Says it is paid"),
    ("wrong_number", "Wrong number"),
    ("call_back", "Call back later"),
    ("reached", "Customer reached"),
]
DEFER_REASONS = [
    ("hours", "Outside the allowed hours"),
    ("holiday", "Public holiday"),
    ("weekly_cap", "Weekly limit reached"),
    ("daily_cap", "Daily limit reached"),
    ("too_soon", "Too soon after the previous contact"),
    ("consent", "No consent for the channel"),
]
DELIVERY_STATUSES = [
    ("sending", "Being sent"),
    ("queued", "In the queue"),
    ("retrying", "Retrying"),
    ("sent", "Sent"),
    ("delivered", "Delivered"),
    ("read", "Read"),
    ("failed", "Not delivered"),
]
# Fields that describe what happened: frozen once the contact is sent.
# a planned contact's values of these field types are stored as they are (ids, dates, codes)
PLAIN_COLUMNS = ("many2one", "integer", "date", "datetime", "selection")
FROZEN_FIELDS = {"partner_id", "move_ids", "level_id", "channel", "date", "author_id", "run_id",
                 "outcome", "note", "mail_message_id", "sms_ids", "company_id", "state", "key", "action",
                 "subject", "body", "sms_body", "amount_due", "scheduled_at", "dispatched_at", "fee_move_id",
                 "delivery_status", "delivery_error", "delivery_attempts", "whatsapp_message_id",
                 "credit_allocation"}


def run_key(company_id, partner_id, level_id, run_date, how):
    """The key of a daily-run step: one per company, customer, level, date and executor."""
    if company_id and partner_id and level_id and run_date and how:
        return f"run:{company_id}:{partner_id}:{level_id}:{fields.Date.to_string(run_date)}:{how}"
    return False


class CobranzaContact(models.Model):
    """One contact with a customer about its debt, automatic or by a person: the audit trail.

    Automatic contacts are first *planned* (``state`` planned, or deferred until the moment the
    contact rules allow) by whoever decides them — the daily run, installment reminders, plan
    notices, thank-you messages, the reminder wizard — and then carried out by the dispatcher
    (``_dispatch``, cobranza_contact_dispatch.py), which hands each to the executor of its
    ``action`` and records the result and, for emails and SMS, the real delivery."""

    _name = "cobranza.contact"
    _description = "Collection Contact"
    _order = "date desc, id desc"
    _rec_name = "partner_id"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="restrict"
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    move_ids = fields.Many2many(
        "account.move",
        "cobranza_contact_account_move_rel",
        "contact_id",
        "move_id",
        string="Invoices",
        check_company=True,
    )
    level_id = fields.Many2one("cobranza.policy.level", string="Level", index=True, ondelete="set null")
    channel = fields.Selection(CHANNELS, required=True, default="call")
    channel_reason = fields.Selection(
        CHANNEL_REASONS, string="Why This Channel",
        help="Why the contact goes through this channel: the level's, the customer's preferred "
        "one, its segment's best one, a fallback after another channel failed, or a person's choice.",
    )
    channel_note = fields.Char(
        string="Channel Evidence", readonly=True,
        help="For the level mode “best channel”: the evidence that chose this channel, or why "
             "there was too little of it.",
    )
    action = fields.Selection(
        ACTIONS, string="Executor", index=True,
        help="What the dispatcher does to carry out a planned contact. Empty for a contact a "
        "person made (a call, a visit, a WhatsApp chat).",
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    run_date = fields.Date(
        string="Run Date", help="Reference date of the daily run that made this contact."
    )
    author_id = fields.Many2one(
        "res.users", string="Author", default=lambda self: self.env.user, ondelete="restrict"
    )
    run_id = fields.Many2one("cobranza.run", string="Run", index=True, ondelete="restrict")
    plan_id = fields.Many2one("cobranza.payment.plan", string="Payment Plan", index="btree_not_null",
                              ondelete="set null")
    plan_line_id = fields.Many2one("cobranza.payment.plan.line", string="Installment", ondelete="set null")
    state = fields.Selection(
        [
            ("planned", "Planned"),
            ("sent", "Done"),
            ("failed", "Failed"),
            ("deferred", "Deferred"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        default="sent",
        index=True,
    )
    key = fields.Char(
        compute="_compute_key", store=True, readonly=False, precompute=True, copy=False,
        help="What makes a decision unique: planning it again (a repeated or resumed run) adds nothing.",
    )
    outcome = fields.Selection(OUTCOMES)
    note = fields.Text()
    callback_date = fields.Date(string="Call Back On")
    amount_due = fields.Monetary(
        currency_field="company_currency_id",
        help="Amount due of the listed invoices at the contact, net of the customer's payments and credit "
             "notes not yet matched that cover part of them.")
    credit_allocation = fields.Json(
        readonly=True, copy=False,
        help="The customer's open credits that cover part of the listed invoices: "
             "[[credit journal item id, invoice id, amount in the invoice's currency], ...].")
    credit_line_ids = fields.Many2many(
        "account.move.line", string="Credits Netted", compute="_compute_credit_line_ids",
        help="Payments and credit notes not yet matched that the message nets against its invoices.")
    company_currency_id = fields.Many2one(related="company_id.currency_id")
    # what to send
    mail_template_id = fields.Many2one("mail.template", string="Email Template", ondelete="set null")
    sms_template_id = fields.Many2one("sms.template", string="SMS Template", ondelete="set null")
    attach_invoices = fields.Boolean(string="Attach Invoices")
    attach_statement = fields.Boolean(
        string="Attach Statement", help="Attach the customer's account statement (PDF) to the email.")
    subject = fields.Char()
    body = fields.Html(string="Text", sanitize_style=True,
                       help="The text a person wrote (a reminder, a letter, a notice); else the template's.")
    sms_body = fields.Text(string="SMS Text")
    fallback_channels = fields.Char(
        help="Message channels tried next, in order, when this one fails (e.g. sms,email).")
    # when and what happened
    scheduled_at = fields.Datetime(
        string="Scheduled For", index=True,
        help="The moment the contact may go: now, or the first one the contact rules allow.",
    )
    defer_reason = fields.Selection(DEFER_REASONS, string="Deferred Because")
    dispatched_at = fields.Datetime(
        string="Carried Out", readonly=True, copy=False,
        help="When the dispatcher carried out the contact (queued the email or SMS, created the "
        "task, charged the fee...).",
    )
    mail_message_id = fields.Many2one("mail.message", string="Message", ondelete="set null", index="btree_not_null")
    sms_ids = fields.Many2many("sms.sms", string="SMS")
    activity_id = fields.Many2one("mail.activity", string="Task", ondelete="set null", index="btree_not_null")
    fee_move_id = fields.Many2one("account.move", string="Fee Invoice", ondelete="set null", check_company=True)
    delivery_status = fields.Selection(
        DELIVERY_STATUSES, readonly=True, copy=False,
        help="What became of the message after it left: Odoo's outgoing queue delivers an email or "
        "SMS, retries it when the mail server is unreachable, or reports it not delivered; "
        "WhatsApp reports a message sent, delivered to the phone, read, or not delivered.",
    )
    delivery_error = fields.Char(readonly=True, copy=False)
    delivery_attempts = fields.Integer(readonly=True, copy=False)
    whatsapp_template = fields.Char(
        string="WhatsApp Template", readonly=True,
        help="A notice's own approved template (a level's reminders use the level's).")
    whatsapp_params = fields.Json(string="WhatsApp Parameters", readonly=True)
    whatsapp_message_id = fields.Char(
        string="WhatsApp Message Id", readonly=True, copy=False, index="btree_not_null",
        help="The id WhatsApp gave the message: its delivery receipts name it.")
    override_by_id = fields.Many2one("res.users", string="Rule Overridden By", readonly=True)
    override_reason = fields.Char(string="Override Reason", readonly=True)

    _sql_constraints = [
        (
            "key_unique",
            "UNIQUE (key)",
            "This contact was already decided: the same customer, step and day.",
        ),
    ]

    # ------------------------------------------------------------------ computes
    @api.depends("credit_allocation")
    def _compute_credit_line_ids(self):
        Line = self.env["account.move.line"]
        for contact in self:
            contact.credit_line_ids = Line.browse(sorted({pair[0] for pair in contact.credit_allocation or ()})).exists()

    @api.depends("partner_id", "channel", "date")
    def _compute_display_name(self):
        channels_ = dict(self._fields["channel"]._description_selection(self.env))
        for contact in self:
            contact.display_name = f"{contact.partner_id.name} · {channels_.get(contact.channel, '')}"

    @api.depends("company_id", "partner_id", "level_id", "run_date", "action", "channel")
    def _compute_key(self):
        for contact in self:
            contact.key = run_key(contact.company_id.id, contact.partner_id.id, contact.level_id.id,
                                  contact.run_date, contact.action or contact.channel) or contact.key or False

    # ------------------------------------------------------------------ CRUD
    def write(self, vals):
        frozen = FROZEN_FIELDS.intersection(vals)
        if frozen and not self.env.su and any(c.state in ("sent", "failed", "cancelled") for c in self):
            raise UserError(_("A contact carried out or cancelled is part of the audit trail and cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        if not self.env.su:
            raise UserError(_("Contacts are the audit trail of collections: they cannot be deleted."))

    # ------------------------------------------------------------------ actions
    def action_print_letters(self):
        letters = self.filtered(lambda c: c.channel == "letter" and c.state in ("planned", "sent"))
        if not letters:
            raise UserError(_("Select at least one letter to print."))
        letters._mark_done_by(self.env.user)
        return self.env.ref("account_cobranza.action_report_cobranza_letter").report_action(letters)

    def action_cancel(self):
        if any(c.state not in ("planned", "deferred") for c in self):
            raise UserError(_("Only planned or deferred contacts can be cancelled."))
        self.write({"state": "cancelled"})
        self.activity_id.unlink()

    # ------------------------------------------------------------------ business methods
    @api.model
    def _effectiveness(self, company, date_from, date_to, partners=None, since=None):
        """``[(segment id, channel, tone, contacts, paid within 7 days)]``: the reminders and
        calls about invoices carried out in `company` in the period, and how many were
        followed within 7 days by a payment (or credit note) on an invoice they named, known by
        the end of the period. The segment is the customer's current one. One query.
        `partners`: a Query of customers."""
        self.flush_model()
        self.env["account.move.line"].flush_model()
        self.env["account.partial.reconcile"].flush_model()
        self.env["account.move"].flush_model(["payment_state"])
        self.env["res.partner"].flush_model(["cobranza_segment_id"])
        self.env.cr.execute(SQL(
            """
            WITH c AS (
                SELECT c.id, c.channel, COALESCE(c.run_date, c.date::date) AS day, lvl.tone,
                       (p.cobranza_segment_id ->> %(key)s)::int AS segment_id
                  FROM cobranza_contact c
                  JOIN res_partner p ON p.id = c.partner_id
                  LEFT JOIN cobranza_policy_level lvl ON lvl.id = c.level_id
                 WHERE c.company_id = %(company)s AND c.state = 'sent' AND c.channel IN %(channels)s
                   AND c.channel_reason IS DISTINCT FROM 'notice'
                   AND COALESCE(c.run_date, c.date::date) BETWEEN %(date_from)s AND %(date_to)s %(partners)s
            ), paid_since AS MATERIALIZED (
                -- the invoices named that have been paid at all (one never paid has no
                -- reconciliation to look for: most of those reminded)
                SELECT c.id, c.day, r.move_id
                  FROM c
                  JOIN cobranza_contact_account_move_rel r ON r.contact_id = c.id
                  JOIN account_move m ON m.id = r.move_id
                 WHERE m.payment_state != 'not_paid'
            ), paid AS (
                SELECT DISTINCT paid_since.id
                  FROM paid_since
                  JOIN account_move_line l ON l.move_id = paid_since.move_id
                  JOIN account_partial_reconcile apr ON apr.debit_move_id = l.id
                 WHERE %(receivable)s
                   AND apr.max_date BETWEEN paid_since.day AND LEAST(paid_since.day + 7, %(date_to)s)
            )
            SELECT c.segment_id, c.channel, c.tone, COUNT(*), COUNT(paid.id) %(since)s
              FROM c
              LEFT JOIN paid ON paid.id = c.id
             WHERE c.id IN (SELECT contact_id FROM cobranza_contact_account_move_rel)
             GROUP BY 1, 2, 3
            """,
            key=str(company.id), company=company.id, channels=tuple(scoring.EFFECTIVE_CHANNELS),
            date_from=date_from, date_to=date_to, receivable=ledger_sql.on_receivable("l"),
            partners=ledger_sql.among_partners("c.partner_id", partners),
            since=SQL(", COUNT(*) FILTER (WHERE c.day >= %(day)s), COUNT(paid.id) FILTER (WHERE c.day >= %(day)s)",
                      day=since) if since else SQL(),
        ))
        return self.env.cr.fetchall()

    @api.model
    def _channel_rates(self, company, date):
        """``{segment id: {channel: (contacts, paid within 7 days)}}`` of the contacts of the 180
        days before `date` whose 7 days are over: the evidence of the level mode “best channel”."""
        end = date - timedelta(days=7)
        rows = self._effectiveness(company, end - timedelta(days=scoring.EFFECTIVENESS_DAYS), end)
        rates = {}
        for segment_id, channel, _tone, count, paid in rows:
            contacts, paid_total = rates.setdefault(segment_id, {}).get(channel, (0, 0))
            rates[segment_id][channel] = (contacts + count, paid_total + paid)
        return rates

    @api.model
    def _plan(self, vals_list):
        """Plan contacts: each is carried out by the dispatcher at its ``scheduled_at`` (now
        by default; later when the contact rules defer it). A contact whose key was already
        planned is not planned again: repeating or resuming a decision is harmless. Returns
        the new contacts, inserted at once (a run plans thousands: no per-record machinery;
        nothing is computed from contacts)."""
        now = fields.Datetime.now()
        defaults = {"state": "planned", "scheduled_at": now, "date": now, "channel": "call",
                    "company_id": self.env.company.id, "author_id": self.env.uid}
        vals_list = [{**defaults, **vals} for vals in vals_list]
        keys = [vals.get("key") or run_key(vals.get("company_id"), vals.get("partner_id"), vals.get("level_id"),
                                           vals.get("run_date"), vals.get("action") or vals.get("channel"))
                for vals in vals_list]
        taken = set(self.sudo().search([("key", "in", [key for key in keys if key])]).mapped("key")) \
            if any(keys) else set()
        fresh = []
        for vals, key in zip(vals_list, keys):
            if key and key in taken:
                continue
            taken.add(key)
            fresh.append({**vals, "key": key or False})
        names = sorted({name for vals in fresh for name in vals})
        convert = {name: self._plan_converter(name) for name in names}
        rows = [{name: convert[name](vals.get(name), vals) for name in names} for vals in fresh]
        contacts = insert_rows(self.env, self._name, rows).with_env(self.env)
        if not self.env.su:  # what create() checks for a person: rights, rules, companies
            contacts.check_access("create")
            contacts._check_company()
        return contacts

    def _plan_converter(self, name):
        """How a planned contact's value of `name` is stored, as ``f(value, vals)``: ids and
        dates as they are, ids for a many2many (from its commands), the amount rounded in the
        company's currency, the column value (sanitized, validated) for any other field."""
        field = self._fields[name]
        if field.type in PLAIN_COLUMNS:
            return lambda value, vals: None if value is False else value
        if field.type == "monetary":
            return lambda value, vals: self.env["res.company"].browse(vals["company_id"]).currency_id.round(
                value or 0.0)
        if field.type == "many2many":
            return lambda value, vals: self._command_ids(name, value)
        return lambda value, vals: field.convert_to_column_insert(value, self)

    @api.model
    def _command_ids(self, name, commands):
        """The ids a many2many's `commands` (set, link) give a new record."""
        ids = []
        for command in commands or ():
            if command[0] == fields.Command.SET:
                ids = list(command[2])
            elif command[0] == fields.Command.LINK:
                ids.append(command[1])
            else:
                raise ValueError(f"Unsupported command {command!r} for {name}")
        return ids

    @api.model
    def _notify(self, values, text, records, label, sms=None, whatsapp=None):
        """Tell a customer about an event now: an email contact (and, with `sms`, an SMS
        contact, with `whatsapp` — ``(template, language, parameters)``, the link appended —
        a WhatsApp contact, through the contact rules) planned with `values` (partner, company,
        plan, invoices, key, note...) and dispatched at once; the email says `text` and links
        to the signed page of `records` (`label`; none: no link). A `key` makes it once per
        event."""
        url = self.env["cobranza.link"]._url(records.sudo()) if records else ""
        link = Markup("<p><a href='%s'>%s</a></p>") % (url, label) if records else Markup("")
        base = {"channel_reason": "notice", "author_id": self.env.user.id, **values}
        vals_list = [{**base, "channel": "email", "action": "email", "body": Markup("<p>%s</p>%s") % (text, link)}]
        if sms:
            vals_list.append({**base, "channel": "sms", "action": "sms", "sms_body": f"{sms} {url}",
                              "key": base.get("key") and f"{base['key']}:sms", "subject": False})
        if whatsapp:
            template, lang, parameters = whatsapp
            vals_list.append({**base, "channel": "whatsapp", "action": "whatsapp", "whatsapp_template": template,
                              "whatsapp_params": {"lang": lang, "parameters": [*parameters, url]},
                              "key": base.get("key") and f"{base['key']}:whatsapp", "subject": False})
        contacts = self.sudo()._plan(vals_list)
        contacts._dispatch()
        return contacts

    def _credit_lines(self):
        """The payments and credit notes the contact nets against its invoices, as the
        reminder templates list them (``res.partner._cobranza_reminder_credits``)."""
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id.with_company(self.company_id)
        return partner.with_context(cobranza_credits={partner.id: self.credit_allocation or []}) \
            ._cobranza_reminder_credits(self.move_ids)

    def _net_totals(self):
        """``[(currency, amount due net of the credits)]`` of the contact's invoices."""
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id.with_company(self.company_id)
        return partner.with_context(cobranza_credits={partner.id: self.credit_allocation or []}) \
            ._cobranza_reminder_totals(self.move_ids.filtered("cobranza_payable") or self.move_ids)

    def _pay_qr_src(self):
        """A QR code of the signed link to pay the contact's open invoices (letters)."""
        self.ensure_one()
        return self.env["cobranza.link"]._qr_src(self.move_ids.filtered("cobranza_payable").sudo())

    # ------------------------------------------------------------------ outcome of a contact
    def _mark_sent(self, **values):
        """Mark these planned (or deferred) contacts done now: by their executor (a message
        queued, a fee charged, a task created for the legal hand-off) or by a person (a task
        or a letter done, with the `values` they record: ``author_id``, ``outcome``, ``note``)."""
        now = fields.Datetime.now()
        todo = self.filtered(lambda c: c.state in ("planned", "deferred"))
        carried_out = todo.filtered("dispatched_at")  # a task or letter: carried out before, done now
        carried_out.write({"state": "sent", "date": now, **values})
        (todo - carried_out).write({"state": "sent", "date": now, "dispatched_at": now, **values})

    def _mark_failed(self, reason, **values):
        self.write({"state": "failed", "dispatched_at": fields.Datetime.now(), "note": reason, **values})

    def _mark_cancelled(self, reason, defer_reason=False):
        values = {"state": "cancelled", "dispatched_at": fields.Datetime.now(), "note": reason}
        if defer_reason:
            values["defer_reason"] = defer_reason
        self.write(values)

    def _mark_done_by(self, user, outcome=False, note=False):
        """A person finished these planned tasks or letters (the contact records who and what)."""
        values = {"author_id": user.id}
        if outcome:
            values["outcome"] = outcome
        if note:
            values["note"] = note
        self._mark_sent(**values)
