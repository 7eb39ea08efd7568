from odoo import models


class AccountJournal(models.Model):
    _inherit = "account.journal"

    # ------------------------------------------------------------------ business methods
    def _cobranza_uses_documents(self):
        """Whether this journal issues the localization's legal documents (Chile, Argentina,
        Peru...: *Use Documents* of l10n_latam_invoice_document, when installed)."""
        self.ensure_one()
        return "l10n_latam_use_documents" in self._fields and bool(self.l10n_latam_use_documents)
