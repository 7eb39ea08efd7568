from contextlib import nullcontext
from datetime import timedelta

from freezegun import freeze_time

from odoo import Command, fields, http
from odoo.tests import HttpCase, new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class FakeResponse:
    """An answer of a paid HTTP API (WhatsApp Cloud API), faked at its boundary."""

    def __init__(self, status, payload):
        self.status_code, self._payload, self.text = status, payload, str(payload)

    def json(self):
        return self._payload


class CobranzaHelpers:
    """Invoices and payments for any test base (transaction, portal, tours): defined once."""

    @classmethod
    def _invoice(cls, partner=None, amount=1000.0, due=None, invoice_date=None, post=True,
                 currency=None, company=None, **values):
        """A customer invoice of `amount` (no taxes) due on `due`."""
        invoice_date = fields.Date.to_date(invoice_date or due or fields.Date.context_today(cls.env.user))
        company = company or getattr(cls, "company", None) or cls.env.company
        move = cls.env["account.move"].with_company(company).create(
            {
                "move_type": "out_invoice",
                "partner_id": (partner or cls.customer).id,
                "invoice_date": invoice_date,
                "invoice_date_due": fields.Date.to_date(due) if due else invoice_date,
                "currency_id": (currency or company.currency_id).id,
                "invoice_line_ids": [
                    Command.create({"name": "Servicio", "quantity": 1, "price_unit": amount, "tax_ids": []})
                ],
                **values,
            }
        )
        if post:
            move.action_post()
        return move

    @classmethod
    def _pay(cls, invoice, amount=None, day=None):
        """Register a payment of `amount` (everything due by default) on `invoice`, on `day`."""
        return cls.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids,
        ).create({
            "amount": amount or invoice.amount_residual,
            "payment_date": day or fields.Date.context_today(cls.env.user),
        })._create_payments()

    def _tour_collector(self, login, name):
        """A collector of the current company who can log in (the tours' user)."""
        return new_test_user(
            self.env, login=login, name=name,
            groups="base.group_user,account.group_account_invoice,account_cobranza.group_cobranza_user",
            company_id=self.env.company.id,
        )

    def _run(self, day=None, moment=None, companies=None, frozen=False):
        """The collections run of `day` (today) for `companies` (the test's company), as the
        cron makes it; the clock stopped at `moment`, or at the start of `day` when `frozen`."""
        day = day or fields.Date.context_today(self.env.user)
        moment = moment or (day if frozen else None)
        with freeze_time(moment) if moment else nullcontext():
            return self.env["cobranza.run"].run_for_date(day, companies or self.company)

    def _contacts(self, partner=None, order="id", domain=(), **values):
        """The contacts with `partner` (partners; the test's customer by default) matching
        `domain` and whose fields have `values`."""
        return self.env["cobranza.contact"].search([
            ("partner_id", "in", (partner or self.customer).ids), *domain,
            *[(k, "=", v) for k, v in values.items()]], order=order)

    @classmethod
    def _demo_provider(cls, company):
        """Odoo's demo payment provider (``payment_demo``) in test mode for `company`, which
        saves payment methods (tokens) and charges them."""
        provider = cls.env.ref("payment.payment_provider_demo").sudo()
        if provider.company_id != company:
            provider = provider.copy({"company_id": company.id, "name": f"Demo {company.name}"})
        provider.write({"state": "test", "allow_tokenization": True, "is_published": True})
        provider.journal_id  # noqa: B018 - its payment method line, as its form creates it
        return provider

    @classmethod
    def _saved_card(cls, partner, provider, state="done", digits="4242"):
        """A payment method `partner` saved with the demo `provider`; its charges end in
        `state` (the demo's simulated state: done, pending, error, cancel)."""
        return cls.env["payment.token"].sudo().create({
            "provider_id": provider.id, "payment_method_id": cls.env.ref("payment_demo.payment_method_demo").id,
            "partner_id": partner.id, "payment_details": digits, "provider_ref": f"demo-{partner.id}-{digits}",
            "demo_simulated_state": state,
        })

    @classmethod
    def _unmatched_payment(cls, partner, amount, currency=None, day=None):
        """A payment of `partner` received in the bank and posted, but matched to no invoice."""
        payment = cls.env["account.payment"].create({
            "payment_type": "inbound", "partner_type": "customer", "partner_id": partner.id,
            "amount": amount, "date": day or fields.Date.context_today(cls.env.user),
            "currency_id": (currency or cls.env.company.currency_id).id,
            "journal_id": cls.company_data["default_journal_bank"].id,
        })
        payment.action_post()
        return payment

    @classmethod
    def _credit_note(cls, invoice, amount, day):
        """A credit note of `amount` dated `day`, applied to `invoice`."""
        refund = cls._invoice(partner=invoice.partner_id, amount=amount, due=day, invoice_date=day,
                              move_type="out_refund", company=invoice.company_id)
        (refund | invoice).line_ids.filtered(lambda l: l.account_id.account_type == "asset_receivable").reconcile()
        return refund


class CobranzaCase(CobranzaHelpers, AccountTestInvoicingCommon):
    """Accounting test company plus collections users and quick invoice helpers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.default_policy = cls.env.ref("account_cobranza.cobranza_policy_default")
        cls.company.cobranza_policy_id = cls.default_policy
        cls.collector = cls._cobranza_user("collector", "account_cobranza.group_cobranza_user")
        cls.manager = cls._cobranza_user("colmanager", "account_cobranza.group_cobranza_manager")
        cls.customer = cls.env["res.partner"].create(
            {"name": "Cliente Uno SpA", "email": "pagos@cliente-uno.example.com", "is_company": True}
        )

    @classmethod
    def _cobranza_user(cls, login, *groups, company=None):
        company = company or cls.company
        return new_test_user(
            cls.env,
            login=login,
            name=login.capitalize(),
            email=f"{login}@example.com",
            groups=",".join(("base.group_user", "account.group_account_invoice") + groups),
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )

    @classmethod
    def _cobranza_spanish(cls):
        """Activate Latin-American Spanish and load this module's translations (i18n/es.po)."""
        cls.env["res.lang"]._activate_lang("es_419")
        cls.env["ir.module.module"]._load_module_terms(["account_cobranza"], ["es_419"], overwrite=True)


# A customer each localization accepts on its documents (valid tax ids, taxpayer types).
LATAM_CUSTOMERS = {
    "CL": lambda env: {"l10n_latam_identification_type_id": env.ref("l10n_cl.it_RUT").id, "vat": "76201224-3",
                       "l10n_cl_sii_taxpayer_type": "1", "l10n_cl_activity_description": "Comercio"},
    "AR": lambda env: {"l10n_latam_identification_type_id": env.ref("l10n_ar.it_cuit").id, "vat": "30714295698",
                       "l10n_ar_afip_responsibility_type_id": env.ref("l10n_ar.res_IVARI").id},
    "PE": lambda env: {"l10n_latam_identification_type_id": env.ref("l10n_pe.it_RUC").id, "vat": "20557912879"},
}
# The company's own: a Chilean company subject to IVA, an Argentine Responsable Inscripto.
LATAM_COMPANIES = {
    "CL": lambda env: {"l10n_latam_identification_type_id": env.ref("l10n_cl.it_RUT").id, "vat": "76086428-5",
                       "l10n_cl_sii_taxpayer_type": "1"},
    "AR": lambda env: {"l10n_latam_identification_type_id": env.ref("l10n_ar.it_cuit").id, "vat": "30111111118",
                       "l10n_ar_afip_responsibility_type_id": env.ref("l10n_ar.res_IVARI").id},
}


class CobranzaLatamCase(CobranzaCase):
    """A company on a Latin-American chart of Odoo's localizations (`country` of the class:
    Odoo's `setup_country` decorator), its customer with the local tax data its documents
    need. Only in the localization suite (tag ``cobranza_l10n``: l10n_cl, l10n_ar, l10n_co,
    l10n_pe and l10n_mx installed)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        code = cls.company.account_fiscal_country_id.code
        cls.customer.write({"country_id": cls.company.account_fiscal_country_id.id, "lang": "es_419",
                            **LATAM_CUSTOMERS.get(code, lambda env: {})(cls.env)})
        cls.company.partner_id.write(LATAM_COMPANIES.get(code, lambda env: {})(cls.env))
        if code == "AR":  # a point of sale of pre-printed invoices, first among the sale journals
            cls.company.write({"l10n_ar_afip_start_date": cls.company.create_date.date().replace(month=1, day=1)})
            cls.env["account.journal"].create({
                "name": "Ventas (punto de venta 1)", "type": "sale", "code": "PV1", "sequence": 0,
                "company_id": cls.company.id, "l10n_latam_use_documents": True, "l10n_ar_afip_pos_number": 1,
                "l10n_ar_afip_pos_system": "II_IM", "l10n_ar_afip_pos_partner_id": cls.company.partner_id.id,
                "default_account_id": cls.company_data["default_journal_sale"].default_account_id.id})
        cls._cobranza_spanish()

    @classmethod
    def _invoice(cls, partner=None, amount=1000.0, due=None, invoice_date=None, post=True, currency=None,
                 company=None, **values):
        """Where the localization wants a VAT on every line (Argentina), the sale tax."""
        company = company or cls.company
        if company.account_fiscal_country_id.code == "AR" and "invoice_line_ids" not in values:
            values["invoice_line_ids"] = [Command.create({
                "name": "Servicio", "quantity": 1, "price_unit": amount,
                "tax_ids": [Command.set(company.account_sale_tax_id.ids)]})]
        return super()._invoice(partner=partner, amount=amount, due=due, invoice_date=invoice_date, post=post,
                                currency=currency, company=company, **values)


class PortalCase(CobranzaHelpers, HttpCase):
    """A company customer whose treasurer has a portal login, and a stranger."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create({"name": "Cliente Portal SpA", "is_company": True,
                                                      "email": "portal@cliente.example.com"})
        cls.contact = cls.env["res.partner"].create({"name": "Tesorera", "parent_id": cls.customer.id,
                                                     "email": "tesorera@cliente.example.com"})
        cls.portal_user = new_test_user(cls.env, login="cliente_portal", groups="base.group_portal",
                                        partner_id=cls.contact.id)
        cls.stranger = cls.env["res.partner"].create({"name": "Otro Cliente"})
        cls.overdue = cls._overdue_invoice(cls.customer, 700.0, 45)
        cls.not_due = cls._overdue_invoice(cls.customer, 300.0, -10)
        cls.other = cls._overdue_invoice(cls.stranger, 999.0, 10)
        cls.provider = cls.env.ref("payment.payment_provider_demo")
        cls.provider.write({"state": "test", "is_published": True})

    @classmethod
    def _overdue_invoice(cls, partner, amount, days_overdue):
        """An invoice of `partner` issued a month before its due date, `days_overdue` ago."""
        due = fields.Date.today() - timedelta(days=days_overdue)
        return cls._invoice(partner=partner, amount=amount, due=due, invoice_date=due - timedelta(days=30))

    @classmethod
    def _foreign_currency_invoice(cls, amount):
        """An invoice of the customer due today in a currency that is not the company's."""
        usd = cls.env.ref("base.USD")
        currency = usd if cls.env.company.currency_id != usd else cls.env.ref("base.EUR")
        currency.active = True
        return cls._invoice(partner=cls.customer, amount=amount, currency=currency)

    def _post(self, url, data, files=None):
        return self.url_open(url, data={**data, "csrf_token": http.Request.csrf_token(self)}, files=files,
                             allow_redirects=False)

    def _token(self, records, **kw):
        return self.env["cobranza.link"]._token(records, **kw)

    def _transaction(self, token, amount, **values):
        """The payment form's call to create the transaction of a link (demo provider)."""
        return self.make_jsonrpc_request(f"/cobranza/transaction/{token}", {
            "provider_id": self.provider.id, "payment_method_id": self.env.ref("payment_demo.payment_method_demo").id,
            "token_id": None, "amount": amount, "flow": "direct", "tokenization_requested": False,
            "landing_route": "https://evil.example.com", "is_validation": False, "access_token": token,
            **values,
        })

    def _pay_with_demo(self, token, amount, **values):
        values = self._transaction(token, amount, **values)
        self.make_jsonrpc_request("/payment/demo/simulate_payment", {
            "reference": values["reference"], "payment_details": "4242", "simulated_state": "done"})
        tx = self.env["payment.transaction"].search([("reference", "=", values["reference"])])
        tx._post_process()
        return tx

    def _active_plan(self):
        plan = self.env["cobranza.payment.plan"].create({
            "partner_id": self.customer.id, "move_ids": [Command.set((self.overdue | self.not_due).ids)],
            "installment_count": 3, "first_date": fields.Date.today() + timedelta(days=5)})
        plan.action_confirm()
        self.assertEqual(plan.state, "active")
        return plan
