from odoo import Command, api, models

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
        """The late fee and financing fee products carry the sale tax of each of `companies`
        (all of them: at the module's installation and upgrade) whose country taxes late-payment
        interest (FEE_TAXED_COUNTRIES), and no tax of the others (Odoo's own chart loading gives
        a new company's sale tax to products that have another company's tax)."""
        companies = companies or self.env["res.company"].sudo().search([])
        products = self.env["product.product"].sudo().browse([
            product.id for xmlid in ("account_cobranza.product_late_fee", "account_cobranza.product_financing_fee")
            if (product := self.env.ref(xmlid, raise_if_not_found=False))])
        if not products:
            return
        commands = []
        for company in companies:
            if company.account_fiscal_country_id.code in FEE_TAXED_COUNTRIES:
                commands += [Command.link(tax.id) for tax in company.account_sale_tax_id]
            else:
                commands += [Command.unlink(tax.id) for tax in products.taxes_id if tax.company_id == company]
        if commands:
            products.write({"taxes_id": commands})
