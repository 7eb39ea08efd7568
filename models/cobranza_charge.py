import logging
from datetime import timedelta

import psycopg2

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_amount, format_date

from ..engine import autopay
from ..utils.db import claim_rows

_logger = logging.getLogger(__name__)

# A charge the provider was asked for this long ago without an answer recorded: its worker
# died (or its provider never answered); the next cron settles it from the transaction.
STALE_MINUTES = 15
# An installment claimed this long ago with no charge made for it: its worker died before
# asking the provider (an hourly cron's batch is far shorter); it is released.
CLAIM_STALE_MINUTES = 60


class CobranzaCharge(models.Model):
    """One automatic charge of an installment with the customer's saved payment method: one
    attempt, made at most once (its key), through Odoo's own payment transaction."""

    _name = "cobranza.charge"
    _description = "Automatic Charge"
    _order = "id desc"
    _check_company_auto = True
    _rec_name = "key"

    autopay_id = fields.Many2one("cobranza.autopay", string="Consent", required=True, index=True,
                                 ondelete="restrict")
    line_id = fields.Many2one("cobranza.payment.plan.line", string="Installment", index="btree_not_null",
                              ondelete="restrict")
    move_id = fields.Many2one("account.move", string="Invoice", index="btree_not_null", ondelete="restrict",
                              help="The invoice charged on its due date (a consent without a plan).")
    plan_id = fields.Many2one(related="line_id.plan_id", store=True, index="btree_not_null")
    partner_id = fields.Many2one(related="autopay_id.partner_id", store=True, string="Customer")
    company_id = fields.Many2one(related="autopay_id.company_id", store=True, index=True)
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id", store=True)
    attempt = fields.Integer(readonly=True, help="1 for the charge on the due date, then each retry.")
    key = fields.Char(required=True, readonly=True, copy=False,
                      help="The installment and the attempt: never charged twice.")
    date = fields.Date(required=True, readonly=True)
    amount = fields.Monetary(readonly=True)
    state = fields.Selection(
        [("charging", "Charging"), ("pending", "Waiting for the Provider"), ("done", "Paid"),
         ("failed", "Declined")], default="charging", required=True, readonly=True, index=True)
    transaction_id = fields.Many2one("payment.transaction", string="Transaction", readonly=True,
                                     ondelete="restrict")
    token_id = fields.Many2one(related="autopay_id.token_id", string="Payment Method")
    error = fields.Char(string="Provider's Reason", readonly=True)
    sent_at = fields.Datetime(string="Sent to the Provider", readonly=True)

    _sql_constraints = [
        ("key_unique", "UNIQUE(key)", "An installment or an invoice is charged once per attempt."),
        ("what_is_charged", "CHECK((line_id IS NULL) != (move_id IS NULL))",
         "A charge is of an installment or of an invoice."),
    ]

    # ------------------------------------------------------------------ computes
    @api.depends("line_id", "move_id")
    def _compute_currency_id(self):
        for charge in self:
            charge.currency_id = charge.line_id.plan_id.currency_id or charge.move_id.currency_id

    # ------------------------------------------------------------------ actions
    def action_mark_failed(self):
        """A person checked with the provider: a charge waiting for an answer was not made.
        Its transaction is cancelled (a late answer can no longer make it paid) and the
        installment follows its retry schedule. A charge the provider answered meanwhile
        stays as the provider says (the person is told)."""
        today = fields.Date.context_today(self)
        waiting = self.sudo()._settle_before_a_verdict(today)  # collectors change charges by these buttons
        for charge in waiting:
            error = _("Not charged, as checked by %s", self.env.user.name)
            charge.transaction_id._set_canceled(state_message=error)
            if charge.transaction_id.state != "cancel":
                raise UserError(_("The transaction of the charge %s can no longer be cancelled.", charge.key))
            charge.write({"state": "failed", "error": error})
            charge._follow_up(today)
        return self._answered_meanwhile(self.sudo() - waiting)

    def action_mark_done(self):
        """A person checked with the provider: a charge waiting for an answer was made. Its
        transaction is confirmed and goes through Odoo's own post-processing (the payment
        posted and reconciled): the installment or the invoice is paid."""
        today = fields.Date.context_today(self)
        waiting = self.sudo()._settle_before_a_verdict(today)
        for charge in waiting:
            charge.transaction_id._set_done(state_message=_("Charged, as checked by %s", self.env.user.name))
            charge._record(today)
        return self._answered_meanwhile(self.sudo() - waiting)

    def _settle_before_a_verdict(self, today):
        """Only a charge waiting for the provider takes a person's verdict: each is settled
        from its transaction first (the provider may have answered since). Returns those still
        waiting."""
        if self.filtered(lambda c: c.state != "pending"):
            raise UserError(_("Only a charge waiting for the provider can be marked as charged or not charged."))
        for charge in self:
            charge._record(today)
        return self.filtered(lambda c: c.state == "pending")

    def _answered_meanwhile(self, charges):
        """The notification for the charges the provider answered before the person did."""
        if not charges:
            return True
        return {"type": "ir.actions.client", "tag": "display_notification", "params": {
            "type": "warning", "sticky": True, "message": _(
                "The provider answered meanwhile (%s): those charges stay as the provider says.",
                ", ".join(charges.mapped("key")))}}

    # ------------------------------------------------------------------ business methods: the cron
    @api.model
    def _cron_charge(self, batch_size=100):
        """Hourly: settle what a dead worker left, then charge the installments due today;
        then remind those whose saved method expires too soon (once each)."""
        today = fields.Date.context_today(self)
        self._charge_due(today, batch_size=batch_size, commit=True)
        self.env["cobranza.autopay"]._remind_expiring(today)

    @api.model
    def _charge_due(self, today, batch_size=100, commit=False):
        """Settle the unfinished charges, then claim the installments due by `today` in batches
        (``SKIP LOCKED``: workers at once share them) and charge each once; then the invoices
        of the customers who chose it. With `commit`,
        each charge is committed before its provider is called and after its answer is
        recorded. Returns the charges made."""
        self = self.sudo()  # noqa: PLW0642 - the system charges, whoever runs it (the cron's user)
        self._settle_unfinished(today, commit)
        charges = self.browse()
        Line = self.env["cobranza.payment.plan.line"]
        while lines := Line._autopay_claim(today, batch_size):
            if commit:
                self.env.cr.commit()
            for line in lines:
                try:
                    charges |= line._autopay_charge(today, commit)
                except Exception:
                    if not commit:
                        raise
                    # what was committed stays (a charge sent is settled later); the claim of an
                    # installment never sent is released by a later cron: the rest goes on
                    _logger.exception("automatic charge of installment %s failed", line.id)
                    self.env.cr.rollback()
            if len(lines) < batch_size:
                break
        return charges | self.env["account.move"]._cobranza_autopay_charge(today, commit)

    @api.model
    def _settle_unfinished(self, today, commit=False):
        """Charges left without an answer: waiting for the provider, or sent by a worker that
        died before recording the answer. Each is settled from its transaction as the provider
        left it (its notification, Odoo's post-processing); a sent charge whose transaction
        never got an answer is left pending for a person: it is never sent again. The charges
        stay locked by this worker until they are all settled (one commit)."""
        self.env["cobranza.payment.plan.line"]._autopay_release(
            fields.Datetime.now() - timedelta(minutes=CLAIM_STALE_MINUTES))
        self.flush_model()
        ids = claim_rows(self.env, SQL(
            """SELECT id FROM cobranza_charge
                WHERE state = 'pending' OR (state = 'charging' AND sent_at < %s)
                ORDER BY id FOR UPDATE SKIP LOCKED""",
            fields.Datetime.now() - timedelta(minutes=STALE_MINUTES)))
        for charge in self.browse(ids):
            dead = charge.state == "charging"
            try:
                with self.env.cr.savepoint():
                    charge._record(today)
                    if dead and charge.state == "pending":
                        charge._ask_a_person()
            except Exception:
                if not commit:
                    raise
                _logger.exception("automatic charge %s could not be settled; tried again next time", charge.key)
        if commit:
            self.env.cr.commit()

    # ------------------------------------------------------------------ business methods: one charge
    def _send(self, commit=False):
        """Ask the provider for the money. With `commit`, the charge is committed as sent
        before the call and stays locked by this worker during it: a worker killed in the
        call leaves it to `_settle_unfinished`, never to a second call."""
        self.ensure_one()
        self.sent_at = fields.Datetime.now()
        if commit:
            self.env.cr.commit()
            self.env.cr.execute(SQL("SELECT id FROM cobranza_charge WHERE id = %s FOR UPDATE", self.id))
        try:
            with self.env.cr.savepoint():
                self.transaction_id._send_payment_request()
        except Exception:  # noqa: BLE001 - no answer (providers raise on a timeout too): maybe charged
            # a decline is the provider's answer on the transaction (error, cancel); an exception
            # is none: the charge waits for a person and is never sent again
            _logger.warning("automatic charge %s: no answer from the provider, left to a person", self.key,
                            exc_info=True)
            self._ask_a_person()

    def _record(self, today):
        """Record the answer of the provider (the transaction's state) and what follows it."""
        self.ensure_one()
        tx = self.transaction_id
        result = autopay.outcome(tx.state)
        if result == "done" and not tx.is_post_processed:
            try:  # Odoo's own: the payment, posted and reconciled with the invoices
                with self.env.cr.savepoint():
                    tx._post_process()
            except psycopg2.OperationalError:  # Odoo's cron post-processes it at this moment
                result = "pending"  # settled by the next cron, from the payment it made
        self.write({"state": result, "error": tx.state_message if result == "failed" else False})
        self._follow_up(today)

    def _follow_up(self, today):
        """What follows this charge: the installment paid, retried on schedule or back to the
        plan's ordinary reminders (an invoice: retried by the cron's own count of its declined
        charges); the customer is told of a declined charge."""
        retry = autopay.parse_retry_days(self.autopay_id.retry_days)
        due = self.line_id.date or self.move_id.invoice_date_due
        failed = len((self.line_id.charge_ids or self.search([("move_id", "=", self.move_id.id)]))
                     .filtered(lambda c: c.state == "failed"))
        state, day = autopay.after_charge(self.state, due, failed, retry, today)
        line = self.line_id
        if line.autopay_state in ("charging", "pending"):  # a consent withdrawn meanwhile stays withdrawn
            line.write({"autopay_state": state if self.autopay_id.state == "active" or state == "paid"
                        else "stopped", "autopay_next_date": day})
        if self.state == "done":
            line.plan_id._evaluate(today)
        elif self.state == "failed":
            self._notify_declined(day if self.autopay_id.state == "active" else None)

    def _ask_a_person(self):
        """A task for the collector: check with the provider whether this charge was made."""
        Users = self.env["res.users"]
        self.env["mail.activity"]._cobranza_create([{
            "record": self.plan_id or self.move_id,
            "user": Users._cobranza_task_user("collector", self.company_id, self.partner_id,
                                              moves=self.move_id, first=self.plan_id.user_id),
            "compose": lambda reader: (
                reader.env._("Check with the payment provider whether the charge %s was made", self.key),
                reader.env._("The provider's answer to it was never recorded (the worker charging it stopped, or "
                             "the call to the provider failed), and the provider has not sent it since. It will "
                             "never be charged again on its own: once the provider tells you, mark it on the charge as "
                             "charged or not charged."))},
        ])

    def _notify_declined(self, retry_date=None):
        """The customer is told, with care: email (and SMS, and WhatsApp with the policy's
        template, where the invoices' level sends them) with the reason, the next attempt
        (`retry_date`; none: no more) and the signed link to pay the installment or the
        invoice now, or with another card."""
        self.ensure_one()
        env = self.with_context(lang=self.partner_id.lang or self.env.lang).env
        target = (self.plan_id or self.move_id).with_env(env)
        # an invoice as the customer knows it (Chile's "Factura Electrónica N° 123")
        what = self.line_id.with_env(env).display_name or self.move_id.with_env(env)._cobranza_document_label() \
            or self.move_id.name
        values = {"amount": format_amount(env, self.amount, self.currency_id), "what": what,
                  "reason": self.error or env._("declined")}
        if retry_date:
            text = env._(
                "We could not charge %(amount)s for %(what)s to your payment method (%(reason)s). Nothing to "
                "worry about: we will try again on %(date)s. You can also pay it now or use another card from "
                "the link below.", date=format_date(env, retry_date), **values)
        else:
            text = env._(
                "We could not charge %(amount)s for %(what)s to your payment method (%(reason)s). We will not "
                "try again: please pay it from the link below when you can, or let us know if you need help.",
                **values)
        moves = self.plan_id.move_ids or self.move_id
        levels = moves.cobranza_level_id
        sms = env._("%(company)s: we could not charge %(amount)s for %(what)s. Pay it or use another card:",
                    company=self.company_id.name, **values) \
            if any(levels.mapped("send_sms")) and self.partner_id.mobile else None
        policy = self.partner_id._cobranza_autopay_policy(self.company_id, moves[:1])
        whatsapp = (policy.autopay_whatsapp_template, policy.autopay_whatsapp_lang or "es",
                    [self.partner_id.name, f"{values['amount']} ({what})"]) \
            if policy.autopay_whatsapp_template and any(levels.mapped("send_whatsapp")) \
            and self.company_id._cobranza_whatsapp_ready() else None
        env["cobranza.contact"]._notify({
            "partner_id": self.partner_id.id, "company_id": self.company_id.id, "plan_id": self.plan_id.id,
            "move_ids": [fields.Command.set(moves.ids)], "amount_due": self.amount, "subject": what,
            "key": f"charge:{self.id}:declined", "note": env._("Automatic charge declined: %s", self.error or "-"),
        }, text, target, env._("Pay now"), sms=sms, whatsapp=whatsapp)
        target.message_post(body=Markup("<p>%s</p>") % _(
            "Automatic charge of %(what)s declined: %(reason)s.", what=what, reason=self.error or "-"))
