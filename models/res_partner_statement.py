import re
from decimal import Decimal

from odoo import _, fields, models, tools

from ..engine import aging, autopay, kpi, schedule
from ..engine.ladder import PAYABLE_PAYMENT_STATES
from ..utils import ledger_sql

# a RUT as l10n_cl stores it (its number, a dash, its check digit)
CHILEAN_RUT = re.compile(r"\d{1,8}-[\dK]")


class ResPartner(models.Model):
    """What a customer sees of its debt: the account statement (portal and PDF), the plan it
    may ask for, and the helpers the reminder templates are rendered with."""

    _inherit = "res.partner"

    # ------------------------------------------------------------------ statement
    def _cobranza_statement_moves(self):
        """Open invoices of this customer (its commercial entity) in the current company."""
        self.ensure_one()
        return self.env["account.move"].sudo().search([
            ("commercial_partner_id", "=", self.commercial_partner_id.id),
            ("company_id", "=", self.env.company.id),
            *self.env["account.move"]._cobranza_invoice_domain(PAYABLE_PAYMENT_STATES),
        ], order="invoice_date_due, id")

    def _cobranza_open_plans(self):
        """The customer's payment plans waiting for approval or active, in the current company."""
        self.ensure_one()
        return self.env["cobranza.payment.plan"].sudo().search([
            ("partner_id", "=", self.commercial_partner_id.id), ("company_id", "=", self.env.company.id),
            ("state", "in", ("proposed", "active")),
        ])

    # ------------------------------------------------------------------ automatic payment
    def _cobranza_autopay_tokens(self, company, payer=None):
        """The payment methods this customer (its contacts too) saved with a provider of
        `company` that charges saved methods: what may pay it automatically. With `payer` (a
        contact of the customer), only those it may use, as Odoo's own payment form offers
        them: its own and the customer's (``payment.token._get_available_tokens``)."""
        self.ensure_one()
        owners = [("partner_id", "in", [payer.id, self.commercial_partner_id.id])] if payer \
            else [("partner_id", "child_of", self.commercial_partner_id.id)]
        return self.env["payment.token"].sudo().search([
            *owners,
            ("provider_id.allow_tokenization", "=", True), ("provider_id.state", "in", ("enabled", "test")),
            ("provider_id.company_id", "=", company.id)])

    def _cobranza_unmatched_credit(self, company, currency):
        """What this customer paid `company` in `currency` that nobody matched yet: its
        payments and credit notes still open (a credit in another currency never nets, as in
        the daily run). One query."""
        self.ensure_one()
        foreign = currency != company.currency_id
        residual = "amount_residual_currency" if foreign else "amount_residual"
        domain = [("company_id", "=", company.id), ("partner_id", "child_of", self.commercial_partner_id.id),
                  ("account_id.account_type", "=", "asset_receivable"), ("parent_state", "=", "posted"),
                  ("reconciled", "=", False), (residual, "<", 0)]
        if foreign:
            domain.append(("currency_id", "=", currency.id))
        [[credit]] = self.env["account.move.line"].sudo()._read_group(domain, aggregates=[f"{residual}:sum"])
        return -(credit or 0.0)

    def _cobranza_autopay_amount(self, company, currency, left, owed, waiting=0.0):
        """What an automatic charge of this customer takes: `left` (of the installment or the
        invoice), never more than the covered invoices still `owe` less what the customer paid
        that nobody matched yet and what charges `waiting` for their answer will pay. Zero:
        nothing to charge."""
        credit = self._cobranza_unmatched_credit(company, currency) + waiting
        return currency.round(float(autopay.charge_amount(
            Decimal(str(left)), Decimal(str(owed)), Decimal(str(credit)))))

    def _cobranza_autopay_match_task(self, record, what, moves, first=None):
        """A task for the collector: match this customer's payments or credit notes not yet
        matched, which hold the automatic charge of `what` (a function of the reader's
        environment giving its name) on `record` (the plan or the invoice); once, while it is
        open."""
        user = self.env["res.users"]._cobranza_task_user("collector", record.company_id, self, moves=moves,
                                                         first=first)

        def compose(reader):
            return (reader.env._("Match the customer's payment: it covers %s", what(reader.env)),
                    reader.env._("The customer has payments or credit notes that nobody matched yet and that cover "
                                 "it, so its saved payment method is not charged. Match them with its invoices; if "
                                 "they belong elsewhere, the charge resumes the day after they are matched (until "
                                 "its last retry day)."))
        summary = compose(record.with_context(lang=user.lang or self.env.lang))[0]
        if not record.activity_ids.filtered(lambda a: a.summary == summary):
            self.env["mail.activity"]._cobranza_create([{"record": record, "user": user, "compose": compose}])

    def _cobranza_autopay_policy(self, company, move=None):
        """The policy that says how a declined charge is chased: `move`'s, else the customer's."""
        self.ensure_one()
        Move = self.env["account.move"].with_company(company)
        return move._cobranza_resolve_policy()[move] if move else Move._cobranza_customer_policy(
            self.commercial_partner_id.with_company(company), company, Move._cobranza_default_policy())

    def _cobranza_autopay_retry_days(self, company, move=None):
        """The retry days of a declined charge: the policy of `move`, else the customer's."""
        policy = self._cobranza_autopay_policy(company, move)
        return autopay.parse_retry_days(policy.autopay_retry_days if policy else "")

    def _cobranza_autopay_values(self):
        """What the statement shows a user of the customer about the automatic payment of its
        invoices (current company): the active consent, or the saved methods and the terms."""
        self.ensure_one()
        partner, company = self.commercial_partner_id, self.env.company
        consent = self.env["cobranza.autopay"].sudo().search([
            ("partner_id", "=", partner.id), ("company_id", "=", company.id), ("plan_id", "=", False),
            ("state", "=", "active")], limit=1)
        tokens = partner._cobranza_autopay_tokens(company, payer=self.env.user.partner_id)
        terms = self.env["cobranza.autopay"].new({"partner_id": partner.id, "company_id": company.id})._terms(
            tokens if len(tokens) == 1 else None, partner._cobranza_autopay_retry_days(company)) if tokens else False
        return {"consent": consent, "tokens": tokens, "terms": terms, "offered": True}

    def _cobranza_plan_offer(self):
        """The payment plan the customer may ask for (the portal's form): its open invoices in
        no plan yet, their total, its segment's limits and the least down payment they ask."""
        self.ensure_one()
        moves = self._cobranza_statement_moves() - self._cobranza_open_plans().move_ids
        limits = self._cobranza_plan_limits()
        total = sum(moves.mapped("amount_residual_signed"))
        return {
            "moves": moves, "total": total, "limits": limits,
            "min_down_payment": float(schedule.minimum_down_payment(
                total, limits["min_down_payment"], self.env.company.currency_id.decimal_places)),
        }

    def _cobranza_statement_items(self):
        """Every open receivable item of this customer in the current company, as its partner
        ledger has them: invoices, credit notes, payments and other entries not yet matched
        (one query). ``[{"move", "kind", "date", "due", "amount" (company currency, negative
        for a credit), "amount_currency", "currency"}]``, by due date."""
        self.ensure_one()
        lines = self.env["account.move.line"].sudo().search([
            ("partner_id", "=", self.commercial_partner_id.id), ("company_id", "=", self.env.company.id),
            ("account_id.account_type", "=", ledger_sql.RECEIVABLE), ("parent_state", "=", "posted"),
            ("reconciled", "=", False), ("amount_residual", "!=", 0),
        ], order="date_maturity, date, id")
        items = []
        for line in lines:
            move = line.move_id
            kind = ("invoice" if move.move_type == "out_invoice" else "credit_note" if move.move_type == "out_refund"
                    else "payment" if move.origin_payment_id or move.statement_line_id else "other")
            items.append({"move": move, "line": line, "kind": kind, "date": line.date,
                          "due": line.date_maturity or line.date, "amount": line.amount_residual,
                          "amount_currency": line.amount_residual_currency, "currency": line.currency_id})
        return items

    def _cobranza_statement_values(self):
        """The account statement: the open invoices the customer can act on (``lines``),
        its payments and credit notes not yet applied (``credits``), every open item
        (``items``), and the balance aged like Odoo's aged receivable (each item in the
        bucket of its due date; credits too), equal to the customer's receivable balance in
        the partner ledger. Amounts in the company's currency."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        moves = self._cobranza_statement_moves()
        labels = self.env["cobranza.aging.report"]._bucket_labels()
        items = self._cobranza_statement_items()
        for item in items:
            item["days"] = (today - item["due"]).days
        amounts = kpi.aging([(item["amount"], item["days"]) for item in items])
        labels_kind = {"invoice": _("Invoice"), "credit_note": _("Credit note"), "payment": _("Payment not yet applied"),
                       "other": _("Other entry")}
        for item in items:
            item["kind_label"] = labels_kind[item["kind"]]
        balance = self.env.company.currency_id.round(sum(item["amount"] for item in items))
        return {
            "today": today,
            "moves": moves,
            "lines": [{"move": move, "days": (today - (move.invoice_date_due or move.invoice_date)).days}
                      for move in moves],
            "items": items,
            "credits": [item for item in items if item["amount"] < 0],
            "currency": self.env.company.currency_id,
            "company": self.env.company,
            "buckets": [{"key": key, "label": labels[key], "amount": amounts[key]} for key in aging.BUCKETS],
            "total": balance,
            "in_favour": balance < 0,
            "overdue_total": sum(amount for key, amount in amounts.items() if key != "not_due"),
        }

    def _cobranza_tax_id_label(self):
        """The tax id of this customer or company as its country names it, for letters and
        statements: "RUT 76.201.224-3", "CUIT 30-71429569-8", "RUC 20557912879", "RFC ...":
        the identification type of the Latin-American localizations, else the country's
        label, else "Tax ID"; the number as the localization writes it
        (``_cobranza_formatted_vat``); False without a tax id."""
        self.ensure_one()
        partner = self.commercial_partner_id
        if not partner.vat:
            return False
        kind = ("l10n_latam_identification_type_id" in partner._fields
                and partner.l10n_latam_identification_type_id.name) or partner.country_id.vat_label \
            or self.env._("Tax ID")
        return f"{kind} {partner._cobranza_formatted_vat()}"

    def _cobranza_formatted_vat(self):
        """This partner's tax id written as its localization writes it, where Odoo has the
        formatter: Argentina's CUIT with its dashes (``l10n_ar``: 30-71429569-8), Chile's RUT
        with its dots (``l10n_cl``, which stores 76201224-3: 76.201.224-3); else as stored."""
        self.ensure_one()
        if "l10n_ar_formatted_vat" in self._fields and self.l10n_ar_formatted_vat:
            return self.l10n_ar_formatted_vat
        if hasattr(self, "_format_dotted_vat_cl") and CHILEAN_RUT.fullmatch(self.vat or "") and "CL" in (
                self.country_id.code, self.l10n_latam_identification_type_id.country_id.code):
            return self._format_dotted_vat_cl(self.vat)
        return self.vat

    # ------------------------------------------------------------------ reminder helpers (used by the templates, rendered on the commercial partner)
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
                    *self.env["account.move"]._cobranza_invoice_domain(PAYABLE_PAYMENT_STATES),
                ]
            )
        return moves.sorted(lambda m: (m.invoice_date_due or m.date, m.id))

    def _cobranza_reminder_totals(self, moves=None):
        """``[(currency, amount due)]`` of the reminder's invoices net of the credits that
        cover part of them (``_cobranza_reminder_credits``), one line per currency."""
        moves = self._cobranza_reminder_moves() if moves is None else moves
        totals = {}
        for move in moves:
            totals[move.currency_id] = totals.get(move.currency_id, 0.0) + move.amount_residual
        for credit in self._cobranza_reminder_credits(moves):
            totals[credit["currency"]] -= credit["amount"]
        return sorted(totals.items(), key=lambda item: item[0].name)

    def _cobranza_reminder_credits(self, moves=None):
        """The customer's payments and credit notes not yet matched that cover part of the
        reminder's invoices (each credit in the invoices' currency, oldest invoice first):
        ``[{"line", "name", "date", "amount", "currency"}]``. Those a contact planned are in the
        context (``cobranza_credits``: ``{record id: [[credit id, invoice id, amount], ...]}``);
        otherwise they are computed now, as the daily run would."""
        self.ensure_one()
        moves = self._cobranza_reminder_moves() if moves is None else moves
        given = self.env.context.get("cobranza_credits")
        if isinstance(given, dict):
            pairs = given.get(self.id) or given.get(str(self.id)) or []
        else:
            pairs = self._cobranza_credit_pairs()
        amounts = {}
        for credit_id, move_id, amount in pairs:
            if move_id in moves.ids:
                amounts[credit_id] = amounts.get(credit_id, 0.0) + amount
        # one recordset: their moves and document types are read at once (the templates' labels)
        lines = self.env["account.move.line"].sudo().browse(list(amounts)).exists()
        return [{"line": line, "name": line.move_id.name, "date": line.date, "amount": amounts[line.id],
                 "currency": line.currency_id} for line in lines]

    def _cobranza_credit_pairs(self):
        """``((credit id, invoice id, amount), ...)``: this customer's open credits over its
        chased invoices in the current company, as the daily run nets them today."""
        self.ensure_one()
        company = self._cobranza_company()
        partner = self.commercial_partner_id.sudo().with_company(company)
        invoices = self.env["account.move"].sudo()._cobranza_run_invoices(partner, company)
        decision = partner._cobranza_evaluate_ladder(invoices, fields.Date.context_today(self), company)
        return decision.credits.get(partner.id, ())

    def _cobranza_portal_url(self):
        """Where the customer reviews and pays the invoices of a reminder: a signed, expiring
        link to exactly those invoices (no login needed), else the portal statement."""
        self.ensure_one()
        moves = self._cobranza_reminder_moves().filtered(lambda m: m.payment_state in PAYABLE_PAYMENT_STATES)
        if not moves:
            return self._cobranza_statement_url()
        return self.env["cobranza.link"]._url(moves.sudo())

    def _cobranza_statement_qr_src(self, moves):
        """A QR code of the signed link to pay `moves` (the statement's open invoices)."""
        return self.env["cobranza.link"]._qr_src(moves.sudo()) if moves else False

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
        """Amount due of a reminder as short text, e.g. for an SMS or WhatsApp: ``$ 1,200.00 +
        USD 30.00``, written as the customer's language writes money (``$ 1.234.567`` in
        Chilean pesos in Spanish) whatever the language of the code that sends it."""
        return " + ".join(
            tools.format_amount(self.env, amount, currency, lang_code=self.lang)
            for currency, amount in self._cobranza_reminder_totals()
        )
