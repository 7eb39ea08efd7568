"""Everything WhatsApp, in one place: a company's WhatsApp Business account (Cloud API),
sending approved templates, and its webhook, through which Meta brings the customers'
messages (read here into replies' values) and the delivery receipts of the messages we sent
(read here into statuses a contact follows). Every call is signed with the app secret of one company and names the
business number (``phone_number_id``) it is for: a message reaches only the customers of the
company that owns that number and signed the call."""
import hashlib
import hmac
import json
import logging
import re
import time
from collections import defaultdict
from datetime import datetime, timezone

import requests

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .cobranza_reply import MAX_BODY

_logger = logging.getLogger(__name__)

WHATSAPP_URL = "https://graph.facebook.com/{version}/{phone_id}/messages"
WHATSAPP_TIMEOUT = 10
WHATSAPP_BACKOFF = (1, 2, 4)  # seconds before each retry of a timeout, 429 or 5xx answer
SIGNATURE = re.compile(r"sha256=[0-9a-fA-F]{64}")
# the delivery receipts followed (``cobranza.contact._follow_whatsapp_receipts``)
WHATSAPP_RECEIPTS = ("sent", "delivered", "read", "failed")


def signature_ok(body, signature, secret):
    """Meta signs each webhook call with the app secret: ``sha256=<hex HMAC of the body>``."""
    if not (secret and signature and SIGNATURE.fullmatch(signature)):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature[7:].lower())


def dicts(value):
    """The objects of a JSON list (anything else in a signed but malformed body is ignored)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


class ResCompany(models.Model):
    _inherit = "res.company"

    cobranza_whatsapp_phone_id = fields.Char(
        string="WhatsApp Phone Number ID", groups="base.group_system",
        help="WhatsApp Business Cloud API: the id of the sending phone number (Meta Business Manager).",
    )
    cobranza_whatsapp_token = fields.Char(
        string="WhatsApp Access Token", groups="base.group_system",
        help="WhatsApp Business Cloud API: a permanent access token of a system user.",
    )
    cobranza_whatsapp_api_version = fields.Char(
        string="WhatsApp API Version", default="v21.0", groups="base.group_system"
    )
    cobranza_whatsapp_verify_token = fields.Char(
        string="WhatsApp Webhook Verify Token", groups="base.group_system",
        help="The token you type in Meta's webhook settings: Odoo answers Meta's check with it.",
    )
    cobranza_whatsapp_app_secret = fields.Char(
        string="WhatsApp App Secret", groups="base.group_system",
        help="The secret of the Meta app: replies arrive only when signed with it.",
    )

    # ------------------------------------------------------------------ constraints
    @api.constrains("cobranza_whatsapp_phone_id")
    def _check_cobranza_whatsapp_phone_id(self):
        for company in self.sudo().filtered("cobranza_whatsapp_phone_id"):
            if self.sudo().search_count([("cobranza_whatsapp_phone_id", "=", company.cobranza_whatsapp_phone_id),
                                         ("id", "!=", company.id)], limit=1):
                raise ValidationError(_("The WhatsApp phone number id %s is already the number of another "
                                        "company: each company receives the messages of its own number.",
                                        company.cobranza_whatsapp_phone_id))

    # ------------------------------------------------------------------ sending
    def _cobranza_whatsapp_ready(self):
        self.ensure_one()
        company = self.sudo()
        return bool(company.cobranza_whatsapp_phone_id and company.cobranza_whatsapp_token)

    def _cobranza_whatsapp_send(self, number, template, lang, parameters):
        """Send an approved WhatsApp template through the Cloud API; returns the message id.

        Timeouts, 429 and 5xx answers are retried with a growing pause; any other failure
        raises a UserError with the reason (the caller falls back to another channel)."""
        self.ensure_one()
        company = self.sudo()
        if not self._cobranza_whatsapp_ready():
            raise UserError(_("WhatsApp is not configured for %s.", self.name))
        url = WHATSAPP_URL.format(version=company.cobranza_whatsapp_api_version or "v21.0",
                                  phone_id=company.cobranza_whatsapp_phone_id)
        payload = {
            "messaging_product": "whatsapp",
            "to": "".join(ch for ch in number if ch.isdigit()),
            "type": "template",
            "template": {
                "name": template,
                "language": {"code": lang},
                "components": [{"type": "body", "parameters": [
                    {"type": "text", "text": str(value)} for value in parameters]}],
            },
        }
        headers = {"Authorization": f"Bearer {company.cobranza_whatsapp_token}"}
        error = None
        for attempt, pause in enumerate((0, *WHATSAPP_BACKOFF)):
            if pause:
                time.sleep(pause)
            try:
                response = requests.post(url, json=payload, headers=headers, timeout=WHATSAPP_TIMEOUT)
            except requests.exceptions.RequestException as exc:
                error = _("WhatsApp did not answer (%s).", exc.__class__.__name__)
                continue
            if response.status_code == 429 or response.status_code >= 500:
                error = _("WhatsApp is unavailable (HTTP %s).", response.status_code)
                continue
            if response.status_code >= 400:
                try:
                    detail = response.json().get("error", {}).get("message", "")
                except ValueError:
                    detail = response.text[:200]
                raise UserError(_("WhatsApp refused the message (HTTP %(code)s): %(detail)s",
                                  code=response.status_code, detail=detail))
            messages = response.json().get("messages") or [{}]
            _logger.info("WhatsApp message sent after %s attempt(s)", attempt + 1)
            return messages[0].get("id")
        raise UserError(error)

    # ------------------------------------------------------------------ webhook
    @api.model
    def _cobranza_whatsapp_receive(self, payload, signature):
        """A call of the WhatsApp webhook: `payload` (bytes, of bounded size) signed by
        `signature`. Returns None when no company's app secret signs it; else the number of
        changes taken. Each change is for the business number of its ``metadata``: it is
        taken by the company that owns that number and signed the call, and refused
        otherwise. A signed body that is not what Meta sends is acknowledged and ignored."""
        companies = self.sudo().search([("cobranza_whatsapp_app_secret", "!=", False)])
        signed = self.browse()
        for secret, same in companies.grouped("cobranza_whatsapp_app_secret").items():
            if signature_ok(payload, signature, secret):
                signed |= same
        if not signed:
            return None
        try:
            data = json.loads(payload or b"{}")
        except ValueError:
            _logger.warning("Collections: WhatsApp webhook call signed but not JSON: ignored")
            return 0
        if not isinstance(data, dict):
            _logger.warning("Collections: WhatsApp webhook call signed but not an object: ignored")
            return 0
        taken = 0
        for entry in dicts(data.get("entry")):
            for change in dicts(entry.get("changes")):
                value = change.get("value")
                if not isinstance(value, dict):
                    continue
                metadata = value.get("metadata") if isinstance(value.get("metadata"), dict) else {}
                phone_id = str(metadata.get("phone_number_id") or "")
                company = signed.filtered(lambda c: phone_id and c.cobranza_whatsapp_phone_id == phone_id)
                if len(company) != 1:
                    _logger.warning("Collections: WhatsApp change for the business number %r refused: it is not "
                                    "the number of the company whose app secret signed the call", phone_id[:40])
                    continue
                company._cobranza_whatsapp_take(value)
                taken += 1
        return taken

    def _cobranza_whatsapp_take(self, value):
        """One change of this company's number: the customers' messages become replies, the
        statuses of the messages we sent update their contacts."""
        self.ensure_one()
        profiles = {str(c.get("wa_id")): (c.get("profile") or {}).get("name") for c in dicts(value.get("contacts"))
                    if isinstance(c.get("profile"), dict)}
        messages = dicts(value.get("messages"))
        if messages:
            self.env["cobranza.reply"].sudo()._whatsapp_record(
                self, [self._cobranza_whatsapp_reply_values(message, profiles) for message in messages])
        receipts = self._cobranza_whatsapp_receipts(dicts(value.get("statuses")))
        if receipts:
            self.env["cobranza.contact"].sudo()._follow_whatsapp_receipts(self, receipts)

    def _cobranza_whatsapp_reply_values(self, message, profiles):
        """The values of the reply a customer's WhatsApp `message` (webhook) becomes: its
        text (or the caption, or the button pressed), the time it says it was written, a
        note for media. `profiles`: ``{number: profile name}`` of the change."""
        self.ensure_one()
        kind = str(message.get("type") or "")

        def part(name):
            return message.get(name) if isinstance(message.get(name), dict) else {}

        content = part(kind)
        reply = content.get("button_reply") or content.get("list_reply")
        text = part("text").get("body") or content.get("caption") or content.get("text") \
            or (reply.get("title") if isinstance(reply, dict) else None) or ""
        try:
            written = datetime.fromtimestamp(int(message.get("timestamp")), tz=timezone.utc).replace(tzinfo=None)
        except (TypeError, ValueError, OverflowError, OSError):
            written = False
        note = False
        if kind not in ("text", "button", "interactive"):
            note = _("WhatsApp %(kind)s message (media %(media)s).", kind=kind[:30] or "?",
                     media=str(content.get("id") or "-")[:100])
        sender = str(message.get("from") or "")[:40]
        return {
            "company_id": self.id, "source": "whatsapp", "external_id": str(message.get("id") or "")[:200] or False,
            "sender": sender, "sender_name": str(profiles.get(sender) or "")[:200] or False,
            "received_at": fields.Datetime.now(), "sent_at": written,
            "body": str(text)[:MAX_BODY], "note": note, "state": "new",
        }

    @api.model
    def _cobranza_whatsapp_receipts(self, statuses):
        """``{message id: [(status, error text or None)]}``: WhatsApp's delivery receipts
        (webhook ``statuses``) in the order they came, those of a kind we do not follow or
        without a message id left out."""
        receipts = defaultdict(list)
        for status in statuses:
            if status.get("status") in WHATSAPP_RECEIPTS and isinstance(status.get("id"), str):
                error = self._cobranza_whatsapp_error(status) if status["status"] == "failed" else None
                receipts[status["id"]].append((status["status"], error))
        return dict(receipts)

    @api.model
    def _cobranza_whatsapp_error(self, status):
        """The reason a failed receipt gives, as a collector reads it."""
        errors = [e for e in status.get("errors") or [] if isinstance(e, dict)]
        if not errors:
            return _("WhatsApp could not deliver the message.")
        error = errors[0]
        details = (error.get("error_data") or {}).get("details") if isinstance(error.get("error_data"), dict) else None
        return _("WhatsApp could not deliver the message (error %(code)s: %(title)s).",
                 code=str(error.get("code") or "?")[:20],
                 title=str(details or error.get("title") or error.get("message") or "?")[:300])
