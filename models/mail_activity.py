from odoo import api, fields, models


def invoices_note(env, moves):
    """The default note of a collection task: the invoices it is about, in `env`'s language."""
    return env._("Invoices: %s", ", ".join(moves.mapped("name")))


class MailActivity(models.Model):
    """Collection tasks: the one way the module gives a person a task (``_cobranza_create``),
    written in that person's language."""

    _inherit = "mail.activity"

    # ------------------------------------------------------------------ CRUD
    def _action_done(self, feedback=False, attachment_ids=None):
        """EXTENDS mail: a collector task marked done from the chatter completes its planned
        contact."""
        contacts = self.env["cobranza.contact"].sudo().search([
            ("activity_id", "in", self.ids), ("state", "=", "planned"),
        ])
        contacts._mark_done_by(self.env.user, note=feedback or False)
        return super()._action_done(feedback=feedback, attachment_ids=attachment_ids)

    def unlink(self):
        """EXTENDS mail: the contacts of tasks deleted (done or cancelled) lose them through the
        ORM rather than the database's ``ON DELETE SET NULL``: their write date tells the day's
        next run that the customer has no open task any more (``cobranza.run._changed_customers``)."""
        self.env["cobranza.contact"].sudo().search([("activity_id", "in", self.ids)]).activity_id = False
        return super().unlink()

    # ------------------------------------------------------------------ business methods
    @api.model
    def _cobranza_create(self, tasks, notify=False):
        """Create collection tasks at once; returns them in order. `tasks`: dicts with
        ``record`` (the record the task is on), ``user`` (who answers for it:
        ``res.users._cobranza_task_user``), ``activity_type`` (an xmlid or a record),
        ``deadline`` (today by default) and ``compose``: a function of the record *in the
        language of that user* returning ``(summary, note)``, so that what the task says (its
        sentences, the names of levels and policies it quotes) reads in the language of the
        person who reads it, whoever triggered it (the cron's user, a customer in the portal).
        Their people find them in their activities and worklists; with `notify` (a task that
        is rare and waits for them: a dispute, a plan to approve) they also get Odoo's email
        of a new activity, else none (a backlog day would flood them)."""
        vals_list = []
        for task in tasks:
            record, user = task["record"], task["user"]
            activity_type = task.get("activity_type") or "mail.mail_activity_data_todo"
            if isinstance(activity_type, str):  # no query per task (``env.ref`` has one)
                activity_type = self.env["mail.activity.type"].browse(
                    self.env["ir.model.data"]._xmlid_to_res_id(activity_type))
            summary, note = task["compose"](record.with_context(lang=user.lang or self.env.lang))
            vals_list.append({
                "res_model_id": self.env["ir.model"]._get_id(record._name), "res_id": record.id,
                "activity_type_id": activity_type.id, "summary": summary, "note": note or False,
                "user_id": user.id, "date_deadline": task.get("deadline") or fields.Date.context_today(self),
            })
        return self.sudo().with_context(mail_activity_quick_update=not notify).create(vals_list)
