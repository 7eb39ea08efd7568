import logging
import time as timer
from collections import Counter
from datetime import timedelta

from odoo import _, api, fields, models, modules
from odoo.tools import SQL, format_date

from ..utils import ledger_sql
from ..utils.db import claim_rows
from .cobranza_ledger_change import KEEP_HOURS

_logger = logging.getLogger(__name__)

BATCH_SIZE = 500  # customers decided (and then delivered) in one transaction: the unit workers claim

# counters read from the run's contacts: {counter field: executor}
CONTACT_COUNTERS = {"email_count": "email", "sms_count": "sms", "whatsapp_count": "whatsapp",
                    "activity_count": "activity", "letter_count": "letter", "fee_count": "fee",
                    "legal_count": "legal"}

# A second run of a company on the same date evaluates only the customers whose facts changed
# since the first one was planned (``_changed_customers``). The records the ladder reads of a
# customer, by table: any written since makes its customer evaluated again.
CUSTOMER_TABLES = ("account_move", "cobranza_promise", "cobranza_payment_plan", "cobranza_payment_plan_line",
                   "cobranza_dispute", "cobranza_reply", "cobranza_autopay", "cobranza_charge")
# what the ladder reads of everyone: any written since makes the run evaluate every customer
SETTINGS_TABLES = ("cobranza_policy", "cobranza_policy_level", "cobranza_contact_rule",
                   "cobranza_contact_rule_window", "cobranza_segment", "cobranza_segment_threshold",
                   "res_currency_rate")
# what can be deleted (a deletion leaves no date behind: counted instead; a task deleted
# writes on its contact, ``mail.activity.unlink``): {key: (table, the column counted)}
COUNTED = {table: (table, "id") for table in CUSTOMER_TABLES[1:] + SETTINGS_TABLES + ("cobranza_contact",)}


class CobranzaRun(models.Model):
    """One execution of the collection calendar for a company and a reference date.

    The run splits its customers into batches (``cobranza.run.batch``); any worker claims a
    batch, decides for its customers (``engine.ladder``), plans their contacts
    (``cobranza.contact._plan``) and writes the collection state they change in one
    transaction, then has the dispatcher carry the contacts out, and reports to the run. The
    last batch done writes the run's counters (``_finish``); the contact counters are read
    from the contacts."""

    _name = "cobranza.run"
    _description = "Collection Run"
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    date = fields.Date(required=True, default=fields.Date.context_today, index=True, readonly=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True, default=lambda self: self.env.company
    )
    backfill = fields.Boolean(
        compute="_compute_backfill", store=True,
        help="A run for a past date: it records what the ladder decided for that date, and its "
        "contacts are not checked again before they go.",
    )
    state = fields.Selection(
        [("running", "Running"), ("done", "Done"), ("failed", "Failed")],
        default="running",
        required=True,
        readonly=True,
    )
    partner_count = fields.Integer(string="Customers Evaluated", readonly=True)
    invoice_count = fields.Integer(string="Invoices Evaluated", readonly=True)
    action_count = fields.Integer(string="Customers Contacted", compute="_compute_contact_counters")
    email_count = fields.Integer(string="Emails", compute="_compute_contact_counters")
    sms_count = fields.Integer(string="SMS", compute="_compute_contact_counters")
    whatsapp_count = fields.Integer(string="WhatsApp", compute="_compute_contact_counters")
    activity_count = fields.Integer(string="Tasks", compute="_compute_contact_counters")
    letter_count = fields.Integer(string="Letters", compute="_compute_contact_counters")
    fee_count = fields.Integer(string="Late Fees", compute="_compute_contact_counters")
    legal_count = fields.Integer(string="Legal Hand-offs", compute="_compute_contact_counters")
    deferred_count = fields.Integer(
        string="Deferred", compute="_compute_contact_counters",
        help="Contacts deferred by the contact rules, and customers contacted too recently.",
    )
    postponed_count = fields.Integer(
        string="Contacted Recently", readonly=True,
        help="Customers left for a later day: the policy's minimum days between contacts.",
    )
    skipped_count = fields.Integer(string="Skipped", readonly=True)
    error_count = fields.Integer(string="Errors", readonly=True)
    duration = fields.Float(
        string="Work Time (s)", digits=(16, 2), readonly=True,
        help="Time spent deciding and delivering, summed over the run's batches: with several "
             "workers sharing them, more than the time the run took.")
    decision_duration = fields.Float(
        string="Decision Time (s)", digits=(16, 2), readonly=True,
        help="The part of the work time spent deciding and writing the collection state and the "
             "planned contacts, before any message is rendered or any task created.")
    unchanged_count = fields.Integer(
        string="Customers Unchanged", readonly=True,
        help="Customers not evaluated again: nothing the ladder reads of them changed since the "
             "company's previous run of the same date.")
    facts_as_of = fields.Datetime(
        string="Changes Seen Before", readonly=True, copy=False,
        help="Every change made before this moment is in the run's decisions (the start of the "
             "oldest transaction still running when it was planned). Empty when some customers "
             "were left undecided (an error, or another worker holding them).")
    finished_at = fields.Datetime(
        readonly=True, copy=False,
        help="When the run's last batch was done: what it wrote on its own contacts and tasks "
             "until then is what it decided.")
    row_counts = fields.Json(
        readonly=True, copy=False,
        help="{table: [rows, highest id]} of the tables whose rows can be deleted, when the run was "
             "planned and when it finished: a later run of the same date knows whether any was deleted since.")
    log = fields.Text(readonly=True)
    cron = fields.Boolean(readonly=True, help="The day's run started by the daily cron.")
    batch_ids = fields.One2many("cobranza.run.batch", "run_id", string="Batches")
    contact_ids = fields.One2many("cobranza.contact", "run_id", string="Contacts")
    contact_count = fields.Integer(compute="_compute_contact_counters")

    # ------------------------------------------------------------------ computes
    @api.depends("date", "company_id")
    def _compute_name(self):
        for run in self:
            run.name = _("Run of %(date)s", date=format_date(self.env, run.date)) if run.date else False

    @api.depends("date", "company_id")
    def _compute_backfill(self):
        for run in self:
            today = fields.Date.context_today(run.with_context(tz=run.company_id.partner_id.tz or "UTC"))
            run.backfill = bool(run.date) and run.date < today

    def _compute_contact_counters(self):
        """What the run did, read from the contacts it planned (two queries for any runs)."""
        Contact = self.env["cobranza.contact"].sudo()
        counts = {run.id: Counter() for run in self}
        for run, action, state, deferred, count in Contact._read_group(
                [("run_id", "in", self.ids)], ["run_id", "action", "state", "defer_reason"], ["__count"]):
            counter = counts[run.id]
            counter["contacts"] += count
            # done, or (a task, a letter) waiting for a person
            if state == "sent" or (state == "planned" and action in ("activity", "letter")):
                counter[action] += count
            if deferred and state != "cancelled":
                counter["deferred"] += count
        contacted = dict(Contact._read_group(
            [("run_id", "in", self.ids), ("level_id", "!=", False), ("state", "in", ("sent", "planned", "failed"))],
            ["run_id"], ["partner_id:count_distinct"]))
        for run in self:
            counter = counts[run.id]
            run.contact_count = counter["contacts"]
            run.action_count = contacted.get(run, 0)
            run.deferred_count = counter["deferred"] + run.postponed_count
            for fname, action in CONTACT_COUNTERS.items():
                run[fname] = counter[action]

    # ------------------------------------------------------------------ actions
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

    # ------------------------------------------------------------------ entry points
    @api.model
    def run_for_date(self, date=None, companies=None):
        """Run the calendar of `companies` (default: the current ones) for `date`.

        Safe to repeat: a customer is never contacted twice for the same step."""
        date = fields.Date.to_date(date) or fields.Date.context_today(self)
        runs = self.browse()
        for company in companies or self.env.companies:
            run = self.with_company(company).create({"date": date, "company_id": company.id})
            run._process()
            runs |= run
        return runs

    @api.model
    def _cron_daily(self):
        """The daily cron: today's run of every company (created once, resumed when a former
        call left batches), then as many of its batches as fit in the call's time. Odoo calls
        again while it reports work remaining, and the extra cron workers are woken to share
        the batches (``_cron_work``)."""
        self = self.sudo()  # noqa: PLW0642 - the cron acts for every company
        commit = not modules.module.current_test
        runs = self.browse()
        for company in self.env["res.company"].search([]):
            date = fields.Date.context_today(self.with_context(tz=company.partner_id.tz or "UTC"))
            run = self.search([("company_id", "=", company.id), ("date", "=", date), ("cron", "=", True)],
                              limit=1)
            if not run:
                run = self.with_company(company).create({"date": date, "company_id": company.id, "cron": True})
                run._plan_batches(int(self.env["ir.config_parameter"].get_param(
                    "account_cobranza.run_batch_size", BATCH_SIZE)))
                if commit:
                    self.env.cr.commit()
            runs |= run.filtered(lambda r: r.state == "running")
        if runs and commit:
            for worker in self.env["ir.cron"].search([("code", "=", "model._cron_work()")]):
                worker._trigger()
            self.env.cr.commit()  # the workers may start now
        self._cron_work_for(runs, commit)

    @api.model
    def _cron_work(self):
        """An extra cron worker: takes batches of any running run, as many as fit in the call's
        time. Several can run at once (in one Odoo or in several sharing the database)."""
        self.sudo()._cron_work_for(self.browse(), not modules.module.current_test)

    @api.model
    def _cron_work_for(self, runs, commit):
        seconds = int(self.env["ir.config_parameter"].sudo().get_param("account_cobranza.cron_batch_seconds", 60))
        done = runs._work_batches(commit, deadline=timer.monotonic() + seconds)
        self.env["ir.cron"]._notify_progress(done=done, remaining=self.env["cobranza.run.batch"].sudo()._remaining(runs))

    # ------------------------------------------------------------------ execution
    def _process(self, commit=False, batch_size=BATCH_SIZE):
        """Plan the calendar of every customer, batch by batch, and dispatch each batch's
        contacts once its decisions are committed. With `commit` (the cron) each batch and
        each chunk of deliveries is its own transaction: an interrupted run is resumed by the
        next one, and two runs at once share the customers instead of doubling them. Other
        workers may take some of this run's batches meanwhile (``_work_batches``)."""
        self.ensure_one()
        self._plan_batches(batch_size)
        if commit:
            self.env.cr.commit()
        self._work_batches(commit)
        self._finish()
        return True

    def _plan_batches(self, batch_size=BATCH_SIZE):
        """Split the customers to evaluate into batches (one insert): those whose facts changed
        since the company's previous run when it is of the same date (``_changed_customers``),
        else all."""
        self.ensure_one()
        self._mark_facts()  # first: the moment the run's decisions see everything before
        partner_ids = self.with_company(self.company_id)._partners_to_evaluate()
        changed = self._changed_customers()
        if changed is not None:
            kept = [partner_id for partner_id in partner_ids if partner_id in changed]
            self.unchanged_count = len(partner_ids) - len(kept)
            partner_ids = kept
        self.partner_count = len(partner_ids)
        self.env["cobranza.run.batch"].sudo().create([
            {"run_id": self.id, "partner_ids": partner_ids[start:start + batch_size]}
            for start in range(0, len(partner_ids), batch_size)])
        if not partner_ids:
            self._finish()  # nothing to do: done at once

    def _work_batches(self, commit=False, deadline=None):
        """Claim and execute batches of these runs (of any running run when empty) until none
        is left or `deadline` (``time.monotonic()``) passes, at least one. Returns how many
        were done."""
        Batch = self.env["cobranza.run.batch"].sudo()
        done = 0
        while True:
            batch = Batch._claim_next(self, retry=commit)
            if not batch:
                # a worker that died between its last batch and the run's counters left them
                if commit:
                    self.env.cr.commit()  # a fresh snapshot for each run's lock
                for run in self or self.search([("state", "=", "running")]):
                    run._finish(retry=commit)
                    if commit:
                        self.env.cr.commit()
                break
            if commit:
                self.env.cr.commit()
            batch.with_env(self.env)._process(commit)  # decided as the run's user
            done += 1
            if deadline is not None and timer.monotonic() >= deadline:
                break
        return done

    def _finish(self, retry=False):
        """Once its last batch is done, the run's counters and log, written by one worker
        only (the run's row lock). With `retry` (a fresh transaction holding nothing), a
        run another worker finished since this transaction's snapshot only means looking
        again."""
        self.ensure_one()
        self.env["cobranza.run.batch"].flush_model()
        self.flush_model(["state"])
        if not claim_rows(self.env, SQL(
            """SELECT id FROM cobranza_run WHERE id = %s AND state = 'running'
                 AND NOT EXISTS (SELECT 1 FROM cobranza_run_batch WHERE run_id = %s AND state != 'done')
               FOR NO KEY UPDATE SKIP LOCKED""", self.id, self.id), retry):
            return
        stats, skips, log = Counter(), Counter(), []
        for batch in self.sudo().batch_ids:
            stats.update((batch.stats or {}).get("stats", {}))
            skips.update((batch.stats or {}).get("skips", {}))
            log += [batch.log] if batch.log else []
        self.write({
            "state": "done",
            # what its transactions wrote is dated by their start, or by the clock (rows inserted
            # at once): the later of the two, even under a clock stopped in the past (a backfill
            # script, a test)
            "finished_at": max(self.env.cr.now(), fields.Datetime.now()),
            # customers left undecided: the next run of the date evaluates everyone again
            "facts_as_of": False if stats["errors"] or skips["busy"] else self.facts_as_of,
            # and again as it ends: a row created while it ran (a dispute holding an invoice) and
            # deleted later is seen
            "row_counts": (self.row_counts or []) + [self._row_counts()],
            "invoice_count": stats["invoices"],
            "postponed_count": skips["contacted_recently"],
            "skipped_count": sum(skips.values()) - skips["contacted_recently"],
            "error_count": stats["errors"],
            "duration": stats["seconds"],
            "decision_duration": stats["decision_seconds"],
        })
        self.log = "\n".join(self._summary(stats, skips) + log)
        _logger.info("Collections run %s for %s: %s customers contacted, %s errors in %.2fs", self.date,
                     self.company_id.name, self.action_count, stats["errors"], self.duration)

    def _summary(self, stats, skips):
        """The first lines of the run's log: what was skipped, broken and deferred."""
        lines = []
        if self.unchanged_count:
            lines.append(_("Customers unchanged since the previous run of this date, not evaluated again: %s",
                           self.unchanged_count))
        if skips:
            lines.append(_("Skipped customers: %s", ", ".join(
                f"{self._skip_label(reason)} {count}" for reason, count in sorted(skips.items()))))
        for key, text in (("promises_broken", _("Broken promises: %s")),
                          ("plans_broken", _("Broken payment plans: %s"))):
            if stats[key]:
                lines.append(text % stats[key])
        deferred = self.env["cobranza.contact"].sudo()._read_group(
            [("run_id", "=", self.id), ("defer_reason", "!=", False), ("state", "!=", "cancelled")],
            ["defer_reason"], ["__count"])
        if deferred:
            Rule = self.env["cobranza.contact.rule"]
            lines.append(_("Contacts deferred by the contact rules: %s", ", ".join(
                f"{Rule._reason_label(reason)} ({count})" for reason, count in sorted(deferred))))
        return lines

    def _skip_label(self, reason):
        return {
            "snoozed": _("snoozed:"),
            "contacted_recently": _("contacted recently:"),
            "no_policy": _("without policy:"),
            "reply": _("waiting for the review of their reply:"),
            "credit": _("covered by payments or credit notes not yet matched:"),
            "busy": _("held by another worker, left to the next run:"),
        }.get(reason, reason)

    def _partners_to_evaluate(self):
        """Commercial partners with open invoices in the company, or with a collection state
        to reset (one query)."""
        self.env["account.move"].flush_model(
            ["commercial_partner_id", "payment_state", "state", "cobranza_stage", "cobranza_exclusion"])
        self.env["res.partner"].flush_model(["cobranza_status"])
        self.env.cr.execute(
            SQL("""
            SELECT commercial_partner_id FROM account_move
             WHERE company_id = %(company)s AND %(invoices)s
             UNION
            SELECT id FROM res_partner
             WHERE cobranza_status->>%(key)s IN ('needs_action', 'waiting')
             ORDER BY 1
            """, company=self.company_id.id, key=str(self.company_id.id), invoices=ledger_sql.run_invoices(None)))
        return [row[0] for row in self.env.cr.fetchall()]

    # ------------------------------------------------------------------ incremental re-runs
    def _mark_facts(self):
        """Record what this run will see: ``facts_as_of``, the start of the oldest transaction
        running now (this one included: Odoo dates what a transaction writes by its start, and
        one still running may commit after the run decided), and ``row_counts``. Four queries."""
        self.env.cr.execute(
            """SELECT MIN(xact_start) AT TIME ZONE 'UTC' FROM pg_stat_activity
                WHERE datname = current_database() AND pid != pg_backend_pid()""")
        oldest = self.env.cr.fetchone()[0]
        facts_as_of = min(self.env.cr.now(), oldest or self.env.cr.now())
        # a transaction running when this one's snapshot was taken, committed since: what it
        # wrote is dated before and unseen by a run deciding in this transaction (one not
        # committing after its planning): no later run of the date relies on this one
        self.env.cr.execute(
            "SELECT bool_or(txid_status(x) = 'committed') FROM txid_snapshot_xip(txid_current_snapshot()) x")
        if self.env.cr.fetchone()[0]:
            facts_as_of = False
        self.write({"facts_as_of": facts_as_of, "row_counts": [self._row_counts()]})

    def _row_counts(self):
        """``{key: [rows, highest id]}`` of ``COUNTED`` now (one query)."""
        self.env.flush_all()
        self.env.cr.execute(SQL(" UNION ALL ").join(
            SQL("SELECT %s, COUNT(%s), COALESCE(MAX(id), 0) FROM %s", key, SQL.identifier(column),
                SQL.identifier(table))
            for key, (table, column) in COUNTED.items()))
        return {key: [count, top] for key, count, top in self.env.cr.fetchall()}

    def _changed_customers(self):
        """The customers whose facts changed since the company's previous run, when that run
        is of the same date, decided for all its customers and less than a day old (the ledger
        change log keeps a day): their invoices, items, promises, plans, disputes, replies,
        consents and charges, their own record, the contacts and tasks people changed (what a
        run of the date did to its own contacts and their tasks until it finished is what it
        decided). None (everyone) otherwise, or when the policies, contact rules, segments, the
        company or its rates changed, or a record the ladder reads was deleted. Four queries."""
        self.ensure_one()
        base = self.search([("company_id", "=", self.company_id.id), ("id", "<", self.id)], order="id desc", limit=1)
        if base.state != "done" or base.date != self.date or not base.facts_as_of or not base.row_counts \
                or base.facts_as_of < self.env.cr.now() - timedelta(hours=KEEP_HOURS):
            return None
        self.env.flush_all()
        since, company = base.facts_as_of, self.company_id.id
        cr = self.env.cr
        # a deletion, a setting, the company, or a change of the ledger that is no customer's
        cr.execute(SQL("SELECT %s", SQL(" OR ").join(SQL("EXISTS (%s)", query) for query in [
            SQL("SELECT 1 FROM %s WHERE id <= %s HAVING COUNT(%s) < %s",
                SQL.identifier(COUNTED[key][0]), top, SQL.identifier(COUNTED[key][1]), count)
            for counts in base.row_counts for key, (count, top) in counts.items() if key in COUNTED
        ] + [
            SQL("SELECT 1 FROM %s WHERE write_date >= %s", SQL.identifier(table), since) for table in SETTINGS_TABLES
        ] + [
            SQL("SELECT 1 FROM res_company WHERE id = %s AND write_date >= %s", company, since),
            SQL("SELECT 1 FROM cobranza_ledger_change WHERE company_id = %s AND partner_id IS NULL"
                " AND create_date >= %s", company, since),
        ])))
        if cr.fetchone()[0]:
            return None
        cr.execute(SQL(
            """
            SELECT DISTINCT p.commercial_partner_id FROM res_partner p WHERE p.id IN (
                SELECT partner_id FROM cobranza_ledger_change WHERE company_id = %(company)s AND create_date >= %(since)s
                UNION SELECT id FROM res_partner WHERE write_date >= %(since)s
                UNION %(tables)s
                UNION SELECT c.partner_id FROM cobranza_contact c LEFT JOIN mail_activity a ON a.id = c.activity_id
                       WHERE c.company_id = %(company)s AND (c.write_date >= %(since)s OR a.write_date >= %(since)s)
                         AND NOT EXISTS (SELECT 1 FROM cobranza_run r
                                          WHERE r.id = c.run_id AND r.company_id = c.company_id AND r.date = %(date)s
                                            AND c.write_date <= r.finished_at
                                            AND (a.id IS NULL OR a.write_date <= r.finished_at)))
            """,
            company=company, since=since, date=self.date, tables=SQL(" UNION ").join(
                SQL("SELECT %s FROM %s WHERE company_id = %s AND write_date >= %s",
                    SQL.identifier("commercial_partner_id" if table == "account_move" else "partner_id"),
                    SQL.identifier(table), company, since)
                for table in CUSTOMER_TABLES)))
        return {row[0] for row in cr.fetchall()}
