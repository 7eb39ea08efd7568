"""Database plumbing the collection models share: claiming rows with ``SKIP LOCKED``, rows
inserted by thousands, company-dependent values written for many records at once.

No business rule here: each function says what it does to the database, its callers say why.
"""
import psycopg2

from odoo import fields
from odoo.tools import SQL
from odoo.tools.mail import generate_tracking_message_id


def claim_rows(env, query, retry=False, attempts=5):
    """The ids `query` (a ``SELECT … FOR UPDATE SKIP LOCKED``, or an ``UPDATE … RETURNING id``
    around one) locks: rows another worker holds are skipped, never waited for. Under Odoo's
    repeatable read, a row another worker changed since this transaction's snapshot cannot be
    locked (a serialization failure): with `retry`, on a transaction that holds nothing yet,
    roll back and claim again on a fresh snapshot. One query (more only on such a retry)."""
    for attempt in range(attempts):
        try:
            env.cr.execute(query)
            return [row[0] for row in env.cr.fetchall()]
        except psycopg2.errors.SerializationFailure:
            if not retry or attempt == attempts - 1:
                raise
            env.cr.rollback()
            env.invalidate_all()
    return []


def insert_rows(env, model, vals_list):
    """Insert records of `model` at once, bypassing the ORM's per-record machinery: for rows
    of known shape written by thousands (planned contacts, chatter messages, queued mails).
    `vals_list`: column values, all with the same keys; a many2many field's value is a list of
    ids. The caller owns what the ORM would have checked (access rights, sanitizing). Returns
    the records, in order. One statement, plus one per many2many."""
    Model = env[model].sudo()
    if not vals_list:
        return Model
    now, uid = fields.Datetime.now(), env.uid
    m2m = [name for name in vals_list[0] if Model._fields[name].type == "many2many"]
    columns = [name for name in vals_list[0] if name not in m2m] + ["create_uid", "create_date", "write_uid",
                                                                    "write_date"]
    count = len(vals_list)
    arrays = [[vals[name] for vals in vals_list] for name in columns[:-4]] + [[uid] * count, [now] * count] * 2
    types = [Model._fields[name].column_type[1] for name in columns]
    Model.flush_model()
    # one array per column: a statement of a few parameters, whatever the number of rows
    env.cr.execute(SQL(
        "INSERT INTO %s (%s) SELECT * FROM unnest(%s) RETURNING id", SQL.identifier(Model._table),
        SQL(", ").join(SQL.identifier(name) for name in columns),
        SQL(", ").join(SQL(f"%s::{sqltype}[]", array) for array, sqltype in zip(arrays, types)),
    ))
    records = Model.browse([row[0] for row in env.cr.fetchall()])
    for name in m2m:
        field = Model._fields[name]
        pairs = [(record.id, rel_id) for record, vals in zip(records, vals_list) for rel_id in vals[name]]
        if pairs:
            env.cr.execute(SQL(
                "INSERT INTO %s (%s, %s) SELECT * FROM unnest(%s::int4[], %s::int4[])",
                SQL.identifier(field.relation), SQL.identifier(field.column1), SQL.identifier(field.column2),
                [pair[0] for pair in pairs], [pair[1] for pair in pairs],
            ))
    Model.invalidate_model()
    # the other side of the new rows' links (a customer's contacts, an invoice's...)
    for name in columns[:-4] + m2m:
        field = Model._fields[name]
        if field.type not in ("many2one", "many2many"):
            continue
        Comodel = env[field.comodel_name]
        Comodel.invalidate_model([
            other.name for other in Comodel._fields.values()
            if other.comodel_name == model and (
                (other.type == "one2many" and other.inverse_name == name)
                or (other.type == "many2many" and other.relation == getattr(field, "relation", None)))])
    return records


def read_company_values(records, company, columns):
    """``{record id: (value, ...)}`` of the company-dependent `columns` (``[(field name, SQL
    type)]``) of `records` in `company`, as ``write_company_values`` wrote them (one query);
    records without a value of the first column in `company` are left out."""
    if not records:
        return {}
    names = [fname for fname, _sqltype in columns]
    records.flush_model(names)
    records.env.cr.execute(SQL(
        "SELECT id, %s FROM %s WHERE id = ANY(%s) AND %s ? %s",
        SQL(", ").join(SQL(f"(%s ->> %s)::{sqltype}", SQL.identifier(fname), str(company.id))
                       for fname, sqltype in columns),
        SQL.identifier(records._table), records.ids, SQL.identifier(names[0]), str(company.id),
    ))
    return {row[0]: row[1:] for row in records.env.cr.fetchall()}


def write_company_values(records, company, columns, rows):
    """Write company-dependent values of many records of `records`' model in `company` in one
    statement (Odoo keeps them in one JSONB column per field, keyed by company id).
    `columns`: ``[(field name, SQL type)]``; `rows`: ``[(record id, value, ...)]``."""
    if not rows:
        return
    for fname, _sqltype in columns:
        if not records._fields[fname].company_dependent:
            raise ValueError(f"{records._name}.{fname} is not company-dependent")
    records.flush_model([fname for fname, _sqltype in columns])
    names = [fname for fname, _sqltype in columns]
    records.env.cr.execute(SQL(
        "UPDATE %s p SET %s FROM unnest(%s) AS v(id, %s) WHERE p.id = v.id",
        SQL.identifier(records._table),
        SQL(", ").join(
            SQL("%s = COALESCE(p.%s, '{}'::jsonb) || jsonb_build_object(%s, v.%s)",
                SQL.identifier(fname), SQL.identifier(fname), str(company.id), SQL.identifier(fname))
            for fname in names),
        # one array per column: a statement of a few parameters, whatever the number of rows
        SQL(", ").join([SQL("%s::int[]", [row[0] for row in rows])] + [
            SQL(f"%s::{sqltype}[]", [row[index] for row in rows])
            for index, (_fname, sqltype) in enumerate(columns, start=1)]),
        SQL(", ").join(SQL.identifier(fname) for fname in names),
    ))
    records.invalidate_model(names)


def insert_messages(env, vals_list):
    """Chatter messages inserted at once (``insert_rows``): on a backlog day the collection
    trail (reminders posted on customers, notes on invoices, segment changes) is tens of
    thousands of messages of known shape, and the ORM would run its whole create machinery
    for each and sanitize each body twice. The caller vouches that the bodies are safe: a mail
    template's body is sanitized when it is saved and QWeb escapes everything it renders into
    it; a text a person wrote is sanitized by its HTML field; notes are escaped text
    (``utils.html``). Returns the messages, in order."""
    now = fields.Datetime.now()
    messages = insert_rows(env, "mail.message", [{
        "model": vals["model"], "res_id": vals["res_id"], "body": vals.get("body") or "",
        "subject": vals.get("subject") or None, "message_type": vals["message_type"],
        "subtype_id": vals.get("subtype_id"), "author_id": vals.get("author_id"),
        "email_from": vals.get("email_from") or None, "reply_to": vals.get("reply_to") or None,
        "message_id": generate_tracking_message_id(f"{vals['res_id']}-{vals['model']}"),
        "is_internal": bool(vals.get("is_internal")), "email_add_signature": bool(vals.get("email_add_signature")),
        "record_company_id": vals.get("record_company_id"), "mail_server_id": vals.get("mail_server_id") or None,
        "date": now, "partner_ids": vals.get("partner_ids") or (), "attachment_ids": vals.get("attachment_ids") or (),
    } for vals in vals_list])
    for model in {vals["model"] for vals in vals_list}:
        env[model].invalidate_model(["message_ids"])
    return messages
