"""The benchmark's ledger, loaded at the SQL level by copying posted templates.

Creating and posting invoices through the ORM runs at 30 to 60 a second here, so the loader
posts one template invoice (and one template payment entry) per company through the ORM, then
copies their rows with ``INSERT … SELECT`` over arrays computed in Python: customers,
open invoices (due from 120 days before the reference date to 30 days after it) and settled
invoices with their payments, partial and full reconciliations over the history months.
Every copied row keeps the template's other columns (journal, accounts, currencies…).
``check_ledger`` then proves the result consistent; it fails loudly.

Used by ``bench/run.py`` (``make bench``) and by a test at small size.
"""
import random
from datetime import timedelta

from odoo import Command, fields
from odoo.tools import SQL

from ..engine import simulation

HABITS = ("punctual", "punctual", "occasional", "occasional", "delinquent", "high_risk")
SEGMENTS = {"punctual": "cobranza_segment_punctual", "occasional": "cobranza_segment_occasional",
            "delinquent": "cobranza_segment_delinquent", "high_risk": "cobranza_segment_high_risk"}


class LedgerError(AssertionError):
    """The loaded ledger is not consistent."""


def _columns(cr, table):
    cr.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name != 'id'",
               [table])
    return [row[0] for row in cr.fetchall()]


def _array(values):
    """A PostgreSQL array literal of `values`: one string parameter instead of an ``ARRAY[…]``
    expression of thousands of casts, which PostgreSQL would take seconds to plan."""
    def item(value):
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "t" if value else "f"
        if isinstance(value, (int, float)):
            return repr(value)
        text = value.isoformat() if hasattr(value, "isoformat") else str(value)
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return "{" + ",".join(item(value) for value in values) + "}"


def _ids(cr, table, count):
    cr.execute(SQL("SELECT nextval(%s) FROM generate_series(1, %s)", f"{table}_id_seq", count))
    return [row[0] for row in cr.fetchall()]


def _clone(cr, table, template_id, data, overrides):
    """Copy row `template_id` of `table` once per element of `data` (``{column: list}``, all
    of one length, unnested as ``d.column``); `overrides` ``{column: SQL expression}`` (over
    ``t``, the template, and ``d``) replace the template's values."""
    names = list(data)
    count = len(data[names[0]])
    if not count:
        return
    arrays = []
    for name in names:
        values = data[name]
        sample = next((v for v in values if v is not None), 0)
        sqltype = ("int[]" if isinstance(sample, int) and not isinstance(sample, bool) else
                   "numeric[]" if isinstance(sample, float) else
                   "date[]" if hasattr(sample, "isoformat") else
                   "bool[]" if isinstance(sample, bool) else "text[]")
        arrays.append(SQL(f"%s::{sqltype}", _array(values)))
    columns = ["id"] + _columns(cr, table)
    select = [SQL(overrides[column]) if column in overrides else SQL.identifier("t", column) for column in columns]
    # the template read once (materialized): joined to each new row, never scanned per row
    cr.execute(SQL(
        "WITH t AS MATERIALIZED (SELECT * FROM %s WHERE id = %s) "
        "INSERT INTO %s (%s) SELECT %s FROM unnest(%s) AS d(%s) CROSS JOIN t",
        SQL.identifier(table), template_id,
        SQL.identifier(table), SQL(", ").join(SQL.identifier(c) for c in columns), SQL(", ").join(select),
        SQL(", ").join(arrays), SQL(", ").join(SQL.identifier(n) for n in names),
    ))


def _templates(env, company, bank_journal):
    """A posted customer invoice and a posted payment entry of `company` (through the ORM),
    and their receivable and counterpart lines."""
    partner = env["res.partner"].create({"name": f"Plantilla {company.name}", "is_company": True,
                                         "email": "plantilla@example.com"})
    invoice = env["account.move"].with_company(company).create({
        "move_type": "out_invoice", "partner_id": partner.id, "company_id": company.id,
        "invoice_date": fields.Date.today(), "invoice_date_due": fields.Date.today(),
        "invoice_line_ids": [Command.create({"name": "Servicio", "price_unit": 100.0, "tax_ids": []})],
    })
    invoice.action_post()
    receivable = invoice.line_ids.filtered(lambda l: l.account_id.account_type == "asset_receivable")
    income = invoice.line_ids - receivable
    payment = env["account.move"].with_company(company).create({
        "move_type": "entry", "journal_id": bank_journal.id, "company_id": company.id, "date": fields.Date.today(),
        "line_ids": [
            Command.create({"name": "Pago", "account_id": bank_journal.default_account_id.id,
                            "partner_id": partner.id, "debit": 100.0}),
            Command.create({"name": "Pago", "account_id": receivable.account_id.id, "partner_id": partner.id,
                            "credit": 100.0}),
        ],
    })
    payment.action_post()
    pay_receivable = payment.line_ids.filtered(lambda l: l.account_id == receivable.account_id)
    (receivable | pay_receivable).reconcile()  # the templates leave nothing open
    return {"partner": partner, "invoice": invoice, "receivable": receivable, "income": income,
            "payment": payment, "pay_receivable": pay_receivable, "pay_bank": payment.line_ids - pay_receivable}


def load(env, companies, customers, invoices, history, today, seed=7):
    """Load `customers` customers (split over `companies`), `invoices` open invoices and
    `history` settled ones with their payments over the last 12 months. Returns counts."""
    rng = random.Random(seed)
    cr = env.cr
    stats = {"customers": 0, "open_invoices": 0, "settled_invoices": 0}
    segments = {habit: env.ref(f"account_cobranza.{xmlid}").id for habit, xmlid in SEGMENTS.items()}
    per_company = [(company, customers // len(companies) + (i < customers % len(companies)),
                    invoices // len(companies) + (i < invoices % len(companies)),
                    history // len(companies) + (i < history % len(companies)))
                   for i, company in enumerate(companies)]
    cr.execute("ANALYZE res_partner, account_move, account_move_line")  # plans that scale with the load
    for company, n_customers, n_open, n_settled in per_company:
        # the templates through the ORM, with every check
        bank = env["account.journal"].search([("type", "=", "bank"), ("company_id", "=", company.id)], limit=1)
        tpl = _templates(env, company, bank)
        env.flush_all()
        # their copies without the foreign keys' row-by-row checks (a bulk load: the copies
        # reference rows that exist, and check_ledger verifies the result)
        cr.execute("SET LOCAL session_replication_role = replica")
        key = str(company.id)
        # customers
        partner_ids = _ids(cr, "res_partner", n_customers)
        habits = [HABITS[i % len(HABITS)] for i in range(n_customers)]
        names = [f"Cliente {company.id}-{i:06d}" for i in range(n_customers)]
        _clone(cr, "res_partner", tpl["partner"].id, {
            "pid": partner_ids, "pname": names,
            "pemail": [f"c{company.id}-{i}@example.com" for i in range(n_customers)],
            "pmobile": [f"+569{company.id}{i:07d}"[:12] for i in range(n_customers)],
            "pseg": [segments[h] for h in habits],
        }, {
            "id": "d.pid", "name": "d.pname", "complete_name": "d.pname", "commercial_company_name": "d.pname",
            "email": "d.pemail", "email_normalized": "lower(d.pemail)", "mobile": "d.pmobile",
            "phone_sanitized": "d.pmobile", "commercial_partner_id": "d.pid", "company_id": "NULL",
            "customer_rank": "1",
            "cobranza_segment_id": f"jsonb_build_object('{key}', d.pseg)",
        })
        stats["customers"] += n_customers
        # open invoices
        open_rows = []
        for n in range(n_open):
            due = today + timedelta(days=rng.randint(-120, 30))
            open_rows.append((partner_ids[rng.randrange(n_customers)], due - timedelta(days=30), due,
                              float(rng.randint(50, 5000)), None))
        # settled invoices, paid with each customer's habit
        settled_rows = []
        for n in range(n_settled):
            index = rng.randrange(n_customers)
            mean, spread, _unpaid, _partial = simulation.BEHAVIOURS[habits[index]]
            invoice_date = today - timedelta(days=rng.randint(40, 365))
            due = invoice_date + timedelta(days=30)
            paid = min(due + timedelta(days=max(int(rng.gauss(mean, spread)), -29)), today - timedelta(days=1))
            settled_rows.append((partner_ids[index], invoice_date, due, float(rng.randint(50, 5000)),
                                 max(paid, invoice_date)))
        _load_invoices(env, company, tpl, open_rows + settled_rows, today)
        cr.execute("SET LOCAL session_replication_role = DEFAULT")
        stats["open_invoices"] += n_open
        stats["settled_invoices"] += n_settled
    cr.execute("ANALYZE res_partner, account_move, account_move_line, account_partial_reconcile")
    env.invalidate_all()
    return stats


def _load_invoices(env, company, tpl, rows, today):
    """Invoices `rows` ``(partner, invoice date, due, amount, paid on or None)`` of `company`,
    with a payment entry and its reconciliation for the paid ones."""
    cr = env.cr
    count = len(rows)
    move_ids = _ids(cr, "account_move", count)
    prefix = f"BENCH{company.id}/"
    partners, inv_dates, dues, amounts, paid_on = (list(column) for column in zip(*rows))
    paid = [day is not None for day in paid_on]
    _clone(cr, "account_move", tpl["invoice"].id, {
        "mid": move_ids, "partner": partners, "idate": inv_dates, "due": dues, "amount": amounts,
        "mname": [f"{prefix}{n:08d}" for n in range(1, count + 1)], "seq": list(range(1, count + 1)),
        "paid": paid,
    }, {
        "id": "d.mid", "name": "d.mname", "sequence_prefix": f"'{prefix}'", "sequence_number": "d.seq",
        "partner_id": "d.partner", "commercial_partner_id": "d.partner", "partner_shipping_id": "d.partner",
        "date": "d.idate", "invoice_date": "d.idate", "invoice_date_due": "d.due",
        "amount_untaxed": "d.amount", "amount_total": "d.amount", "amount_untaxed_signed": "d.amount",
        "amount_untaxed_in_currency_signed": "d.amount", "amount_total_signed": "d.amount",
        "amount_total_in_currency_signed": "d.amount", "quick_edit_total_amount": "0",
        "amount_residual": "CASE WHEN d.paid THEN 0 ELSE d.amount END",
        "amount_residual_signed": "CASE WHEN d.paid THEN 0 ELSE d.amount END",
        "payment_state": "CASE WHEN d.paid THEN 'paid' ELSE 'not_paid' END",
        "invoice_partner_display_name": "NULL", "access_token": "NULL", "payment_reference": "d.mname",
        "cobranza_stage": f"CASE WHEN d.paid THEN 'paid' WHEN d.due < '{today}'::date THEN 'overdue' "
                          f"WHEN d.due = '{today}'::date THEN 'due' ELSE 'not_due' END",
        "cobranza_exclusion": "CASE WHEN d.paid THEN 'paid' END",
        "cobranza_expected_date": "NULL", "inalterable_hash": "NULL", "secure_sequence_number": "NULL",
    })
    cr.execute(SQL(
        "UPDATE account_move m SET invoice_partner_display_name = p.name "
        "FROM unnest(%s::int[]) AS d(id), res_partner p WHERE m.id = d.id AND p.id = m.partner_id", _array(move_ids)))
    rec_ids = _ids(cr, "account_move_line", count)
    line = {"mid": move_ids, "lid": rec_ids, "partner": partners, "idate": inv_dates, "due": dues,
            "amount": amounts, "mname": [f"{prefix}{n:08d}" for n in range(1, count + 1)], "paid": paid}
    _clone(cr, "account_move_line", tpl["receivable"].id, line, {
        "id": "d.lid", "move_id": "d.mid", "partner_id": "d.partner", "date": "d.idate", "invoice_date": "d.idate",
        "date_maturity": "d.due", "move_name": "d.mname", "name": "d.mname",
        "debit": "d.amount", "credit": "0", "balance": "d.amount", "amount_currency": "d.amount",
        "price_unit": "-d.amount", "price_subtotal": "-d.amount", "price_total": "-d.amount",
        "amount_residual": "CASE WHEN d.paid THEN 0 ELSE d.amount END",
        "amount_residual_currency": "CASE WHEN d.paid THEN 0 ELSE d.amount END",
        "reconciled": "d.paid", "full_reconcile_id": "NULL", "matching_number": "NULL",
    })
    line["lid"] = _ids(cr, "account_move_line", count)
    _clone(cr, "account_move_line", tpl["income"].id, line, {
        "id": "d.lid", "move_id": "d.mid", "partner_id": "d.partner", "date": "d.idate", "invoice_date": "d.idate",
        "move_name": "d.mname", "debit": "0", "credit": "d.amount", "balance": "-d.amount",
        "amount_currency": "-d.amount", "price_unit": "d.amount", "price_subtotal": "d.amount",
        "price_total": "d.amount",
    })
    # the payments of the settled ones, reconciled in full
    settled = [i for i in range(count) if paid[i]]
    if not settled:
        return
    n = len(settled)
    pay_ids, pay_rec, pay_bank = _ids(cr, "account_move", n), _ids(cr, "account_move_line", n), \
        _ids(cr, "account_move_line", n)
    full_ids, partial_ids = _ids(cr, "account_full_reconcile", n), _ids(cr, "account_partial_reconcile", n)
    pay = {"mid": pay_ids, "partner": [partners[i] for i in settled], "pdate": [paid_on[i] for i in settled],
           "amount": [amounts[i] for i in settled], "mname": [f"{prefix}P{k:08d}" for k in range(1, n + 1)],
           "seq": list(range(1, n + 1))}
    _clone(cr, "account_move", tpl["payment"].id, pay, {
        "id": "d.mid", "name": "d.mname", "sequence_prefix": f"'{prefix}P'", "sequence_number": "d.seq",
        "partner_id": "d.partner", "commercial_partner_id": "d.partner", "date": "d.pdate",
        "amount_total": "d.amount", "amount_total_signed": "d.amount", "amount_total_in_currency_signed": "d.amount",
        "inalterable_hash": "NULL", "secure_sequence_number": "NULL",
    })
    cr.execute(SQL("INSERT INTO account_full_reconcile (id, create_uid, write_uid, create_date, write_date) "
                   "SELECT unnest(%s::int[]), 1, 1, now() at time zone 'utc', now() at time zone 'utc'", _array(full_ids)))
    pay.update(lid=pay_bank, fullrec=full_ids, match=[str(i) for i in full_ids])
    _clone(cr, "account_move_line", tpl["pay_bank"].id, pay, {
        "id": "d.lid", "move_id": "d.mid", "partner_id": "d.partner", "date": "d.pdate", "move_name": "d.mname",
        "debit": "d.amount", "credit": "0", "balance": "d.amount", "amount_currency": "d.amount",
        "amount_residual": "d.amount", "amount_residual_currency": "d.amount",
    })
    pay["lid"] = pay_rec
    _clone(cr, "account_move_line", tpl["pay_receivable"].id, pay, {
        "id": "d.lid", "move_id": "d.mid", "partner_id": "d.partner", "date": "d.pdate", "move_name": "d.mname",
        "debit": "0", "credit": "d.amount", "balance": "-d.amount", "amount_currency": "-d.amount",
        "amount_residual": "0", "amount_residual_currency": "0", "reconciled": "true",
        "full_reconcile_id": "d.fullrec", "matching_number": "d.match",
    })
    invoice_lines = [rec_ids[i] for i in settled]
    cr.execute(SQL(
        """UPDATE account_move_line l SET full_reconcile_id = d.fullrec, matching_number = d.fullrec::text
             FROM unnest(%s::int[], %s::int[]) AS d(lid, fullrec) WHERE l.id = d.lid""",
        _array(invoice_lines), _array(full_ids)))
    currency = tpl["receivable"].currency_id.id
    cr.execute(SQL(
        """INSERT INTO account_partial_reconcile (id, debit_move_id, credit_move_id, full_reconcile_id,
                   debit_currency_id, credit_currency_id, company_id, max_date, amount, debit_amount_currency,
                   credit_amount_currency, create_uid, write_uid, create_date, write_date)
           SELECT d.pid, d.debit, d.credit, d.fullrec, %s, %s, %s, GREATEST(d.idate, d.pdate), d.amount, d.amount,
                  d.amount, 1, 1, now() at time zone 'utc', now() at time zone 'utc'
             FROM unnest(%s::int[], %s::int[], %s::int[], %s::int[], %s::date[], %s::date[], %s::numeric[])
                  AS d(pid, debit, credit, fullrec, idate, pdate, amount)""",
        currency, currency, company.id, *map(_array, (partial_ids, invoice_lines, pay_rec, full_ids,
                                                      [inv_dates[i] for i in settled], pay["pdate"], pay["amount"])),
    ))


def check_ledger(env, companies):
    """Prove the ledger consistent, or raise ``LedgerError`` saying what is not."""
    cr = env.cr
    env.flush_all()
    company_ids = tuple(companies.ids)
    cr.execute(SQL("""SELECT move_id FROM account_move_line WHERE company_id IN %s
                       GROUP BY move_id HAVING ABS(SUM(balance)) > 0.005 LIMIT 5""", company_ids))
    if rows := cr.fetchall():
        raise LedgerError(f"entries not balanced: {rows}")
    cr.execute(SQL(
        """SELECT l.id FROM account_move_line l
            WHERE l.company_id IN %s
              AND l.account_id IN (SELECT id FROM account_account WHERE account_type = 'asset_receivable')
              AND ABS(l.amount_residual - (l.balance
                  - COALESCE((SELECT SUM(p.amount) FROM account_partial_reconcile p WHERE p.debit_move_id = l.id), 0)
                  + COALESCE((SELECT SUM(p.amount) FROM account_partial_reconcile p WHERE p.credit_move_id = l.id), 0)
                  )) > 0.005
            LIMIT 5""", company_ids))
    if rows := cr.fetchall():
        raise LedgerError(f"residuals that are not their reconciliations: {rows}")
    cr.execute(SQL(
        """SELECT m.id FROM account_move m
            WHERE m.company_id IN %s AND m.move_type = 'out_invoice' AND m.state = 'posted'
              AND ABS(m.amount_residual_signed - (SELECT COALESCE(SUM(l.amount_residual), 0)
                    FROM account_move_line l WHERE l.move_id = m.id AND l.account_id IN
                    (SELECT id FROM account_account WHERE account_type = 'asset_receivable'))) > 0.005
            LIMIT 5""", company_ids))
    if rows := cr.fetchall():
        raise LedgerError(f"invoices whose amount due is not their receivable's residual: {rows}")
    for company in companies:
        cr.execute(SQL(
            """SELECT COALESCE(SUM(balance), 0) FROM account_move_line
                WHERE company_id = %s AND parent_state = 'posted'
                  AND account_id IN (SELECT id FROM account_account WHERE account_type = 'asset_receivable')""",
            company.id))
        ledger = cr.fetchone()[0]
        # open invoices and credit notes by their amount due, anything else (a payment not
        # applied yet) by its receivable's residual
        cr.execute(SQL(
            """SELECT (SELECT COALESCE(SUM(amount_residual_signed), 0) FROM account_move
                        WHERE company_id = %(company)s AND state = 'posted'
                          AND move_type IN ('out_invoice', 'out_refund'))
                    + (SELECT COALESCE(SUM(l.amount_residual), 0) FROM account_move_line l
                         JOIN account_move m ON m.id = l.move_id
                        WHERE l.company_id = %(company)s AND l.parent_state = 'posted'
                          AND m.move_type NOT IN ('out_invoice', 'out_refund')
                          AND l.account_id IN (SELECT id FROM account_account
                                                WHERE account_type = 'asset_receivable'))""",
            company=company.id))
        residuals = cr.fetchone()[0]
        if abs(ledger - residuals) > 0.01:
            raise LedgerError(f"{company.name}: the partner ledger's receivable ({ledger}) is not the sum of the "
                              f"open residuals ({residuals})")
    return True
