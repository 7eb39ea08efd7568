"""SQL fragments of the receivable ledger, written once from the engine's definitions.

Plain functions returning :class:`odoo.tools.SQL`, to be composed into the models' queries:
which lines are receivables, which invoices are open, the aging bucket of an amount and
what settling late is. The rules themselves live in the engine (``engine.aging``,
``engine.ladder``'s payment-state sets, ``engine.scoring.LATE_DAYS``); this only spells them
in SQL.
"""
from odoo.tools import SQL

from ..engine import aging, scoring
from ..engine.ladder import ACTIONABLE_PAYMENT_STATES, OPEN_PAYMENT_STATES

RECEIVABLE = "asset_receivable"  # Odoo's account type of the receivable accounts


def _column(alias, name):
    return SQL.identifier(alias, name) if alias else SQL.identifier(name)


def receivable_accounts():
    """The ids of the receivable accounts, as a subquery (``SELECT id ...``)."""
    return SQL("SELECT id FROM account_account WHERE account_type = %s", RECEIVABLE)


def on_receivable(alias="l"):
    """Condition: the journal item `alias` is on a receivable account."""
    return SQL("%s IN (%s)", _column(alias, "account_id"), receivable_accounts())


def open_customer_invoices(alias="m", payment_states=ACTIONABLE_PAYMENT_STATES):
    """Condition: the move `alias` (None: unqualified columns) is a posted customer invoice
    whose payment state is one of `payment_states` (one of ``engine.ladder``'s sets; by
    default the open customer invoices, their money still owed)."""
    return SQL(
        "%s = 'out_invoice' AND %s = 'posted' AND %s IN %s",
        _column(alias, "move_type"), _column(alias, "state"), _column(alias, "payment_state"),
        tuple(payment_states),
    )


def run_invoices(alias="m"):
    """Condition: the move `alias` (None: unqualified columns) is an invoice the daily run
    reads: a posted customer invoice open or in payment, or paid and not yet recorded as such
    (its collection stage paid, no exclusion)."""
    return SQL(
        "%s = 'out_invoice' AND %s = 'posted' AND (%s IN %s OR (%s = 'paid' AND %s IS NULL))",
        _column(alias, "move_type"), _column(alias, "state"), _column(alias, "payment_state"),
        tuple(OPEN_PAYMENT_STATES), _column(alias, "cobranza_stage"), _column(alias, "cobranza_exclusion"),
    )


def aging_bucket(days_overdue):
    """``CASE`` expression: the ``engine.aging`` bucket code of `days_overdue` (an SQL
    expression giving the days past due; 0 or less: not yet due)."""
    whens = [SQL("WHEN %s <= %s THEN %s", days_overdue, aging.BOUNDS[code][1], code)
             for code in aging.BUCKETS if aging.BOUNDS[code][1] is not None]
    return SQL("CASE %s ELSE %s END", SQL(" ").join(whens), aging.BUCKETS[-1])


def settled_late(days_late):
    """Condition: `days_late` (an SQL expression: days after the due date an invoice was
    settled, or has been open) is late for the risk (``engine.scoring.LATE_DAYS``)."""
    return SQL("%s > %s", days_late, scoring.LATE_DAYS)


def among_partners(column, partners):
    """``AND`` condition: `column` (``"alias.name"``) is one of `partners` (customer ids, as
    ``cobranza.kpi._partner_filter`` gives: a list, bound as one array, so that PostgreSQL
    plans the ledger's scan knowing them); nothing when None."""
    if partners is None:
        return SQL()
    return SQL("AND %s = ANY(%s)", SQL.identifier(*column.split(".")), list(partners))
