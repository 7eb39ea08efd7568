"""18.0.1.2.0: the default segment of new customers is flagged as such (its record is
``noupdate``), and the payment behaviour, segments and predictions of every company are
computed once, so that the upgrade does not wait for the first night."""
from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    segment = env.ref("account_cobranza.cobranza_segment_new", raise_if_not_found=False)
    if segment:
        segment.new_customers = True
    for company in env["res.company"].search([]):
        env["cobranza.segment"].with_company(company).recompute_segments()
