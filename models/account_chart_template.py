from odoo import api, models

# Countries whose value-added tax also falls on late-payment interest and financing charged
# to the customer: Chile (DL 825 art. 15 N°1, "incluyendo los intereses moratorios"),
# Argentina (Ley de IVA art. 10: interest on late payment is part of the taxed price) and
# Mexico (LIVA art. 18: interest on late payment is part of the value of the act). In
# Colombia and Peru late-payment interest bears no VAT/IGV.
FEE_TAXED_COUNTRIES = {"AR", "CL", "MX"}


class AccountChartTemplate(models.AbstractModel):
    _inherit = "account.chart.template"

    # ------------------------------------------------------------------ CRUD
    def _post_load_data(self, template_code, company, template_data):
        """Extends the chart's loading: the collection fee products get the company's sale tax
        where the country taxes late-payment interest (editable per company on the product)."""
        result = super()._post_load_data(template_code, company, template_data)
        self._cobranza_set_fee_taxes(company)
        return result

    # ------------------------------------------------------------------ business methods
    @api.model
    def _cobranza_set_fee_taxes(self, companies=None):
        """Give the late fee and financing fee products the sale tax of each of `companies`
        (all of them: at the module's installation) whose country taxes late-payment interest
        (FEE_TAXED_COUNTRIES)."""
        companies = companies or self.env["res.company"].sudo().search([])
        products = self.env.ref("account_cobranza.product_late_fee", raise_if_not_found=False) \
            | self.env.ref("account_cobranza.product_financing_fee", raise_if_not_found=False)
        taxes = companies.filtered(
            lambda c: c.account_fiscal_country_id.code in FEE_TAXED_COUNTRIES).account_sale_tax_id
        if products and taxes:
            products.sudo().write({"taxes_id": [(4, tax.id) for tax in taxes]})
