from dataclasses import replace
from datetime import datetime, time, timedelta

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..engine import rules

PRESETS = [("CL", "Chile (Ley 19.496, Ley 21.320)"), ("CO", "Colombia (Ley 2300 de 2023)"),
           ("PE", "Peru (Ley 29571)"), ("MX", "Mexico (CONDUSEF)"), ("US", "United States (Regulation F)")]
CONSENT_FIELDS = {"consent_sms": "sms", "consent_whatsapp": "whatsapp", "consent_call": "call",
                  "consent_visit": "visit", "consent_email": "email"}


def allow_all(channel):
    """The gate of a customer without contact rules or preferred hours: every channel, now."""
    return rules.ALLOWED


def float_to_time(value):
    hours = int(value)
    minutes = int(round((value - hours) * 60))
    return time(23, 59) if hours >= 24 else time(hours, min(minutes, 59))


class CobranzaContactRule(models.Model):
    """When and how often debtors of a country may be contacted (legal limits)."""

    _name = "cobranza.contact.rule"
    _description = "Collection Contact Rule"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, index=True,
                                 default=lambda self: self.env.company)
    country_id = fields.Many2one(
        "res.country", string="Country",
        help="Customers of this country (else of the company's country). Empty: any country.",
    )
    preset = fields.Selection(PRESETS, help="Load the limits of a country's law.")
    window_ids = fields.One2many("cobranza.contact.rule.window", "rule_id", string="Allowed Hours", copy=True)
    skip_holidays = fields.Boolean(
        string="No Contact on Public Holidays", default=True,
        help="Public holidays of the company's working calendar (Settings ▸ Working Schedules).",
    )
    max_voice_per_week = fields.Integer(string="Calls and Visits per Week", help="0: no limit.")
    max_written_per_week = fields.Integer(string="Written Contacts per Week", help="Email, SMS, WhatsApp, letters; 0: no limit.")
    max_per_day = fields.Integer(string="Contacts per Day", help="0: no limit.")
    min_days_between = fields.Integer(string="Minimum Days Between Contacts")
    consent_sms = fields.Boolean(string="SMS Needs Consent")
    consent_whatsapp = fields.Boolean(string="WhatsApp Needs Consent")
    consent_call = fields.Boolean(string="Calls Need Consent")
    consent_visit = fields.Boolean(string="Visits Need Consent")
    consent_email = fields.Boolean(string="Email Needs Consent")
    note = fields.Text(translate=True)

    # ------------------------------------------------------------------ constraints
    @api.constrains("max_voice_per_week", "max_written_per_week", "max_per_day", "min_days_between")
    def _check_limits(self):
        for rule in self:
            if min(rule.max_voice_per_week, rule.max_written_per_week, rule.max_per_day, rule.min_days_between) < 0:
                raise ValidationError(_("The limits of the contact rule “%s” cannot be negative.", rule.name))

    # ------------------------------------------------------------------ onchanges
    @api.onchange("preset")
    def _onchange_preset(self):
        if self.preset:
            self.update(self._preset_values(self.preset))

    # ------------------------------------------------------------------ actions
    def action_load_preset(self):
        for rule in self.filtered("preset"):
            rule.window_ids.unlink()
            rule.write(rule._preset_values(rule.preset))

    # ------------------------------------------------------------------ business methods
    @api.model
    def _preset_values(self, code):
        preset = rules.PRESETS[code]
        consent = {fname: channel in preset.consent_channels for fname, channel in CONSENT_FIELDS.items()}
        return {
            "window_ids": [fields.Command.clear()] + [fields.Command.create({
                "weekday": str(day),
                "hour_from": start.hour + start.minute / 60.0,
                "hour_to": end.hour + end.minute / 60.0,
            }) for day, (start, end) in sorted(preset.windows.items())],
            "skip_holidays": preset.skip_holidays,
            "max_voice_per_week": preset.max_voice_per_week,
            "max_written_per_week": preset.max_written_per_week,
            "max_per_day": preset.max_per_day,
            "min_days_between": preset.min_days_between,
            **consent,
        }

    def _engine_rule(self):
        self.ensure_one()
        windows = {}
        for window in self.window_ids:
            windows[int(window.weekday)] = (float_to_time(window.hour_from), float_to_time(window.hour_to))
        return rules.Rule(
            windows=windows,
            skip_holidays=self.skip_holidays,
            max_voice_per_week=self.max_voice_per_week,
            max_written_per_week=self.max_written_per_week,
            max_per_day=self.max_per_day,
            min_days_between=self.min_days_between,
            consent_channels=frozenset(ch for fname, ch in CONSENT_FIELDS.items() if self[fname]),
        )

    @api.model
    def _for_partners(self, partners, company):
        """``{partner id: rule}`` of the commercial partners in `company` (one query)."""
        candidates = self.search([("company_id", "=", company.id)])
        result = {}
        for partner in partners:
            country = partner.country_id or company.country_id
            result[partner.id] = candidates.filtered(lambda r: r.country_id == country)[:1] or \
                candidates.filtered(lambda r: not r.country_id)[:1]
        return result

    @api.model
    def _holidays(self, company, start, end):
        """Dates of the public holidays of the company's working calendar between two dates."""
        calendar = company.resource_calendar_id
        if not calendar:
            return frozenset()
        leaves = self.env["resource.calendar.leaves"].sudo().search([
            ("calendar_id", "in", (calendar.id, False)), ("resource_id", "=", False),
            ("company_id", "in", (company.id, False)),
            ("date_from", "<=", datetime.combine(end, time.max)), ("date_to", ">=", datetime.combine(start, time.min)),
        ])
        tz = pytz.timezone(calendar.tz or "UTC")
        days = set()
        for leave in leaves:
            day = pytz.utc.localize(leave.date_from).astimezone(tz).date()
            last = pytz.utc.localize(leave.date_to).astimezone(tz).date()
            while day <= last:
                days.add(day)
                day = day.fromordinal(day.toordinal() + 1)
        return frozenset(days)

    @api.model
    def _gates(self, partners, company, moment, exclude=None):
        """``{partner id: gate}``: the contact rules of each customer at `moment` (aware), as a
        function of the channel that returns the rules' ``engine.rules.Verdict``: allowed,
        deferred (``at``: the first allowed moment, UTC naive as Odoo stores it) or refused,
        with its reason. Customers without rules are left out (their gate: ``allow_all``),
        so ``gates.get(partner.id, allow_all)(channel)`` asks anyone. What each call lets
        through counts for the caps of the next one. Contacts in `exclude` (those about to be
        sent) are not history yet. Three queries."""
        if not partners:
            return {}
        partners = partners.with_company(company)  # consent is given to a company
        rules_by_partner = {pid: rule for pid, rule in self._for_partners(partners, company).items() if rule}
        # customers who chose their contact hours are gated even without contact rules
        rules_by_partner.update({partner.id: self.browse() for partner in partners
                                 if partner.id not in rules_by_partner and partner._cobranza_preferred_hours()})
        if not rules_by_partner:
            return {}
        day = moment.astimezone(pytz.timezone(company.partner_id.tz or "UTC")).date()
        holidays = self._holidays(company, day, day + timedelta(days=60))
        history = {}
        for contact in self.env["cobranza.contact"].sudo().search_read([
            ("partner_id", "in", list(rules_by_partner)), ("company_id", "=", company.id),
            ("state", "in", ("sent", "planned")), ("id", "not in", (exclude or self.env["cobranza.contact"]).ids),
            ("date", ">=", moment.astimezone(pytz.utc).replace(tzinfo=None) - timedelta(days=8)),
        ], ["partner_id", "date", "channel"]):
            history.setdefault(contact["partner_id"][0], []).append(
                (pytz.utc.localize(contact["date"]), contact["channel"]))

        def make_gate(partner, rule):
            def gate(channel):
                verdict = rule._contact_verdict(partner, channel, moment, history.get(partner.id, ()), holidays)
                history.setdefault(partner.id, []).append((verdict.at or moment, channel))
                if verdict.allowed:
                    return rules.ALLOWED
                # the moment as Odoo stores it (UTC, naive)
                return replace(verdict, at=verdict.at and verdict.at.astimezone(pytz.utc).replace(tzinfo=None))
            return gate

        return {partner.id: make_gate(partner, rules_by_partner[partner.id])
                for partner in partners if partner.id in rules_by_partner}

    def _contact_verdict(self, partner, channel, moment, history, holidays):
        """Engine verdict for contacting `partner` on `channel` at `moment` (aware datetime).
        Without a rule (empty recordset) only the customer's preferred hours apply."""
        commercial = partner.commercial_partner_id
        company = self.company_id or self.env.company
        return rules.check(
            self._engine_rule() if self else rules.OPEN, channel, moment,
            commercial.tz or company.partner_id.tz or "UTC",
            history=history, holidays=holidays if self else frozenset(),
            consent=commercial._cobranza_has_consent(channel),
            exempt=bool(self) and commercial.cobranza_rules_exempt,
            preferred=commercial._cobranza_preferred_hours(),
        )

    @api.model
    def _reason_label(self, reason):
        labels = {
            "hours": _("outside the allowed hours"),
            "holiday": _("a public holiday"),
            "weekly_cap": _("the weekly limit of contacts is reached"),
            "daily_cap": _("the daily limit of contacts is reached"),
            "too_soon": _("too soon after the previous contact"),
            "consent": _("the customer did not consent to this channel"),
        }
        return labels.get(reason, reason or "")
