import logging
from http import HTTPStatus

from odoo import http
from odoo.http import request

from ..models.res_company_whatsapp import SIGNATURE

_logger = logging.getLogger(__name__)

# Meta's calls are a few KB: a larger body is refused (413) by Werkzeug before it is read,
# whatever its type (the route's max_content_length); the refusal is logged by ir.http
MAX_BODY = 1024 * 1024


class CobranzaWhatsapp(http.Controller):
    """WhatsApp Cloud API webhook: customers' answers to the reminders and the delivery
    receipts of our messages. Meta checks the URL with a GET and the company's verify token,
    then POSTs each change signed with the app secret: the signature is checked first, on a
    body of bounded size; messages are recorded at once and read afterwards by a cron."""

    @http.route("/cobranza/whatsapp/webhook", type="http", auth="public", methods=["GET"], csrf=False)
    def whatsapp_verify(self, **params):
        token = params.get("hub.verify_token")
        if params.get("hub.mode") == "subscribe" and token and request.env["res.company"].sudo().search_count(
                [("cobranza_whatsapp_verify_token", "=", token)], limit=1):
            return request.make_response(params.get("hub.challenge", ""), headers=[("Content-Type", "text/plain")])
        return request.make_response("Forbidden", status=403)

    @http.route("/cobranza/whatsapp/webhook", type="http", auth="public", methods=["POST"], csrf=False,
                max_content_length=MAX_BODY)
    def whatsapp_receive(self, **_params):
        httprequest = request.httprequest
        signature = httprequest.headers.get("X-Hub-Signature-256", "")
        if not SIGNATURE.fullmatch(signature):
            return self._refuse(403, "without a valid signature header")
        received = request.env["res.company"].sudo()._cobranza_whatsapp_receive(
            httprequest.get_data(), signature)
        if received is None:
            return self._refuse(403, "signed by no company's app secret")
        return request.make_response("OK", headers=[("Content-Type", "text/plain")])

    def _refuse(self, status, why):
        _logger.warning("Collections: WhatsApp webhook call from %s refused (%s): HTTP %s",
                        request.httprequest.remote_addr, why, status)
        return request.make_response(HTTPStatus(status).phrase, status=status)
