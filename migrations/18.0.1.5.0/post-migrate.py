"""18.0.1.5.0: fees as the localization's documents.

- The fee products get the sale tax of the companies whose country taxes late-payment
  interest (Chile, Argentina, Mexico): at installation a data function does it, which Odoo
  does not run again on an upgrade.
- A plan's financing fee may now be several documents (a debit note of each invoice): the
  fee invoice of the plans activated before is their one fee document.
"""
from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["account.chart.template"]._cobranza_set_fee_taxes()
    cr.execute("""
        INSERT INTO cobranza_payment_plan_fee_move_rel (plan_id, move_id)
        SELECT id, fee_move_id FROM cobranza_payment_plan WHERE fee_move_id IS NOT NULL
        ON CONFLICT DO NOTHING
    """)
