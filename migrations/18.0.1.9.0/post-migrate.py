"""18.0.1.9.0: the expected payment date stored, the predicted one read from it.

- ``account.move.cobranza_predicted_date`` was stored, moved to today every night for each
  overdue invoice; the stored date is now ``cobranza_expected_date`` (the due date plus the
  customer's expected delay, which does not move with the calendar) and the predicted date is
  computed from it. The old column's dates are kept as the expected ones until the next
  night writes each invoice's own (an invoice already paid keeps the last date predicted for
  it), then the column is dropped.
- Saved filters grouping invoices by the predicted date (no longer stored, so no longer a
  group) group them by the expected date.
"""
from odoo.tools.sql import column_exists


def migrate(cr, version):
    if not version or not column_exists(cr, "account_move", "cobranza_predicted_date"):
        return
    cr.execute("""
        UPDATE account_move SET cobranza_expected_date = cobranza_predicted_date
         WHERE cobranza_expected_date IS NULL AND cobranza_predicted_date IS NOT NULL
    """)
    cr.execute("ALTER TABLE account_move DROP COLUMN cobranza_predicted_date")
    cr.execute("""
        UPDATE ir_filters SET context = replace(context, 'cobranza_predicted_date', 'cobranza_expected_date')
         WHERE model_id = 'account.move' AND context LIKE '%cobranza_predicted_date%'
    """)
