from odoo import http
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
        values.update({"page_name": "cobranza_statement", "partner": partner})
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
