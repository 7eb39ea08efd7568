from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..engine import scoring

METRIC_SELECTION = [
    ("settled_count", "Invoices settled"),
    ("on_time_ratio", "On-time ratio (0-1)"),
    ("avg_delay", "Average delay (days)"),
    ("p90_delay", "90th-percentile delay (days)"),
    ("max_delay", "Maximum delay (days)"),
    ("overdue_amount", "Overdue amount"),
    ("overdue_days", "Days overdue of the oldest invoice"),
    ("broken_promises", "Broken promises"),
    ("broken_plans", "Broken payment plans"),
    ("disputes", "Disputes"),
]


class CobranzaSegmentThreshold(models.Model):
    """One condition of a segment on the customer's payment behaviour: all of a segment's
    conditions must hold for a customer to belong to it."""

    _name = "cobranza.segment.threshold"
    _description = "Collection Segment Threshold"
    _order = "segment_id, metric, operator"

    segment_id = fields.Many2one("cobranza.segment", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="segment_id.company_id", store=True)
    metric = fields.Selection(METRIC_SELECTION, required=True)
    operator = fields.Selection([("min", "at least"), ("max", "at most")], required=True, default="max")
    value = fields.Float(required=True, digits=(16, 2))

    _sql_constraints = [
        ("metric_operator_unique", "UNIQUE(segment_id, metric, operator)",
         "A segment has one minimum and one maximum per measure."),
    ]

    # ------------------------------------------------------------------ constraints
    @api.constrains("metric", "operator", "value")
    def _check_value(self):
        labels = dict(self._fields["metric"]._description_selection(self.env))
        for segment in self.segment_id:
            problems = scoring.threshold_problems(segment._thresholds())
            for problem, metric in problems:
                if problem == "ratio":
                    raise ValidationError(_("“%(measure)s” of the segment “%(segment)s” is a ratio between 0 and 1.",
                                            measure=labels.get(metric, metric), segment=segment.name))
                if problem == "contradiction":
                    raise ValidationError(_(
                        "The minimum of “%(measure)s” of the segment “%(segment)s” is above its maximum: "
                        "no customer could ever match.", measure=labels.get(metric, metric), segment=segment.name))
                if problem == "operator":
                    raise ValidationError(_("The segment “%(segment)s” has a threshold on an unknown measure or "
                                            "operator.", segment=segment.name))
                raise ValidationError(_("“%(measure)s” of the segment “%(segment)s” cannot be negative.",
                                        measure=labels.get(metric, metric), segment=segment.name))

    # ------------------------------------------------------------------ business methods
    def _engine_threshold(self):
        self.ensure_one()
        return scoring.Threshold(metric=self.metric, operator=self.operator, value=self.value)
