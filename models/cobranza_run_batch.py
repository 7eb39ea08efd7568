import time
from collections import Counter
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .cobranza_contact_dispatch import claim

# a batch claimed this long ago and not finished was left by a worker that died: taken again
# (deciding twice is harmless: a contact's key plans it once)
STALE_AFTER = timedelta(minutes=15)


class CobranzaRunBatch(models.Model):
    """A slice of a run's customers: the unit of work that any worker (the run itself, the
    daily cron, the extra cron workers, several Odoo processes sharing one database) claims
    with a row lock, decides, delivers and marks done."""

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
    def _claim(self, runs=None, retry=False):
        """The next batch to work on (of `runs`, else of any running run), marked running:
        its row lock keeps any other worker away until the claim is committed, after which
        its state does."""
        stale = fields.Datetime.now() - STALE_AFTER
        self.flush_model()
        ids = claim(self.env, SQL(
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

    def _execute(self, commit=False):
        """Decide and deliver this batch's customers; the customers another transaction holds
        go to a retry batch, taken after the others (held again: skipped, left to the next
        run)."""
        self.ensure_one()
        run = self.run_id
        run = run.with_company(run.company_id).with_context(
            cobranza_date=run.date, tracking_disable=True, mail_notify_force_send=False)
        stats, skips, log = Counter(), Counter(), []
        started = time.monotonic()
        busy = run._run_batch(self.partner_ids or [], commit, stats, skips, log)
        stats["seconds"] = time.monotonic() - started
        if busy and not self.retry:
            self.sudo().create({"run_id": run.id, "partner_ids": busy, "retry": True})
        else:
            skips["busy"] += len(busy)
        self.sudo().write({"state": "done", "stats": {"stats": dict(stats), "skips": dict(skips)},
                    "log": "\n".join(log) or False})
        if commit:
            self.env.cr.commit()
        run._finish(retry=commit)
        if commit:
            self.env.cr.commit()  # before the next claim, which may roll back and retry
