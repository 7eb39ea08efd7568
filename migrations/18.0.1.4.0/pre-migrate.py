"""18.0.1.4.0: consent is given to a creditor, and a reply's time is the server's.

- The consent columns of customers become company-dependent (jsonb keyed by company id):
  the value a customer had is kept for every company, so that nobody who refused a channel
  is contacted on it again by any company after the upgrade.
- A reply's ``received_at`` was the date its sender wrote in the message: it is kept as
  ``sent_at`` (information only) and ``received_at`` becomes the moment the server
  recorded the reply (never later than that), so that no reply dated in the future holds
  the ladder any more.
"""

CONSENT_COLUMNS = ("cobranza_consent_email", "cobranza_consent_sms", "cobranza_consent_whatsapp",
                   "cobranza_consent_call")


def migrate(cr, version):
    if not version:
        return
    for column in CONSENT_COLUMNS:
        cr.execute("""
            SELECT data_type FROM information_schema.columns
             WHERE table_name = 'res_partner' AND column_name = %s
        """, [column])
        row = cr.fetchone()
        if not row or row[0] == "jsonb":
            continue
        cr.execute(f"ALTER TABLE res_partner RENAME COLUMN {column} TO {column}_old")
        cr.execute(f"ALTER TABLE res_partner ADD COLUMN {column} jsonb")
        cr.execute(f"""
            UPDATE res_partner p
               SET {column} = (SELECT jsonb_object_agg(c.id::text, COALESCE(p.{column}_old, false))
                                 FROM res_company c)
        """)
        cr.execute(f"ALTER TABLE res_partner DROP COLUMN {column}_old")
    cr.execute("""
        SELECT 1 FROM information_schema.columns
         WHERE table_name = 'cobranza_reply' AND column_name = 'sent_at'
    """)
    if not cr.fetchone():
        cr.execute("ALTER TABLE cobranza_reply ADD COLUMN sent_at timestamp")
        cr.execute("""
            UPDATE cobranza_reply
               SET sent_at = received_at,
                   received_at = LEAST(received_at, COALESCE(create_date, received_at))
        """)
