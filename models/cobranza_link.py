import time
from datetime import timedelta

from odoo import _, api, models
from odoo.tools import hmac

from ..engine import links
from .account_move import PAYABLE_PAYMENT_STATES

DEFAULT_VALIDITY_DAYS = 30


class CobranzaLink(models.AbstractModel):
    """Signed, expiring links to see and pay what a reminder is about, without a login.

    The token format and checks live in ``engine/links.py``; this adapter signs with the
    database secret and turns a valid token into the records it grants (always in sudo:
    the caller must show nothing beyond them)."""

    _name = "cobranza.link"
    _description = "Collections Signed Link"

    @api.model
    def _sign(self, payload):
        return hmac(self.env(su=True), "account_cobranza.link", payload)

    @api.model
    def _validity_days(self):
        value = self.env["ir.config_parameter"].sudo().get_param("account_cobranza.link_validity_days")
        try:
            return max(int(value), 1) if value else DEFAULT_VALIDITY_DAYS
        except ValueError:
            return DEFAULT_VALIDITY_DAYS

    @api.model
    def _token(self, records, days=None):
        """Token granting `records` (invoices of one customer, or one payment plan)."""
        if records._name == "cobranza.payment.plan":
            records.ensure_one()
            kind, partner = "p", records.partner_id
        else:
            kind, partner = "m", records.commercial_partner_id
            partner.ensure_one()
        expires = int(time.time() + timedelta(days=days or self._validity_days()).total_seconds())
        return links.encode(kind, partner.commercial_partner_id.id, records.ids, expires, self._sign)

    @api.model
    def _url(self, records, days=None):
        return f"{records[:1].get_base_url()}/cobranza/pay/{self._token(records, days)}"

    @api.model
    def _resolve(self, token):
        """``(link, customer, records)`` a token grants, in sudo; raises links.LinkError.
        Records that no longer belong to the customer are dropped."""
        link = links.decode(token, self._sign, int(time.time()))
        partner = self.env["res.partner"].sudo().browse(link.partner_id).exists()
        if not partner:
            raise links.LinkError("tampered")
        if link.kind == "p":
            records = self.env["cobranza.payment.plan"].sudo().browse(link.ids).exists().filtered(
                lambda p: p.partner_id.commercial_partner_id == partner)
        else:
            records = self.env["account.move"].sudo().browse(link.ids).exists().filtered(
                lambda m: m.commercial_partner_id == partner and m.move_type == "out_invoice"
                and m.state == "posted")
        if not records:
            raise links.LinkError("tampered")
        return link, partner, records

    @api.model
    def _payment(self, records):
        """What paying through a link means, computed on the server only: the invoices the
        transaction settles, its amount and reference, and for a plan its next installment.
        An empty amount: nothing left to pay."""
        if records._name == "cobranza.payment.plan":
            plan = records
            line = plan.line_ids.filtered(lambda l: l.state != "paid")[:1] if plan.state == "active" else plan.line_ids.browse()
            moves = plan.move_ids.filtered(lambda m: m.state == "posted" and m.payment_state in PAYABLE_PAYMENT_STATES)
            moves = moves.sorted(lambda m: (m.invoice_date_due or m.date, m.id))
            amount = min(line.remaining_amount, sum(moves.mapped("amount_residual"))) if line else 0.0
            return {
                "moves": moves, "others": moves.browse(), "plan": plan, "line": line, "currency": plan.currency_id,
                "company": plan.company_id, "amount": plan.currency_id.round(amount),
                "reference": plan.name,
            }
        open_moves = records.filtered(lambda m: m.payment_state in PAYABLE_PAYMENT_STATES).sorted(
            lambda m: (m.invoice_date_due or m.date, m.id))
        # one transaction, one currency (and company): the oldest invoice's; the others are
        # paid one by one from their own page
        first = open_moves[:1]
        moves = open_moves.filtered(lambda m: m.currency_id == first.currency_id and m.company_id == first.company_id)
        currency = first.currency_id
        return {
            "moves": moves, "others": open_moves - moves, "plan": False, "line": False, "currency": currency,
            "company": moves[:1].company_id, "amount": currency.round(sum(moves.mapped("amount_residual"))) if moves else 0.0,
            # several invoices: a batch reference, taken when the transaction is created
            "reference": moves.name if len(moves) == 1 else False,
        }

    @api.model
    def _error_message(self, code):
        """What the customer reads on a refused link (never why exactly it was refused)."""
        if code == "expired":
            return _("This link has expired. Log in to your account or reply to our message "
                     "and we will gladly send you a new one.")
        return _("This link is not valid. Please use the link of our message as it is, "
                 "or log in to your account.")
