"""18.0.1.6.0: one meaning per word.

- A contact deferred by the contact rules' minimum days between contacts was stored with the
  reason ``min_days``, the code the ladder also used for the policy's minimum days between
  contacts: the contact rules' reason is now ``too_soon`` (the ladder's skip is
  ``contacted_recently``, never stored on a contact).
"""


def migrate(cr, version):
    if not version:
        return
    cr.execute("UPDATE cobranza_contact SET defer_reason = 'too_soon' WHERE defer_reason = 'min_days'")
