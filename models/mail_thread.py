from odoo import models

from ..engine.replies import is_auto_reply

AUTO_REPLY_HEADERS = ("Auto-Submitted", "X-Autoreply", "X-Autorespond", "X-Auto-Reply", "Precedence",
                      "X-Auto-Response-Suppress", "X-MS-Exchange-Generated-Message-Source")


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    def _get_message_create_valid_field_names(self):
        """Extends mail.thread: the gateway's mark of an automatic answer is stored."""
        return super()._get_message_create_valid_field_names() | {"cobranza_auto_reply"}

    def message_parse(self, message, save_original=False):
        """Extends the mail gateway's parsing: an automatic answer (out of office...) is marked
        on its message, so a customer's reply is never mistaken for one and vice versa."""
        msg_dict = super().message_parse(message, save_original=save_original)
        headers = {name: str(message.get(name) or "") for name in AUTO_REPLY_HEADERS}
        if is_auto_reply(headers, msg_dict.get("subject") or ""):
            msg_dict["cobranza_auto_reply"] = True
        return msg_dict
