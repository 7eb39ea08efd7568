"""18.0.1.1.0: one path from decision to delivery.

Contacts decided before the dispatcher existed get the action the dispatcher carries out:
a deferred message still waiting is sent by it, with its level's templates; tasks and letters
waiting for a person are already carried out. The scheduled action that sent deferred
contacts (``noupdate``) becomes the dispatcher's, every five minutes."""
from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    cr.execute("""
        UPDATE cobranza_contact c
           SET action = c.channel, channel_reason = 'level',
               mail_template_id = l.mail_template_id, sms_template_id = l.sms_template_id
          FROM cobranza_policy_level l
         WHERE c.level_id = l.id AND c.action IS NULL AND c.state = 'deferred'
           AND c.channel IN ('email', 'sms', 'whatsapp')
    """)
    cr.execute("""
        UPDATE cobranza_contact
           SET action = CASE WHEN activity_id IS NOT NULL THEN 'activity' ELSE 'letter' END,
               dispatched_at = date
         WHERE action IS NULL AND state = 'planned' AND (activity_id IS NOT NULL OR channel = 'letter')
    """)
    cr.execute("""
        UPDATE cobranza_contact SET action = channel
         WHERE action IS NULL AND state IN ('sent', 'failed') AND run_id IS NOT NULL
           AND channel IN ('email', 'sms', 'whatsapp', 'letter')
    """)
    env = api.Environment(cr, SUPERUSER_ID, {})
    cron = env.ref("account_cobranza.ir_cron_cobranza_deferred", raise_if_not_found=False)
    if cron:
        cron.write({"name": "Collections: send planned contacts", "code": "model._cron_dispatch()",
                    "interval_number": 5, "interval_type": "minutes"})
