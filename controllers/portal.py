import math
import re
from datetime import datetime

from werkzeug.exceptions import NotFound

from odoo import Command, http
from odoo.exceptions import UserError, ValidationError
from odoo.http import content_disposition, request

from odoo.addons.account_payment.controllers.portal import PortalAccount

from ..engine import autopay, links, schedule
from ..models.cobranza_dispute import MAX_DOCUMENT_SIZE

# Amounts typed in a form: beyond this a float no longer holds the cents.
MAX_AMOUNT = 1e15


class InvalidInput(ValueError):
    """A value that is not what its form field asks for (not a number, not a date, out of
    range): the customer gets the one generic message and nothing is written."""


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
        plans = partner._cobranza_open_plans()
        offer = partner._cobranza_plan_offer()
        values.update({
            "page_name": "cobranza_statement", "partner": partner,
            **(request.session.pop("cobranza_portal_feedback", None) or {}),
            "dispute_reasons": request.env["cobranza.dispute"]._fields["reason"]._description_selection(request.env),
            "channels": partner._fields["cobranza_preferred_channel"]._description_selection(request.env),
            "plans": plans,
            "plan_of": {move.id: plan for plan in plans for move in plan.move_ids},
            "plan_limits": offer["limits"],
            "max_installments": schedule.MAX_INSTALLMENTS,
            "plannable_total": offer["total"],
            "plan_min_down_payment": offer["min_down_payment"],
            "autopay": partner._cobranza_autopay_values(),
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

    def _cobranza_redirect(self, message=None, error=None, url="/my/statement"):
        # shown once on the next page (kept in the session, not in the URL)
        request.session["cobranza_portal_feedback"] = {"message": message, "error": error}
        return request.redirect(url)

    @staticmethod
    def _cobranza_error_text(error=None):
        """The message of a refused form: our own (translated) UserError's, else the one
        generic message for any value that is not what its field asks for."""
        if isinstance(error, UserError):
            return str(error.args[0])
        return request.env._("Some of the values you entered are not valid. Please check them and try again.")

    # ------------------------------------------------------------------ casting form values
    @staticmethod
    def _cobranza_amount(value, optional=False, zero=False):
        """A finite, positive amount below MAX_AMOUNT (zero too with `zero`); None when the
        field is empty and `optional`."""
        text = value.strip() if isinstance(value, str) else ""
        if not text:
            if optional:
                return None
            raise InvalidInput(value)
        try:
            number = float(text)
        except ValueError:
            raise InvalidInput(value) from None
        if not math.isfinite(number) or not (0 <= number < MAX_AMOUNT) or (number == 0 and not zero):
            raise InvalidInput(value)
        return number

    @staticmethod
    def _cobranza_integer(value, low, high):
        text = value.strip() if isinstance(value, str) else ""
        if not re.fullmatch(r"[0-9]{1,9}", text) or not low <= int(text) <= high:
            raise InvalidInput(value)
        return int(text)

    @staticmethod
    def _cobranza_date(value):
        """A real calendar day, as a date input sends it (YYYY-MM-DD)."""
        try:
            return datetime.strptime(value.strip(), "%Y-%m-%d").date()
        except (AttributeError, TypeError, ValueError):
            raise InvalidInput(value) from None

    @staticmethod
    def _cobranza_hour(value):
        """"14:30" -> 14.5; empty -> None (no preference)."""
        text = value.strip() if isinstance(value, str) else ""
        if not text:
            return None
        match = re.fullmatch(r"([0-9]{1,2})(?::([0-5][0-9]))?", text)
        if not match or int(match.group(1)) * 60 + int(match.group(2) or 0) > 24 * 60:
            raise InvalidInput(value)
        return int(match.group(1)) + int(match.group(2) or 0) / 60.0

    @http.route("/my/statement/promise", type="http", auth="user", methods=["POST"], website=True)
    def portal_statement_promise(self, move_ids=None, date=None, amount=None, **kw):
        moves = self._cobranza_own_moves(request.httprequest.form.getlist("move_ids"))
        partner = self._cobranza_statement_partner()
        try:
            promised = self._cobranza_date(date)
            value = self._cobranza_amount(amount, optional=True) or sum(moves.mapped("amount_residual_signed"))
            with request.env.cr.savepoint():  # a refused promise leaves nothing behind
                request.env["cobranza.promise"].sudo().create({
                    "partner_id": partner.id, "company_id": moves.company_id.id,
                    "move_ids": [Command.set(moves.ids)], "amount": value, "date": promised,
                    "channel": "other", "origin": "portal",
                })
        except (UserError, InvalidInput) as error:
            return self._cobranza_redirect(error=self._cobranza_error_text(error))
        return self._cobranza_redirect(message=request.env._(
            "Thank you: your payment promise is recorded, we will not send you reminders for these invoices until then."))

    @http.route("/my/statement/dispute", type="http", auth="user", methods=["POST"], website=True)
    def portal_statement_dispute(self, move_id=None, reason=None, description=None, attachment=None, **kw):
        move = self._cobranza_own_moves([move_id])
        reasons = dict(request.env["cobranza.dispute"]._fields["reason"].selection)
        if reason not in reasons:
            return self._cobranza_redirect(error=self._cobranza_error_text())
        if not isinstance(description, str) or not description.strip():
            return self._cobranza_redirect(error=request.env._("Choose a reason and tell us what is wrong."))
        upload = request.httprequest.files.get("attachment")
        # never more than one byte over the limit in memory: the model refuses it
        content = upload.read(MAX_DOCUMENT_SIZE + 1) if upload and upload.filename else None
        try:
            with request.env.cr.savepoint():
                dispute = request.env["cobranza.dispute"].sudo().create({
                    "move_id": move.id, "reason": reason, "description": description.strip()[:2000],
                    "origin": "portal",
                })
                if content:
                    dispute._add_customer_document(upload.filename, content)
        except UserError as error:
            return self._cobranza_redirect(error=self._cobranza_error_text(error))
        return self._cobranza_redirect(message=request.env._(
            "Thank you: we received your message about %s and will answer you shortly.", move.name))

    @http.route("/my/statement/preferences", type="http", auth="user", methods=["POST"], website=True)
    def portal_statement_preferences(self, preferred_channel=None, hour_from=None, hour_to=None, **kw):
        partner = self._cobranza_statement_partner()
        channels = dict(partner._fields["cobranza_preferred_channel"].selection)
        form = request.httprequest.form
        try:
            if preferred_channel and preferred_channel not in channels:
                raise InvalidInput(preferred_channel)
            hours = [self._cobranza_hour(value) for value in (hour_from, hour_to)]
            with request.env.cr.savepoint():
                partner.write({
                    "cobranza_preferred_channel": preferred_channel or False,
                    "cobranza_contact_hour_from": hours[0] if None not in hours else 0.0,
                    "cobranza_contact_hour_to": hours[1] if None not in hours else 0.0,
                    **{fname: bool(form.get(fname)) for fname in (
                        "cobranza_consent_email", "cobranza_consent_sms", "cobranza_consent_whatsapp",
                        "cobranza_consent_call", "cobranza_consent_statement")},
                })
        except (UserError, InvalidInput) as error:
            return self._cobranza_redirect(error=self._cobranza_error_text(error))
        return self._cobranza_redirect(message=request.env._("Your contact preferences are saved."))

    @http.route("/my/statement/plan", type="http", auth="user", methods=["POST"], website=True)
    def portal_statement_plan(self, installment_count=None, first_date=None, down_payment=None, **kw):
        """The customer asks for a payment plan of its open invoices: active at once when
        inside its segment's limits, otherwise waiting for a manager's approval."""
        partner = self._cobranza_statement_partner()
        moves = partner._cobranza_plan_offer()["moves"]
        if not moves:
            return self._cobranza_redirect(error=request.env._("There is no invoice left to include in a payment plan."))
        try:
            count = self._cobranza_integer(installment_count, 1, schedule.MAX_INSTALLMENTS)
            first = self._cobranza_date(first_date)
            down = self._cobranza_amount(down_payment, optional=True, zero=True) or 0.0
            with request.env.cr.savepoint():
                plan = request.env["cobranza.payment.plan"].sudo().create({
                    "partner_id": partner.id, "company_id": moves.company_id.id,
                    "move_ids": [Command.set(moves.ids)], "installment_count": count,
                    "frequency": "monthly", "first_date": first,
                    "down_payment": down,
                    "note": request.env._("Requested by %s from the customer portal.", request.env.user.name),
                })
                plan.action_confirm()
                plan.with_context(lang=partner.lang)._notify_customer_requested()
        except (UserError, InvalidInput) as error:
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

    @http.route("/my/cobranza/plans/<cobranza_id:plan_id>", type="http", auth="user", website=True)
    def portal_my_plan(self, plan_id, **kw):
        plan = self._cobranza_own_plan(plan_id)
        return self._cobranza_render_pay_page(request.env["cobranza.link"]._token(plan, days=1), plan)

    def _cobranza_chosen_token(self, tokens, token_id):
        """The saved payment method the form chose, one of `tokens` (the customer's own)."""
        wanted = self._cobranza_integer(token_id, 1, 2**31 - 1)
        token = tokens.filtered(lambda t: t.id == wanted)
        if not token:
            raise InvalidInput(token_id)
        return token

    def _cobranza_valid_until(self, text):
        """The month on the card the form sent (optional), as the last day it is valid."""
        try:
            return autopay.valid_until(text)
        except autopay.AutopayError:
            raise InvalidInput(text) from None

    @http.route("/my/cobranza/plans/<cobranza_id:plan_id>/autopay", type="http", auth="user", methods=["POST"],
                website=True)
    def portal_plan_autopay(self, plan_id, token_id=None, accept=None, valid_until=None, **kw):
        """A user of the customer agrees to pay the plan's installments automatically with one
        of the customer's saved payment methods (never a visitor with a signed link)."""
        plan = self._cobranza_own_plan(plan_id)
        url = f"/my/cobranza/plans/{plan.id}"
        if accept != "on":
            return self._cobranza_redirect(error=request.env._(
                "Please read the terms and tick the box to accept them."), url=url)
        try:
            token = self._cobranza_chosen_token(plan._autopay_tokens(payer=request.env.user.partner_id), token_id)
            with request.env.cr.savepoint():
                request.env["cobranza.autopay"].sudo()._grant(
                    plan, token, request.env.user, request.httprequest.remote_addr,
                    valid_until=self._cobranza_valid_until(valid_until))
        except (UserError, InvalidInput) as error:
            return self._cobranza_redirect(error=self._cobranza_error_text(error), url=url)
        return self._cobranza_redirect(message=request.env._(
            "Thank you: the installments of %s will be paid automatically on their due dates. We sent you the "
            "terms by email.", plan.name), url=url)

    @http.route("/my/cobranza/plans/<cobranza_id:plan_id>/autopay/cancel", type="http", auth="user",
                methods=["POST"], website=True)
    def portal_plan_autopay_cancel(self, plan_id, **kw):
        plan = self._cobranza_own_plan(plan_id)
        plan.autopay_id._withdraw(request.env.user)
        return self._cobranza_redirect(message=request.env._(
            "Automatic payment is stopped: you pay the next installments from this page or as you prefer."),
            url=f"/my/cobranza/plans/{plan.id}")

    @http.route("/my/statement/autopay", type="http", auth="user", methods=["POST"], website=True)
    def portal_statement_autopay(self, token_id=None, accept=None, valid_until=None, **kw):
        """A user of the customer agrees to have its invoices charged on their due dates to one
        of its saved payment methods."""
        partner = self._cobranza_statement_partner()
        if accept != "on":
            return self._cobranza_redirect(error=request.env._("Please read the terms and tick the box to accept them."))
        try:
            token = self._cobranza_chosen_token(
                partner._cobranza_autopay_tokens(request.env.company, payer=request.env.user.partner_id), token_id)
            with request.env.cr.savepoint():
                request.env["cobranza.autopay"].sudo()._grant_invoices(
                    partner, request.env.company, token, request.env.user, request.httprequest.remote_addr,
                    valid_until=self._cobranza_valid_until(valid_until))
        except (UserError, InvalidInput) as error:
            return self._cobranza_redirect(error=self._cobranza_error_text(error))
        return self._cobranza_redirect(message=request.env._(
            "Thank you: your invoices will be charged automatically on their due dates. We sent you the terms by "
            "email."))

    @http.route("/my/statement/autopay/cancel", type="http", auth="user", methods=["POST"], website=True)
    def portal_statement_autopay_cancel(self, **kw):
        partner = self._cobranza_statement_partner()
        partner._cobranza_autopay_values()["consent"]._withdraw(request.env.user)
        return self._cobranza_redirect(message=request.env._(
            "Automatic payment is stopped: you pay your invoices as you prefer."))

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
        """``(link, records, None)`` a valid token grants, else ``(None, None, a 403 page)``
        that tells the customer why (expired / not valid) without revealing anything else."""
        try:
            link, _partner, records = request.env["cobranza.link"]._resolve(token)
        except links.LinkError as error:
            message = request.env["cobranza.link"]._error_message(error.code)
            return None, None, request.render("account_cobranza.portal_cobranza_link_denied",
                                              {"message": message}, status=403)
        if model and records._name != model:
            raise NotFound()
        return link, records, None

    @http.route("/cobranza/pay/<string:token>", type="http", auth="public", website=True, sitemap=False)
    def cobranza_pay(self, token, **kw):
        link, records, denied = self._cobranza_link(token)
        if denied:
            return denied
        return self._cobranza_render_pay_page(token, records, link.expires)

    def _cobranza_render_pay_page(self, token, records, expires=None):
        """The page of a link: its invoices (or plan) and the payment form. Whatever it links
        to is signed with the same expiry: nothing on it outlives the link."""
        Link = request.env["cobranza.link"]
        customer = records.partner_id.commercial_partner_id
        logged_in = not request.env.user._is_public()
        if not logged_in and customer.lang and customer.lang != request.env.lang \
                and customer.lang in dict(request.env["res.lang"].get_installed()):
            # a visitor with the link of a message reads the page in the message's language
            request.update_context(lang=customer.lang)
        pay = Link._payment(records)
        values = self._prepare_portal_layout_values() if logged_in else {}
        values.update({
            "page_name": "cobranza_pay",
            "token": token,
            "pay": pay,
            "plan": pay["plan"],
            # in the page's language (the records were read before it was set)
            "lines": [{"move": move, "days": move._cobranza_days_overdue()}
                      for move in pay["moves"].with_context(lang=request.env.lang)],
            # invoices in another currency: each paid through its own link, expiring with this one
            "other_tokens": {move.id: Link._token(move, expires=expires) for move in pay["others"]},
            "logged_in": logged_in,
            "res_company": pay["company"] or request.env.company,  # the creditor's name and logo
            # automatic payment: only a user of the customer sets it up or sees its methods
            "autopay": pay["plan"]._autopay_portal_values() if pay["plan"] and pay["own_user"] else None,
            **(request.session.pop("cobranza_portal_feedback", None) or {}),
        })
        if pay["amount"] > 0:
            providers = pay["providers"]
            values.update({
                "amount": pay["amount"],
                "currency": pay["currency"],
                "partner_id": pay["payer"].id,
                "providers_sudo": providers,
                "payment_methods_sudo": pay["payment_methods"],
                "tokens_sudo": pay["tokens"],
                "availability_report": pay["availability"],
                # only the customer's own users may save a payment method
                "show_tokenize_input_mapping": {
                    provider_id: pay["own_user"] and show
                    for provider_id, show in self._compute_show_tokenize_input_mapping(providers).items()},
                "transaction_route": f"/cobranza/transaction/{token}",
                "landing_route": f"/cobranza/pay/{token}",
                "access_token": token,
                "payment_reference": pay["reference"],
            })
        return request.render("account_cobranza.portal_cobranza_pay", values)

    @http.route("/cobranza/pay/<string:token>/invoice/<cobranza_id:move_id>", type="http", auth="public",
                website=True, sitemap=False)
    def cobranza_pay_invoice_pdf(self, token, move_id, **kw):
        """The PDF of one invoice of a link (never Odoo's portal URL: its key never expires)."""
        _link, records, denied = self._cobranza_link(token, "account.move")
        if denied:
            return denied
        move = records.filtered(lambda m: m.id == move_id)
        if not move:
            raise NotFound()
        # Odoo's own download (the legal document, the customer's template), its key kept on the server
        return self.portal_my_invoice_detail(move.id, access_token=move._portal_ensure_token(),
                                             report_type="pdf", download=True)

    @http.route("/cobranza/transaction/<string:token>", type="json", auth="public")
    def cobranza_transaction(self, token, amount=None, provider_id=None, payment_method_id=None, token_id=None,
                             flow=None, tokenization_requested=False, landing_route=None, is_validation=False,
                             access_token=None, payment_reference=None, csrf_token=None, **kwargs):
        """Create the payment transaction of a link. The invoices, the amount, the payer and
        where the customer lands come from the server; what the browser chooses must be what
        the page offered (`cobranza.link._transaction_values`). Refusals create nothing."""
        Link = request.env["cobranza.link"]
        try:
            _link, _partner, records = Link._resolve(token)
        except links.LinkError as error:
            raise ValidationError(Link._error_message(error.code)) from None
        if kwargs:
            raise ValidationError(self._cobranza_error_text())
        values = Link._transaction_values(
            Link._payment(records), self._cast_as_float(amount), flow, self._cast_as_int(provider_id),
            self._cast_as_int(payment_method_id), self._cast_as_int(token_id), tokenization_requested)
        # never a validation (its own amount), always back to this page
        tx_sudo = self._create_transaction(landing_route=f"/cobranza/pay/{token}", is_validation=False, **values)
        return tx_sudo._get_processing_values()

    @http.route("/cobranza/pay/<string:token>/accept", type="http", auth="public", methods=["POST"], website=True)
    def cobranza_plan_accept(self, token, name=None, **kw):
        """The customer accepts the written agreement of its payment plan."""
        _link, plan, denied = self._cobranza_link(token, "cobranza.payment.plan")
        if denied:
            return denied
        who = (name.strip()[:100] if isinstance(name, str) else "") or (
            request.env.user.name if not request.env.user._is_public() else "")
        if not who:
            return self._cobranza_redirect(error=request.env._("Please write your full name to accept the agreement."),
                                           url=f"/cobranza/pay/{token}")
        try:
            plan._accept(who)
        except UserError as error:
            return self._cobranza_redirect(error=self._cobranza_error_text(error), url=f"/cobranza/pay/{token}")
        return self._cobranza_redirect(message=request.env._("Thank you: you accepted the agreement of %s.", plan.name),
                                       url=f"/cobranza/pay/{token}")

    @http.route("/cobranza/pay/<string:token>/agreement", type="http", auth="public", website=True)
    def cobranza_plan_agreement(self, token, **kw):
        _link, plan, denied = self._cobranza_link(token, "cobranza.payment.plan")
        if denied:
            return denied
        pdf, _type = request.env["ir.actions.report"].sudo()._render_qweb_pdf(
            "account_cobranza.action_report_cobranza_plan", plan.ids)
        return self._cobranza_pdf_response(pdf, f"{plan.name}.pdf")
