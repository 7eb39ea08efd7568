import math
import time
from datetime import timedelta

from werkzeug.urls import url_encode

from odoo import Command, _, api, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare, hmac

from ..engine import links
from ..engine.ladder import PAYABLE_PAYMENT_STATES

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
    def _token(self, records, days=None, expires=None):
        """Token granting `records` (invoices of one customer, or one payment plan), valid
        `days` (the configured validity by default) or until the UNIX time `expires`."""
        if records._name == "cobranza.payment.plan":
            records.ensure_one()
            kind, partner = "p", records.partner_id
        else:
            kind, partner = "m", records.commercial_partner_id
            partner.ensure_one()
        expires = expires or int(time.time() + timedelta(days=days or self._validity_days()).total_seconds())
        return links.encode(kind, partner.commercial_partner_id.id, records.ids, expires, self._sign)

    @api.model
    def _url(self, records, days=None):
        return f"{records[:1].get_base_url()}/cobranza/pay/{self._token(records, days)}"

    @api.model
    def _qr_src(self, records, size=240):
        """A QR code of the signed link to pay `records`, rendered by Odoo's barcode route
        (for letters, statements and invoices on paper)."""
        return "/report/barcode/?" + url_encode({"barcode_type": "QR", "value": self._url(records),
                                                  "width": size, "height": size})

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
        transaction settles, its amount and reference, for a plan its next installment, who
        pays and with what (see `_payment_options`). An empty amount: nothing left to pay."""
        pay = self._payment_documents(records)
        pay.update(self._payment_options(pay))
        return pay

    @api.model
    def _payment_documents(self, records):
        if records._name == "cobranza.payment.plan":
            plan = records
            line = plan.line_ids.filtered(lambda l: l.state != "paid")[:1] if plan.state == "active" else plan.line_ids.browse()
            moves = plan.move_ids.filtered(lambda m: m.state == "posted" and m.payment_state in PAYABLE_PAYMENT_STATES)
            moves = moves.sorted(lambda m: (m.invoice_date_due or m.date, m.id))
            amount = min(line.remaining_amount, sum(moves.mapped("amount_residual"))) if line else 0.0
            return {
                "customer": plan.partner_id.commercial_partner_id, "credits": [],
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
        # the customer's payments and credit notes not yet matched cover part of them: it pays the net
        customer = records.commercial_partner_id[:1]
        credits = customer.with_company(first.company_id)._cobranza_reminder_credits(moves) if moves else []
        due = sum(moves.mapped("amount_residual")) - sum(credit["amount"] for credit in credits)
        return {
            "customer": customer, "credits": credits,
            "moves": moves, "others": open_moves - moves, "plan": False, "line": False, "currency": currency,
            "company": moves[:1].company_id, "amount": currency.round(max(due, 0.0)) if moves else 0.0,
            # several invoices: a batch reference, taken when the transaction is created
            "reference": moves.name if len(moves) == 1 else False,
        }

    @api.model
    def _payment_options(self, pay):
        """Who pays and the providers, payment methods and saved methods (tokens) they may
        use: exactly what Odoo itself offers for the company, currency, amount and payer.

        The payer is the current user when it belongs to the customer; anybody else holding
        the link (a visitor, a forwarded email, another customer's login) pays on behalf of
        the customer, and then sees and uses none of the customer's saved payment methods
        and saves none."""
        user = self.env.user
        own = not user._is_public() and user.partner_id.commercial_partner_id == pay["customer"]
        payer = user.partner_id if own else pay["moves"][:1].partner_id or pay["customer"]
        options = {"payer": payer, "own_user": own, "providers": self.env["payment.provider"].sudo(),
                   "payment_methods": self.env["payment.method"].sudo(),
                   "tokens": self.env["payment.token"].sudo(), "availability": {}}
        # as Odoo: a payer bound to another company does not pay this company's invoices
        if not pay["amount"] or pay["amount"] <= 0 or payer.company_id not in (pay["company"], payer.company_id.browse()):
            return options
        report = options["availability"]
        # sudo to read providers and the customer; published-only stays enforced for
        # non-internal users (Odoo reads the real user, not the superuser flag)
        providers = self.env["payment.provider"].sudo()._get_compatible_providers(
            pay["company"].id, payer.id, pay["amount"], currency_id=pay["currency"].id, report=report)
        options.update(
            providers=providers,
            payment_methods=self.env["payment.method"].sudo()._get_compatible_payment_methods(
                providers.ids, payer.id, currency_id=pay["currency"].id, report=report),
            tokens=self.env["payment.token"].sudo()._get_available_tokens(providers.ids, payer.id)
            if own else self.env["payment.token"].sudo(),
        )
        return options

    @api.model
    def _transaction_values(self, pay, amount, flow, provider_id, payment_method_id, token_id,
                            tokenization_requested=False):
        """The values of the payment transaction of `pay` for what the payment form sent,
        checked before any transaction exists: the amount must be the server's, and the
        provider, payment method or saved method one of `pay`'s options. Raises a
        ValidationError the customer can read otherwise."""
        currency = pay["currency"]
        if not pay["amount"] or pay["amount"] <= 0:
            raise ValidationError(_("There is nothing left to pay here. Thank you!"))
        if not isinstance(amount, (int, float)) or not math.isfinite(amount) or abs(amount) >= 1e15 \
                or float_compare(amount, pay["amount"], precision_rounding=currency.rounding):
            raise ValidationError(_("The amount to pay has changed since this page was opened. Please reload the page."))
        provider = method = token = None
        if flow in ("direct", "redirect"):
            provider = pay["providers"].filtered(lambda p: p.id == provider_id)
            method = pay["payment_methods"].filtered(lambda m: m.id == payment_method_id and provider in m.provider_ids)
        elif flow == "token":
            token = pay["tokens"].filtered(lambda t: t.id == token_id)
            provider, method = token.provider_id, token.payment_method_id
        if not (provider and method):
            raise ValidationError(_("This payment method is not available for this payment. Please reload "
                                    "the page and choose one of the methods it offers."))
        return {
            "provider_id": provider.id, "payment_method_id": method.id, "token_id": token.id if token else None,
            "amount": pay["amount"], "currency_id": currency.id, "partner_id": pay["payer"].id, "flow": flow,
            # only the customer's own users save a payment method on its account
            "tokenization_requested": pay["own_user"] and tokenization_requested is True,
            "reference_prefix": pay["reference"] or pay["company"].get_next_batch_payment_communication(),
            "custom_create_values": {"invoice_ids": [Command.set(pay["moves"].ids)]},
        }

    @api.model
    def _error_message(self, code):
        """What the customer reads on a refused link (never why exactly it was refused)."""
        if code == "expired":
            return _("This link has expired. Log in to your account or reply to our message "
                     "and we will gladly send you a new one.")
        return _("This link is not valid. Please use the link of our message as it is, "
                 "or log in to your account.")
