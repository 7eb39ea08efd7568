"""18.0.1.2.0: a customer's segment is set per company, from its payment behaviour there.

The segment column of customers becomes company-dependent (jsonb keyed by company id): the
segment a customer had is kept in every company where that segment may be used (shared
segments everywhere, a company's own segment in that company). The segmentation that runs
at the end of the upgrade (post-migrate) then places every customer by its payment history;
a segment chosen by hand is kept only for customers whose *Keep Segment* is ticked."""


def migrate(cr, version):
    if not version:
        return
    cr.execute("""
        SELECT data_type FROM information_schema.columns
         WHERE table_name = 'res_partner' AND column_name = 'cobranza_segment_id'
    """)
    row = cr.fetchone()
    if not row or row[0] == "jsonb":
        return
    cr.execute("ALTER TABLE res_partner RENAME COLUMN cobranza_segment_id TO cobranza_segment_id_old")
    cr.execute("ALTER TABLE res_partner ADD COLUMN cobranza_segment_id jsonb")
    cr.execute("""
        UPDATE res_partner p
           SET cobranza_segment_id = (
                SELECT jsonb_object_agg(c.id::text, p.cobranza_segment_id_old)
                  FROM res_company c
                  JOIN cobranza_segment s ON s.id = p.cobranza_segment_id_old
                 WHERE s.company_id IS NULL OR s.company_id = c.id)
         WHERE p.cobranza_segment_id_old IS NOT NULL
    """)
    cr.execute("ALTER TABLE res_partner DROP COLUMN cobranza_segment_id_old")
