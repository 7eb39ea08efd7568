import functools
import logging
import time as timer
from collections import Counter
from datetime import datetime, time, timedelta

import pytz

from odoo import _, api, fields, models
from odoo.tools import SQL

from ..engine import netting
from ..utils.db import claim_rows
from .cobranza_contact_rule import allow_all

_logger = logging.getLogger(__name__)

# a batch claimed this long ago and not finished was left by a worker that died: taken again
# (deciding twice is harmless: a contact's key plans it once)
STALE_AFTER = timedelta(minutes=15)
# when a backfill (a run for a past date) contacts its customers, in the company's time
BACKFILL_HOUR = 10


def new_report():
    """What a batch reports to its run: counters (invoices, errors, broken promises and
    plans, seconds), the customers skipped by reason, and the log's lines."""
    return {"stats": Counter(), "skips": Counter(), "log": []}


class CobranzaRunBatch(models.Model):
    """A slice of a run's customers: the unit of work that any worker (the run itself, the
    daily cron, the extra cron workers, several Odoo processes sharing one database) claims
    with a row lock, decides, delivers and marks done, then reports to its run.

    The daily path, in order: ``_claim_next`` → ``_process`` → ``_lock_customers`` →
    ``_decide`` (the ladder, ``res.partner._cobranza_evaluate_ladder``; each customer's
    contacts, ``_plan_customer_contacts``; ``cobranza.contact._plan``) → commit →
    ``cobranza.contact._dispatch`` → ``cobranza.run._finish``."""

    _name = "cobranza.run.batch"
    _description = "Collection Run Batch"
    _order = "run_id, retry, id"

    run_id = fields.Many2one("cobranza.run", required=True, index=True, ondelete="cascade", readonly=True)
    company_id = fields.Many2one(related="run_id.company_id", store=True)
    partner_ids = fields.Json(string="Customers", readonly=True)
    retry = fields.Boolean(readonly=True, help="Customers another transaction held the first time.")
    state = fields.Selection([("todo", "To Do"), ("running", "Running"), ("done", "Done")],
                             default="todo", required=True, index=True, readonly=True)
    claimed_at = fields.Datetime(readonly=True)
    stats = fields.Json(readonly=True)
    log = fields.Text(readonly=True)

    # ------------------------------------------------------------------ business methods
    @api.model
    def _claim_next(self, runs=None, retry=False):
        """The next batch to work on (of `runs`, else of any running run), marked running:
        its row lock keeps any other worker away until the claim is committed, after which
        its state does. One query."""
        stale = fields.Datetime.now() - STALE_AFTER
        self.flush_model()
        ids = claim_rows(self.env, SQL(
            """
            UPDATE cobranza_run_batch SET state = 'running', claimed_at = NOW() AT TIME ZONE 'UTC'
             WHERE id = (SELECT b.id FROM cobranza_run_batch b
                           JOIN cobranza_run r ON r.id = b.run_id AND r.state = 'running'
                          WHERE (b.state = 'todo' OR (b.state = 'running' AND b.claimed_at < %s)) %s
                          ORDER BY b.retry, b.id
                          LIMIT 1 FOR UPDATE OF b SKIP LOCKED)
            RETURNING id
            """,
            stale, SQL("AND b.run_id IN %s", tuple(runs.ids)) if runs else SQL(),
        ), retry)
        self.invalidate_model(["state", "claimed_at"])
        return self.browse(ids)

    @api.model
    def _remaining(self, runs=None):
        """Batches still to work on (of `runs`, else of any running run)."""
        domain = [("state", "!=", "done"), ("run_id.state", "=", "running")]
        return self.search_count(domain + ([("run_id", "in", runs.ids)] if runs else []))

    def _process(self, commit=False):
        """Decide for this batch's customers, commit, deliver their contacts, and report to the
        run. The customers another transaction holds go to a retry batch, taken after the
        others (held again: skipped, left to the next run)."""
        self.ensure_one()
        run = self.run_id
        batch = self.with_company(run.company_id).with_context(
            cobranza_date=run.date, tracking_disable=True, mail_notify_force_send=False)
        started = timer.monotonic()
        partners = batch._lock_customers(retry=commit)
        report = batch._decide(partners)
        if commit:
            self.env.cr.commit()
        report["stats"]["decision_seconds"] = timer.monotonic() - started
        batch.env["cobranza.contact"].sudo()._dispatch(
            domain=[("company_id", "=", run.company_id.id), ("partner_id", "in", partners.ids)], commit=commit)
        report["stats"]["seconds"] = timer.monotonic() - started
        busy = sorted(set(self.partner_ids or []) - set(partners.ids))
        if busy and not self.retry:
            self.sudo().create({"run_id": run.id, "partner_ids": busy, "retry": True})
        else:
            report["skips"]["busy"] += len(busy)
        self.sudo().write({"state": "done", "log": "\n".join(report["log"]) or False,
                           "stats": {"stats": dict(report["stats"]), "skips": dict(report["skips"])}})
        if commit:
            self.env.cr.commit()
        run._finish(retry=commit)  # the last batch done writes the run's counters
        if commit:
            self.env.cr.commit()  # before the next claim, which may roll back and retry

    def _lock_customers(self, retry=False):
        """The customers of this batch it can take: another run working on some of them right
        now keeps them (skipped, never waited for). One query."""
        return self.env["res.partner"].browse(claim_rows(self.env, SQL(
            "SELECT id FROM res_partner WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE SKIP LOCKED",
            list(self.partner_ids or [])), retry))

    def _decide(self, partners):
        """Decide for these customers, in a savepoint (a batch that fails leaves nothing
        half-written and the other batches go on). Returns the batch's report:
        ``{"stats": Counter, "skips": Counter, "log": [lines]}``."""
        try:
            with self.env.cr.savepoint():
                return self._decide_customers(partners)
        except Exception as error:  # noqa: BLE001 - the other batches go on
            _logger.warning("Collections run %s: a batch failed", self.run_id.id, exc_info=True)
            report = new_report()
            report["stats"]["errors"] += 1
            report["log"].append(_("Error in a batch of %(count)s customers: %(error)s",
                                   count=len(partners), error=error))
            return report

    def _decide_customers(self, partners):
        """Settle promises and plans, plan installment reminders and the ladder's contacts,
        and store the collection state. Returns what ``_decide`` reports."""
        report = new_report()
        if not partners:
            return report
        run, Move = self.run_id, self.env["account.move"]
        company, date = run.company_id, run.date
        stats, skips, log = report["stats"], report["skips"], report["log"]
        scope = [("partner_id", "in", partners.ids), ("company_id", "=", company.id)]
        # promises and plans first: what they decide pauses or resumes the ladder
        promises = self.env["cobranza.promise"].search([*scope, ("state", "=", "open")])
        stats["promises_broken"] += len(promises._evaluate(date))
        plans = self.env["cobranza.payment.plan"].search([*scope, ("state", "=", "active")])
        stats["plans_broken"] += len(plans._evaluate(date))
        plans.filtered(lambda p: p.state == "active")._plan_reminders(run)
        if company.cobranza_apply_credits:
            # a customer whose credits could not be applied is left to the next run, as one
            # another worker holds (the same date again then evaluates everyone)
            skips["busy"] += len(partners._cobranza_apply_credits(company, date))
        invoices = Move._cobranza_run_invoices(partners, company)
        stats["invoices"] += len(invoices)
        decision = partners._cobranza_evaluate_ladder(invoices, date, company)
        for skip in decision.skips:
            skips[skip.reason] += 1
        partners._cobranza_credit_tasks(decision, company)
        moment = self._contact_moment()
        gates = self.env["cobranza.contact.rule"]._gates(
            partners.browse([a.partner_id for a in decision.actions]), company, moment)
        # what every contact of the batch shares
        shared = {"company_id": company.id, "run_id": run.id, "run_date": date, "author_id": self.env.uid,
                  "scheduled_at": moment.replace(tzinfo=None)}
        reached, vals_list, legal = {}, [], Move
        # what the contacts of the last 180 days achieved, read once if a level picks the best channel
        rates = functools.cache(lambda: self.env["cobranza.contact"]._channel_rates(company, date))
        for action in decision.actions:
            partner = partners.browse(action.partner_id)
            try:
                planned, to_legal = self._plan_customer_contacts(
                    partner, action, invoices, shared, gates.get(partner.id, allow_all), rates,
                    decision.credits.get(partner.id, ()))
            except Exception as error:  # noqa: BLE001 - one customer never stops the run
                _logger.warning("Collections run %s: customer %s failed", run.id, partner.id, exc_info=True)
                stats["errors"] += 1
                log.append(_("Error for %(customer)s: %(error)s", customer=partner.display_name, error=str(error)))
                reached.update(dict.fromkeys(action.invoice_ids))
                continue
            vals_list += planned
            legal |= to_legal
            reached.update(action.invoice_levels)
        self.env["cobranza.contact"].sudo()._plan(vals_list)
        legal._cobranza_hand_to_legal(date)
        invoices.update({move_id: invoices[move_id]._replace(legal=True) for move_id in legal.ids})
        held = Move._cobranza_write_states(invoices, decision, date, reached)
        partners._cobranza_write_states(decision, company, invoices, held)
        return report

    def _contact_moment(self):
        """When the batch contacts its customers: now for today's run, 10:00 (company time)
        on the run's date for a backfill."""
        run = self.run_id
        tz = pytz.timezone(run.company_id.partner_id.tz or "UTC")
        now = pytz.utc.localize(fields.Datetime.now())
        if now.astimezone(tz).date() == run.date:
            return now
        return tz.localize(datetime.combine(run.date, time(BACKFILL_HOUR))).astimezone(pytz.utc)

    def _plan_customer_contacts(self, partner, action, invoices, shared, gate=allow_all, rates=None, credits=()):
        """The contacts of one customer's level today: its messages, task and letter, then
        the late fee of each invoice whose own level charges one, and the legal hand-off.
        `invoices`: the batch's ``account.move._cobranza_run_invoices``; `shared`: the values
        every contact of the batch shares (company, run, date, author, moment); `credits`:
        the customer's open credits over its invoices (``ladder.Decision.credits``): the
        contacts say the net amount, with the credits that cover part of their invoices.
        Returns ``(contact values, invoices handed to legal)``."""
        Level = self.env["cobranza.policy.level"]
        level = Level.browse(action.level_id)
        moves = self.env["account.move"].browse(action.invoice_ids)
        invoice_levels = {inv: Level.browse(lvl) for inv, lvl in action.invoice_levels}
        allocation = [list(pair) for pair in credits if pair[1] in moves.ids]
        covered = netting.covered(allocation)
        base = {
            **shared,
            "partner_id": partner.id,
            "move_ids": [fields.Command.set(moves.ids)],
            "level_id": level.id,
            "amount_due": sum(netting.net(invoices[move_id].residual, invoices[move_id].residual_currency,
                                          covered.get(move_id, 0.0)) for move_id in moves.ids),
            "credit_allocation": allocation or False,
        }
        vals_list = level._plan_contacts(partner, moves, base, gate, rates)
        for move in moves:
            fee_level = invoice_levels[move.id]
            if fee_level.charge_fee and fee_level.automatic and not invoices[move.id].fee_origin_id:
                vals_list.append({**base, "move_ids": [fields.Command.set(move.ids)], "level_id": fee_level.id,
                                  "channel": "other", "action": "fee", "key": f"fee:{move.id}:{fee_level.id}",
                                  "amount_due": invoices[move.id].residual, "credit_allocation": False})
        legal = moves.filtered(lambda m: invoice_levels[m.id].legal_handoff)
        if legal:
            vals_list.append({**base, "move_ids": [fields.Command.set(legal.ids)],
                              "level_id": invoice_levels[legal[0].id].id, "channel": "other", "action": "legal"})
        return vals_list, legal
