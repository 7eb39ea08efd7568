from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

WEEKDAYS = [("0", "Monday"), ("1", "Tuesday"), ("2", "Wednesday"), ("3", "Thursday"),
            ("4", "Friday"), ("5", "Saturday"), ("6", "Sunday")]


class CobranzaContactRuleWindow(models.Model):
    _name = "cobranza.contact.rule.window"
    _description = "Allowed Contact Hours"
    _order = "rule_id, weekday, hour_from"

    rule_id = fields.Many2one("cobranza.contact.rule", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="rule_id.company_id", store=True)
    weekday = fields.Selection(WEEKDAYS, required=True)
    hour_from = fields.Float(string="From", required=True, default=8.0)
    hour_to = fields.Float(string="To", required=True, default=20.0)

    @api.constrains("hour_from", "hour_to")
    def _check_hours(self):
        for window in self:
            if not 0 <= window.hour_from < window.hour_to <= 24:
                raise ValidationError(_("Allowed hours go from 00:00 to 24:00, the start before the end."))
