import logging
import time as timer
from collections import Counter
from datetime import datetime, time, timedelta

import pytz

from odoo import _, api, fields, models, modules
from odoo.tools import format_date


_logger = logging.getLogger(__name__)

COUNTERS = ("email", "sms", "activity", "letter", "fee", "legal")


class CobranzaRun(models.Model):
    """One execution of the collection calendar for a company and a reference date."""

    _name = "cobranza.run"
    _description = "Collection Run"
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    date = fields.Date(required=True, default=fields.Date.context_today, index=True, readonly=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True, default=lambda self: self.env.company
    )
    state = fields.Selection(
        [("running", "Running"), ("done", "Done"), ("failed", "Failed")],
        default="running",
        required=True,
        readonly=True,
    )
    partner_count = fields.Integer(string="Customers Evaluated", readonly=True)
    invoice_count = fields.Integer(string="Invoices Evaluated", readonly=True)
    action_count = fields.Integer(string="Customers Contacted", readonly=True)
    email_count = fields.Integer(string="Emails", readonly=True)
    sms_count = fields.Integer(string="SMS", readonly=True)
    activity_count = fields.Integer(string="Tasks", readonly=True)
    letter_count = fields.Integer(string="Letters", readonly=True)
    fee_count = fields.Integer(string="Late Fees", readonly=True)
    legal_count = fields.Integer(string="Legal Hand-offs", readonly=True)
    deferred_count = fields.Integer(string="Deferred", readonly=True)
    skipped_count = fields.Integer(string="Skipped", readonly=True)
    error_count = fields.Integer(string="Errors", readonly=True)
    duration = fields.Float(string="Duration (s)", digits=(16, 2), readonly=True)
    log = fields.Text(readonly=True)
    contact_ids = fields.One2many("cobranza.contact", "run_id", string="Contacts")
    contact_count = fields.Integer(compute="_compute_contact_count")

    @api.depends("date", "company_id")
    def _compute_name(self):
        for run in self:
            run.name = _("Run of %(date)s", date=format_date(self.env, run.date)) if run.date else False

    def _compute_contact_count(self):
        counts = dict(self.env["cobranza.contact"]._read_group(
            [("run_id", "in", self.ids)], ["run_id"], ["__count"]))
        for run in self:
            run.contact_count = counts.get(run, 0)

    # ------------------------------------------------------------------ entry points
    @api.model
    def run_for_date(self, date=None, companies=None):
        """Run the calendar of `companies` (default: the current ones) for `date`.

        Safe to repeat: a customer is never contacted twice for the same step."""
        date = fields.Date.to_date(date) or fields.Date.context_today(self)
        runs = self.browse()
        for company in companies or self.env.companies:
            run = self.with_company(company).create({"date": date, "company_id": company.id})
            run._execute()
            runs |= run
        return runs

    @api.model
    def _cron_daily(self):
        self = self.sudo()  # noqa: PLW0642 - the cron acts for every company
        commit = not modules.module.current_test
        companies = self.env["res.company"].search([])
        for done, company in enumerate(companies, start=1):
            date = fields.Date.context_today(self.with_context(tz=company.partner_id.tz or "UTC"))
            run = self.with_company(company).create({"date": date, "company_id": company.id})
            run._execute(commit=commit)
            self.env["ir.cron"]._notify_progress(done=done, remaining=len(companies) - done)
            if commit:
                self.env.cr.commit()

    # ------------------------------------------------------------------ execution
    def _execute(self, commit=False, batch_size=200):
        self.ensure_one()
        started = timer.monotonic()
        counters, skips, log = Counter(), Counter(), []
        run = self.with_company(self.company_id).with_context(
            cobranza_date=self.date, tracking_disable=True, mail_notify_force_send=False
        )
        partner_ids = run._partners_to_evaluate()
        for start in range(0, len(partner_ids), batch_size):
            batch = run.env["res.partner"].browse(partner_ids[start:start + batch_size])
            try:
                with self.env.cr.savepoint():
                    run._execute_batch(batch, counters, skips, log)
            except Exception as error:  # noqa: BLE001 - the other batches go on
                _logger.warning("Collections run %s: a batch failed", self.id, exc_info=True)
                counters["errors"] += 1
                log.append(_("Error in a batch of %(count)s customers: %(error)s", count=len(batch), error=error))
            if commit:
                self.env.cr.commit()
        skipped = sum(skips.values())
        deferred = {key.split(":", 1)[1]: count for key, count in counters.items() if key.startswith("deferred:")}
        if deferred:
            Rule = self.env["cobranza.contact.rule"]
            log.insert(0, _("Contacts deferred by the contact rules: %s", ", ".join(
                f"{Rule._reason_label(reason)} ({count})" for reason, count in sorted(deferred.items()))))
        for key, text in (("promises_broken", _("Broken promises: %s")),
                          ("plans_broken", _("Broken payment plans: %s"))):
            if counters[key]:
                log.insert(0, text % counters[key])
        if skips:
            log.insert(0, _("Skipped customers: %s", ", ".join(
                f"{self._skip_label(reason)} {count}" for reason, count in sorted(skips.items()))))
        self.write({
            "state": "done",
            "partner_count": len(partner_ids),
            "invoice_count": counters["invoices"],
            "action_count": counters["actions"],
            **{f"{name}_count": counters[name] for name in COUNTERS},
            "deferred_count": skips.get("min_days", 0) + counters["deferred_contacts"],
            "skipped_count": skipped - skips.get("min_days", 0),
            "error_count": counters["errors"],
            "duration": timer.monotonic() - started,
            "log": "\n".join(log),
        })
        _logger.info("Collections run %s for %s: %s actions, %s errors in %.2fs", self.date,
                     self.company_id.name, counters["actions"], counters["errors"], self.duration)
        return True

    def _skip_label(self, reason):
        return {
            "snoozed": _("snoozed:"),
            "min_days": _("contacted recently:"),
            "no_policy": _("without policy:"),
        }.get(reason, reason)

    def _partners_to_evaluate(self):
        """Commercial partners with open invoices in the company, or with a collection state
        to reset (one query)."""
        self.env["account.move"].flush_model(
            ["commercial_partner_id", "payment_state", "state", "cobranza_stage", "cobranza_exclusion"])
        self.env["res.partner"].flush_model(["cobranza_status"])
        self.env.cr.execute(
            """
            SELECT commercial_partner_id FROM account_move
             WHERE company_id = %(company)s AND move_type = 'out_invoice' AND state = 'posted'
               AND (payment_state IN ('not_paid', 'partial', 'in_payment', 'blocked')
                    OR (cobranza_stage = 'paid' AND cobranza_exclusion IS NULL))
             UNION
            SELECT id FROM res_partner
             WHERE cobranza_status->>%(key)s IN ('needs_action', 'waiting')
             ORDER BY 1
            """,
            {"company": self.company_id.id, "key": str(self.company_id.id)},
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _execute_batch(self, partners, counters, skips, log):
        Move = self.env["account.move"]
        scope = [("partner_id", "in", partners.ids), ("company_id", "=", self.company_id.id)]
        # promises and plans first: what they decide pauses or resumes the ladder
        promises = self.env["cobranza.promise"].search([*scope, ("state", "=", "open")])
        counters["promises_broken"] += len(promises._cobranza_evaluate(self.date))
        plans = self.env["cobranza.payment.plan"].search([*scope, ("state", "=", "active")])
        counters["plans_broken"] += len(plans._cobranza_evaluate(self.date))
        counters["email"] += plans.filtered(lambda p: p.state == "active")._cobranza_send_reminders(self)
        moves = Move._cobranza_open_invoices(partners, self.company_id)
        counters["invoices"] += len(moves)
        plan = partners._cobranza_plan(moves, self.date, self.company_id)
        for skip in plan.skips:
            skips[skip.reason] += 1
        reached = {}
        gates = self._contact_gates(partners.browse([a.partner_id for a in plan.actions]))
        for action in plan.actions:
            partner = partners.browse(action.partner_id)
            try:
                with self.env.cr.savepoint():
                    done = self._execute_action(partner, action, counters, gates.get(partner.id))
                reached.update(done)
                counters["actions"] += 1
            except Exception as error:  # noqa: BLE001 - one customer never stops the run
                _logger.warning("Collections run %s: customer %s failed", self.id, partner.id, exc_info=True)
                counters["errors"] += 1
                log.append(_("Error for %(customer)s: %(error)s", customer=partner.display_name,
                             error=str(error)))
                for invoice_id, _level_id in action.invoice_levels:
                    reached[invoice_id] = None
        moves._cobranza_write_states(plan, self.date, reached)
        partners._cobranza_write_states(plan, self.company_id, moves)

    def _moment(self):
        """When the run contacts customers: now for today's run, 10:00 (company time) for
        another date (backfills)."""
        tz = pytz.timezone(self.company_id.partner_id.tz or "UTC")
        now = fields.Datetime.now()
        if pytz.utc.localize(now).astimezone(tz).date() == self.date:
            return pytz.utc.localize(now)
        return tz.localize(datetime.combine(self.date, time(10, 0))).astimezone(pytz.utc)

    def _contact_gates(self, partners):
        """``{partner id: gate}``: the contact rules of each customer, as a function of the
        channel that returns None (allowed now) or (UTC datetime, reason). Three queries."""
        if not partners:
            return {}
        Rule = self.env["cobranza.contact.rule"]
        rules_by_partner = {pid: rule for pid, rule in Rule._for_partners(partners, self.company_id).items() if rule}
        # customers who chose their contact hours are gated even without contact rules
        rules_by_partner.update({partner.id: Rule for partner in partners
                                 if partner.id not in rules_by_partner and partner._cobranza_preferred_hours()})
        if not rules_by_partner:
            return {}
        moment = self._moment()
        holidays = Rule._holidays(self.company_id, self.date, self.date + timedelta(days=60))
        history = {}
        for contact in self.env["cobranza.contact"].sudo().search_read([
            ("partner_id", "in", partners.ids), ("company_id", "=", self.company_id.id),
            ("state", "in", ("sent", "planned")), ("date", ">=", moment.replace(tzinfo=None) - timedelta(days=8)),
        ], ["partner_id", "date", "channel"]):
            history.setdefault(contact["partner_id"][0], []).append(
                (pytz.utc.localize(contact["date"]), contact["channel"]))

        def make_gate(partner, rule):
            def gate(channel):
                verdict = rule._check_contact(partner, channel, moment, history.get(partner.id, ()), holidays)
                # what is sent or scheduled counts for the next channel's caps
                history.setdefault(partner.id, []).append((verdict.at or moment, channel))
                if verdict.allowed:
                    return None
                at = verdict.at and verdict.at.astimezone(pytz.utc).replace(tzinfo=None)
                return at, verdict.reason
            return gate

        return {partner.id: make_gate(partner, rules_by_partner[partner.id])
                for partner in partners if partner.id in rules_by_partner}

    def _execute_action(self, partner, action, counters, gate=None):
        """Carry out one customer's level; returns {invoice id: level id} of what it reached."""
        Level = self.env["cobranza.policy.level"]
        level = Level.browse(action.level_id)
        moves = self.env["account.move"].browse(action.invoice_ids)
        invoice_levels = {inv: Level.browse(lvl) for inv, lvl in action.invoice_levels}
        base = {
            "partner_id": partner.id,
            "company_id": self.company_id.id,
            "move_ids": [fields.Command.set(moves.ids)],
            "level_id": level.id,
            "run_id": self.id,
            "run_date": self.date,
            "author_id": self.env.user.id,
            "amount_due": sum(moves.mapped("amount_residual_signed")),
        }
        level._cobranza_execute(partner, moves, base, counters, gate)
        # late fees and legal hand-off follow each invoice's own level
        for move in moves:
            lvl = invoice_levels[move.id]
            if lvl.charge_fee and lvl.automatic:
                if move._cobranza_charge_fee(lvl):
                    counters["fee"] += 1
        legal = moves.filtered(lambda m: invoice_levels[m.id].legal_handoff)
        if legal:
            legal._cobranza_hand_to_legal(invoice_levels[legal[0].id], self.date)
            counters["legal"] += 1
        return {inv: lvl for inv, lvl in action.invoice_levels}

    # ------------------------------------------------------------------ buttons
    def action_view_contacts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account_cobranza.cobranza_contact_action")
        action["domain"] = [("run_id", "=", self.id)]
        action["context"] = {}
        return action

    @api.model
    def action_run_today(self):
        runs = self.run_for_date(fields.Date.context_today(self), self.env.company)
        action = self.env["ir.actions.act_window"]._for_xml_id("account_cobranza.cobranza_run_action")
        action.update(res_id=runs[:1].id, view_mode="form", views=[(False, "form")])
        return action
