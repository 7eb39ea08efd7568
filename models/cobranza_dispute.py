from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..engine.ladder import ACTIONABLE_PAYMENT_STATES
from ..utils.html import text_html

MAX_DOCUMENT_SIZE = 10 * 1024 * 1024  # a document the customer sends with a dispute

REASONS = [
    ("not_received", "Goods or invoice not received"),
    ("wrong_amount", "Wrong amount or price"),
    ("quality", "Problem with the goods or service"),
    ("already_paid", "Already paid"),
    ("other", "Other"),
]


class CobranzaDispute(models.Model):
    """A customer contests an invoice: its reminders pause until the dispute is settled."""

    _name = "cobranza.dispute"
    _description = "Invoice Dispute"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "create_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    move_id = fields.Many2one(
        "account.move", string="Invoice", required=True, index=True, check_company=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted')]",
    )
    partner_id = fields.Many2one(related="move_id.commercial_partner_id", store=True, string="Customer")
    company_id = fields.Many2one(related="move_id.company_id", store=True, index=True)
    reason = fields.Selection(REASONS, required=True, tracking=True)
    description = fields.Text(required=True)
    attachment_ids = fields.Many2many("ir.attachment", string="Attachments")
    user_id = fields.Many2one(
        "res.users", string="Responsible", tracking=True, domain=[("share", "=", False)],
        compute="_compute_user_id", store=True, readonly=False,
        help="Who settles the dispute: the invoice's salesperson, else the customer's collector, "
        "else the policy's responsible; never a system user.",
    )
    deadline = fields.Date(
        required=True, tracking=True,
        default=lambda self: fields.Date.context_today(self) + timedelta(days=7),
    )
    origin = fields.Selection(
        [("collector", "Collector"), ("portal", "Customer Portal"), ("email", "Email Reply"),
         ("whatsapp", "WhatsApp Reply")],
        default="collector", required=True,
    )
    state = fields.Selection(
        [("open", "Open"), ("resolved", "Resolved"), ("rejected", "Rejected")],
        default="open", required=True, tracking=True, index=True,
    )
    credit_note_id = fields.Many2one(
        "account.move", string="Credit Note", check_company=True,
        domain="[('move_type', '=', 'out_refund'), ('reversed_entry_id', '=', move_id)]",
    )
    resolution = fields.Text()
    date_closed = fields.Date(string="Settled On", readonly=True, copy=False,
                              help="When the dispute was resolved or rejected.")

    # ------------------------------------------------------------------ computes
    @api.depends("move_id", "reason")
    def _compute_name(self):
        reasons = dict(REASONS)
        for dispute in self:
            dispute.name = f"{dispute.move_id.name or ''} · {reasons.get(dispute.reason, '')}"

    @api.depends("move_id")
    def _compute_user_id(self):
        policies = self.move_id._cobranza_resolve_policy()
        Users = self.env["res.users"]
        for dispute in self:
            move = dispute.move_id
            # a person who will see the task (a portal request runs as the customer)
            dispute.user_id = Users._cobranza_task_user(
                "collector", move.company_id or self.env.company, move.commercial_partner_id, move,
                policies.get(move, self.env["cobranza.policy"]))

    # ------------------------------------------------------------------ CRUD
    @api.model_create_multi
    def create(self, vals_list):
        disputes = super().create(vals_list)
        for dispute in disputes:
            if dispute.move_id.move_type != "out_invoice" or dispute.move_id.payment_state not in ACTIONABLE_PAYMENT_STATES:
                raise UserError(_("Only an unpaid customer invoice can be disputed."))
            if self.search_count([("move_id", "=", dispute.move_id.id), ("state", "=", "open"),
                                  ("id", "!=", dispute.id)]):
                raise UserError(_("The invoice %s is already under dispute.", dispute.move_id.name))
            dispute.attachment_ids.write({"res_model": self._name, "res_id": dispute.id})
            # the customer's words are plain text: escaped (no link, image or style survives)
            description = text_html(dispute.description)
            if dispute.user_id:
                self.env["mail.activity"]._cobranza_create([{
                    "record": dispute, "user": dispute.user_id, "deadline": dispute.deadline,
                    "compose": lambda reader, description=description: (
                        reader.env._("Settle the dispute on %s", reader.move_id.name), description),
                }], notify=True)
            dispute.move_id.message_post(
                body=Markup("<p>%s</p>%s") % (_("Invoice disputed by the customer:"), description))
        disputes._refresh()
        return disputes

    # ------------------------------------------------------------------ actions
    def action_resolve(self):
        for dispute in self:
            if dispute.state != "open":
                raise UserError(_("Only an open dispute can be settled."))
            dispute.write({"state": "resolved", "date_closed": fields.Date.context_today(dispute)})
            dispute.activity_feedback(["mail.mail_activity_data_todo"], feedback=_("Resolved"))
        self._refresh()

    def action_reject(self):
        for dispute in self:
            if dispute.state != "open":
                raise UserError(_("Only an open dispute can be settled."))
            if not dispute.resolution:
                raise UserError(_("Explain to the customer why the dispute is rejected (Resolution)."))
            dispute.write({"state": "rejected", "date_closed": fields.Date.context_today(dispute)})
            dispute.activity_feedback(["mail.mail_activity_data_todo"], feedback=_("Rejected"))
            dispute.move_id.message_post(body=_("Dispute rejected, the reminders resume: %s", dispute.resolution))
        self._refresh()

    def action_credit_note(self):
        """Open Odoo's reversal wizard; the credit note is linked when it is created."""
        self.ensure_one()
        action = self.move_id.action_reverse()
        action["context"] = {"active_model": "account.move", "active_ids": self.move_id.ids,
                             "cobranza_dispute_id": self.id}
        return action

    # ------------------------------------------------------------------ business methods
    def _add_customer_document(self, filename, content):
        """Post a document the customer sent with the dispute (the portal's upload)."""
        self.ensure_one()
        if len(content) > MAX_DOCUMENT_SIZE:
            raise UserError(_("The attached file is too large (10 MB at most)."))
        self.message_post(
            body=_("Document sent by the customer with the dispute."),
            attachments=[((filename or "document")[:200], content)],
            author_id=self.env.user.partner_id.id,
        )

    def _refresh(self):
        for dispute in self:
            self.env["res.partner"]._cobranza_refresh(dispute.partner_id, dispute.company_id)
