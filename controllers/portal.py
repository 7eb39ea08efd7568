from werkzeug.exceptions import NotFound

from odoo import Command, fields, http
from odoo.exceptions import UserError, ValidationError
from odoo.http import content_disposition, request
from odoo.tools import float_compare

from odoo.addons.account_payment.controllers.portal import PortalAccount

from ..engine import links


class CobranzaPortal(PortalAccount):
    """The customer's account statement, self-service and online payment in the portal.

    Two ways in: a logged-in portal user (their commercial entity only), or a signed,
    expiring link from a reminder (``/cobranza/pay/<token>``: exactly the invoices or the
    plan of the message). Ids and amounts from the browser are never trusted."""

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
        limits = partner._cobranza_plan_limits()
        plans = self._cobranza_open_plans(partner)
        plannable_total = sum((values["moves"] - plans.move_ids).mapped("amount_residual_signed"))
        values.update({
            "page_name": "cobranza_statement", "partner": partner,
            **(request.session.pop("cobranza_portal_feedback", None) or {}),
            "dispute_reasons": request.env["cobranza.dispute"]._fields["reason"]._description_selection(request.env),
            "channels": partner._fields["cobranza_preferred_channel"]._description_selection(request.env),
            "plans": plans,
            "plan_of": {move.id: plan for plan in plans for move in plan.move_ids},
            "plan_limits": limits,
            "plannable_total": plannable_total,
            "plan_min_down_payment": request.env.company.currency_id.round(
                plannable_total * limits["min_down_payment"] / 100.0),
        })
        return request.render("account_cobranza.portal_my_statement", values)

    @http.route("/my/statement/pdf", type="http", auth="user", website=True)
    def portal_my_statement_pdf(self, **kw):
        partner = self._cobranza_statement_partner()
        pdf, _type = request.env["ir.actions.report"].sudo()._render_qweb_pdf(
            "account_cobranza.action_report_cobranza_statement", partner.ids)
        return self._cobranza_pdf_response(pdf, f"{request.env._('Statement')} {partner.name}.pdf")

    def _cobranza_pdf_response(self, pdf, filename):
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

    @staticmethod
    def _cobranza_open_plans(partner):
        """The customer's plans waiting for approval or active, in the current company."""
        return request.env["cobranza.payment.plan"].sudo().search([
            ("partner_id", "=", partner.id), ("company_id", "=", request.env.company.id),
            ("state", "in", ("proposed", "active")),
        ])

    def _cobranza_redirect(self, message=None, error=None, url="/my/statement"):
        # shown once on the next page (kept in the session, not in the URL)
        request.session["cobranza_portal_feedback"] = {"message": message, "error": error}
        return request.redirect(url)

    @staticmethod
    def _cobranza_error_text(error):
        if isinstance(error, UserError):  # our own, translated
            return str(error.args[0])
        return request.env._("Some of the values you entered are not valid. Please check them and try again.")

    @http.route("/my/statement/promise", type="http", auth="user", methods=["POST"], website=True)
    def portal_statement_promise(self, move_ids=None, date=None, amount=None, **kw):
        moves = self._cobranza_own_moves(request.httprequest.form.getlist("move_ids"))
        partner = self._cobranza_statement_partner()
        planned = moves & self._cobranza_open_plans(partner).move_ids
        if planned:
            return self._cobranza_redirect(error=request.env._(
                "These invoices are in your payment plan (%s): its installments already set when to pay them.",
                ", ".join(planned.mapped("name"))))
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
            return self._cobranza_redirect(error=self._cobranza_error_text(error))
        return self._cobranza_redirect(message=request.env._(
            "Thank you: your payment promise is recorded, we will not send you reminders for these invoices until then."))

    @http.route("/my/statement/dispute", type="http", auth="user", methods=["POST"], website=True)
    def portal_statement_dispute(self, move_id=None, reason=None, description=None, attachment=None, **kw):
        move = self._cobranza_own_moves([move_id])
        reasons = dict(request.env["cobranza.dispute"]._fields["reason"].selection)
        if reason not in reasons or not (description or "").strip():
            return self._cobranza_redirect(error=request.env._("Choose a reason and tell us what is wrong."))
        upload = request.httprequest.files.get("attachment")
        content = upload.read() if upload and upload.filename else None
        if content and len(content) > 10 * 1024 * 1024:
            return self._cobranza_redirect(error=request.env._("The attached file is too large (10 MB at most)."))
        try:
            with request.env.cr.savepoint():
                dispute = request.env["cobranza.dispute"].sudo().create({
                    "move_id": move.id, "reason": reason, "description": description.strip()[:2000],
                    "origin": "portal",
                })
                if content:
                    dispute.message_post(
                        body=request.env._("Document sent by the customer with the dispute."),
                        attachments=[(upload.filename[:200], content)],
                        author_id=request.env.user.partner_id.id,
                    )
        except UserError as error:
            return self._cobranza_redirect(error=self._cobranza_error_text(error))
        return self._cobranza_redirect(message=request.env._(
            "Thank you: we received your message about %s and will answer you shortly.", move.name))

    @http.route("/my/statement/preferences", type="http", auth="user", methods=["POST"], website=True)
    def portal_statement_preferences(self, preferred_channel=None, hour_from=None, hour_to=None, **kw):
        partner = self._cobranza_statement_partner()
        channels = dict(partner._fields["cobranza_preferred_channel"].selection)
        if preferred_channel and preferred_channel not in channels:
            raise NotFound()
        form = request.httprequest.form
        try:
            hours = [self._cobranza_hour(value) for value in (hour_from, hour_to)]
            with request.env.cr.savepoint():
                partner.write({
                    "cobranza_preferred_channel": preferred_channel or False,
                    "cobranza_contact_hour_from": hours[0] if None not in hours else 0.0,
                    "cobranza_contact_hour_to": hours[1] if None not in hours else 0.0,
                    **{fname: bool(form.get(fname)) for fname in (
                        "cobranza_consent_email", "cobranza_consent_sms", "cobranza_consent_whatsapp",
                        "cobranza_consent_call")},
                })
        except (UserError, ValueError) as error:
            return self._cobranza_redirect(error=self._cobranza_error_text(error))
        return self._cobranza_redirect(message=request.env._("Your contact preferences are saved."))

    @staticmethod
    def _cobranza_hour(value):
        """"14:30" -> 14.5; empty -> None (no preference)."""
        if not value:
            return None
        hours, _sep, minutes = value.partition(":")
        hour = int(hours) + int(minutes or 0) / 60.0
        if not 0 <= hour <= 24:
            raise UserError(request.env._("The contact hours are not valid."))
        return hour

    @http.route("/my/statement/plan", type="http", auth="user", methods=["POST"], website=True)
    def portal_statement_plan(self, installment_count=None, first_date=None, down_payment=None, **kw):
        """The customer asks for a payment plan of its open invoices: active at once when
        inside its segment's limits, otherwise waiting for a manager's approval."""
        partner = self._cobranza_statement_partner()
        moves = partner._cobranza_statement_moves() - self._cobranza_open_plans(partner).move_ids
        if not moves:
            return self._cobranza_redirect(error=request.env._("There is no invoice left to include in a payment plan."))
        try:
            count = int(installment_count)
            first = fields.Date.to_date(first_date)
            if not 1 <= count <= 60 or not first:
                raise UserError(request.env._("Choose between 1 and 60 installments and the date of the first one."))
            with request.env.cr.savepoint():
                plan = request.env["cobranza.payment.plan"].sudo().create({
                    "partner_id": partner.id, "company_id": moves.company_id.id,
                    "move_ids": [Command.set(moves.ids)], "installment_count": count,
                    "frequency": "monthly", "first_date": first,
                    "down_payment": float(down_payment or 0.0),
                    "note": request.env._("Requested by %s from the customer portal.", request.env.user.name),
                })
                plan.action_confirm()
                plan.with_context(lang=partner.lang)._notify_customer_requested()
        except (UserError, ValidationError, ValueError, TypeError) as error:
            return self._cobranza_redirect(error=self._cobranza_error_text(error))
        if plan.state == "active":
            message = request.env._(
                "Your payment plan %s is active: the reminders of these invoices are paused while "
                "you pay the installments. Please review and accept the agreement below.", plan.name)
        else:
            message = request.env._(
                "Your request %(plan)s is outside what we can grant at once (%(reason)s): a manager "
                "will review it and we will let you know. Meanwhile the reminders of these "
                "invoices are paused.", plan=plan.name, reason=plan.approval_reason)
        return self._cobranza_redirect(message=message, url=f"/my/cobranza/plans/{plan.id}")

    # ------------------------------------------------------------------ plans
    def _cobranza_own_plan(self, plan_id):
        partner = self._cobranza_statement_partner()
        plan = request.env["cobranza.payment.plan"].sudo().browse(plan_id).exists()
        if not plan or plan.partner_id.commercial_partner_id != partner:
            raise NotFound()
        return plan

    @http.route("/my/cobranza/plans/<int:plan_id>", type="http", auth="user", website=True)
    def portal_my_plan(self, plan_id, **kw):
        plan = self._cobranza_own_plan(plan_id)
        token = request.env["cobranza.link"]._token(plan, days=1)
        return self._cobranza_render_pay_page(token, plan)

    @http.route("/my/statement/pay", type="http", auth="user", methods=["GET", "POST"], website=True)
    def portal_statement_pay(self, overdue=None, **kw):
        """Pay the ticked invoices (POST) or all the overdue ones (GET ?overdue=1)."""
        partner = self._cobranza_statement_partner()
        if request.httprequest.method == "POST":
            moves = self._cobranza_own_moves(request.httprequest.form.getlist("move_ids"))
        else:
            moves = partner._cobranza_statement_moves().filtered(lambda m: m._cobranza_days_overdue() > 0)
            if not moves:
                return self._cobranza_redirect(message=request.env._("You have no overdue invoice. Thank you!"))
        token = request.env["cobranza.link"]._token(moves, days=1)
        return request.redirect(f"/cobranza/pay/{token}")

    # ------------------------------------------------------------------ signed links
    def _cobranza_link(self, token, model=None):
        """``(records, None)`` a valid token grants, else ``(None, a 403 page)`` that tells
        the customer why (expired / not valid) without revealing anything else."""
        try:
            _link, _partner, records = request.env["cobranza.link"]._resolve(token)
        except links.LinkError as error:
            message = request.env["cobranza.link"]._error_message(error.code)
            return None, request.render("account_cobranza.portal_cobranza_link_denied",
                                        {"message": message}, status=403)
        if model and records._name != model:
            raise NotFound()
        return records, None

    @http.route("/cobranza/pay/<string:token>", type="http", auth="public", website=True, sitemap=False)
    def cobranza_pay(self, token, **kw):
        records, denied = self._cobranza_link(token)
        if denied:
            return denied
        return self._cobranza_render_pay_page(token, records)

    def _cobranza_render_pay_page(self, token, records):
        customer = records.partner_id.commercial_partner_id
        logged_in = not request.env.user._is_public()
        if not logged_in and customer.lang and customer.lang != request.env.lang \
                and customer.lang in dict(request.env["res.lang"].get_installed()):
            # a visitor with the link of a message reads the page in the message's language
            request.update_context(lang=customer.lang)
        pay = request.env["cobranza.link"]._payment(records)
        values = self._prepare_portal_layout_values() if logged_in else {}
        values.update({
            "page_name": "cobranza_pay",
            "token": token,
            "pay": pay,
            "plan": pay["plan"],
            "lines": [{"move": move, "days": move._cobranza_days_overdue()} for move in pay["moves"]],
            "logged_in": logged_in,
            "res_company": pay["company"] or request.env.company,  # the creditor's name and logo
            **(request.session.pop("cobranza_portal_feedback", None) or {}),
        })
        if pay["amount"] > 0:
            values.update(self._get_common_page_view_values(
                invoices_data={
                    "partner": pay["moves"][:1].partner_id,
                    "company": pay["company"],
                    "total_amount": pay["amount"],
                    "currency": pay["currency"],
                    "amount_residual": pay["amount"],
                    "payment_reference": pay["reference"],
                    "landing_route": f"/cobranza/pay/{token}",
                    "transaction_route": f"/cobranza/transaction/{token}",
                },
                access_token=token,
            ))
            values["amount"] = pay["amount"]
        return request.render("account_cobranza.portal_cobranza_pay", values)

    @http.route("/cobranza/transaction/<string:token>", type="json", auth="public")
    def cobranza_transaction(self, token, access_token=None, amount=None, payment_reference=None, **kwargs):
        """Create the payment transaction of a link: the invoices and the amount come from
        the server (the token and reference the page sends are not needed); an amount from
        the browser that differs is refused."""
        try:
            _link, _partner, records = request.env["cobranza.link"]._resolve(token)
        except links.LinkError as error:
            raise ValidationError(request.env["cobranza.link"]._error_message(error.code)) from None
        pay = request.env["cobranza.link"]._payment(records)
        currency = pay["currency"]
        if not pay["amount"] or pay["amount"] <= 0:
            raise ValidationError(request.env._("There is nothing left to pay here. Thank you!"))
        amount = self._cast_as_float(amount)
        if amount is None or float_compare(amount, pay["amount"], precision_rounding=currency.rounding):
            raise ValidationError(request.env._(
                "The amount to pay has changed since this page was opened. Please reload the page."))
        self._validate_transaction_kwargs(kwargs)
        # never a validation (its own amount), always back to this page
        kwargs.update({"is_validation": False, "landing_route": f"/cobranza/pay/{token}"})
        logged_in = not request.env.user._is_public()
        payer = request.env.user.partner_id if logged_in else pay["moves"][:1].partner_id
        reference = pay["reference"] or pay["company"].get_next_batch_payment_communication()
        kwargs.update({"currency_id": currency.id, "partner_id": payer.id, "reference_prefix": reference})
        tx_sudo = self._create_transaction(
            amount=pay["amount"],
            custom_create_values={"invoice_ids": [Command.set(pay["moves"].ids)]},
            **kwargs,
        )
        return tx_sudo._get_processing_values()

    @http.route("/cobranza/pay/<string:token>/accept", type="http", auth="public", methods=["POST"], website=True)
    def cobranza_plan_accept(self, token, name=None, **kw):
        """The customer accepts the written agreement of its payment plan."""
        plan, denied = self._cobranza_link(token, "cobranza.payment.plan")
        if denied:
            return denied
        who = (name or "").strip()[:100] or (
            request.env.user.name if not request.env.user._is_public() else "")
        if not who:
            return self._cobranza_redirect(error=request.env._("Please write your full name to accept the agreement."),
                                           url=f"/cobranza/pay/{token}")
        try:
            plan._cobranza_accept(who)
        except UserError as error:
            return self._cobranza_redirect(error=self._cobranza_error_text(error), url=f"/cobranza/pay/{token}")
        return self._cobranza_redirect(message=request.env._("Thank you: you accepted the agreement of %s.", plan.name),
                                       url=f"/cobranza/pay/{token}")

    @http.route("/cobranza/pay/<string:token>/agreement", type="http", auth="public", website=True)
    def cobranza_plan_agreement(self, token, **kw):
        plan, denied = self._cobranza_link(token, "cobranza.payment.plan")
        if denied:
            return denied
        pdf, _type = request.env["ir.actions.report"].sudo()._render_qweb_pdf(
            "account_cobranza.action_report_cobranza_plan", plan.ids)
        return self._cobranza_pdf_response(pdf, f"{plan.name}.pdf")
