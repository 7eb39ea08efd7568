import logging

from odoo import http
from odoo.http import request

_logger = logging.getLogger(__name__)


class CobranzaWhatsapp(http.Controller):
    """WhatsApp Cloud API webhook: customers' answers to the reminders. Meta checks the URL
    with a GET and the company's verify token, then POSTs each message signed with the app
    secret; the message is recorded at once and read afterwards by a cron."""

    @http.route("/cobranza/whatsapp/webhook", type="http", auth="public", methods=["GET"], csrf=False)
    def whatsapp_verify(self, **params):
        token = params.get("hub.verify_token")
        if params.get("hub.mode") == "subscribe" and token and request.env["res.company"].sudo().search_count(
                [("cobranza_whatsapp_verify_token", "=", token)], limit=1):
            return request.make_response(params.get("hub.challenge", ""), headers=[("Content-Type", "text/plain")])
        return request.make_response("Forbidden", status=403)

    @http.route("/cobranza/whatsapp/webhook", type="http", auth="public", methods=["POST"], csrf=False)
    def whatsapp_receive(self, **_params):
        received = request.env["cobranza.reply"].sudo()._cobranza_whatsapp_receive(
            request.httprequest.get_data(), request.httprequest.headers.get("X-Hub-Signature-256", ""))
        if received is None:
            _logger.warning("Collections: WhatsApp webhook call refused (bad signature) from %s",
                            request.httprequest.remote_addr)
            return request.make_response("Forbidden", status=403)
        return request.make_response("OK", headers=[("Content-Type", "text/plain")])
