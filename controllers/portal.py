from werkzeug.exceptions import NotFound

from odoo import Command, fields, http
from odoo.exceptions import UserError
from odoo.http import content_disposition, request

from odoo.addons.portal.controllers.portal import CustomerPortal


class CobranzaPortal(CustomerPortal):
    """The customer's account statement in the portal."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "cobranza_due_count" in counters:
            values["cobranza_due_count"] = len(self._cobranza_statement_partner()._cobranza_statement_moves())
        return values

    def _cobranza_statement_partner(self):
        # the commercial entity of the logged-in user: never another customer's
        return request.env.user.partner_id.commercial_partner_id.sudo()

    @http.route("/my/statement", type="http", auth="user", website=True)
    def portal_my_statement(self, **kw):
        partner = self._cobranza_statement_partner()
        values = self._prepare_portal_layout_values()
        values.update(partner._cobranza_statement_values())
        values.update({
            "page_name": "cobranza_statement", "partner": partner,
            **(request.session.pop("cobranza_portal_feedback", None) or {}),
            "dispute_reasons": request.env["cobranza.dispute"]._fields["reason"]._description_selection(request.env),
            "channels": partner._fields["cobranza_preferred_channel"]._description_selection(request.env),
            "today": fields.Date.context_today(partner),
        })
        return request.render("account_cobranza.portal_my_statement", values)

    @http.route("/my/statement/pdf", type="http", auth="user", website=True)
    def portal_my_statement_pdf(self, **kw):
        partner = self._cobranza_statement_partner()
        pdf, _type = request.env["ir.actions.report"].sudo()._render_qweb_pdf(
            "account_cobranza.action_report_cobranza_statement", partner.ids)
        filename = f"{request.env._('Statement')} {partner.name}.pdf"
        return request.make_response(pdf, headers=[
            ("Content-Type", "application/pdf"), ("Content-Length", len(pdf)),
            ("Content-Disposition", content_disposition(filename)),
        ])

    # ------------------------------------------------------------------ self-service
    def _cobranza_own_moves(self, ids):
        """The open invoices among `ids` that belong to the user's commercial entity; any
        other id (another customer's, paid, unknown) makes the whole request invalid."""
        partner = self._cobranza_statement_partner()
        try:
            wanted = {int(i) for i in ids if str(i).strip()}
        except (TypeError, ValueError):
            raise NotFound() from None
        moves = partner._cobranza_statement_moves().filtered(lambda m: m.id in wanted)
        if not wanted or len(moves) != len(wanted):
            raise NotFound()
        return moves

    def _cobranza_redirect(self, message=None, error=None):
        # shown once on the statement page (kept in the session, not in the URL)
        request.session["cobranza_portal_feedback"] = {"message": message, "error": error}
        return request.redirect("/my/statement")

    @http.route("/my/statement/promise", type="http", auth="user", methods=["POST"], website=True)
    def portal_statement_promise(self, move_ids=None, date=None, amount=None, **kw):
        moves = self._cobranza_own_moves(request.httprequest.form.getlist("move_ids"))
        partner = self._cobranza_statement_partner()
        try:
            promised = fields.Date.to_date(date)
            value = float(amount) if amount else sum(moves.mapped("amount_residual_signed"))
            with request.env.cr.savepoint():  # a refused promise leaves nothing behind
                request.env["cobranza.promise"].sudo().create({
                    "partner_id": partner.id, "company_id": moves.company_id.id,
                    "move_ids": [Command.set(moves.ids)], "amount": value, "date": promised,
                    "channel": "other", "origin": "portal",
                })
        except (UserError, ValueError, TypeError) as error:
            return self._cobranza_redirect(error=str(error.args[0]) if error.args else str(error))
        return self._cobranza_redirect(message=request.env._(
            "Thank you: your payment promise is recorded, we will not send you reminders for these invoices until then."))

    @http.route("/my/statement/dispute", type="http", auth="user", methods=["POST"], website=True)
    def portal_statement_dispute(self, move_id=None, reason=None, description=None, **kw):
        move = self._cobranza_own_moves([move_id])
        reasons = dict(request.env["cobranza.dispute"]._fields["reason"].selection)
        if reason not in reasons or not (description or "").strip():
            return self._cobranza_redirect(error=request.env._("Choose a reason and tell us what is wrong."))
        try:
            with request.env.cr.savepoint():
                request.env["cobranza.dispute"].sudo().create({
                    "move_id": move.id, "reason": reason, "description": description.strip()[:2000],
                    "origin": "portal",
                })
        except UserError as error:
            return self._cobranza_redirect(error=str(error.args[0]))
        return self._cobranza_redirect(message=request.env._(
            "Thank you: we received your message about %s and will answer you shortly.", move.name))

    @http.route("/my/statement/preferences", type="http", auth="user", methods=["POST"], website=True)
    def portal_statement_preferences(self, preferred_channel=None, **kw):
        partner = self._cobranza_statement_partner()
        channels = dict(partner._fields["cobranza_preferred_channel"].selection)
        if preferred_channel and preferred_channel not in channels:
            raise NotFound()
        form = request.httprequest.form
        partner.write({
            "cobranza_preferred_channel": preferred_channel or False,
            **{fname: bool(form.get(fname)) for fname in (
                "cobranza_consent_email", "cobranza_consent_sms", "cobranza_consent_whatsapp",
                "cobranza_consent_call")},
        })
        return self._cobranza_redirect(message=request.env._("Your contact preferences are saved."))
