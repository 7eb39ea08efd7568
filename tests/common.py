from odoo import Command, fields
from odoo.tests import new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class CobranzaCase(AccountTestInvoicingCommon):
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
    def _invoice(cls, partner=None, amount=1000.0, due=None, invoice_date=None, post=True,
                 currency=None, company=None, **values):
        """A customer invoice of `amount` (no taxes) due on `due`."""
        invoice_date = fields.Date.to_date(invoice_date or due or fields.Date.context_today(cls.env.user))
        company = company or cls.company
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
    def _cobranza_spanish(cls):
        """Activate Latin-American Spanish and load this module's translations (i18n/es.po)."""
        cls.env["res.lang"]._activate_lang("es_419")
        cls.env["ir.module.module"]._load_module_terms(["account_cobranza"], ["es_419"], overwrite=True)
