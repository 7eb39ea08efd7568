from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..utils import ledger_sql

KEEP_HOURS = 24  # no transaction of Odoo's lasts that long: a change older is seen by every one


class CobranzaLedgerChange(models.Model):
    """A change to a company's receivable ledger: entries posted or reset to draft, items
    matched or unmatched, each with the first day whose balances it changes. What is kept from
    the ledger (the daily KPI snapshots) is compared with these: a snapshot of a day still holds
    while every change dated on or before that day was visible to the transaction that took it.

    The writing transaction is kept in the column ``xid`` (PostgreSQL's ``txid_current()``, set
    by the database on insert; not an ORM field): what a transaction saw is its snapshot
    (``txid_current_snapshot()``), and whether it saw a change is
    ``txid_visible_in_snapshot(xid, snapshot)``, exact whatever the order of the commits."""

    _name = "cobranza.ledger.change"
    _description = "Receivable Ledger Change"
    _order = "id desc"

    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", readonly=True, ondelete="set null")
    date = fields.Date(required=True, readonly=True, help="The first day whose balances the change alters.")

    def init(self):
        super().init()
        self.env.cr.execute(SQL(
            """ALTER TABLE cobranza_ledger_change ADD COLUMN IF NOT EXISTS xid bigint NOT NULL DEFAULT txid_current();
               CREATE INDEX IF NOT EXISTS cobranza_ledger_change_company_date_idx
                   ON cobranza_ledger_change (company_id, date)"""))

    # ------------------------------------------------------------------ business methods
    @api.model
    def _record_lines(self, lines):
        """Record the change of the receivable items among `lines` (account.move.line), each
        from its date."""
        self._record_items((line, line.date) for line in lines)

    @api.model
    def _record_partials(self, partials):
        """Record the change of matching (or unmatching) `partials`, dated by their
        ``max_date``: from that day on, the items they join are settled (each item in its own
        company: branches reconcile across companies)."""
        self._record_items((line, partial.max_date) for partial in partials
                           for line in (partial.debit_move_id, partial.credit_move_id))

    @api.model
    def _record_items(self, items):
        """`items`: ``(account.move.line, day)``: one row per company and customer of the
        receivable ones, dated by the earliest day."""
        first = {}
        for line, day in items:
            if line.account_id.account_type == ledger_sql.RECEIVABLE:
                # the item's own customer: its behaviour is read by it (a customer that became
                # another's contact keeps its items; ``_unseen_customers`` adds the company)
                key = (line.company_id.id, line.partner_id.id)
                first[key] = min(first.get(key, day), day)
        self._record(first)

    @api.model
    def _record_accounts(self, accounts):
        """Record that `accounts` (account.account) become, or stop being, receivable: every
        company's ledger changes from the first item ever posted on them."""
        if not accounts:
            return
        self.env["account.move.line"].flush_model(["account_id", "company_id", "date", "parent_state"])
        self.env.cr.execute(SQL(
            """SELECT company_id, NULL, MIN(date) FROM account_move_line
                WHERE account_id = ANY(%s) AND parent_state = 'posted' GROUP BY company_id""", accounts.ids))
        self._record({(company_id, partner_id): day for company_id, partner_id, day in self.env.cr.fetchall()})

    @api.model
    def _record(self, first):
        """`first`: ``{(company id, customer id or False): first day changed}``."""
        if first:
            self.sudo().create([{"company_id": company_id, "partner_id": partner_id or False, "date": day}
                                for (company_id, partner_id), day in first.items() if day])

    @api.model
    def _prune(self):
        """Forget the changes every snapshot taken since and every company's last computation
        of its customers' behaviour have seen, and no transaction still running can have
        missed (a day old, and committed before the oldest one began)."""
        self.flush_model()
        self.env["cobranza.kpi"].flush_model()
        self.env["res.company"].flush_model(["cobranza_behaviour_mark"])
        mark = SQL("(r.cobranza_behaviour_mark ->> %s)", "seen")
        self.env.cr.execute(SQL(
            """DELETE FROM cobranza_ledger_change c
                WHERE c.create_date < %(before)s
                  -- and committed before any transaction still running began
                  AND c.xid < txid_snapshot_xmin(txid_current_snapshot())
                  AND NOT EXISTS (SELECT 1 FROM cobranza_kpi k
                                   WHERE k.company_id = c.company_id AND k.date >= c.date
                                     AND NOT %(seen)s)
                  AND NOT EXISTS (SELECT 1 FROM res_company r
                                   WHERE r.id = c.company_id AND r.cobranza_behaviour_mark IS NOT NULL
                                     AND NOT %(behaviour)s)""",
            before=fields.Datetime.now() - timedelta(hours=KEEP_HOURS), seen=self._seen_by("k", "c"),
            behaviour=self._visible("c", SQL("%s::txid_snapshot", mark),
                                    SQL("(r.cobranza_behaviour_mark ->> 'xid')::bigint"),
                                    SQL("(r.cobranza_behaviour_mark ->> 'change_id')::int")),
        ))
        self.invalidate_model()

    @api.model
    def _mark(self):
        """What this transaction sees of the ledger's changes, to ask later which ones it did
        not see (``_unseen_customers``): ``{"seen": its snapshot, "xid": its id, "change_id":
        the newest change it sees, its own included}``."""
        self.flush_model()
        self.env.cr.execute(
            "SELECT txid_current_snapshot()::text, txid_current(), COALESCE(MAX(id), 0) FROM cobranza_ledger_change")
        seen, xid, change_id = self.env.cr.fetchone()
        return {"seen": seen, "xid": xid, "change_id": change_id}

    @api.model
    def _unseen_customers(self, company, mark):
        """The customers of `company` (and their commercial entities) whose receivable items changed in a way the
        transaction of `mark` (``_mark``) did not see; None when such a change is not one
        customer's (an account that became or stopped being receivable): everyone's."""
        self.flush_model()
        self.env.cr.execute(SQL(
            """SELECT DISTINCT unnest(ARRAY[c.partner_id, p.commercial_partner_id])
                 FROM cobranza_ledger_change c LEFT JOIN res_partner p ON p.id = c.partner_id
                WHERE c.company_id = %s AND NOT %s""",
            company.id, self._visible("c", SQL("%s::txid_snapshot", mark["seen"]), SQL("%s", mark["xid"]),
                                      SQL("%s", mark["change_id"])),
        ))
        customers = {row[0] for row in self.env.cr.fetchall()}
        return None if None in customers else customers

    @api.model
    def _seen_by(self, snapshot, change):
        """Condition: the change `change` (alias) was visible to the transaction that took the
        KPI snapshot `snapshot` (alias)."""
        k = SQL.identifier(snapshot)
        return SQL("(%s.seen IS NOT NULL AND %s)", k, self._visible(
            change, SQL("%s.seen", k), SQL("%s.xid", k), SQL("%s.seen_change_id", k)))

    @api.model
    def _visible(self, change, seen, xid, change_id):
        """Condition: the change `change` (alias) was visible to the transaction of snapshot
        `seen`, id `xid`, that saw the changes up to `change_id` (SQL expressions): committed
        before it began, or made by it earlier."""
        c = SQL.identifier(change)
        return SQL("(txid_visible_in_snapshot(%(c)s.xid, %(seen)s) OR (%(c)s.xid = %(xid)s AND %(c)s.id <= %(id)s))",
                   c=c, seen=seen, xid=xid, id=change_id)
