"""The dispatcher: one path from a planned contact to its executor.

Whoever decides a contact (the daily run's batches, installment reminders, plan notices,
thank-you messages, the reminder wizard) only plans it (``cobranza.contact._plan``). The
dispatcher claims the planned contacts whose moment has come (``SELECT … FOR UPDATE SKIP
LOCKED``, so that two workers never take the same one), checks again what may have changed
since they were planned (``engine.ladder.recheck``, the contact rules), and hands them to the
executor of their action (cobranza_contact_executor.py), a whole chunk at once. What becomes
of a message after it left is followed in cobranza_contact_delivery.py.
"""
import logging

import pytz

from odoo import _, api, fields, models, modules
from odoo.tools import SQL, format_date

from ..engine import channels, ladder, rules
from ..utils.db import claim_rows
from .cobranza_contact_rule import allow_all

_logger = logging.getLogger(__name__)

CHUNK_SIZE = 200


class CobranzaContact(models.Model):
    _inherit = "cobranza.contact"

    # ------------------------------------------------------------------ dispatcher
    @api.model
    def _cron_send_deferred(self):
        """The name of the dispatcher's cron before 18.0.1.1.0, kept for the callers of that
        time: the deferred contacts whose moment came are the dispatcher's now."""
        return self._cron_dispatch()

    @api.model
    def _cron_dispatch(self):
        """Scheduled action *Collections: send planned contacts*: every contact whose moment
        came (deferred by the contact rules, left by an interrupted run...), then the retries
        of deliveries that failed for a passing reason."""
        Contact = self.sudo()
        commit = not modules.module.current_test
        Contact._dispatch(commit=commit)
        Contact._retry_deliveries()
        Contact._expire_sending()
        return True

    def _dispatch(self, domain=None, commit=False, chunk_size=CHUNK_SIZE):
        """Carry out the planned contacts whose moment has come — these contacts, or, called
        on the empty model, all those matching `domain` (every one by default) — chunk by
        chunk, committing each chunk when `commit`. Fallbacks planned on the way (another
        channel after a failure) are carried out too. Returns the contacts taken: sent,
        failed, or cancelled and deferred again by the re-check."""
        done = self.browse()
        only = set(self.ids) if self else None
        if commit:
            self.env.cr.commit()  # claim on a fresh snapshot
        while True:
            chunk = self._claim_due(domain, only, chunk_size, retry=commit)
            if not chunk:
                return done
            fallbacks = chunk._carry_out(commit=commit)
            done |= chunk
            if only is not None:
                only = (only - set(chunk.ids)) | set(fallbacks.ids)
            if commit:
                self.env.cr.commit()

    def _claim_due(self, domain, only, limit, retry=False):
        """The next planned contacts due now, locked for this transaction; those another
        worker holds are skipped, never waited for. With `retry` (a fresh transaction that
        may be rolled back) a contact another worker took in the meantime only means
        claiming again."""
        if only is not None and not only:
            return self.browse()
        self.flush_model()
        query = self._search([
            ("state", "in", ("planned", "deferred")), ("dispatched_at", "=", False), ("action", "!=", False),
            ("scheduled_at", "<=", fields.Datetime.now()),
            *([("id", "in", list(only))] if only is not None else []),
            *(domain or []),
        ], order="scheduled_at, id", limit=limit)
        ids = claim_rows(self.env, SQL("%s FOR UPDATE OF %s SKIP LOCKED", query.select(), SQL.identifier(self._table)),
                    retry)
        return self.browse(ids)

    def _carry_out(self, commit=False):
        """Carry out these claimed contacts: what changed since they were planned first, then
        each action's executor on its contacts at once. An executor that raises is retried
        contact by contact, so that only the contacts it cannot handle fail, with the reason.
        WhatsApp messages go last, one by one (``_execute_whatsapp``). Returns the fallback
        contacts planned for the messages that failed or whose channel was refused."""
        ready, refused = self._recheck()
        whatsapp = ready.filtered(lambda c: c.action == "whatsapp")
        in_sets = ready - whatsapp
        for action, _label in self._fields["action"].selection:
            contacts = in_sets.filtered(lambda c: c.action == action)
            if contacts:
                contacts._run_executor(action)
        in_sets._log_on_invoices()
        fallbacks = (in_sets.filtered(lambda c: c.state == "failed") | refused)._plan_fallbacks()
        if whatsapp:
            whatsapp._execute_whatsapp(commit=commit)
            whatsapp._log_on_invoices()
            fallbacks |= whatsapp.filtered(lambda c: c.state == "failed")._plan_fallbacks()
        return fallbacks

    def _run_executor(self, action):
        """The executor of `action` on these contacts at once; if it raises, contact by
        contact, recording on each contact that still breaks it the reason."""
        try:
            with self.env.cr.savepoint():
                getattr(self, f"_execute_{action}")()
        except Exception:  # noqa: BLE001 - isolate the contact that breaks the executor
            _logger.warning("Collections: the %s executor failed on a chunk, retrying one by one", action,
                            exc_info=True)
            for contact in self:
                try:
                    with self.env.cr.savepoint():
                        getattr(contact, f"_execute_{action}")()
                except Exception as error:  # noqa: BLE001 - recorded on the contact
                    _logger.warning("Collections: contact %s failed", contact.id, exc_info=True)
                    contact._mark_failed(_("Unexpected error: %s", str(error) or error.__class__.__name__))

    def _recheck(self):
        """Automatic contacts are checked again before they go, with the ladder's own rule
        (``engine.ladder.recheck``): the customer may have paid, disputed, promised or agreed
        a plan, been snoozed or excluded, or answered since. Then the contact rules: a
        consent withdrawn, a contact cap reached. Such contacts are cancelled or deferred
        again. Returns ``(ready, refused)``: the contacts to carry out, and those cancelled
        because their channel is not allowed any more (their next channel is tried)."""
        automatic = self.filtered(lambda c: c.run_id and c.action in ("email", "sms", "whatsapp", "activity")
                                  # a backfill records the past: what it decided for its date stands
                                  and not c.run_id.backfill)
        ready, refused = self - automatic, self.browse()
        holds = automatic.filtered(lambda c: not c.plan_id).move_ids._cobranza_holds()
        now = pytz.utc.localize(fields.Datetime.now())
        for company in automatic.company_id:
            today = fields.Date.context_today(self.with_context(tz=company.partner_id.tz or "UTC"))
            contacts = automatic.filtered(lambda c: c.company_id == company)
            gates = self.env["cobranza.contact.rule"]._gates(contacts.partner_id.with_company(company), company, now,
                                                             exclude=contacts)
            waiting = contacts.partner_id._cobranza_replies_waiting(company)
            for contact in contacts:
                partner = contact.partner_id.with_company(company)
                open_moves = contact.move_ids.filtered(lambda m: m.cobranza_payable)
                stop = ladder.recheck(
                    invoices_open=bool(open_moves) if contact.move_ids else None,
                    invoices_held=not contact.plan_id and bool(open_moves) and all(holds.get(m.id) for m in open_moves),
                    no_chase=partner.cobranza_no_chase, snoozed_until=partner.cobranza_snooze_until or None,
                    reply_since=waiting.get(partner.id), reply_wait_days=contact.level_id.policy_id.reply_wait_days,
                    today=today)
                if stop:
                    contact._mark_cancelled(self._recheck_note(*stop))
                    continue
                verdict = gates.get(partner.id, allow_all)(contact.channel) if contact.action != "activity" \
                    else rules.ALLOWED
                if verdict.deferred:
                    contact.write({"state": "deferred", "scheduled_at": verdict.at, "defer_reason": verdict.reason})
                elif verdict.refused:
                    contact._mark_cancelled(_("The customer withdrew its consent to this channel."), verdict.reason)
                    refused |= contact
                else:
                    ready |= contact
        return ready, refused

    @api.model
    def _recheck_note(self, reason, day=None):
        """Why the dispatcher cancelled a contact planned earlier (``engine.ladder.RECHECKS``)."""
        day = day and format_date(self.env, day)
        return {
            "paid": _("The invoices were paid before the contact went."),
            "held": _("Since the contact was planned, the invoices went into a dispute, a payment plan or a "
                      "promise, or are to be charged automatically."),
            "no_chase": _("The customer is not chased any more."),
            "snoozed": _("The customer is snoozed until %s.", day),
            "reply": _("The customer answered: its reply waits for review until %s.", day),
        }[reason]

    def _plan_fallbacks(self):
        """For failed messages with channels left to try: the next one, planned now."""
        vals_list = []
        for contact in self.filtered("fallback_channels"):
            left = [c for c in contact.fallback_channels.split(",") if c in channels.MESSAGE_CHANNELS]
            level = contact.level_id
            while left and not (level and level._can_send(left[0])):
                left.pop(0)
            if not left:
                continue
            vals_list.append({
                **contact._copy_for_fallback(),
                "channel": left[0], "action": left[0], "channel_reason": "fallback",
                "fallback_channels": ",".join(left[1:]) or False,
                "mail_template_id": level.mail_template_id.id, "sms_template_id": level.sms_template_id.id,
            })
        return self._plan(vals_list)

    def _copy_for_fallback(self):
        self.ensure_one()
        return {
            "partner_id": self.partner_id.id, "company_id": self.company_id.id,
            "move_ids": [fields.Command.set(self.move_ids.ids)], "level_id": self.level_id.id,
            "run_id": self.run_id.id, "run_date": self.run_date, "author_id": self.author_id.id,
            "amount_due": self.amount_due, "attach_invoices": self.attach_invoices,
        }
