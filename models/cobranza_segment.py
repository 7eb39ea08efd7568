import logging
from itertools import chain

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.misc import split_every

from ..engine import scoring
from ..utils.db import insert_messages, read_company_values, write_company_values
from .res_partner_behaviour import HISTORY

_logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
# behaviour fields written on the customers, with their SQL types
BEHAVIOUR_COLUMNS = [
    ("cobranza_behaviour_date", "text"), ("cobranza_settled_count", "int"), ("cobranza_on_time_ratio", "float"),
    ("cobranza_avg_delay", "float"), ("cobranza_p90_delay", "float"), ("cobranza_max_delay", "int"),
    ("cobranza_late_count", "int"),
    ("cobranza_broken_promises", "int"), ("cobranza_broken_plans", "int"), ("cobranza_dispute_window_count", "int"),
    ("cobranza_expected_delay", "float"), ("cobranza_risk_score", "float"), ("cobranza_rating", "text"),
    ("cobranza_segment_id", "int"),
]
HISTORY_SLICE = slice(1, 1 + len(HISTORY))  # the settled history among BEHAVIOUR_COLUMNS' values

# Commercial entities only: contacts of a company inherit its collection fields.
COMMERCIAL_DOMAIN = ["|", ("is_company", "=", True), ("parent_id", "=", False)]


class CobranzaSegment(models.Model):
    """A group of customers with a similar payment behaviour, chased with one policy."""

    _name = "cobranza.segment"
    _description = "Customer Collection Segment"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        string="Company",
        index=True,
        default=lambda self: self.env.company,
        help="Leave empty to share this segment between all companies.",
    )
    policy_id = fields.Many2one(
        "cobranza.policy",
        string="Policy",
        check_company=True,
        help="Collection policy of the customers of this segment, unless a customer or an "
        "invoice overrides it. Empty: the company's default policy.",
    )
    risk_factor = fields.Float(
        string="Risk Factor",
        default=1.0,
        digits=(16, 2),
        help="Weight of this segment in the collectors' worklist priority: above 1 brings its "
        "customers forward, below 1 lets them wait.",
    )
    # payment plans a collector may grant without a manager
    plan_max_installments = fields.Integer(string="Maximum Installments", default=6)
    plan_min_down_payment = fields.Float(
        string="Minimum Down Payment (%)", digits=(16, 2),
        help="Share of the amount due the customer pays up front.",
    )
    plan_max_days = fields.Integer(string="Maximum Plan Duration (Days)", default=180)
    plan_grace_days = fields.Integer(
        string="Grace Days", default=5,
        help="An installment unpaid this many days after its due date breaks the plan.",
    )
    color = fields.Integer()
    description = fields.Text(translate=True)
    new_customers = fields.Boolean(
        string="New Customers",
        help="Customers with fewer settled invoices than the minimum history of the settings go "
             "to this segment, whatever their behaviour.",
    )
    auto_assign = fields.Boolean(
        string="Assign Automatically", default=True,
        help="The nightly segmentation places customers here when all the thresholds hold. "
             "Untick for a segment customers are only put in by hand.",
    )
    threshold_ids = fields.One2many(
        "cobranza.segment.threshold", "segment_id", string="Thresholds", copy=True,
        help="Segments are tried in sequence: a customer goes to the first whose thresholds all "
             "hold on its payment behaviour. A segment without thresholds takes everyone left.",
    )
    partner_count = fields.Integer(compute="_compute_partner_count", string="Number of Customers")

    # ------------------------------------------------------------------ computes
    def _compute_partner_count(self):
        counts = dict(
            self.env["res.partner"]._read_group(
                [("cobranza_segment_id", "in", self.ids), *COMMERCIAL_DOMAIN],
                ["cobranza_segment_id"],
                ["__count"],
            )
        )
        for segment in self:
            segment.partner_count = counts.get(segment, 0)

    # ------------------------------------------------------------------ constraints
    @api.constrains("new_customers", "threshold_ids")
    def _check_new_customers(self):
        for segment in self.filtered("new_customers"):
            if segment.threshold_ids:
                raise ValidationError(_("The segment of new customers “%s” takes customers by their short "
                                        "history: it has no thresholds.", segment.name))

    @api.constrains("plan_max_installments", "plan_min_down_payment", "plan_max_days", "plan_grace_days")
    def _check_plan_limits(self):
        for segment in self:
            if min(segment.plan_max_installments, segment.plan_max_days, segment.plan_grace_days) < 0 \
                    or not 0 <= segment.plan_min_down_payment <= 100:
                raise ValidationError(_("The payment plan limits of the segment “%s” must be positive "
                                        "(a down payment between 0 and 100%%).", segment.name))

    # ------------------------------------------------------------------ actions
    def action_view_partners(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Customers in %s", self.display_name),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": [("cobranza_segment_id", "=", self.id), *COMMERCIAL_DOMAIN],
            "context": {"default_cobranza_segment_id": self.id},
        }

    # ------------------------------------------------------------------ business methods
    def _thresholds(self):
        self.ensure_one()
        return tuple(threshold._engine_threshold() for threshold in self.threshold_ids)

    def _engine_segments(self, company):
        """The automatic segments usable in `company`, in sequence order, for the engine."""
        segments = self.search([("auto_assign", "=", True), ("company_id", "in", (False, company.id))])
        return [scoring.Segment(id=segment.id, thresholds=segment._thresholds(),
                                new_customers=segment.new_customers) for segment in segments]

    @api.model
    def recompute_segments(self, partners=None, date=None):
        """Compute the payment behaviour of `partners` (default: every customer with receivables
        in the window) in the current company as of `date` (default today), place each in its
        segment, store its expected delay, risk score and rating, and predict the payment date
        of its open invoices. Returns ``{partner id: (old segment id, new segment id)}`` for the
        customers whose segment changed; each change is posted in the customer's chatter.

        Every customer is computed, but without `partners` (the nightly run) only the customers
        whose settled history may have changed since the last such run are read in full from
        the ledger (``_cobranza_history_changed``); the others' history is the one stored then,
        with what they have open on `date`. Only the customers and invoices whose figures
        changed are written."""
        company = self.env.company
        date = fields.Date.to_date(date) if date else fields.Date.context_today(self)
        if not self.env.user.has_group("account_cobranza.group_cobranza_user") and not self.env.su:
            raise UserError(_("Only collection users may compute customer segments."))
        Partner = self.env["res.partner"].with_company(company).sudo()
        nightly = partners is None
        mark = self.env["cobranza.ledger.change"]._mark() if nightly else None
        # every customer counts in the averages of its segment (the priors), even when only
        # some are written
        population = Partner._cobranza_receivable_customers(company, date)
        if nightly:
            partners = population
        else:
            partners = Partner.browse(partners.ids if isinstance(partners, models.BaseModel) else partners)
            partners = partners.commercial_partner_id.filtered(
                lambda p: not p.company_id or p.company_id == company)
            population |= partners
        stored = read_company_values(population, company, BEHAVIOUR_COLUMNS)
        changed = Partner._cobranza_history_changed(company, date, mark) if nightly else None
        known = {} if changed is None else {
            partner_id: row[HISTORY_SLICE] for partner_id, row in stored.items() if partner_id not in changed}
        engine_segments = self._engine_segments(company)
        # first pass: behaviour and segment of every customer (two queries a batch), so that the
        # priors of the second pass are the averages of the segments as they now are
        # (the customers whose history is known in one batch: one read of the open items)
        results = {}
        fresh = split_every(BATCH_SIZE, [pid for pid in population.ids if pid not in known], Partner.browse)
        for batch in chain(fresh, [Partner.browse([pid for pid in population.ids if pid in known])]):
            behaviours = batch._cobranza_behaviours(company, date, known)
            for partner in batch:
                behaviour = behaviours[partner.id]
                old = partner.cobranza_segment_id.id or False
                if partner.cobranza_segment_locked:
                    new, reason = old, "locked"
                else:
                    new, reason = scoring.choose_segment(behaviour, engine_segments, company.cobranza_min_history)
                    new = new or old
                results[partner.id] = (behaviour, old, new or False)
        # (summed in the customers' order, whichever were read in full: a full computation's sums)
        priors = scoring.priors({pid: (results[pid][0], results[pid][2]) for pid in population.ids})
        # what a customer without any history is expected to do: the company's average
        company.sudo().cobranza_average_delay = priors[None][0] or 0.0
        changes = {}
        for batch in split_every(BATCH_SIZE, partners.ids, Partner.browse):
            changes.update(self._store_behaviours(batch, company, date, results, priors, stored))
        window = Partner._cobranza_behaviour_window(company, date)
        if nightly:
            company.sudo().cobranza_behaviour_mark = dict(mark, **window)
        elif company.cobranza_behaviour_mark and any(
                company.cobranza_behaviour_mark.get(key) != value for key, value in window.items()):
            # the histories written are of another day, window or tolerance than the night's
            company.sudo().cobranza_behaviour_mark = False
        return changes

    @api.model
    def _store_behaviours(self, partners, company, date, results, priors, stored):
        """Write the behaviour, segment, expected delay, risk and rating of `partners` whose
        figures differ from `stored` (``{partner id: BEHAVIOUR_COLUMNS' values}``; one
        statement), post the segment changes and predict their open invoices."""
        weight = company.cobranza_shrink_weight
        limits = (company.cobranza_rating_a, company.cobranza_rating_b, company.cobranza_rating_c)
        rows, changes, expected = [], {}, {}
        for partner in partners:
            behaviour, old, new = results[partner.id]
            prior_delay, prior_rate = priors.get(new) or priors[None]
            delay = scoring.expected_delay(behaviour, prior_delay, weight)
            risk = scoring.risk_score(behaviour.late_count + behaviour.open_late_count,
                                      behaviour.settled_count + behaviour.open_late_count, prior_rate, weight)
            expected[partner.id] = delay
            row = (partner.id, fields.Date.to_string(date), behaviour.settled_count,
                   behaviour.on_time_ratio, behaviour.avg_delay, behaviour.p90_delay,
                   int(behaviour.max_delay) if behaviour.max_delay is not None else None,
                   behaviour.late_count, behaviour.broken_promises, behaviour.broken_plans, behaviour.disputes,
                   round(delay, 2), round(risk, 4), scoring.rating(risk, limits), new or None)
            if row[2:] != stored.get(partner.id, ())[1:]:
                rows.append(row)
            if new != old:
                changes[partner.id] = (old, new)
        write_company_values(partners, company, BEHAVIOUR_COLUMNS, rows)
        self._post_changes(partners.filtered(lambda p: p.id in changes), company, results, changes)
        self.env["account.move"]._cobranza_predict(partners, company, expected)
        return changes

    @api.model
    def _post_changes(self, partners, company, results, changes):
        """One chatter note per customer whose segment changed, with the numbers behind it
        (inserted in one statement)."""
        if not partners:
            return
        names = dict((segment.id, segment.name) for segment in self.browse(
            {segment_id for pair in changes.values() for segment_id in pair if segment_id}))
        note = self.env.ref("mail.mt_note").id
        author = self.env.user.partner_id.id
        vals_list = []
        for partner in partners:
            behaviour, _old, _new = results[partner.id]
            old, new = changes[partner.id]
            on_time = "—" if behaviour.on_time_ratio is None else f"{behaviour.on_time_ratio:.0%}"
            avg = "—" if behaviour.avg_delay is None else f"{behaviour.avg_delay:.1f}"
            p90 = "—" if behaviour.p90_delay is None else f"{behaviour.p90_delay:.0f}"
            facts = _(
                "%(settled)s invoices settled, %(on_time)s on time, average delay %(avg)s days, "
                "90th percentile %(p90)s days, %(overdue_days)s days overdue, %(promises)s broken "
                "promises, %(plans)s broken plans, %(disputes)s disputes",
                settled=behaviour.settled_count, on_time=on_time, avg=avg, p90=p90,
                overdue_days=behaviour.overdue_days, promises=behaviour.broken_promises,
                plans=behaviour.broken_plans, disputes=behaviour.disputes,
            )
            body = Markup("<p>%s</p><p>%s</p>") % (
                _("Collection segment in %(company)s: %(old)s → %(new)s", company=company.name,
                  old=names.get(old) or _("none"), new=names.get(new) or _("none")),
                facts,
            )
            vals_list.append({"model": "res.partner", "res_id": partner.id, "body": body,
                              "message_type": "notification", "subtype_id": note, "author_id": author,
                              "is_internal": True, "record_company_id": company.id})
        insert_messages(self.env, vals_list)

    @api.model
    def _cron_recompute_segments(self):
        """Nightly: behaviour, segments and predictions of every company's customers."""
        for company in self.env["res.company"].search([]):
            changes = self.with_company(company).recompute_segments()
            _logger.info("Collection segments of %s: %d customers changed segment", company.name, len(changes))
            self.env.cr.commit()
