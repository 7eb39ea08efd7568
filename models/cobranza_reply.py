import logging
import re
from datetime import timedelta

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, email_normalize, format_amount, format_date

from ..engine import quoting, replies
from ..utils.html import html_note, text_html
from ..utils.mail import customer_words, mail_text
from .cobranza_dispute import REASONS
from ..utils.db import claim_rows
from .res_partner import CONSENT_FIELDS

_logger = logging.getLogger(__name__)

INTENTS = [
    ("promise", "Promise to Pay"),
    ("paid", "Says It Paid"),
    ("dispute", "Dispute"),
    ("plan", "Asks for a Payment Plan"),
    ("callback", "Contact Preference"),
    ("optout", "Opt-out"),
    ("other", "Other"),
]
SOURCES = [("email", "Email"), ("whatsapp", "WhatsApp"), ("portal", "Customer Portal")]
PREFERRED_CHANNELS = ("email", "sms", "whatsapp", "call")
MAX_BODY = 10 * replies.MAX_TEXT  # kept on the reply; the reading stops at MAX_TEXT (and says so)
PROCESS_BATCH = 200
# a number or folio as a customer writes it: "12", "F-12", "FAC000012", "00001-00000012"
FOLIO_RE = re.compile(r"(?:[A-Z]{1,5}(?:-[A-Z])?-?)?(?:\d+-)?0*(\d+)")


class CobranzaReply(models.Model):
    """A customer's answer to a reminder (email, WhatsApp, portal), read by
    ``engine.replies`` into a proposal a collector accepts or rejects in one click. While a
    reply waits for review, the daily run leaves its customer alone (the policy says how long)."""

    _name = "cobranza.reply"
    _description = "Customer Reply"
    _inherit = ["mail.thread"]
    _order = "received_at desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["partner_id", "sender", "sender_name"]

    partner_id = fields.Many2one("res.partner", string="Customer", index=True, tracking=True,
                                 help="The customer who answered (empty when the sender is unknown).")
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    source = fields.Selection(SOURCES, required=True, default="email", string="Received By")
    sender = fields.Char(help="Email address or phone number the reply came from.")
    sender_name = fields.Char(string="Sender's Name", readonly=True,
                              help="The name the sender gave (its email's display name, its WhatsApp profile).")
    sender_on_file = fields.Boolean(
        string="Sender on File", readonly=True,
        help="The reply came from an address or number on file for the customer (the customer itself, "
             "one of its contacts, its invoicing address). Otherwise it is only a proposal: an opt-out "
             "in it waits for a collector's confirmation.")
    candidate_ids = fields.Many2many(
        "res.partner", "cobranza_reply_candidate_rel", "reply_id", "partner_id", string="Possible Customers",
        readonly=True, help="Customers of the company with the sender's number: choose the one who wrote.")
    external_id = fields.Char(string="Message Id", readonly=True, copy=False,
                              help="The id of the message in its channel (WhatsApp): it is recorded once.")
    message_id = fields.Many2one("mail.message", string="Message", readonly=True, ondelete="set null", index="btree_not_null")
    received_at = fields.Datetime(
        string="Received", required=True, default=fields.Datetime.now, readonly=True,
        help="When this server received the reply: the ladder's wait and the dates the customer "
             "names (\"mañana\", \"el viernes\") count from it.")
    sent_at = fields.Datetime(
        string="Date in the Message", readonly=True,
        help="The date the sender's mail program or WhatsApp wrote in the message: information only.")
    body = fields.Text(string="Text", readonly=True)
    attachment_ids = fields.Many2many("ir.attachment", string="Attachments", readonly=True)
    move_ids = fields.Many2many(
        "account.move", "cobranza_reply_move_rel", "reply_id", "move_id", string="Invoices", check_company=True,
        domain="[('commercial_partner_id', '=', partner_id), ('move_type', '=', 'out_invoice'), ('state', '=', 'posted')]",
    )
    # what the reply says: proposed by the engine, editable while it waits for review
    intent = fields.Selection(INTENTS, default="other", required=True, tracking=True)
    confidence = fields.Float(digits=(16, 2), readonly=True)
    date = fields.Date(string="Proposed Date", help="The promised date (promise), or the day the customer says it paid.")
    amount = fields.Monetary(help="The amount the customer names (company currency); empty: what the invoices owe.")
    reason = fields.Selection(REASONS, string="Dispute Reason")
    channel = fields.Selection([(c, label) for c, label in [
        ("email", "Email"), ("sms", "SMS"), ("whatsapp", "WhatsApp"), ("call", "Phone call")]],
        string="Channel Asked For", help="The channel the customer prefers (contact preference).")
    installments = fields.Integer(help="Installments the customer asks for (payment plan).")
    optout_channels = fields.Char(string="Asks to Stop", readonly=True,
                                  help="Channels the customer asked not to be contacted by (email, sms, whatsapp, "
                                       "call). Applied at once when the reply comes from the customer's own "
                                       "address or number, else when a collector accepts the reply.")
    optout_applied = fields.Boolean(string="Opt-out Applied", readonly=True)
    note = fields.Text(string="Why", readonly=True, help="What the reading noticed: no date, a date beyond the "
                       "policy's maximum, an impossible date, an unknown language, an unknown sender...")
    beyond_max = fields.Boolean(string="Beyond the Policy", compute="_compute_beyond_max", store=True,
                                help="The proposed date is further than the policy allows.")
    state = fields.Selection(
        [("new", "Received"), ("to_review", "To Review"), ("accepted", "Accepted"), ("rejected", "Read"),
         ("ignored", "Ignored")],
        default="new", required=True, index=True, tracking=True,
    )
    reviewed_by_id = fields.Many2one("res.users", string="Reviewed By", readonly=True)
    reviewed_at = fields.Datetime(string="Reviewed On", readonly=True)
    promise_id = fields.Many2one("cobranza.promise", string="Promise", readonly=True, ondelete="set null")
    dispute_ids = fields.Many2many("cobranza.dispute", string="Disputes", readonly=True)
    plan_id = fields.Many2one("cobranza.payment.plan", string="Payment Plan", readonly=True, ondelete="set null")
    activity_id = fields.Many2one("mail.activity", string="Task", readonly=True, ondelete="set null")

    _sql_constraints = [
        ("external_id_unique", "UNIQUE(company_id, source, external_id)",
         "This message was already received."),
    ]

    # ------------------------------------------------------------------ computes
    @api.depends("partner_id", "sender", "intent")
    @api.depends_context("lang")
    def _compute_display_name(self):
        intents = dict(self._fields["intent"]._description_selection(self.env))
        for reply in self:
            reply.display_name = " · ".join(
                filter(None, [reply.partner_id.name or reply.sender, intents.get(reply.intent)]))

    @api.depends("date", "intent", "move_ids", "partner_id", "received_at")
    def _compute_beyond_max(self):
        for reply in self:
            reply.beyond_max = bool(reply.intent == "promise" and reply.date and reply.date > reply._today()
                                    + timedelta(days=reply._policy()._promise_max_days()))

    # ------------------------------------------------------------------ actions
    def action_accept(self):
        """Turn the proposal into what it proposes, with the usual validations; returns the
        form of a record a person completes (a payment plan), if any."""
        action = True
        for reply in self:
            if reply.state != "to_review":
                raise UserError(_("Only a reply to review can be accepted."))
            if reply.intent == "other":
                raise UserError(_("This reply proposes nothing to accept: choose what it says (Intent) "
                                  "or mark it as read."))
            if not reply.partner_id:
                raise UserError(_("Choose the customer who sent this reply first."))
            result = getattr(reply, f"_accept_{reply.intent}")()
            if reply.optout_channels and not reply.optout_applied:
                # a person recognised the customer's reply: its refusal is the customer's
                reply._apply_optout()
            reply.write({"state": "accepted", "reviewed_by_id": self.env.user.id,
                         "reviewed_at": fields.Datetime.now()})
            if isinstance(result, dict):
                action = result
        self._refresh()
        return action

    def action_reject(self):
        """Keep the reply as read: nothing is created, and the ladder goes on."""
        if any(reply.state not in ("to_review", "new") for reply in self):
            raise UserError(_("Only a reply to review can be marked as read."))
        self.write({"state": "rejected", "reviewed_by_id": self.env.user.id, "reviewed_at": fields.Datetime.now()})
        self._refresh()

    def action_read_again(self):
        """Read the text again (after the customer or the text was corrected)."""
        self.filtered(lambda r: r.state in ("new", "to_review"))._process()

    # ------------------------------------------------------------------ interpretation
    @api.model
    def interpret(self, text, date, lang=None):
        """What `text`, written on `date` (the customer's day), says: ``{intent, date,
        amount, reason, confidence, currency, channel, optout, installments, invoice_refs,
        language, notes}`` (``engine.replies``). For the people who read replies (and code):
        portal and public users are refused."""
        self.browse().check_access("read")
        return self._interpret(text, fields.Date.to_date(date) or fields.Date.context_today(self), lang).as_dict()

    @api.model
    def _interpret(self, text, date, lang=None, channel=None, has_attachments=False):
        return replies.interpret(text, date, lang, channel=channel, has_attachments=has_attachments)

    def _today(self):
        """The day the reply was written, in the customer's time zone."""
        self.ensure_one()
        tz = self.partner_id.tz or self.company_id.partner_id.tz or "UTC"
        return fields.Date.context_today(self.with_context(tz=tz), self.received_at or fields.Datetime.now())

    def _policy(self):
        self.ensure_one()
        moves = self.move_ids or self._open_invoices()
        if moves:
            return moves[:1]._cobranza_resolve_policy()[moves[:1]]
        return self.company_id.cobranza_policy_id

    def _open_invoices(self):
        self.ensure_one()
        if not self.partner_id:
            return self.env["account.move"]
        return self.env["account.move"].sudo().search([
            ("commercial_partner_id", "=", self.partner_id.id), ("company_id", "=", self.company_id.id),
            ("move_type", "=", "out_invoice"), ("state", "=", "posted"), ("cobranza_payable", "=", True),
        ], order="invoice_date_due, id").with_env(self.env)

    def _process(self):
        """Read each reply into its proposal (state *to review*); an opt-out withdraws the
        consent at once. A reply that cannot be read stays *received* with the reason."""
        for reply in self:
            try:
                with self.env.cr.savepoint():
                    reply._read()
            except Exception as error:  # noqa: BLE001 - the reply is kept, with the reason
                _logger.warning("Collections: reply %s could not be read", reply.id, exc_info=True)
                reply.note = _("This reply could not be read (%s): please read it yourself.", error)
                reply.state = "to_review"
        self._refresh()

    def _read(self):
        self.ensure_one()
        if self.source == "whatsapp" and not self.partner_id:
            self._identify_by_number()
        partner = self.partner_id
        reading = self._interpret(self._text_to_read(), self._today(),
                                  partner.lang or self.company_id.partner_id.lang,
                                  channel=self._reply_channel(), has_attachments=bool(self.attachment_ids))
        notes = [self._note_text(code, detail) for code, detail in reading.notes]
        moves = self.move_ids or self._named_invoices(reading.invoice_refs) or self._reminded_invoices()
        if not partner and self.candidate_ids:
            notes.append(_("Several customers of %(company)s have the number %(number)s (%(names)s): choose the "
                           "one who wrote.", company=self.company_id.name, number=self.sender or "?",
                           names=", ".join(self.candidate_ids.mapped("display_name"))))
        elif not partner:
            notes.append(_("The sender (%(sender)s) is not a known customer of %(company)s: choose the customer.",
                           sender=self.sender or "?", company=self.company_id.name))
        elif not self.sender_on_file:
            notes.append(_("The sender (%s) is not an address or number on file for this customer: check who "
                           "wrote before accepting.", self.sender or "?"))
        elif not moves and reading.intent in ("promise", "dispute", "plan"):
            notes.append(_("The customer has no open invoice to apply this to."))
        vals = {
            "intent": reading.intent, "confidence": reading.confidence, "date": reading.date,
            "amount": reading.amount or 0.0, "reason": reading.reason if reading.intent == "dispute" else False,
            "channel": reading.channel if reading.channel in PREFERRED_CHANNELS else False,
            "installments": reading.installments or 0, "move_ids": [Command.set(moves.ids)], "state": "to_review",
        }
        if reading.intent == "promise" and not reading.date and not any(c == "impossible_date" for c, _d in reading.notes):
            vals["date"] = replies.promise_date(reading, self._today())
        if reading.amount and reading.currency and reading.currency != self.company_id.currency_id.name:
            notes.append(_("The customer names an amount in %s: check it against the invoices.", reading.currency))
        asked = list(reading.optout) or ([self._reply_channel() or "email"] if reading.intent == "optout" else [])
        if asked and not self.optout_applied:
            vals["optout_channels"] = ",".join(asked)
        self.write(vals)
        if self.beyond_max:
            notes.append(_("The promised date is beyond the policy's maximum of %s days: agree a nearer "
                           "date with the customer, or ask a manager.", self._policy()._promise_max_days()))
        if self.optout_channels and not self.optout_applied:
            if partner and self.sender_on_file:
                self._apply_optout()
                if reading.intent == "optout":
                    self.state = "accepted"
                notes.append(_("Applied at once, as the law requires: %(company)s does not contact the customer "
                               "by %(channels)s any more.", company=self.company_id.name,
                               channels=self._channel_labels(self.optout_channels)))
            else:
                notes.append(_("The message asks to stop %s: as it does not come from the customer's own address "
                               "or number, it is applied only when you accept it.",
                               self._channel_labels(self.optout_channels)))
        self.note = "\n".join(notes) or False

    def _text_to_read(self):
        """The customer's own words: for an email that answers one of our messages, without
        any line that repeats that message (whatever its client did with the quote)."""
        self.ensure_one()
        text = self.body or ""
        parent = self.message_id.parent_id
        if self.source == "email" and parent.body:
            text = quoting.without_lines_of(text, mail_text(parent.body))
        return text

    def _identify_by_number(self):
        """A WhatsApp sender is the customer of the receiving company with that number,
        exactly; with several, a person chooses among them."""
        self.ensure_one()
        # WhatsApp names its sender by its international number, without the "+"
        number = f"+{self.sender}" if (self.sender or "").isdigit() else self.sender
        candidates = self.env["res.partner"]._cobranza_customers_by_number(number, self.company_id)
        if len(candidates) == 1:
            self.write({"partner_id": candidates.id, "sender_on_file": True, "candidate_ids": [Command.clear()]})
        else:
            self.candidate_ids = [Command.set(candidates.ids)]

    def _channel_labels(self, codes):
        labels = dict(self.env["cobranza.contact"]._fields["channel"]._description_selection(self.env))
        codes = ["email", "sms", "whatsapp", "call"] if "all" in codes.split(",") else codes.split(",")
        return ", ".join(labels.get(code, code) for code in codes)

    def _apply_optout(self):
        """Withdraw the consent the reply asks to withdraw, for the company it was sent to."""
        self.ensure_one()
        stopped = self.partner_id._cobranza_opt_out(self.optout_channels.split(","), self)
        self.write({"optout_channels": ",".join(stopped) or self.optout_channels, "optout_applied": True})

    def _note_text(self, code, detail):
        return {
            "empty": _("The message has no text."),
            "truncated": _("The message is very long: only its first %s KB were read.", detail),
            "unknown_language": _("The language of the message was not recognised."),
            "impossible_date": _("The customer names a date that does not exist (%s).", detail),
            "past_date": _("The customer names a past date (%s) for a payment to come.", detail),
            "no_date": _("The customer names no date: a week from the message is proposed."),
        }.get(code, code)

    def _named_invoices(self, refs):
        """The customer's open invoices the text names: by name ("INV/2026/00012", "FAC
        000123"), reference, number or folio ("la factura 12", "folio 12", "F-12", Argentina's
        "00001-00000012"), leading zeros ignored."""
        if not refs or not self.partner_id:
            return self.env["account.move"]
        moves = self._open_invoices()
        wanted = {ref.upper().replace(" ", "") for ref in refs}
        numbers = {int(match.group(1)) for ref in wanted if (match := FOLIO_RE.fullmatch(ref))}
        named = moves.filtered(lambda m: (m.name or "").upper().replace(" ", "") in wanted
                               or (m.ref or "").upper() in wanted)
        numbered = (moves - named).filtered(lambda m: numbers & {m.sequence_number, m._cobranza_folio()})
        # each document type numbers its own folios: "la factura 12" is the invoice 12, not the
        # debit note 12 of a fee; several invoices of that number is no answer
        invoices = numbered.filtered(lambda m: not m.debit_origin_id)
        for number in numbers:
            same = invoices.filtered(lambda m: number in (m.sequence_number, m._cobranza_folio()))
            if len(same) > 1:
                invoices -= same
        return named | invoices

    def _reminded_invoices(self):
        """The still open invoices of the reminder answered (the email replied to, else the
        customer's last message), else all of the customer's open invoices."""
        Contact = self.env["cobranza.contact"].sudo()
        contact = Contact.browse()
        if self.message_id.parent_id:
            contact = Contact.search([("mail_message_id", "=", self.message_id.parent_id.id)], limit=1)
        if not contact and self.partner_id:
            contact = Contact.search([("partner_id", "=", self.partner_id.id), ("company_id", "=", self.company_id.id),
                                      ("state", "=", "sent"), ("channel", "in", ("email", "sms", "whatsapp"))],
                                     order="date desc, id desc", limit=1)
        moves = contact.move_ids.filtered("cobranza_payable").with_env(self.env)
        if self.message_id.model == "account.move":
            moves = moves.browse(self.message_id.res_id).filtered("cobranza_payable") or moves
        return moves or self._open_invoices()

    # ------------------------------------------------------------------ acceptance
    def _reply_channel(self):
        """The message channel the reply came through (None: the portal's chatter)."""
        return self.source if self.source in ("email", "whatsapp") else None

    def _require_invoices(self):
        if not self.move_ids:
            raise UserError(_("Choose the invoices this reply is about."))
        return self.move_ids

    def _accept_promise(self):
        moves = self._require_invoices()
        if not self.date:
            raise UserError(_("Set the promised date first."))
        amount = self.amount or sum(moves.mapped("amount_residual_signed"))
        self.promise_id = self.env["cobranza.promise"].create({
            "partner_id": self.partner_id.id, "company_id": self.company_id.id, "move_ids": [Command.set(moves.ids)],
            "amount": amount, "date": self.date, "channel": self._reply_channel() or "other", "origin": self.source,
            "note": (self.body or "")[:2000],
        })
        self.promise_id.message_post(body=_("Promise proposed by the customer's reply and accepted by %s.",
                                            self.env.user.name))

    def _accept_dispute(self):
        moves = self._require_invoices().filtered("cobranza_payable")
        if not moves:
            raise UserError(_("None of these invoices can be disputed any more (they are paid)."))
        disputes = self.env["cobranza.dispute"].create([{
            "move_id": move.id, "reason": self.reason or "other", "origin": self.source,
            "description": (self.body or "").strip()[:5000] or _("Disputed in a reply."),
            "attachment_ids": [Command.set(self.attachment_ids.ids)] if len(moves) == 1 else [],
        } for move in moves])
        self.dispute_ids = [Command.set(disputes.ids)]

    def _accept_paid(self):
        """The customer says it paid: held like a claim by phone
        (``res.partner._cobranza_payment_claimed``), with the customer's receipt."""
        self.ensure_one()
        self.activity_id = self.partner_id._cobranza_payment_claimed(
            self.company_id, self._compose_paid_task, self.attachment_ids, self._policy().reply_wait_days)

    def _compose_paid_task(self, partner):
        """The accountant's task of a reply saying it paid, in the language of `partner`'s env."""
        self.ensure_one()
        env = partner.env
        reply = self.with_env(env)
        amount = format_amount(env, reply.amount, reply.currency_id) if reply.amount else env._("an amount not stated")
        return env._("Find the payment %s says it made", partner.name), html_note(
            env._("%(customer)s says it paid %(invoices)s (%(amount)s, on %(date)s). Receipt attached to the "
                  "customer's message, if any."),
            customer=partner.name, invoices=", ".join(reply.move_ids.mapped("name")) or env._("its open invoices"),
            amount=amount, date=format_date(env, reply.date) if reply.date else env._("a date not stated"))

    def _accept_plan(self):
        moves = self._require_invoices()
        plan = self.env["cobranza.payment.plan"].create({
            "partner_id": self.partner_id.id, "company_id": self.company_id.id, "move_ids": [Command.set(moves.ids)],
            "installment_count": self.installments or 3,
            "note": _("Asked for by the customer: %s", (self.body or "")[:1000]),
        })
        plan.action_compute_schedule()
        self.plan_id = plan
        return {"type": "ir.actions.act_window", "res_model": "cobranza.payment.plan", "res_id": plan.id,
                "view_mode": "form", "target": "current"}

    def _accept_callback(self):
        """The customer's contact preference: the channel it asks for becomes its preferred
        one (and consented to); a call it asks for is a task for its collector."""
        partner = self.partner_id
        vals = {}
        if self.channel:
            vals["cobranza_preferred_channel"] = self.channel
            vals[CONSENT_FIELDS[self.channel]] = True
        if vals:
            partner.sudo().write(vals)  # the customer's own wish, whoever records it
        if self.channel in (False, "call"):
            self.activity_id = self.env["mail.activity"]._cobranza_create([{
                "record": partner, "activity_type": "mail.mail_activity_data_call", "deadline": self.date,
                "user": self.env["res.users"]._cobranza_task_user("collector", self.company_id, partner),
                "compose": lambda reader: (reader.env._("Call %s back, as asked", reader.name),
                                           text_html((self.body or "")[:2000])),
            }], notify=True)

    def _accept_optout(self):
        """Applied on receipt when the customer's own address or number sent it (``_read``);
        otherwise, or when a collector re-typed the intent, accepting applies it
        (``action_accept``)."""
        if not self.optout_channels:
            self.optout_channels = self.channel or self._reply_channel() or "email"

    # ------------------------------------------------------------------ reception
    @api.model
    def _receive_message(self, record, message):
        """A message posted on a customer or an invoice: a reply of the customer becomes a
        reply to review. Never raises (an exception would drop an incoming email)."""
        users = message.sudo().author_id.user_ids
        if message.message_type not in ("email", "comment") or (users and not all(users.mapped("share"))) or (
                message.message_type == "comment" and not users):
            # a notification, a log, or a message of our people (a portal message comes from a
            # portal user, an email from anyone else): not the customer's, and no savepoint
            return self.browse()
        try:
            with self.env.cr.savepoint():
                reply = self.sudo()._reply_from_message(record.sudo(), message.sudo())
        except Exception:  # noqa: BLE001 - the mail gateway must not lose the email
            _logger.warning("Collections: message %s not recorded as a reply", message.id, exc_info=True)
            return self.browse()
        if reply and reply.state == "new":
            reply._process()
        return reply

    @api.model
    def _reply_from_message(self, record, message):
        Reply = self.sudo()
        author = message.author_id
        if record._name == "account.move":
            if record.move_type != "out_invoice" or record.state != "posted":
                return Reply
            partner, company, moves = record.commercial_partner_id, record.company_id, record
            relevant = record.cobranza_payable
        else:
            partner, company, moves = record.commercial_partner_id, self.env.company, record.browse()
            relevant = False
        reminder = self.env["cobranza.contact"].sudo().search(
            [("mail_message_id", "=", message.parent_id.id)], limit=1) if message.parent_id else None
        if not (relevant or reminder) or (
                author and author.commercial_partner_id != partner and message.message_type == "comment"):
            return Reply
        company = reminder.company_id if reminder else company
        sender = message.email_from or author.email or ""
        vals = {
            "partner_id": partner.id, "company_id": company.id, "message_id": message.id,
            "source": "email" if message.message_type == "email" else "portal",
            "sender": sender, "sender_name": author.name if author else False,
            # the server's clock: the date in the message is its sender's to write
            "received_at": fields.Datetime.now(), "sent_at": message.date,
            # a portal message is posted by the customer's own user (checked above)
            "sender_on_file": message.message_type == "comment"
            or email_normalize(sender) in partner._cobranza_email_addresses(moves),
            "body": replies.own_words(customer_words(message.body or ""))[:MAX_BODY], "attachment_ids": [Command.set(message.attachment_ids.ids)],
            "move_ids": [Command.set(moves.filtered("cobranza_payable").ids)],
        }
        if message.cobranza_auto_reply or replies.is_auto_reply({}, message.subject or ""):
            vals.update(state="ignored", note=_("An automatic reply (out of office): nothing to review."))
        return Reply.create(vals)

    @api.model
    def _whatsapp_record(self, company, vals_list):
        """The customers' messages that reached `company`'s WhatsApp number (its webhook reads
        them: ``res.company._cobranza_whatsapp_reply_values``): each recorded once per
        message id, for the cron to read. Returns the new replies."""
        vals_list = list({v["external_id"]: v for v in vals_list if v["external_id"]}.values())
        known = set(self.sudo().search([
            ("company_id", "=", company.id), ("source", "=", "whatsapp"),
            ("external_id", "in", [v["external_id"] for v in vals_list])]).mapped("external_id"))
        new = self.sudo().create([v for v in vals_list if v["external_id"] not in known])
        if new:
            self.env.ref("account_cobranza.ir_cron_cobranza_replies").sudo()._trigger()
        return new

    @api.model
    def _cron_process(self, limit=PROCESS_BATCH):
        """Read the replies received by the webhook: each worker claims its own."""
        ids = claim_rows(self.env, SQL(
            "SELECT id FROM cobranza_reply WHERE state = 'new' ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED", limit),
            retry=True)
        replies_ = self.browse(ids)
        replies_._process()
        return replies_

    # ------------------------------------------------------------------ business methods
    def _refresh(self):
        for company, same in self.filtered("partner_id").grouped("company_id").items():
            self.env["res.partner"].sudo()._cobranza_refresh(same.partner_id, company)
