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
    cobranza_whatsapp_verify_token = fields.Char(related="company_id.cobranza_whatsapp_verify_token", readonly=False)
    cobranza_whatsapp_app_secret = fields.Char(related="company_id.cobranza_whatsapp_app_secret", readonly=False)
    cobranza_behaviour_months = fields.Integer(related="company_id.cobranza_behaviour_months", readonly=False)
    cobranza_on_time_days = fields.Integer(related="company_id.cobranza_on_time_days", readonly=False)
    cobranza_min_history = fields.Integer(related="company_id.cobranza_min_history", readonly=False)
    cobranza_shrink_weight = fields.Float(related="company_id.cobranza_shrink_weight", readonly=False)
    cobranza_rating_a = fields.Float(related="company_id.cobranza_rating_a", readonly=False)
    cobranza_rating_b = fields.Float(related="company_id.cobranza_rating_b", readonly=False)
    cobranza_rating_c = fields.Float(related="company_id.cobranza_rating_c", readonly=False)
    cobranza_statement_day = fields.Integer(related="company_id.cobranza_statement_day", readonly=False)
    cobranza_apply_credits = fields.Boolean(related="company_id.cobranza_apply_credits", readonly=False)
    cobranza_link_validity_days = fields.Integer(
        string="Payment Links Valid For (days)",
        config_parameter="account_cobranza.link_validity_days",
        default=30,
        help="How long the signed links of reminder emails and SMS let a customer without a "
             "portal login see and pay the invoices of the message.",
    )
