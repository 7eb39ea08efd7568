import logging
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.fields import Command
from odoo.tools import format_amount

from ..engine import ladder
from ..utils.db import write_company_values
from ..utils.html import html_note
from .account_move_run import engine_invoice

_logger = logging.getLogger(__name__)
MATCH_TASK = "account_cobranza.mail_activity_type_cobranza_match"
# the customers' collection state the run stores in each company, in one statement
STATE_COLUMNS = [
    ("cobranza_total_due", "float"), ("cobranza_total_overdue", "float"), ("cobranza_oldest_overdue_days", "int"),
    ("cobranza_level_id", "int"), ("cobranza_next_date", "text"), ("cobranza_status", "text"),
    ("cobranza_priority", "int"), ("cobranza_exclusion", "text"),
]


class ResPartner(models.Model):
    """The daily run's adapter on customers: their snapshot for the engine, and the
    collection state the run stores on them (per company)."""

    _inherit = "res.partner"

    cobranza_exclusion = fields.Selection(
        [("credit", "Covered by payments or credit notes not yet matched")],
        string="Not Chased Because", company_dependent=True, readonly=True,
        help="Why what the customer owes is not chased today: its payments or credit notes not yet "
             "matched to an invoice cover everything that is due (its accountant has a task to match them).",
    )

    # ------------------------------------------------------------------ daily run adapter
    def _cobranza_evaluate_ladder(self, invoices, date, company):
        """The ladder's decision (``engine.ladder.decide``) for these customers on `date`, with
        their open `invoices` (``account.move._cobranza_run_invoices``): who gets which level,
        who is skipped and why, the state of every invoice and customer. Six queries."""
        Move = self.env["account.move"]
        holds = Move.browse(list(invoices))._cobranza_holds(date)
        policies = Move._cobranza_run_policies(invoices, self, company)
        engine_policies = {}
        for policy in set(policies.values()):
            if policy:
                engine_policies[policy.id] = ladder.Policy(
                    id=policy.id,
                    levels=tuple(level._engine_level() for level in policy.level_ids),
                    tolerance=policy.tolerance_amount,
                    min_days_between_contacts=policy.min_days_between_contacts,
                    reply_wait_days=policy.reply_wait_days,
                )
        by_customer = {}
        for invoice in invoices.values():
            by_customer.setdefault(invoice.partner_id, []).append(
                engine_invoice(invoice, engine_policies.get(policies[invoice.id].id), holds))
        last_contacts, open_tasks = self._cobranza_contact_facts(company, date)
        waiting = self._cobranza_replies_waiting(company)
        credits = self.env["account.move.line"]._cobranza_open_credits(self, company, date)
        self.fetch(["cobranza_no_chase", "cobranza_snooze_until", "cobranza_segment_id", "cobranza_risk_score"])
        customers = [
            ladder.Customer(
                id=partner.id,
                invoices=tuple(by_customer.get(partner.id, ())),
                no_chase=partner.cobranza_no_chase,
                snoozed_until=partner.cobranza_snooze_until or None,
                last_contact=last_contacts.get(partner.id),
                risk=partner._cobranza_risk_weight(),
                open_task=partner.id in open_tasks,
                reply_since=waiting.get(partner.id),
                credits=tuple(credits.get(partner.id, ())),
            )
            for partner in self
        ]
        return ladder.decide(customers, date)

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

    def _cobranza_replies_waiting(self, company):
        """``{customer id: day of its oldest reply to review}`` in `company` (one query)."""
        Reply = self.env["cobranza.reply"].sudo()
        return {partner.id: received.date() for partner, received in Reply._read_group(
            [("partner_id", "in", self.ids), ("company_id", "=", company.id), ("state", "=", "to_review")],
            ["partner_id"], ["received_at:min"])}

    def _cobranza_write_states(self, decision, company, invoices, held):
        """Store the customers' collection state in `company` in one statement. `held`:
        ``{invoice id: (stage, level id)}`` of `invoices` as just stored."""
        levels = {}
        Level = self.env["cobranza.policy.level"]
        for invoice in invoices.values():
            stage, level_id = held[invoice.id]
            if stage == "paid" or not level_id:
                continue
            level = Level.browse(level_id)
            best = levels.get(invoice.partner_id)
            if not best or level.offset_days > best.offset_days:
                levels[invoice.partner_id] = level
        rows = []
        partners = self.with_company(company)
        partners.fetch([fname for fname, _sqltype in STATE_COLUMNS])  # only these, not every column
        for partner in partners:
            state = decision.customers.get(partner.id)
            if state is None:
                continue
            row = (partner.id, round(state.total_due, 6), round(state.total_overdue, 6),
                   state.oldest_overdue_days, levels[partner.id].id if partner.id in levels else None,
                   fields.Date.to_string(state.next_date) or None, state.status, state.priority,
                   state.exclusion or None)
            stored = (partner.id, round(partner.cobranza_total_due, 6), round(partner.cobranza_total_overdue, 6),
                      partner.cobranza_oldest_overdue_days, partner.cobranza_level_id.id or None,
                      fields.Date.to_string(partner.cobranza_next_date) or None,
                      partner.cobranza_status or None, partner.cobranza_priority, partner.cobranza_exclusion or None)
            if row != stored:  # only what changed: a day with nothing new writes nothing
                rows.append(row)
        write_company_values(self, company, STATE_COLUMNS, rows)

    # ------------------------------------------------------------------ open credits
    def _cobranza_apply_credits(self, company, date):
        """Apply the open credits of these customers (payments and credit notes not yet
        matched) to their oldest chased invoices of the same currency, with Odoo's own
        reconciliation (the invoice's *Outstanding credits*), and log it on each customer. A
        customer whose journal items another user is matching right now is left for the
        next run. Returns the customers left."""
        credits = self.env["account.move.line"]._cobranza_open_credits(self, company)
        partners = self.browse(list(credits))
        if not partners:
            return partners
        Move, Line = self.env["account.move"].sudo(), self.env["account.move.line"].sudo()
        decision = partners._cobranza_evaluate_ladder(Move._cobranza_run_invoices(partners, company), date, company)
        left = self.browse()
        for partner in partners.filtered(lambda p: p.id in decision.credits):
            try:
                with self.env.cr.savepoint():
                    applied = []
                    for credit_id, move_id, _amount in decision.credits[partner.id]:
                        move, credit = Move.browse(move_id), Line.browse(credit_id)
                        before = move.amount_residual
                        move.js_assign_outstanding_line(credit.id)
                        applied.append(_("%(credit)s to %(invoice)s (%(amount)s)", credit=credit.move_id.name,
                                         invoice=move.name,
                                         amount=format_amount(self.env, before - move.amount_residual, move.currency_id)))
                    partner.message_post(body=_("Payments and credit notes applied by the daily run: %s.",
                                                "; ".join(applied)), subtype_xmlid="mail.mt_note")
            except Exception:  # noqa: BLE001 - one customer never stops the run
                _logger.warning("Collections: open credits of customer %s not applied", partner.id, exc_info=True)
                left |= partner
        return left

    def _cobranza_accountant_tasks(self, company, composers, deadline=None):
        """The accountant's task on each of these customers to match a payment or a credit
        note: ``{partner id: activity}``. One open task per customer, never two: an open one
        is kept (whatever asked for it: the daily run, a customer's claim by phone or in a
        reply). `composers`: ``{partner id: compose}`` of the tasks to create (see
        ``mail.activity._cobranza_create``); a customer without one only gets its open task.
        Who answers: ``res.users._cobranza_task_user`` (role ``accountant``)."""
        match = self.env.ref(MATCH_TASK)
        tasks = {activity.res_id: activity for activity in self.env["mail.activity"].sudo().search([
            ("res_model", "=", "res.partner"), ("res_id", "in", self.ids), ("activity_type_id", "=", match.id)])}
        todo = self.filtered(lambda p: p.id not in tasks and p.id in composers)
        created = self.env["mail.activity"]._cobranza_create([{
            "record": partner, "activity_type": match, "deadline": deadline, "compose": composers[partner.id],
            "user": self.env["res.users"]._cobranza_task_user("accountant", company, partner),
        } for partner in todo])
        tasks.update({activity.res_id: activity for activity in created})
        return tasks

    def _cobranza_payment_claimed(self, company, compose, attachments=None, days=None):
        """This customer says it paid (by phone, in a reply): the accountant gets the task to
        find and match the payment (the same task as for a payment the daily run finds not
        matched: joined when open), with the customer's receipt, and the reminders wait until
        its deadline: the policy's days to read a reply (`days`), at least one. Returns the
        task."""
        self.ensure_one()
        deadline = fields.Date.context_today(self) + timedelta(days=max(days or 0, 1))
        partner = self.commercial_partner_id
        open_task = partner._cobranza_accountant_tasks(company, {}).get(partner.id)
        activity = partner._cobranza_accountant_tasks(company, {partner.id: compose}, deadline)[partner.id]
        if open_task:  # the task was there already: the customer's claim joins it
            activity.note = (activity.note or "") + compose(partner.with_context(lang=activity.user_id.lang))[1]
        if attachments:
            activity.attachment_ids = [Command.link(attachment.id) for attachment in attachments]
        partner = partner.sudo().with_company(company)
        if not partner.cobranza_snooze_until or partner.cobranza_snooze_until < deadline:
            partner.cobranza_snooze_until = deadline
        return activity

    def _cobranza_credit_tasks(self, decision, company):
        """The accountant's task for each customer whose open credits cover everything it
        has due (the ladder's `decision`): match them, nobody chases it meanwhile."""
        partners = self.browse([pid for pid, state in decision.customers.items() if state.exclusion == "credit"])
        if not partners:
            return {}
        Line, Currency = self.env["account.move.line"].sudo(), self.env["res.currency"]
        open_credits = Line._cobranza_open_credits(partners, company)
        composers = {}
        for partner in partners:
            amounts = {}
            for credit in open_credits.get(partner.id, ()):
                amounts[credit.currency] = amounts.get(credit.currency, 0.0) + credit.amount
            documents = Line.browse([credit.id for credit in open_credits.get(partner.id, ())]).move_id

            def compose(reader, amounts=amounts, documents=documents):
                env = reader.env
                text = " + ".join(format_amount(env, amount, Currency.browse(currency))
                                  for currency, amount in amounts.items())
                return env._("Payment or credit of %s not matched: apply it", text), html_note(
                    env._("%(customer)s holds %(documents)s not yet matched with its invoices, covering "
                          "everything it has due: it is not chased until they are matched (Outstanding "
                          "credits on the invoice)."),
                    customer=reader.name, documents=", ".join(documents.mapped("name")))
            composers[partner.id] = compose
        return partners._cobranza_accountant_tasks(company, composers)

    @api.model
    def _cobranza_refresh(self, partners, companies):
        """Re-evaluate the collection state of `partners` now, without contacting anyone."""
        partners = partners.commercial_partner_id
        for company in companies:
            partners = partners.with_company(company)
            Move = self.env["account.move"].with_company(company)
            invoices = Move._cobranza_run_invoices(partners, company)
            today = fields.Date.context_today(self)
            decision = partners._cobranza_evaluate_ladder(invoices, today, company)
            held = Move._cobranza_write_states(invoices, decision, today, {})
            partners._cobranza_write_states(decision, company, invoices, held)
