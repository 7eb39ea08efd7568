from odoo import _, fields, models
from odoo.exceptions import ValidationError


class PaymentToken(models.Model):
    _inherit = "payment.token"

    cobranza_valid_until = fields.Date(
        string="Valid Until",
        help="The last day this payment method can be charged (a card's month and year), as the customer "
             "or the provider told it: a customer paying automatically is reminded to replace it before it "
             "expires. Empty: unknown.")

    # ------------------------------------------------------------------ CRUD
    def _handle_archiving(self):
        """EXTENDS payment: a saved method the customer removes (or a provider that stops)
        no longer pays automatically: its consents are withdrawn, with a note on each."""
        super()._handle_archiving()
        consents = self.env["cobranza.autopay"].sudo().search([("token_id", "in", self.ids), ("state", "=", "active")])
        consents._withdraw(self.env.user)

    # ------------------------------------------------------------------ business methods
    def get_linked_records_info(self):
        """EXTENDS payment: the customer who removes this method from *My Account ▸ Payment
        Methods* is told first which automatic payments it makes (they stop with it)."""
        res = super().get_linked_records_info()
        consents = self.env["cobranza.autopay"].sudo().search([("token_id", "=", self.id), ("state", "=", "active")])
        for consent in consents:
            res.append({
                "description": _("Automatic payment"),
                "id": consent.id,
                "name": consent.plan_id.name or _("Your invoices on their due dates"),
                "url": f"/my/cobranza/plans/{consent.plan_id.id}" if consent.plan_id else "/my/statement",
            })
        return res

    def _cobranza_set_valid_until(self, day):
        """Record until when this method is valid (the last day of the month on the card);
        an expired one cannot be chosen."""
        if day < fields.Date.context_today(self):
            raise ValidationError(_("This payment method has already expired: please choose or save a valid one."))
        self.write({"cobranza_valid_until": day})
