import re
from datetime import timedelta

import psycopg2

from markupsafe import Markup, escape

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL, format_date

from ..engine import aging, autopay, ladder, scoring
from ..engine.ladder import ACTIONABLE_PAYMENT_STATES, PAID_PAYMENT_STATES, PAYABLE_PAYMENT_STATES
from ..utils import ledger_sql

STAGES = [
    ("not_due", "Not Due"),
    ("due", "Due Today"),
    ("overdue", "Overdue"),
    ("plan", "Payment Plan"),
    ("promise", "Promise to Pay"),
    ("dispute", "Dispute"),
    ("autopay", "Automatic Payment"),
    ("legal", "Legal"),
    ("paid", "Paid"),
]
EXCLUSIONS = [
    ("paid", "Paid"),
    ("in_payment", "In payment"),
    ("blocked", "Blocked"),
    ("no_chase", "Customer not chased"),
    ("dispute", "Under dispute"),
    ("promise", "Promise to pay"),
    ("plan", "Payment plan"),
    ("autopay", "Charged automatically on its due date"),
    ("legal", "Handed to legal"),
    ("tolerance", "Below tolerance"),
    ("credit", "Covered by a payment or credit note not yet matched"),
]


# Documents whose debit note has a type of its own: Chile's electronic export invoice (110)
# takes the electronic export debit note (111), not the domestic one (56).
DEBIT_NOTE_OF = {"110": "111"}

class AccountMove(models.Model):
    _inherit = "account.move"

    def _message_post_after_hook(self, message, msg_values):
        """Extends mail.thread: a customer's answer on an invoice (email reply, portal
        message) becomes a reply to review."""
        result = super()._message_post_after_hook(message, msg_values)
        self.env["cobranza.reply"]._receive_message(self, message)
        return result

    cobranza_policy_id = fields.Many2one(
        "cobranza.policy",
        string="Collection Policy",
        check_company=True,
        copy=False,
        tracking=True,
        help="Overrides the customer's collection policy for this invoice only.",
    )
    cobranza_stage = fields.Selection(
        STAGES,
        string="Collection Stage",
        compute="_compute_cobranza_stage",
        store=True,
        index=True,
        copy=False,
    )
    cobranza_payable = fields.Boolean(
        string="Payable", compute="_compute_cobranza_payable", search="_search_cobranza_payable",
        help="A posted customer invoice the customer can still pay (online, in a plan, with a promise).",
    )
    cobranza_level_id = fields.Many2one(
        "cobranza.policy.level",
        string="Collection Level",
        readonly=True,
        copy=False,
        index=True,
        help="Highest level of the collection ladder this invoice reached.",
    )
    cobranza_expected_date = fields.Date(
        string="Expected Payment",
        readonly=True,
        copy=False,
        index=True,
        help="Its due date plus the customer's expected delay: in the past once the customer is "
             "late against it. It moves only when the customer's expected delay does.",
    )
    cobranza_predicted_date = fields.Date(
        string="Predicted Payment",
        compute="_compute_cobranza_predicted_date",
        inverse="_inverse_cobranza_predicted_date",
        readonly=True,
        search="_search_cobranza_predicted_date",
        help="When the customer is expected to pay this invoice: its due date plus the "
             "customer's expected delay (never before today while it is open).",
    )
    cobranza_last_contact_date = fields.Date(string="Last Reminder", readonly=True, copy=False)
    cobranza_next_date = fields.Date(
        string="Next Collection Action", readonly=True, copy=False, index=True
    )
    cobranza_next_level_id = fields.Many2one(
        "cobranza.policy.level", string="Next Level", readonly=True, copy=False
    )
    cobranza_exclusion = fields.Selection(
        EXCLUSIONS,
        string="Not Chased Because",
        readonly=True,
        copy=False,
        help="Why the daily run leaves this invoice out of the collection ladder.",
    )
    cobranza_exclusion_note = fields.Char(string="Exclusion Reason", copy=False, tracking=True)
    cobranza_legal = fields.Boolean(string="Handed to Legal", readonly=True, copy=False, tracking=True)
    cobranza_legal_date = fields.Date(string="Legal Hand-off Date", readonly=True, copy=False)
    cobranza_thanked = fields.Boolean(readonly=True, copy=False)
    cobranza_escalate = fields.Boolean(
        readonly=True, copy=False, help="A promise was broken: the next level is due at once."
    )
    cobranza_plan_ids = fields.Many2many(
        "cobranza.payment.plan", "cobranza_payment_plan_move_rel", "move_id", "plan_id",
        string="Payment Plans", copy=False,
    )
    cobranza_promise_ids = fields.Many2many(
        "cobranza.promise", "cobranza_promise_move_rel", "move_id", "promise_id",
        string="Promises to Pay", copy=False,
    )
    cobranza_dispute_ids = fields.One2many("cobranza.dispute", "move_id", string="Disputes")
    cobranza_contact_ids = fields.Many2many(
        "cobranza.contact",
        "cobranza_contact_account_move_rel",
        "move_id",
        "contact_id",
        string="Collection Contacts",
        copy=False,
    )
    cobranza_contact_count = fields.Integer(compute="_compute_cobranza_contact_count")
    cobranza_collector_id = fields.Many2one(
        related="commercial_partner_id.cobranza_collector_id", string="Collector"
    )
    cobranza_fee_origin_id = fields.Many2one(
        "account.move", string="Late Fee Of", readonly=True, copy=False, index="btree_not_null"
    )
    cobranza_fee_level_id = fields.Many2one("cobranza.policy.level", readonly=True, copy=False)
    cobranza_fee_ids = fields.One2many("account.move", "cobranza_fee_origin_id", string="Late Fees")

    _sql_constraints = [
        (
            "cobranza_fee_once",
            "UNIQUE (cobranza_fee_origin_id, cobranza_fee_level_id)",
            "A late fee is charged only once per invoice and level.",
        ),
    ]

    # ------------------------------------------------------------------ computes
    @api.depends("move_type", "state", "payment_state", "amount_residual", "invoice_date_due",
                 "cobranza_legal")
    def _compute_cobranza_stage(self):
        today = self._cobranza_today()
        holds = self._cobranza_holds(today)
        for move in self:
            if move.move_type != "out_invoice" or move.state != "posted":
                move.cobranza_stage = False
                continue
            move.cobranza_stage = ladder.stage(move._cobranza_engine_invoice(None, holds), today)

    @api.depends("move_type", "state", "payment_state")
    def _compute_cobranza_payable(self):
        for move in self:
            move.cobranza_payable = move.state == "posted" and move.payment_state in PAYABLE_PAYMENT_STATES

    def _search_cobranza_payable(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(operator)
        domain = [("state", "=", "posted"), ("payment_state", "in", PAYABLE_PAYMENT_STATES)]
        return domain if (operator == "=") == value else ["!", "&", *domain]

    @api.depends("cobranza_expected_date", "move_type", "state", "payment_state")
    def _compute_cobranza_predicted_date(self):
        today = fields.Date.context_today(self)
        still_open = self.filtered_domain(self._cobranza_invoice_domain())  # the rule said once
        for move in self:
            expected = move.cobranza_expected_date
            move.cobranza_predicted_date = scoring.predicted_from_expected(expected, today) \
                if expected and move in still_open else expected

    def _inverse_cobranza_predicted_date(self):
        for move in self:
            move.cobranza_expected_date = move.cobranza_predicted_date

    def _search_cobranza_predicted_date(self, operator, value):
        """On the open invoices, the predicted date compared is the expected date or today
        (``scoring.expected_condition``); on the others, the expected date."""
        if operator in ("=", "!=") and not value:
            return [("cobranza_expected_date", operator, False)]
        if operator in ("!=", "not in"):  # Odoo's negative operators also match no date
            return ["!", *expression.normalize_domain(
                self._search_cobranza_predicted_date("=" if operator == "!=" else "in", value))]
        if operator == "in":
            return expression.OR([self._search_cobranza_predicted_date("=", day) for day in value]) \
                if value else expression.FALSE_DOMAIN
        if operator not in scoring.COMPARISONS:
            raise NotImplementedError(operator)
        value = fields.Date.to_date(value)
        condition = scoring.expected_condition(operator, value, fields.Date.context_today(self))
        on_open = [("cobranza_expected_date", "!=", False)] if condition is True \
            else expression.FALSE_DOMAIN if condition is False else [("cobranza_expected_date", *condition)]
        is_open = self._cobranza_invoice_domain()
        return expression.OR([
            expression.AND([is_open, on_open]),
            ["!", *expression.normalize_domain(is_open), ("cobranza_expected_date", operator, value)],
        ])

    def _compute_cobranza_contact_count(self):
        for move in self:
            move.cobranza_contact_count = len(move.cobranza_contact_ids)

    # ------------------------------------------------------------------ CRUD
    def _reverse_moves(self, default_values_list=None, cancel=False):
        reversed_moves = super()._reverse_moves(default_values_list=default_values_list, cancel=cancel)
        dispute = self.env["cobranza.dispute"].browse(self.env.context.get("cobranza_dispute_id") or [])
        if reversed_moves and dispute.exists() and dispute.state == "open" and dispute.move_id in self:
            dispute.credit_note_id = reversed_moves.filtered(lambda m: m.reversed_entry_id == dispute.move_id)[:1]
            dispute.action_resolve()
        return reversed_moves

    def write(self, vals):
        """Extends: an entry posted, no longer posted, or whose date or items change while
        posted (a bank statement's entry rebuilt) changes the receivable ledger from its date
        on (recorded for the KPI snapshots)."""
        if not {"state", "date", "line_ids"} & vals.keys():
            return super().write(vals)
        Change = self.env["cobranza.ledger.change"]
        was_posted = self.filtered(lambda m: m.state == "posted")
        Change._record_lines(was_posted.line_ids)  # as they were (a date moved, items replaced)
        result = super().write(vals)
        Change._record_lines(self.filtered(lambda m: m.state == "posted").line_ids)  # as they are
        return result

    def _post(self, soft=True):
        """Extends posting: a new customer invoice is given its expected payment date at once
        (the nightly segmentation refreshes it)."""
        posted = super()._post(soft)
        invoices = posted.filtered(lambda m: m.move_type == "out_invoice" and m.invoice_date_due)
        for company, moves in invoices.grouped("company_id").items():
            for move in moves.with_company(company):  # the customers' expected delays there
                partner = move.commercial_partner_id
                # a customer without history yet: the company's average
                delay = partner.cobranza_expected_delay if partner.cobranza_behaviour_date \
                    else company.cobranza_average_delay
                move.cobranza_expected_date = scoring.expected_date(move.invoice_date_due, delay)
        return posted

    # ------------------------------------------------------------------ actions
    def action_cobranza_plan(self):
        return self.env["cobranza.plan.wizard"]._open_for(self)

    def action_cobranza_promise(self):
        return self.env["cobranza.promise.wizard"]._open_for(self)

    def action_cobranza_dispute(self):
        return self.env["cobranza.dispute.wizard"]._open_for(self)

    def action_cobranza_snooze(self):
        return self.env["cobranza.snooze.wizard"]._open_for(self)

    def action_cobranza_exclude(self):
        return self.env["cobranza.exclude.wizard"]._open_for(self)

    def action_cobranza_resume(self):
        for move in self.filtered(lambda m: m.payment_state == "blocked"):
            move.action_toggle_block_payment()
        self.cobranza_exclusion_note = False
        self.env["res.partner"]._cobranza_refresh(self.commercial_partner_id, self.company_id)

    def action_cobranza_view_contacts(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("account_cobranza.cobranza_contact_action")
        action["domain"] = [("move_ids", "in", self.ids)]
        action["context"] = {"default_partner_id": self.commercial_partner_id[:1].id,
                             "default_move_ids": self.ids}
        return action

    # ------------------------------------------------------------------ business methods
    def _cobranza_today(self):
        return fields.Date.to_date(self.env.context.get("cobranza_date")) or fields.Date.context_today(self)

    @api.model
    def _cobranza_invoice_domain(self, payment_states=ACTIONABLE_PAYMENT_STATES):
        """Domain of the posted customer invoices whose payment state is one of
        `payment_states` (one of engine.ladder's sets; by default the open customer invoices,
        their money still owed). The same rule as ``ledger_sql.open_customer_invoices``."""
        return [("move_type", "=", "out_invoice"), ("state", "=", "posted"), ("payment_state", "in", payment_states)]

    @api.model
    def _cobranza_aging_domain(self, bucket, today):
        """Domain of the invoices whose due date puts them in the aging `bucket` (a code of
        engine.aging) on `today`."""
        first, last = aging.bucket_bounds(bucket)
        domain = []
        if first is not None:
            domain.append(("invoice_date_due", "<=", today - timedelta(days=first)))
        if last is not None:
            domain.append(("invoice_date_due", ">=", today - timedelta(days=last)))
        return domain

    def _cobranza_days_overdue(self):
        """Days since the due date on the reference date (negative: days left)."""
        self.ensure_one()
        today = self.env.context.get("cobranza_date") or fields.Date.context_today(self)
        due = self.invoice_date_due or self.invoice_date or self.date
        return (fields.Date.to_date(today) - due).days

    def _cobranza_resolve_policy(self):
        """Effective policy of each invoice: invoice override, then the customer's override,
        then the customer's segment policy, then the company default.  A policy of another
        company is never used.  Returns ``{move: policy}`` (policy may be empty)."""
        customers, result = {}, {}  # {(customer, company): its policy there}: read once per customer
        default = self._cobranza_default_policy()
        for move in self:
            key = (move.commercial_partner_id, move.company_id)
            if key not in customers:
                customers[key] = self._cobranza_customer_policy(key[0].with_company(key[1]), key[1], default)
            result[move] = self._cobranza_usable_policy(move.cobranza_policy_id, move.company_id) or customers[key]
        return result

    @api.model
    def _cobranza_run_policies(self, invoices, partners, company):
        """``{invoice id: policy}`` of the run's `invoices` (``_cobranza_run_invoices`` of
        `partners` in `company`), resolved as ``_cobranza_resolve_policy`` does."""
        Policy = self.env["cobranza.policy"]
        default = self._cobranza_default_policy()
        partners = partners.with_company(company)
        partners.fetch(["cobranza_policy_id", "cobranza_segment_id"])  # only these, not every column
        customers = {partner.id: self._cobranza_customer_policy(partner, company, default) for partner in partners}
        overrides = {policy_id: self._cobranza_usable_policy(Policy.browse(policy_id), company)
                     for policy_id in {invoice.policy_id for invoice in invoices.values()} if policy_id}
        return {invoice.id: overrides.get(invoice.policy_id) or customers[invoice.partner_id]
                for invoice in invoices.values()}

    @api.model
    def _cobranza_default_policy(self):
        return self.env.ref("account_cobranza.cobranza_policy_default", raise_if_not_found=False) \
            or self.env["cobranza.policy"]

    @api.model
    def _cobranza_customer_policy(self, partner, company, default):
        """The policy of `partner`'s invoices in `company` that have none of their own, the
        `default` policy last. `partner` is read in `company` (its override and segment there)."""
        return self._cobranza_usable_policy((partner.cobranza_policy_id, partner.cobranza_segment_id.policy_id,
                                             company.cobranza_policy_id, default), company)

    @api.model
    def _cobranza_usable_policy(self, policies, company):
        """The first of `policies` that is active and of `company` (or of every company)."""
        return next((policy for policy in policies if policy and policy.active
                     and policy.company_id in (company, company.browse())), self.env["cobranza.policy"])

    def _cobranza_ensure_owner(self, partner, company):
        """A promise, a plan, a reminder is about one customer's debt in one company: these
        invoices must be `partner`'s (its commercial entity's) in `company`."""
        foreign = self.filtered(lambda m: m.commercial_partner_id != partner.commercial_partner_id
                                or m.company_id != company)
        if foreign:
            raise UserError(_("%(invoices)s are not invoices of %(customer)s in %(company)s.",
                              invoices=", ".join(foreign.mapped("name")), customer=partner.commercial_partner_id.name,
                              company=company.name))

    def _cobranza_mark_level(self, level):
        """Record a level applied by hand: levels never go backwards."""
        today = self._cobranza_today()
        for move in self:
            values = {"cobranza_last_contact_date": today}
            if not move.cobranza_level_id or move.cobranza_level_id.offset_days < level.offset_days:
                values["cobranza_level_id"] = level.id
            move.write(values)

    def _cobranza_pdf_attachments(self, record):
        """Invoice PDFs to attach to a reminder posted on `record` (the stored one when Odoo
        has it, else rendered and attached to `record`)."""
        attachments = []
        for move in self:
            if move.invoice_pdf_report_id:
                attachments.append(move.invoice_pdf_report_id.id)
                continue
            content, _type = self.env["ir.actions.report"]._render_qweb_pdf(
                "account.account_invoices", res_ids=move.ids
            )
            attachment = self.env["ir.attachment"].sudo().create({
                "name": f"{move._get_invoice_report_filename()}",
                "raw": content,
                "mimetype": "application/pdf",
                "res_model": record._name,
                "res_id": record.id,
            })
            attachments.append(attachment.id)
        return attachments

    def _cobranza_charge_fee(self, level):
        """Charge the late fee of `level` on this invoice, once; returns the posted charge (a
        debit note of the invoice or a new invoice, as the level's policy says)."""
        self.ensure_one()
        if self.cobranza_fee_origin_id or self.cobranza_fee_ids.filtered(
            lambda fee: fee.cobranza_fee_level_id == level
        ):
            return self.browse()  # never a fee on a fee, never twice
        amount = level._fee_amount(self)
        if self.currency_id.is_zero(amount):
            return self.browse()
        label = _("Late fee for %(invoice)s (%(level)s)", invoice=self.name, level=level.name)
        fee = self._cobranza_issue_charge(
            level.policy_id.fee_document, level.fee_product_id, amount, label, self._cobranza_today(),
            cobranza_fee_origin_id=self.id, cobranza_fee_level_id=level.id,
        )
        self.message_post(body=_("Late fee %(fee)s charged.", fee=fee._get_html_link()))
        return fee

    def _cobranza_charge_document(self, document):
        """How a charge on this customer invoice is issued under a policy's choice `document`
        (``auto``, ``debit_note``, ``invoice``): ``debit_note`` or ``invoice``. *As the
        journal requires* means a debit note where the sale journal uses the localization's
        documents (Chile, Argentina, Peru...). Odoo makes no debit note of a debit note: a
        charge on one is an invoice."""
        self.ensure_one()
        if document == "auto":
            document = "debit_note" if self.journal_id._cobranza_uses_documents() else "invoice"
        return "invoice" if self.debit_origin_id else document

    def _cobranza_issue_charge(self, document, product, amount, label, due_date, **values):
        """Charge `amount` of `product` (its income account and its taxes in the invoice's
        company apply) on this customer invoice, posted: a debit note of it (Odoo's *Add
        Debit Note*, with the localization's debit-note document type where the journal uses
        documents) or a new invoice, per `document` (see `_cobranza_charge_document`)."""
        self.ensure_one()
        today = self._cobranza_today()
        line = fields.Command.create({"product_id": product.id, "name": label, "quantity": 1, "price_unit": amount})
        values = {"invoice_date_due": due_date, "invoice_origin": self.name,
                  "invoice_user_id": self.invoice_user_id.id, **values}
        if self._cobranza_charge_document(document) == "debit_note":
            wizard = self.env["account.debit.note"].with_context(
                active_model="account.move", active_ids=self.ids).create({"date": today, "reason": label})
            charge = self.browse(wizard.create_debit()["res_id"])
            charge.write({"invoice_line_ids": [line], **values})
            charge._cobranza_set_debit_note_type()
        else:
            charge = self.create({
                "move_type": "out_invoice", "partner_id": self.partner_id.id, "company_id": self.company_id.id,
                "journal_id": self.journal_id.id, "currency_id": self.currency_id.id, "invoice_date": today,
                "invoice_line_ids": [line], **values,
            })
        charge.action_post()
        return charge

    def _cobranza_set_debit_note_type(self):
        """Give this draft debit note the localization's debit-note document type (Chile 56,
        Argentina the debit note of the invoice's letter, Peru 08), when its journal uses
        documents: the first such type the localization offers for it."""
        self.ensure_one()
        if not self.journal_id._cobranza_uses_documents():
            return
        if self.l10n_latam_document_type_id.internal_type == "debit_note":
            return
        types = self.l10n_latam_available_document_type_ids.filtered(lambda t: t.internal_type == "debit_note")
        paired = DEBIT_NOTE_OF.get(self.debit_origin_id.l10n_latam_document_type_id.code)
        types = types.filtered(lambda t: t.code == paired) or types if paired else types
        if not types:
            raise UserError(_(
                "The journal %(journal)s offers no debit note document for %(customer)s: choose “New Invoice” "
                "as the fee document of the collection policy, or configure the journal's documents.",
                journal=self.journal_id.display_name, customer=self.partner_id.display_name))
        self.l10n_latam_document_type_id = types.sorted("sequence")[0]

    def _cobranza_thank(self):
        """Thank the customers whose reminded overdue invoices got fully paid: a thank-you
        contact per customer, company and template, carried out at once."""
        moves = self.filtered(
            lambda m: m.move_type == "out_invoice" and not m.cobranza_thanked
            and m.payment_state in PAID_PAYMENT_STATES and m.cobranza_level_id.offset_days > 0
        )
        if not moves:
            return
        moves.cobranza_thanked = True
        policies = moves._cobranza_resolve_policy()
        by_partner = {}
        for move in moves:
            policy = policies[move]
            if policy.send_thank_you and policy.thank_you_template_id:
                key = (move.commercial_partner_id, move.company_id, policy.thank_you_template_id)
                by_partner.setdefault(key, self.browse())
                by_partner[key] |= move
        contacts = self.env["cobranza.contact"].sudo()._plan([{
            "partner_id": partner.id, "company_id": company.id, "move_ids": [fields.Command.set(paid.ids)],
            "channel": "email", "action": "email", "channel_reason": "notice", "mail_template_id": template.id,
            "outcome": "reached", "note": _("Thank-you for the payment"), "amount_due": 0.0,
            "author_id": self.env.user.id, "key": f"thanks:{','.join(map(str, sorted(paid.ids)))}",
        } for (partner, company, template), paid in by_partner.items()])
        if contacts:
            contacts._dispatch()

    @api.model
    def _cobranza_predict(self, partners, company, expected):
        """Expect the payment of the open invoices of `partners` in `company`: `expected`
        ``{partner id: expected delay}``; one query to read, one to write the invoices whose
        expected date changes (it does not move with the calendar: a steady night writes
        only those of the customers whose expected delay moved by a day)."""
        if not partners:
            return
        self.flush_model()
        self.env.cr.execute(SQL(
            """
            SELECT id, commercial_partner_id, invoice_date_due, cobranza_expected_date FROM account_move
             WHERE commercial_partner_id = ANY(%s) AND company_id = %s AND %s AND invoice_date_due IS NOT NULL
            """,
            partners.ids, company.id, ledger_sql.open_customer_invoices(None),
        ))
        rows = [(move_id, day) for move_id, day, stored in (
            (move_id, scoring.expected_date(due, expected.get(partner_id)), stored)
            for move_id, partner_id, due, stored in self.env.cr.fetchall()) if day != stored]
        if rows:
            self.env.cr.execute(SQL(
                """UPDATE account_move m SET cobranza_expected_date = v.day
                      FROM unnest(%s::int[], %s::date[]) AS v(id, day) WHERE m.id = v.id""",
                [row[0] for row in rows], [row[1] for row in rows],
            ))
            self.invalidate_model(["cobranza_expected_date", "cobranza_predicted_date"])

    # ------------------------------------------------------------------ automatic payment
    @api.model
    def _cobranza_autopay_charge(self, today, commit=False):
        """Charge, once per attempt, the invoices due by `today` of the customers who chose
        to pay their invoices automatically (a consent without a plan): due on or after the
        consent, still owing, in no payment plan; each attempt on its day (the due date, then
        the retry days after a declined charge, never the day of the last one), until its last
        retry day. Payments or credit notes nobody matched yet that cover it hold it (the
        collector gets a task to match them). The charge's unique key is the claim: a worker
        that inserts it second skips the invoice. Returns the charges made."""
        Charge = self.env["cobranza.charge"].sudo()
        charges = Charge
        for move, consent, failed, last in self._cobranza_autopay_due(today):
            retry = autopay.parse_retry_days(consent.retry_days)
            day = autopay.next_attempt_date(move.invoice_date_due, failed, retry, after=last)
            if not day or day > today or today > autopay.last_attempt_date(move.invoice_date_due, retry):
                continue  # not its day, or its last attempt day is past: back to its ladder
            # never more than it owes less what the customer paid that nobody matched yet
            amount = move.partner_id._cobranza_autopay_amount(
                move.company_id, move.currency_id, move.amount_residual, move.amount_residual)
            if move.currency_id.is_zero(amount):
                move.partner_id._cobranza_autopay_match_task(move, lambda env: move.name, move)
                continue
            try:
                with self.env.cr.savepoint():
                    charge = Charge.create({
                        "autopay_id": consent.id, "move_id": move.id, "attempt": failed + 1,
                        "key": f"move:{move.id}:{failed + 1}", "date": today, "amount": amount,
                    })
            except psycopg2.IntegrityError:  # another worker charges it
                continue
            token = consent.token_id
            charge.transaction_id = self.env["payment.transaction"].sudo().create({
                "provider_id": token.provider_id.id, "payment_method_id": token.payment_method_id.id,
                "reference": self.env["payment.transaction"]._compute_reference(token.provider_id.code,
                                                                                 prefix=move.name),
                "amount": amount, "currency_id": move.currency_id.id,
                "partner_id": token.partner_id.id, "token_id": token.id, "operation": "offline",
                "invoice_ids": [Command.set(move.ids)],
            })
            charge._send(commit)
            charge._record(today)
            if commit:
                self.env.cr.commit()
            charges |= charge
        return charges

    @api.model
    def _cobranza_autopay_due(self, today):
        """``[(invoice, consent, declined charges so far, day of the last one)]`` of the
        invoices an invoice consent (its method still saved) may charge by `today`: no charge
        holds them (being made, waiting, paid), no open dispute, not handed to legal, not
        covered by a payment or credit note not yet matched (the daily run's verdict). One
        query."""
        self.env["cobranza.charge"].flush_model()
        self.env["cobranza.autopay"].flush_model()
        self.flush_model()
        self.env.cr.execute(SQL(
            """SELECT m.id, c.id, COUNT(ch.id), MAX(ch.date)
                 FROM account_move m
                 JOIN cobranza_autopay c ON c.partner_id = m.commercial_partner_id AND c.company_id = m.company_id
                                        AND c.state = 'active' AND c.plan_id IS NULL
                 JOIN payment_token t ON t.id = c.token_id AND t.active
                 LEFT JOIN cobranza_charge ch ON ch.move_id = m.id
                WHERE m.move_type = 'out_invoice' AND m.state = 'posted' AND m.payment_state IN %(payable)s
                  AND m.amount_residual > 0 AND m.invoice_date_due <= %(today)s
                  AND m.invoice_date_due >= c.accepted_date::date
                  AND m.cobranza_exclusion IS DISTINCT FROM 'legal'
                  AND m.cobranza_exclusion IS DISTINCT FROM 'credit'
                  AND NOT EXISTS (SELECT 1 FROM cobranza_dispute d WHERE d.move_id = m.id AND d.state = 'open')
                  AND NOT EXISTS (SELECT 1 FROM cobranza_payment_plan_move_rel r
                                    JOIN cobranza_payment_plan p ON p.id = r.plan_id
                                   WHERE r.move_id = m.id AND p.state IN ('proposed', 'active'))
             GROUP BY m.id, c.id
               HAVING COUNT(ch.id) FILTER (WHERE ch.state != 'failed') = 0
             ORDER BY m.invoice_date_due, m.id""",
            payable=PAYABLE_PAYMENT_STATES, today=today))
        rows = self.env.cr.fetchall()
        moves = self.browse([row[0] for row in rows])
        consents = self.env["cobranza.autopay"].sudo().browse([row[1] for row in rows])
        return list(zip(moves, consents, [row[2] for row in rows], [row[3] for row in rows]))

    # ------------------------------------------------------------------ terms said up front
    def _cobranza_terms(self):
        """The customer terms of this customer invoice's collection policy (HTML, in the
        context's language), or False: printed on the invoice."""
        self.ensure_one()
        move = self.sudo()  # the customer reads them too (portal, printed copy)
        return move.move_type == "out_invoice" and move._cobranza_resolve_policy()[move]._cobranza_customer_terms()

    def _cobranza_pay_qr_src(self):
        """A QR code of the signed link to pay this invoice online, for its printed copy: an
        open customer invoice of a company using collections (a policy applies), else False."""
        self.ensure_one()
        move = self.sudo()
        if move.move_type != "out_invoice" or not move.cobranza_payable or not move._cobranza_resolve_policy()[move]:
            return False
        return self.env["cobranza.link"]._qr_src(move)

    def _cobranza_early_discount(self):
        """The early payment discount of this invoice's payment terms that the customer still
        gets on the reference date (the run's, else today): ``{"date": last day to pay,
        "amount": what to pay by then, "saved": the discount, "currency"}``, else None."""
        self.ensure_one()
        today = self._cobranza_today()
        if not self._is_eligible_for_early_payment_discount(self.currency_id, today):
            return None
        lines = self.line_ids.filtered(lambda line: line.display_type == "payment_term"
                                       and line.discount_date and line.discount_date >= today)
        if not lines:
            return None
        amount = abs(sum(lines.mapped("discount_amount_currency")))
        saved = abs(sum(lines.mapped("amount_residual_currency"))) - amount
        if self.currency_id.compare_amounts(saved, 0.0) <= 0:
            return None
        return {"date": min(lines.mapped("discount_date")), "amount": amount, "saved": saved,
                "currency": self.currency_id}

    def _cobranza_early_discount_message(self):
        """What a reminder says of the early payment discount still granted on this invoice
        (HTML, in the context's language, its name a link to the invoice's page, where paying
        takes the discount), or False."""
        discount = self._cobranza_early_discount()
        if not discount:
            return False
        link = Markup('<a href="%s">%s</a>') % (self.get_base_url() + self.get_portal_url(), self.name)
        return Markup(escape(self.env._(
            "Good news: if you pay invoice %(invoice)s by %(date)s, you save %(saved)s with its early payment "
            "discount: you pay %(amount)s instead of %(total)s."))) % {
            "invoice": link, "date": format_date(self.env, discount["date"]),
            "saved": discount["currency"].format(discount["saved"]),
            "amount": discount["currency"].format(discount["amount"]),
            "total": self.currency_id.format(self.amount_residual),
        }

    # ------------------------------------------------------------------ documents as the customer knows them
    def _cobranza_document_label(self):
        """This invoice as the customer knows it where the localization names its documents
        (Chile, Argentina, Peru...): the document type and its folio, "Factura Electrónica N°
        000123" (in the context's language), else False."""
        self.ensure_one()
        if "l10n_latam_document_type_id" not in self._fields or not self.l10n_latam_document_type_id \
                or not self.l10n_latam_document_number:
            return False
        return self.env._("%(document)s N° %(number)s", document=self.l10n_latam_document_type_id.name,
                          number=self.l10n_latam_document_number)

    def _cobranza_folio(self):
        """The number of this invoice's folio (its localization's document number, the last
        group of digits, leading zeros dropped), else None."""
        self.ensure_one()
        number = "l10n_latam_document_number" in self._fields and self.l10n_latam_document_number
        digits = re.findall(r"\d+", number or "")
        return int(digits[-1]) if digits else None
