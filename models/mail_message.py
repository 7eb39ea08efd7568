from odoo import fields, models


class MailMessage(models.Model):
    _inherit = "mail.message"

    cobranza_auto_reply = fields.Boolean(
        string="Automatic Reply", readonly=True,
        help="An incoming email its sender's mail system wrote by itself (out of office...).",
    )
