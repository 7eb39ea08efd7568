from odoo import _, api, fields, models, tools
from odoo.exceptions import ValidationError

# Set on the commercial entity and shared by its contacts (see _commercial_fields).
COBRANZA_COMMERCIAL_FIELDS = [
    "cobranza_segment_id",
    "cobranza_policy_id",
    "cobranza_collector_id",
    "cobranza_no_chase",
    "cobranza_no_chase_reason",
]


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
            moves = self.env["account.move"].browse(wanted).exists()
        else:
            moves = self.env["account.move"].search(
                [
                    ("commercial_partner_id", "=", self.commercial_partner_id.id),
                    ("company_id", "=", self._cobranza_company().id),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("payment_state", "in", ("not_paid", "partial")),
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
        """Where the customer reviews and pays the invoices of a reminder."""
        self.ensure_one()
        return f"{self.get_base_url()}/my/invoices/overdue"

    def _cobranza_signatory(self):
        """Person who signs a reminder: the customer's collector, else the current user."""
        self.ensure_one()
        return self.commercial_partner_id.cobranza_collector_id or self.env.user

    def _cobranza_reminder_recipients(self):
        """Comma-separated ids of the partners a reminder goes to: the customer's invoicing
        contacts that have an email address, else the customer itself."""
        self.ensure_one()
        commercial = self.commercial_partner_id
        contacts = commercial.child_ids.filtered(lambda c: c.type == "invoice" and c.email)
        return ",".join(str(pid) for pid in (contacts or commercial).ids)

    def _cobranza_reminder_amount_text(self):
        """Amount due of a reminder as short text, e.g. for an SMS: ``$ 1,200.00 + USD 30.00``."""
        return " + ".join(
            tools.format_amount(self.env, amount, currency)
            for currency, amount in self._cobranza_reminder_totals()
        )
