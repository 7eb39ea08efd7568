import logging

from werkzeug.exceptions import NotFound, RequestEntityTooLarge
from werkzeug.routing.converters import NumberConverter

from odoo import models
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

# The module's routes that answer JSON to anybody holding a link (the payment form's
# transaction call): their errors must not carry Odoo's traceback.
PUBLIC_JSON_PREFIX = "/cobranza/"

_logger = logging.getLogger(__name__)


class RecordIdConverter(NumberConverter):
    """``<cobranza_id:name>``: a record id in a URL. Odoo's ``int`` converter takes any
    number of digits, and a 5,000-digit id ends in a server error (Python refuses to read
    it) before the route runs; this one matches ids only, anything else is a 404."""

    regex = r"[0-9]{1,15}"
    num_convert = int


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _get_converters(cls):
        """EXTENDS base: the record id converter of the collections' routes."""
        return {**super()._get_converters(), "cobranza_id": RecordIdConverter}

    @classmethod
    def _handle_error(cls, exception):
        """EXTENDS base: an error of a collections JSON route reaches the browser with a
        message only. Odoo puts the full traceback (with server paths) in the JSON-RPC
        ``debug`` field of every error, for anonymous visitors too; here our own refusals
        (a UserError) keep their message and anything else, from a malformed request to a
        bug, gets one generic message. The error is still logged on the server. A body
        larger than a collections route accepts (the WhatsApp webhook's 1 MB) is refused
        by Werkzeug before it is read: the refusal is logged here, once."""
        if isinstance(exception, RequestEntityTooLarge) and request.httprequest.path.startswith(PUBLIC_JSON_PREFIX):
            _logger.warning("Collections: a call of %s from %s refused: its body (%s bytes) is too large",
                            request.httprequest.path, request.httprequest.remote_addr,
                            request.httprequest.content_length)
        if getattr(request.dispatcher, "routing_type", None) != "json" \
                or not request.httprequest.path.startswith(PUBLIC_JSON_PREFIX):
            return super()._handle_error(exception)
        request.env.cr.rollback()  # nothing of a failed request is kept; the cursor may be aborted
        if isinstance(exception, NotFound):
            code, message = 404, "404: Not Found"
        elif isinstance(exception, UserError) and not isinstance(exception, (AccessError, MissingError)) \
                and exception.args:
            code, message = 200, str(exception.args[0])
        else:  # access errors name models and ids: the generic message
            code, message = 200, request.env._(
                "We could not process this request. Please reload the page and try again.")
        return request.dispatcher._response(error={
            "code": code,
            "message": "Odoo Server Error" if code == 200 else message,
            "data": {"name": type(exception).__name__, "message": message, "arguments": [message], "context": {}},
        })
