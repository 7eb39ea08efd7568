from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    cobranza_policy_id = fields.Many2one(
        related="company_id.cobranza_policy_id",
        readonly=False,
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id)]",
    )
    cobranza_whatsapp_phone_id = fields.Char(related="company_id.cobranza_whatsapp_phone_id", readonly=False)
    cobranza_whatsapp_token = fields.Char(related="company_id.cobranza_whatsapp_token", readonly=False)
    cobranza_whatsapp_api_version = fields.Char(related="company_id.cobranza_whatsapp_api_version", readonly=False)
