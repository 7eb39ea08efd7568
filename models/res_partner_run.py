from odoo import api, fields, models

from ..engine import ladder
from .account_move_run import engine_invoice


class ResPartner(models.Model):
    """The daily run's adapter on customers: their snapshot for the engine, and the
    collection state the run stores on them (per company)."""

    _inherit = "res.partner"

    # ------------------------------------------------------------------ daily run adapter
    def _cobranza_plan(self, invoices, date, company):
        """Evaluate the ladder for these customers with their open `invoices`
        (``account.move._cobranza_run_invoices``)."""
        Move = self.env["account.move"]
        holds = Move.browse(list(invoices))._cobranza_holds()
        policies = Move._cobranza_run_policies(invoices, self, company)
        engine_policies = {}
        for policy in set(policies.values()):
            if policy:
                engine_policies[policy.id] = ladder.Policy(
                    id=policy.id,
                    levels=tuple(level._cobranza_engine_level() for level in policy.level_ids),
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

    def _cobranza_replies_waiting(self, company):
        """``{customer id: day of its oldest reply to review}`` in `company` (one query)."""
        Reply = self.env["cobranza.reply"].sudo()
        return {partner.id: received.date() for partner, received in Reply._read_group(
            [("partner_id", "in", self.ids), ("company_id", "=", company.id), ("state", "=", "to_review")],
            ["partner_id"], ["received_at:min"])}

    def _cobranza_write_states(self, plan, company, invoices, held):
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
        self._cobranza_write_company_values(company, [
            ("cobranza_total_due", "float"), ("cobranza_total_overdue", "float"),
            ("cobranza_oldest_overdue_days", "int"), ("cobranza_level_id", "int"), ("cobranza_next_date", "text"),
            ("cobranza_status", "text"), ("cobranza_priority", "int"),
        ], rows)

    @api.model
    def _cobranza_refresh(self, partners, companies):
        """Re-evaluate the collection state of `partners` now, without contacting anyone."""
        partners = partners.commercial_partner_id
        for company in companies:
            partners = partners.with_company(company)
            Move = self.env["account.move"].with_company(company)
            invoices = Move._cobranza_run_invoices(partners, company)
            today = fields.Date.context_today(self)
            plan = partners._cobranza_plan(invoices, today, company)
            held = Move._cobranza_write_states(invoices, plan, today, {})
            partners._cobranza_write_states(plan, company, invoices, held)
