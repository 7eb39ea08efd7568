from datetime import timedelta

import pytz

from odoo import _, api, fields, models, tools
from odoo.exceptions import UserError, ValidationError

from ..engine import aging, ladder
from .account_move import PAYABLE_PAYMENT_STATES
from .cobranza_contact_rule import float_to_time

# Set on the commercial entity and shared by its contacts (see _commercial_fields).
COBRANZA_COMMERCIAL_FIELDS = [
    "cobranza_segment_id",
    "cobranza_policy_id",
    "cobranza_collector_id",
    "cobranza_no_chase",
    "cobranza_no_chase_reason",
    "cobranza_preferred_channel",
    "cobranza_consent_sms",
    "cobranza_consent_whatsapp",
    "cobranza_consent_call",
    "cobranza_consent_email",
    "cobranza_rules_exempt",
    "cobranza_contact_hour_from",
    "cobranza_contact_hour_to",
]
CONSENT_FIELDS = {
    "sms": "cobranza_consent_sms",
    "whatsapp": "cobranza_consent_whatsapp",
    "call": "cobranza_consent_call",
    "visit": "cobranza_consent_call",
    "email": "cobranza_consent_email",
}


class ResPartner(models.Model):
    _inherit = "res.partner"

    cobranza_segment_id = fields.Many2one(
        "cobranza.segment",
        string="Collection Segment",
        index=True,
        tracking=True,
        help="Group of customers with a similar payment behaviour; its policy applies unless "
        "the customer has a policy of its own.",
    )
    cobranza_policy_id = fields.Many2one(
        "cobranza.policy",
        string="Collection Policy",
        index=True,
        tracking=True,
        help="Overrides the policy of the customer's segment and the company default.",
    )
    cobranza_collector_id = fields.Many2one(
        "res.users",
        string="Collector",
        index=True,
        tracking=True,
        domain=[("share", "=", False)],
        help="Person in charge of collecting this customer's invoices.",
    )
    cobranza_no_chase = fields.Boolean(
        string="Do Not Chase",
        tracking=True,
        help="The daily run never contacts this customer about its invoices.",
    )
    cobranza_no_chase_reason = fields.Char(string="Reason Not to Chase", tracking=True)
    cobranza_preferred_channel = fields.Selection(
        [("email", "Email"), ("sms", "SMS"), ("whatsapp", "WhatsApp"), ("call", "Phone call"),
         ("letter", "Letter")],
        string="Preferred Channel", tracking=True,
        help="How the customer prefers to be reminded (levels set to “preferred channel”).",
    )
    cobranza_consent_sms = fields.Boolean(string="Accepts SMS", default=True, tracking=True)
    cobranza_consent_whatsapp = fields.Boolean(string="Accepts WhatsApp", tracking=True)
    cobranza_consent_call = fields.Boolean(string="Accepts Calls", default=True, tracking=True)
    cobranza_consent_email = fields.Boolean(string="Accepts Email", default=True, tracking=True)
    cobranza_contact_hour_from = fields.Float(
        string="Contact From", tracking=True,
        help="Preferred hours to be contacted (the customer's local time), inside the legal "
             "hours of the contact rules. Leave both at 0 for no preference.",
    )
    cobranza_contact_hour_to = fields.Float(string="Contact Until", tracking=True)
    cobranza_rules_exempt = fields.Boolean(
        string="Exempt from Consumer Contact Rules", tracking=True,
        help="A business customer: the legal limits on contacting consumers do not apply.",
    )
    # Collection state in the current company, written by the daily run.
    cobranza_total_due = fields.Float(
        string="Total Due", company_dependent=True, readonly=True, digits="Account",
        help="Open invoices of the customer, in the company currency.",
    )
    cobranza_total_overdue = fields.Float(
        string="Total Overdue", company_dependent=True, readonly=True, digits="Account"
    )
    cobranza_oldest_overdue_days = fields.Integer(
        string="Days Overdue", company_dependent=True, readonly=True,
        help="Days since the due date of the oldest overdue invoice.",
    )
    cobranza_level_id = fields.Many2one(
        "cobranza.policy.level", string="Highest Level", company_dependent=True, readonly=True,
        help="Highest collection level reached by the customer's open invoices.",
    )
    cobranza_next_date = fields.Date(
        string="Next Action", company_dependent=True, readonly=True,
        help="Date of the next step of the collection ladder.",
    )
    cobranza_status = fields.Selection(
        [("needs_action", "Needs Action"), ("waiting", "Waiting"), ("ok", "Up to Date")],
        string="Collection Status", company_dependent=True, readonly=True,
    )
    cobranza_priority = fields.Integer(
        string="Priority", company_dependent=True, readonly=True,
        help="Grows with the amount overdue, its age and the risk of the customer's segment.",
    )
    cobranza_snooze_until = fields.Date(
        string="Snoozed Until", company_dependent=True, tracking=True,
        help="No automatic reminder before this date.",
    )
    cobranza_contact_ids = fields.One2many("cobranza.contact", "partner_id", string="Collection Contacts")
    cobranza_promise_kept_rate = fields.Float(
        string="Promises Kept (%)", readonly=True, digits=(16, 1),
        help="Share of the customer's closed promises to pay that were kept.",
    )
    cobranza_plan_count = fields.Integer(compute="_compute_cobranza_counts")
    cobranza_promise_count = fields.Integer(compute="_compute_cobranza_counts")
    cobranza_dispute_count = fields.Integer(compute="_compute_cobranza_counts")
    cobranza_contact_count = fields.Integer(compute="_compute_cobranza_contact_count")
    cobranza_currency_id = fields.Many2one(
        "res.currency", compute="_compute_cobranza_currency_id", string="Collection Currency"
    )

    def _compute_cobranza_contact_count(self):
        counts = dict(self.env["cobranza.contact"]._read_group(
            [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]))
        for partner in self:
            partner.cobranza_contact_count = counts.get(partner, 0)

    def _compute_cobranza_counts(self):
        for fname, model, domain in (
            ("cobranza_plan_count", "cobranza.payment.plan", [("state", "in", ("proposed", "active"))]),
            ("cobranza_promise_count", "cobranza.promise", [("state", "=", "open")]),
            ("cobranza_dispute_count", "cobranza.dispute", [("state", "=", "open")]),
        ):
            counts = dict(self.env[model].sudo()._read_group(
                [("partner_id", "in", self.ids), *domain], ["partner_id"], ["__count"]))
            for partner in self:
                partner[fname] = counts.get(partner, 0)

    def _cobranza_has_consent(self, channel):
        self.ensure_one()
        fname = CONSENT_FIELDS.get(channel)
        return not fname or self.commercial_partner_id[fname]

    @api.constrains("cobranza_contact_hour_from", "cobranza_contact_hour_to")
    def _check_cobranza_contact_hours(self):
        for partner in self:
            start, end = partner.cobranza_contact_hour_from, partner.cobranza_contact_hour_to
            if (start or end) and not 0 <= start < end <= 24:
                raise ValidationError(_(
                    "The preferred contact hours of %s must go from an earlier to a later hour "
                    "of the same day.", partner.display_name))

    def _cobranza_preferred_hours(self):
        """(start, end) local times the customer chose to be contacted in, or None."""
        commercial = self.commercial_partner_id
        if not (commercial.cobranza_contact_hour_from or commercial.cobranza_contact_hour_to):
            return None
        return (float_to_time(commercial.cobranza_contact_hour_from),
                float_to_time(min(commercial.cobranza_contact_hour_to, 23 + 59 / 60)))

    def _cobranza_check_rules(self, channel, override_reason=False):
        """Refuse a manual contact the contact rules forbid now, unless a Collections Manager
        overrides it with a reason. Returns the contact values recording the override."""
        self.ensure_one()
        company = self.env.company
        partner = self.commercial_partner_id
        rule = self.env["cobranza.contact.rule"]._for_partners(partner, company).get(partner.id)
        if not rule and not partner._cobranza_preferred_hours():
            return {}
        moment = pytz.utc.localize(fields.Datetime.now())
        history = [
            (pytz.utc.localize(c.date), c.channel)
            for c in self.env["cobranza.contact"].sudo().search([
                ("partner_id", "=", partner.id), ("company_id", "=", company.id),
                ("state", "in", ("sent", "planned")), ("date", ">=", fields.Datetime.now() - timedelta(days=8)),
            ])
        ]
        today = fields.Date.context_today(self)
        holidays = rule._holidays(company, today, today + timedelta(days=60))
        verdict = rule._check_contact(partner, channel, moment, history, holidays)
        if verdict.allowed:
            return {}
        if override_reason and self.env.user.has_group("account_cobranza.group_cobranza_manager"):
            return {"override_by_id": self.env.user.id, "override_reason": override_reason}
        when = verdict.at and fields.Datetime.context_timestamp(self, verdict.at.astimezone(pytz.utc).replace(tzinfo=None))
        raise UserError(_(
            "The contact rules “%(rule)s” do not allow contacting %(customer)s now: %(reason)s.%(next)s "
            "A Collections Manager may override it with a reason.",
            rule=rule.name or _("preferred contact hours"), customer=partner.name,
            reason=rule._reason_label(verdict.reason),
            next=(" " + _("First allowed moment: %s.", when.strftime("%Y-%m-%d %H:%M"))) if when else "",
        ))

    def _cobranza_plan_limits(self):
        """Payment plans a collector may grant this customer (its segment's limits)."""
        self.ensure_one()
        segment = self.commercial_partner_id.cobranza_segment_id
        if not segment:  # no segment: the defaults of a new segment
            segment = self.env["cobranza.segment"].new({})
        return {
            "max_installments": segment.plan_max_installments,
            "min_down_payment": segment.plan_min_down_payment,
            "max_days": segment.plan_max_days,
            "grace_days": segment.plan_grace_days,
        }

    def _cobranza_needs_manager_for_promise(self, policy):
        self.ensure_one()
        if not policy.promise_broken_limit:
            return False
        since = fields.Date.context_today(self) - timedelta(days=policy.promise_broken_days)
        broken = self.env["cobranza.promise"].sudo().search_count([
            ("partner_id", "=", self.commercial_partner_id.id), ("state", "=", "broken"), ("date", ">=", since)])
        return broken >= policy.promise_broken_limit

    def _cobranza_store_promise_rate(self):
        """Promise-kept rate of these customers, stored for segmentation and KPIs."""
        stats = self.env["cobranza.promise"].sudo()._read_group(
            [("partner_id", "in", self.commercial_partner_id.ids), ("state", "in", ("kept", "broken"))],
            ["partner_id", "state"], ["__count"])
        totals = {}
        for partner, state, count in stats:
            kept, total = totals.get(partner.id, (0, 0))
            totals[partner.id] = (kept + (count if state == "kept" else 0), total + count)
        for partner in self.commercial_partner_id:
            kept, total = totals.get(partner.id, (0, 0))
            partner.cobranza_promise_kept_rate = 100.0 * kept / total if total else 0.0

    @api.depends_context("company")
    def _compute_cobranza_currency_id(self):
        self.cobranza_currency_id = self.env.company.currency_id

    @api.model
    def _commercial_fields(self):
        return super()._commercial_fields() + COBRANZA_COMMERCIAL_FIELDS

    @api.constrains("company_id", "cobranza_policy_id", "cobranza_segment_id")
    def _check_cobranza_company(self):
        for partner in self.filtered("company_id"):
            for record in (partner.cobranza_policy_id, partner.cobranza_segment_id):
                if record.company_id and record.company_id != partner.company_id:
                    raise ValidationError(
                        _(
                            "“%(record)s” belongs to %(other)s and cannot be used for "
                            "%(partner)s, a contact of %(company)s.",
                            record=record.display_name,
                            other=record.company_id.name,
                            partner=partner.display_name,
                            company=partner.company_id.name,
                        )
                    )

    # ------------------------------------------------------------------ daily run adapters
    def _cobranza_plan(self, moves, date, company):
        """Evaluate the ladder for these customers with their open invoices `moves`."""
        holds = moves._cobranza_holds()
        policies = moves._cobranza_resolve_policy()
        engine_policies = {}
        for policy in set(policies.values()):
            if policy:
                engine_policies[policy.id] = ladder.Policy(
                    id=policy.id,
                    levels=tuple(level._cobranza_engine_level() for level in policy.level_ids),
                    tolerance=policy.tolerance_amount,
                    min_days_between_contacts=policy.min_days_between_contacts,
                )
        invoices = {}
        for move in moves:
            policy = policies[move]
            invoices.setdefault(move.commercial_partner_id.id, []).append(
                move._cobranza_engine_invoice(engine_policies.get(policy.id), holds)
            )
        last_contacts, open_tasks = self._cobranza_contact_facts(company, date)
        customers = [
            ladder.Customer(
                id=partner.id,
                invoices=tuple(invoices.get(partner.id, ())),
                no_chase=partner.cobranza_no_chase,
                snoozed_until=partner.cobranza_snooze_until or None,
                last_contact=last_contacts.get(partner.id),
                risk=partner.cobranza_segment_id.risk_factor or 1.0,
                open_task=partner.id in open_tasks,
            )
            for partner in self
        ]
        return ladder.plan(customers, date)

    def _cobranza_contact_facts(self, company, date):
        """Last contact date and pending collector tasks of these customers (two queries)."""
        Contact = self.env["cobranza.contact"].sudo()
        Contact.flush_model(["partner_id", "company_id", "state", "run_date", "date"])
        # a run contact counts on its run's date (backfills), a person's on the day it happened
        self.env.cr.execute(
            """
            SELECT partner_id, MAX(COALESCE(run_date, date::date))
              FROM cobranza_contact
             WHERE partner_id = ANY(%s) AND company_id = %s AND state IN ('sent', 'planned')
               AND COALESCE(run_date, date::date) <= %s
             GROUP BY partner_id
            """,
            [self.ids, company.id, date],
        )
        last = dict(self.env.cr.fetchall())
        tasks = {
            partner.id for [partner] in Contact._read_group(
                [("partner_id", "in", self.ids), ("company_id", "=", company.id),
                 ("state", "=", "planned"), ("activity_id.date_deadline", "<=", date)],
                ["partner_id"],
            )
        }
        return last, tasks

    def _cobranza_write_states(self, plan, company, moves):
        """Store the customers' collection state in `company` in one statement."""
        levels = {}
        for move in moves.filtered(lambda m: m.cobranza_stage != "paid"):
            level = move.cobranza_level_id
            best = levels.get(move.commercial_partner_id.id)
            if level and (not best or level.offset_days > best.offset_days):
                levels[move.commercial_partner_id.id] = level
        rows = []
        for partner in self.with_company(company):
            state = plan.customers.get(partner.id)
            if state is None:
                continue
            row = (partner.id, round(state.total_due, 6), round(state.total_overdue, 6),
                   state.oldest_overdue_days, levels[partner.id].id if partner.id in levels else None,
                   state.next_date and fields.Date.to_string(state.next_date), state.status, state.priority)
            stored = (partner.id, round(partner.cobranza_total_due, 6), round(partner.cobranza_total_overdue, 6),
                      partner.cobranza_oldest_overdue_days, partner.cobranza_level_id.id or None,
                      partner.cobranza_next_date and fields.Date.to_string(partner.cobranza_next_date),
                      partner.cobranza_status or None, partner.cobranza_priority)
            if row != stored:  # only what changed: a day with nothing new writes nothing
                rows.append(row)
        if not rows:
            return
        self.flush_model()
        key = str(company.id)
        fnames = ["cobranza_total_due", "cobranza_total_overdue", "cobranza_oldest_overdue_days",
                  "cobranza_level_id", "cobranza_next_date", "cobranza_status", "cobranza_priority"]
        sets = ", ".join(
            f"{fname} = COALESCE(p.{fname}, '{{}}'::jsonb) || jsonb_build_object(%s, v.{fname})"
            for fname in fnames
        )
        values = ", ".join(["(%s, %s::float, %s::float, %s::int, %s::int, %s::text, %s::text, %s::int)"]
                           * len(rows))
        self.env.cr.execute(
            f"""UPDATE res_partner p SET {sets}
                 FROM (VALUES {values}) AS v(id, {", ".join(fnames)})
                WHERE p.id = v.id""",
            [key] * len(fnames) + [value for row in rows for value in row],
        )
        self.invalidate_model(fnames)

    @api.model
    def _cobranza_refresh(self, partners, companies):
        """Re-evaluate the collection state of `partners` now, without contacting anyone."""
        partners = partners.commercial_partner_id
        for company in companies:
            partners = partners.with_company(company)
            moves = self.env["account.move"].with_company(company)._cobranza_open_invoices(partners, company)
            today = fields.Date.context_today(self)
            plan = partners._cobranza_plan(moves, today, company)
            moves._cobranza_write_states(plan, today, {})
            partners._cobranza_write_states(plan, company, moves)

    def _cobranza_sms_numbers(self):
        """``{commercial partner id: mobile number in E.164}`` of these customers that have a
        usable one and did not opt out (STOP): two queries for any number of customers."""
        infos = self.commercial_partner_id._sms_get_recipients_info()
        numbers = {pid: info["sanitized"] for pid, info in infos.items() if info["sanitized"]}
        stopped = set(self.env["phone.blacklist"].sudo().search(
            [("number", "in", list(numbers.values()))]).mapped("number")) if numbers else set()
        return {pid: number for pid, number in numbers.items() if number not in stopped}

    def _cobranza_task_user(self, moves, policy):
        """Who gets a collector task: the collector, the salesperson, the policy's responsible,
        the current user, a Collections Manager; always a person, never OdooBot."""
        self.ensure_one()
        return (
            self.cobranza_collector_id | moves.invoice_user_id | policy.responsible_id | self.env.user
        )._cobranza_people()[:1] or self.env["res.users"]._cobranza_managers(moves.company_id[:1] or self.env.company)[:1]

    def _cobranza_schedule_task(self, moves, policy, activity_type, summary, note=False, assignee=None):
        self.ensure_one()
        activity_type = activity_type or self.env.ref("mail.mail_activity_data_call")
        return self.env["mail.activity"].create({
            "res_model_id": self.env["ir.model"]._get_id("res.partner"),
            "res_id": self.id,
            "activity_type_id": activity_type.id,
            "summary": summary,
            "note": note or _("Invoices: %s", ", ".join(moves.mapped("name"))),
            "user_id": (assignee or self._cobranza_task_user(moves, policy)).id,
            "date_deadline": moves._cobranza_today() if moves else fields.Date.context_today(self),
        })

    # ------------------------------------------------------------------ buttons
    def _cobranza_wizard(self, model):
        return self.env[model]._open_for(self.commercial_partner_id)

    def action_cobranza_log_call(self):
        return self._cobranza_wizard("cobranza.call.wizard")

    def action_cobranza_send_reminder(self):
        return self._cobranza_wizard("cobranza.reminder.wizard")

    def action_cobranza_whatsapp(self):
        return self._cobranza_wizard("cobranza.whatsapp.wizard")

    def action_cobranza_snooze(self):
        return self._cobranza_wizard("cobranza.snooze.wizard")

    def action_cobranza_assign(self):
        return self._cobranza_wizard("cobranza.assign.wizard")

    def action_cobranza_exclude(self):
        return self._cobranza_wizard("cobranza.exclude.wizard")

    def action_cobranza_resume(self):
        self.commercial_partner_id.write({"cobranza_no_chase": False, "cobranza_no_chase_reason": False,
                                          "cobranza_snooze_until": False})
        self._cobranza_refresh(self, self.env.company)

    def action_cobranza_plan(self):
        return self._cobranza_wizard("cobranza.plan.wizard")

    def action_cobranza_promise(self):
        return self._cobranza_wizard("cobranza.promise.wizard")

    def action_cobranza_dispute(self):
        return self._cobranza_wizard("cobranza.dispute.wizard")

    def _cobranza_related_action(self, xmlid):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    def action_cobranza_view_plans(self):
        return self._cobranza_related_action("account_cobranza.cobranza_payment_plan_action")

    def action_cobranza_view_promises(self):
        return self._cobranza_related_action("account_cobranza.cobranza_promise_action")

    def action_cobranza_view_disputes(self):
        return self._cobranza_related_action("account_cobranza.cobranza_dispute_action")

    def action_cobranza_view_contacts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account_cobranza.cobranza_contact_action")
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    def action_cobranza_view_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account_cobranza.account_move_action_cobranza")
        action["domain"] = [("commercial_partner_id", "=", self.commercial_partner_id.id),
                            ("move_type", "=", "out_invoice"), ("state", "=", "posted")]
        action["context"] = {"search_default_cobranza_open": 1}
        return action

    # ------------------------------------------------------------------ statement
    def _cobranza_statement_moves(self):
        """Open invoices of this customer (its commercial entity) in the current company."""
        self.ensure_one()
        return self.env["account.move"].sudo().search([
            ("commercial_partner_id", "=", self.commercial_partner_id.id),
            ("company_id", "=", self.env.company.id),
            ("move_type", "=", "out_invoice"), ("state", "=", "posted"),
            ("payment_state", "in", PAYABLE_PAYMENT_STATES),
        ], order="invoice_date_due, id")

    def _cobranza_statement_values(self):
        """Lines, aging buckets (company currency) and total of the account statement."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        moves = self._cobranza_statement_moves()
        labels = {"not_due": _("Not due yet"), "1_30": _("1-30 days"), "31_60": _("31-60 days"),
                  "61_90": _("61-90 days"), "90_plus": _("Over 90 days")}
        amounts = dict.fromkeys(aging.BUCKETS, 0.0)
        lines = []
        for move in moves:
            days = (today - (move.invoice_date_due or move.invoice_date)).days
            amounts[aging.bucket(days)] += move.amount_residual_signed
            lines.append({"move": move, "days": days})
        return {
            "today": today,
            "moves": moves,
            "lines": lines,
            "currency": self.env.company.currency_id,
            "buckets": [{"key": key, "label": labels[key], "amount": amounts[key]} for key in aging.BUCKETS],
            "total": sum(amounts.values()),
            "overdue_total": sum(amount for key, amount in amounts.items() if key != "not_due"),
        }

    def action_cobranza_print_statement(self):
        return self.env.ref("account_cobranza.action_report_cobranza_statement").report_action(
            self.commercial_partner_id)

    # ------------------------------------------------------------------ reminder helpers
    # Used by the reminder templates (rendered on the commercial partner).

    def _cobranza_company(self):
        return self.env.company

    def _cobranza_reminder_moves(self):
        """Invoices a reminder is about: those the caller put in the context
        (``cobranza_move_ids``: ``{partner_id: [move ids]}`` or a list of ids), else the
        customer's open posted invoices of the current company, oldest due first."""
        self.ensure_one()
        wanted = self.env.context.get("cobranza_move_ids")
        if isinstance(wanted, dict):
            wanted = wanted.get(self.id) or wanted.get(str(self.id)) or []
        if wanted:
            moves = self.env["account.move"].browse(wanted)
        else:
            moves = self.env["account.move"].search(
                [
                    ("commercial_partner_id", "=", self.commercial_partner_id.id),
                    ("company_id", "=", self._cobranza_company().id),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("payment_state", "in", PAYABLE_PAYMENT_STATES),
                ]
            )
        return moves.sorted(lambda m: (m.invoice_date_due or m.date, m.id))

    def _cobranza_reminder_totals(self, moves=None):
        """``[(currency, amount due)]`` of the reminder's invoices, one line per currency."""
        moves = self._cobranza_reminder_moves() if moves is None else moves
        totals = {}
        for move in moves:
            totals[move.currency_id] = totals.get(move.currency_id, 0.0) + move.amount_residual
        return sorted(totals.items(), key=lambda item: item[0].name)

    def _cobranza_portal_url(self):
        """Where the customer reviews and pays the invoices of a reminder: a signed, expiring
        link to exactly those invoices (no login needed), else the portal statement."""
        self.ensure_one()
        moves = self._cobranza_reminder_moves().filtered(lambda m: m.payment_state in PAYABLE_PAYMENT_STATES)
        if not moves:
            return self._cobranza_statement_url()
        return self.env["cobranza.link"]._url(moves.sudo())

    def _cobranza_statement_url(self):
        """The portal statement, short enough for paper (letters, printed statements)."""
        return f"{self.get_base_url()}/my/statement"

    def _cobranza_signatory(self):
        """Person who signs a reminder: the customer's collector, else the current user."""
        self.ensure_one()
        return self.commercial_partner_id.cobranza_collector_id or self.env.user

    def _cobranza_reminder_partners(self):
        """The partners a reminder goes to: the customer's invoicing contacts that have an
        email address, else the customer itself."""
        self.ensure_one()
        commercial = self.commercial_partner_id
        contacts = commercial.child_ids.filtered(lambda c: c.type == "invoice" and c.email)
        return contacts or commercial

    def _cobranza_reminder_recipients(self):
        """Comma-separated ids of `_cobranza_reminder_partners` (templates' ``partner_to``)."""
        return ",".join(str(pid) for pid in self._cobranza_reminder_partners().ids)

    def _cobranza_reminder_amount_text(self):
        """Amount due of a reminder as short text, e.g. for an SMS: ``$ 1,200.00 + USD 30.00``."""
        return " + ".join(
            tools.format_amount(self.env, amount, currency)
            for currency, amount in self._cobranza_reminder_totals()
        )
