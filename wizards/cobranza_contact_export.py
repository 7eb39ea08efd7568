import csv
import io

import xlsxwriter

from odoo import _, fields, models
from odoo.exceptions import UserError

COLUMNS = ["date", "partner_id", "channel", "state", "level_id", "move_ids", "amount_due", "outcome",
           "author_id", "run_id", "note", "override_by_id", "override_reason", "company_id"]


class CobranzaContactExport(models.TransientModel):
    """Export the contact log of a customer and period (for a regulator or a dispute)."""

    _name = "cobranza.contact.export"
    _description = "Export Collection Contacts"

    partner_id = fields.Many2one("res.partner", string="Customer", help="Empty: every customer.")
    date_from = fields.Date(required=True, default=lambda self: fields.Date.context_today(self).replace(month=1, day=1))
    date_to = fields.Date(required=True, default=fields.Date.context_today)
    file_format = fields.Selection([("xlsx", "Excel (XLSX)"), ("csv", "CSV")], default="xlsx", required=True)

    def _contacts(self):
        if self.date_from > self.date_to:
            raise UserError(_("The period ends before it starts."))
        domain = [("date", ">=", self.date_from), ("date", "<", fields.Date.add(self.date_to, days=1))]
        if self.partner_id:
            domain.append(("partner_id", "=", self.partner_id.commercial_partner_id.id))
        return self.env["cobranza.contact"].search(domain, order="date, id")

    def _rows(self, contacts):
        Contact = self.env["cobranza.contact"]
        header = [Contact._fields[name].get_description(self.env)["string"] for name in COLUMNS]
        selections = {name: dict(Contact._fields[name]._description_selection(self.env))
                      for name in ("channel", "state", "outcome")}
        rows = []
        for contact in contacts:
            row = []
            for name in COLUMNS:
                value = contact[name]
                if name in selections:
                    value = selections[name].get(value, "")
                elif name == "date":
                    value = fields.Datetime.to_string(value)
                elif name == "move_ids":
                    value = ", ".join(value.mapped("name"))
                elif isinstance(value, models.BaseModel):
                    value = value.display_name or ""
                row.append(value if value is not False else "")
            rows.append(row)
        return header, rows

    def action_export(self):
        self.ensure_one()
        header, rows = self._rows(self._contacts())
        buffer = io.BytesIO()
        if self.file_format == "csv":
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow(header)
            writer.writerows(rows)
            buffer.write(text.getvalue().encode("utf-8-sig"))
        else:
            workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
            sheet = workbook.add_worksheet(_("Contacts"))
            bold = workbook.add_format({"bold": True})
            sheet.write_row(0, 0, header, bold)
            for index, row in enumerate(rows, start=1):
                sheet.write_row(index, 0, row)
            workbook.close()
        name = _("collection-contacts-%(start)s-%(end)s.%(ext)s", start=self.date_from, end=self.date_to,
                 ext=self.file_format)
        attachment = self.env["ir.attachment"].create({
            "name": name, "raw": buffer.getvalue(), "res_model": self._name, "res_id": self.id,
            "mimetype": "text/csv" if self.file_format == "csv" else
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        })
        return {"type": "ir.actions.act_url", "url": f"/web/content/{attachment.id}?download=true", "target": "self"}
