import logging
import time

import requests

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

_logger = logging.getLogger(__name__)

WHATSAPP_URL = "https://graph.facebook.com/{version}/{phone_id}/messages"
WHATSAPP_TIMEOUT = 10
WHATSAPP_BACKOFF = (1, 2, 4)  # seconds before each retry of a timeout, 429 or 5xx answer


class ResCompany(models.Model):
    _inherit = "res.company"

    def _default_cobranza_policy(self):
        return self.env.ref("account_cobranza.cobranza_policy_default", raise_if_not_found=False)

    cobranza_policy_id = fields.Many2one(
        "cobranza.policy",
        string="Default Collection Policy",
        default=_default_cobranza_policy,
        help="Policy of the customers that have no policy of their own and no segment policy.",
    )

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

    # payment behaviour, segments, predictions
    cobranza_behaviour_months = fields.Integer(
        string="Payment History Window (Months)", default=12,
        help="Payments of this many months back give each customer's payment behaviour.",
    )
    cobranza_on_time_days = fields.Integer(
        string="On-Time Tolerance (Days)", default=3,
        help="An invoice settled no later than its due date plus these days counts as paid on time.",
    )
    cobranza_min_history = fields.Integer(
        string="Minimum History (Invoices)", default=3,
        help="Customers with fewer invoices settled in the window go to the segment of new customers.",
    )
    cobranza_shrink_weight = fields.Float(
        string="Prior Weight (Invoices)", default=2.0, digits=(16, 1),
        help="Expected delay and risk of a customer are shrunk toward its segment's (else the "
             "company's) as if the segment had this many invoices of the customer's own.",
    )
    cobranza_average_delay = fields.Float(
        string="Average Payment Delay of Customers", readonly=True, digits=(16, 1),
        help="Mean of every customer's known delays at the last segmentation: the expected "
             "delay of a customer without any history yet.",
    )
    cobranza_rating_a = fields.Float(
        string="Rating A up to (Risk)", default=0.10, digits=(16, 2),
        help="Customers whose risk score (probability of settling an invoice more than 30 days "
             "late) is at most this value are rated A.",
    )
    cobranza_rating_b = fields.Float(string="Rating B up to (Risk)", default=0.30, digits=(16, 2))
    cobranza_rating_c = fields.Float(
        string="Rating C up to (Risk)", default=0.80, digits=(16, 2),
        help="Above this risk score a customer is rated D.",
    )

    # ------------------------------------------------------------------ constraints
    @api.constrains("cobranza_behaviour_months", "cobranza_on_time_days", "cobranza_min_history",
                    "cobranza_shrink_weight", "cobranza_rating_a", "cobranza_rating_b", "cobranza_rating_c")
    def _check_cobranza_scoring(self):
        for company in self:
            if company.cobranza_behaviour_months <= 0:
                raise ValidationError(_("The payment history window must be at least one month."))
            if min(company.cobranza_on_time_days, company.cobranza_min_history, company.cobranza_shrink_weight) < 0:
                raise ValidationError(_("The on-time tolerance, minimum history and prior weight cannot be negative."))
            if not 0 <= company.cobranza_rating_a <= company.cobranza_rating_b <= company.cobranza_rating_c <= 1:
                raise ValidationError(_("The rating limits must be risk scores between 0 and 1, "
                                        "with A ≤ B ≤ C."))

    @api.constrains("cobranza_policy_id")
    def _check_cobranza_policy_company(self):
        for company in self:
            company._cobranza_ensure_usable(company.cobranza_policy_id)

    # ------------------------------------------------------------------ business methods
    def _cobranza_ensure_usable(self, *records):
        """Collection records (a policy, a segment) of another company cannot be used in this
        one: the company's default policy, a customer's policy or segment."""
        self.ensure_one()
        for record in records:
            if record.company_id and record.company_id != self:
                raise ValidationError(_(
                    "“%(record)s” belongs to %(other)s and cannot be used in %(company)s.",
                    record=record.display_name, other=record.company_id.name, company=self.name))

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
