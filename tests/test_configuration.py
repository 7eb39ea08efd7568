from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from ..engine import channels, ladder, rules, schedule
from .common import CobranzaCase

EMAIL_TEMPLATES = [
    "account_cobranza.mail_template_cobranza_pre_due",
    "account_cobranza.mail_template_cobranza_due_today",
    "account_cobranza.mail_template_cobranza_overdue_firm",
    "account_cobranza.mail_template_cobranza_late_fee",
    "account_cobranza.mail_template_cobranza_pre_legal",
    "account_cobranza.mail_template_cobranza_legal",
]


@tagged("post_install", "-at_install")
class TestCodes(CobranzaCase):
    """The codes the engine decides with are the values of the fields that store them."""

    def test_engine_codes_are_the_selection_values(self):
        def codes(model, fname):
            return [value for value, _label in self.env[model]._fields[fname].selection]

        self.assertEqual(codes("account.move", "cobranza_stage"), list(ladder.STAGES))
        self.assertEqual(codes("account.move", "cobranza_exclusion"), list(ladder.EXCLUSIONS))
        self.assertEqual(codes("cobranza.contact", "channel_reason"), list(channels.REASONS))
        self.assertEqual(codes("cobranza.contact", "channel"), list(channels.CHANNELS))
        self.assertEqual(codes("cobranza.contact", "action"), list(channels.ACTIONS))
        self.assertEqual(codes("cobranza.contact", "delivery_status"), list(channels.DELIVERY_STATUSES))
        self.assertEqual(codes("cobranza.contact", "defer_reason"), list(rules.DEFER_REASONS))
        self.assertEqual(codes("res.partner", "cobranza_exclusion"), list(ladder.CUSTOMER_EXCLUSIONS))
        Run = self.env["cobranza.run"]
        for skip in ladder.SKIPS + ("busy",):
            self.assertNotEqual(Run._skip_label(skip), skip, f"the run's log names the skip {skip}")
        Contact = self.env["cobranza.contact"]
        for reason in ladder.RECHECKS:
            self.assertTrue(Contact._recheck_note(reason, fields.Date.today()))
        self.assertEqual(codes("cobranza.policy.level", "channel_mode"), list(channels.MODES))
        self.assertEqual(codes("cobranza.policy", "promise_minimum"), list(schedule.PROMISE_MINIMUMS))
        self.assertEqual(codes("cobranza.payment.plan", "frequency"), list(schedule.FREQUENCIES))
        payment_states = set(codes("account.move", "payment_state"))
        for states in (ladder.OPEN_PAYMENT_STATES, ladder.PAYABLE_PAYMENT_STATES, ladder.ACTIONABLE_PAYMENT_STATES,
                       ladder.SETTLED_PAYMENT_STATES):
            self.assertLessEqual(set(states), payment_states)


@tagged("post_install", "-at_install")
class TestDefaultData(CobranzaCase):
    def test_default_policy_ladder(self):
        levels = self.default_policy.level_ids
        self.assertEqual(levels.mapped("offset_days"), [-3, 0, 1, 7, 15, 30, 60, 90])
        self.assertEqual(levels.mapped("sequence"), list(range(1, 9)))
        level = {lvl.offset_days: lvl for lvl in levels}
        self.assertEqual(
            [lvl.tone for lvl in levels],
            ["friendly", "friendly", "neutral", "neutral", "firm", "firm", "final", "final"],
        )
        self.assertTrue(all(lvl.automatic for lvl in levels))
        for days in (-3, 0, 15, 30, 60, 90):
            self.assertTrue(level[days].send_email and level[days].mail_template_id, days)
            self.assertEqual(level[days].mail_template_id.model, "res.partner")
        self.assertTrue(level[1].send_sms)
        self.assertEqual(level[1].sms_template_id, self.env.ref("account_cobranza.sms_template_cobranza_overdue"))
        self.assertTrue(level[7].create_activity)
        self.assertEqual(level[7].activity_type_id, self.env.ref("mail.mail_activity_data_call"))
        self.assertTrue(level[15].send_letter and level[60].send_letter)
        self.assertTrue(level[90].legal_handoff)
        self.assertEqual(level[30].mail_template_id, self.env.ref(EMAIL_TEMPLATES[3]))
        self.assertEqual(self.env.ref("base.main_company").cobranza_policy_id, self.default_policy)

    def test_new_company_gets_the_default_policy(self):
        company = self.env["res.company"].create({"name": "Nueva Empresa Ltda."})
        self.assertEqual(company.cobranza_policy_id, self.default_policy)

    def test_segments_in_english_and_spanish(self):
        xmlids = ["new", "punctual", "occasional", "delinquent", "high_risk"]
        segments = [self.env.ref(f"account_cobranza.cobranza_segment_{x}") for x in xmlids]
        self.assertEqual(
            [s.name for s in segments], ["New", "Punctual", "Occasional", "Delinquent", "High risk"]
        )
        self._cobranza_spanish()
        self.assertEqual(
            [s.with_context(lang="es_419").name for s in segments],
            ["Nuevo", "Puntual", "Ocasional", "Moroso", "Alto riesgo"],
        )

    def test_templates_render_in_english_and_spanish(self):
        today = self.env.cr.now().date()
        invoice = self._invoice(amount=1234.5, due=today)
        other = self._invoice(partner=self.partner_a, amount=99.0, due=today)
        self._cobranza_spanish()
        for xmlid in EMAIL_TEMPLATES:
            template = self.env.ref(xmlid)
            for lang, words in (("en_US", ("Dear", "Total due", "Review and pay online")),
                                ("es_419", ("Estimado", "Total adeudado", "Revisar y pagar en línea"))):
                self.customer.lang = lang
                body = template._render_field("body_html", self.customer.ids, compute_lang=True)[self.customer.id]
                subject = template._render_field("subject", self.customer.ids, compute_lang=True)[self.customer.id]
                for word in words:
                    self.assertIn(word, body, f"{xmlid} in {lang}")
                self.assertIn(invoice.name, body)
                self.assertNotIn(other.name, body, "only this customer's invoices are listed")
                self.assertIn(f"/cobranza/pay/m.{self.customer.id}.", body, "a signed link to these invoices")
                self.assertIn(self.company.name, subject)
        sms = self.env.ref("account_cobranza.sms_template_cobranza_overdue")
        self.customer.lang = "es_419"
        text = sms._render_field("body", self.customer.ids, compute_lang=True)[self.customer.id]
        self.assertIn("venció ayer", text)
        self.assertRegex(text, rf"/cobranza/pay/m\.{self.customer.id}\.{invoice.id}\.\d+\.[0-9a-f]+ ")

    def test_template_lists_the_invoices_given_in_context(self):
        today = self.env.cr.now().date()
        first, second = self._invoice(amount=100.0, due=today), self._invoice(amount=200.0, due=today)
        template = self.env.ref(EMAIL_TEMPLATES[1]).with_context(cobranza_move_ids={self.customer.id: second.ids})
        body = template._render_field("body_html", self.customer.ids)[self.customer.id]
        self.assertIn(second.name, body)
        self.assertNotIn(first.name, body)


@tagged("post_install", "-at_install")
class TestValidation(CobranzaCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy = cls.env["cobranza.policy"].create({"name": "Test policy", "company_id": cls.company.id})

    def _level(self, **values):
        return self.env["cobranza.policy.level"].create(
            {"policy_id": self.policy.id, "name": "Step", "offset_days": 5, **values}
        )

    def test_channel_needs_its_template(self):
        for values in ({"send_email": True}, {"send_sms": True}, {"create_activity": True}):
            with self.assertRaises(ValidationError, msg=str(values)):
                self._level(**values)
        self.assertFalse(self.policy.level_ids, "nothing half-created")
        level = self._level(send_email=True, mail_template_id=self.env.ref(EMAIL_TEMPLATES[0]).id)
        with self.assertRaises(ValidationError):
            level.mail_template_id = False

    def test_fee_validation(self):
        for values in (
            {"charge_fee": True, "fee_type": "fixed", "fee_fixed_amount": -5.0},
            {"charge_fee": True, "fee_type": "fixed", "fee_fixed_amount": 5.0, "fee_max_amount": -1.0},
            {"charge_fee": True, "fee_type": "percentage", "fee_percentage": 100.5},
            {"charge_fee": True, "fee_type": "percentage", "fee_percentage": -2.0},
            {"fee_percentage": 150.0},
            {"charge_fee": True, "fee_type": "fixed", "fee_fixed_amount": 0.0},
        ):
            with self.assertRaises(ValidationError, msg=str(values)):
                self._level(**values)
        level = self._level(charge_fee=True, fee_type="percentage", fee_percentage=100.0, fee_max_amount=50.0)
        self.assertEqual(level.fee_percentage, 100.0)

    def test_offset_unique_per_policy(self):
        self._level(offset_days=3)
        with self.assertRaises(ValidationError):
            self._level(offset_days=3, name="Same day")
        other = self.env["cobranza.policy"].create({"name": "Other"})
        self.env["cobranza.policy.level"].create({"policy_id": other.id, "name": "Ok", "offset_days": 3})

    def test_levels_follow_their_offset(self):
        for days in (30, -2, 10, 0):
            self._level(offset_days=days, name=f"D{days}")
        self.policy.invalidate_recordset(["level_ids"])
        self.assertEqual(self.policy.level_ids.mapped("offset_days"), [-2, 0, 10, 30])
        self.assertEqual(self.policy.level_ids.mapped("sequence"), [1, 2, 3, 4])
        self.policy.level_ids.filtered(lambda lvl: lvl.offset_days == 30).offset_days = -10
        self.assertEqual(self.policy.level_ids.sorted("sequence").mapped("offset_days"), [-10, -2, 0, 10])

    def test_negative_settings(self):
        with self.assertRaises(ValidationError):
            self.policy.min_days_between_contacts = -1
        with self.assertRaises(ValidationError):
            self.policy.tolerance_amount = -10.0

    def test_policy_of_another_company(self):
        other_company = self.setup_other_company()["company"]
        foreign = self.env["cobranza.policy"].create({"name": "Foreign", "company_id": other_company.id})
        with self.assertRaises(ValidationError):
            self.company.cobranza_policy_id = foreign
        with self.assertRaises(UserError):
            self.env["cobranza.segment"].create(
                {"name": "Seg", "company_id": self.company.id, "policy_id": foreign.id}
            )
        with self.assertRaises(UserError):
            self._invoice(amount=10.0, post=False, cobranza_policy_id=foreign.id)
        with self.assertRaises(ValidationError):
            self.env["res.partner"].create(
                {"name": "Local", "company_id": self.company.id, "cobranza_policy_id": foreign.id}
            )
        self.company.cobranza_policy_id = self.policy
        with self.assertRaises(ValidationError):
            self.policy.company_id = other_company


@tagged("post_install", "-at_install")
class TestPartnerAndResolution(CobranzaCase):
    def test_collection_fields_are_shared_with_contacts(self):
        segment = self.env.ref("account_cobranza.cobranza_segment_delinquent")
        contact = self.env["res.partner"].create({"name": "Contadora", "parent_id": self.customer.id})
        self.customer.write({
            "cobranza_segment_id": segment.id,
            "cobranza_collector_id": self.collector.id,
            "cobranza_no_chase": True,
            "cobranza_no_chase_reason": "Convenio anual",
        })
        self.assertEqual(contact.cobranza_segment_id, segment)
        self.assertEqual(contact.cobranza_collector_id, self.collector)
        self.assertTrue(contact.cobranza_no_chase)
        self.assertEqual(contact.cobranza_no_chase_reason, "Convenio anual")

    def test_policy_resolution_order(self):
        Policy = self.env["cobranza.policy"]
        segment_policy, partner_policy, invoice_policy, company_policy = (
            Policy.create({"name": name}) for name in ("Segment", "Partner", "Invoice", "Company")
        )
        segment = self.env["cobranza.segment"].create({"name": "S", "policy_id": segment_policy.id})
        invoice = self._invoice(amount=10.0)
        self.company.cobranza_policy_id = company_policy
        self.assertEqual(invoice._cobranza_resolve_policy()[invoice], company_policy)
        self.customer.cobranza_segment_id = segment
        self.assertEqual(invoice._cobranza_resolve_policy()[invoice], segment_policy)
        self.customer.cobranza_policy_id = partner_policy
        self.assertEqual(invoice._cobranza_resolve_policy()[invoice], partner_policy)
        invoice.cobranza_policy_id = invoice_policy
        self.assertEqual(invoice._cobranza_resolve_policy()[invoice], invoice_policy)
        invoice_policy.active = False
        self.assertEqual(invoice._cobranza_resolve_policy()[invoice], partner_policy, "archived: skipped")

    def test_settings_set_the_company_default_policy(self):
        policy = self.env["cobranza.policy"].create({"name": "From settings", "company_id": self.company.id})
        with Form(self.env["res.config.settings"]) as settings:
            settings.cobranza_policy_id = policy
        self.assertEqual(self.company.cobranza_policy_id, policy)


@tagged("post_install", "-at_install")
class TestAccessRights(CobranzaCase):
    def test_groups(self):
        user_group = self.env.ref("account_cobranza.group_cobranza_user")
        manager_group = self.env.ref("account_cobranza.group_cobranza_manager")
        self.assertIn(user_group, manager_group.implied_ids)
        accountant = new_test_user(self.env, login="acc", groups="account.group_account_user")
        admin = new_test_user(self.env, login="billadmin", groups="account.group_account_manager")
        self.assertTrue(accountant.has_group("account_cobranza.group_cobranza_user"))
        self.assertTrue(admin.has_group("account_cobranza.group_cobranza_manager"))
        self.assertTrue(self.manager.has_group("account_cobranza.group_cobranza_user"))

    def test_collector_reads_configuration_only(self):
        policy = self.default_policy.with_user(self.collector)
        self.assertTrue(policy.level_ids.mapped("name"))
        self.assertTrue(self.env["cobranza.segment"].with_user(self.collector).search_count([]) >= 5)
        with self.assertRaises(AccessError):
            policy.write({"name": "Changed"})
        with self.assertRaises(AccessError):
            self.env["cobranza.policy.level"].with_user(self.collector).create(
                {"policy_id": self.default_policy.id, "name": "X", "offset_days": 200}
            )
        with self.assertRaises(AccessError):
            self.env["cobranza.segment"].with_user(self.collector).create({"name": "X"})

    def test_manager_configures(self):
        with Form(self.env["cobranza.policy"].with_user(self.manager)) as form:
            form.name = "Gerencia"
            with form.level_ids.new() as level:
                level.name = "Aviso"
                level.offset_days = -2
                level.send_email = True
                level.mail_template_id = self.env.ref(EMAIL_TEMPLATES[0])
            with form.level_ids.new() as level:
                level.name = "Llamada"
                level.offset_days = 5
                level.create_activity = True
                level.activity_type_id = self.env.ref("mail.mail_activity_data_call")
        policy = form.record
        self.assertEqual(policy.company_id, self.company)
        self.assertEqual(policy.level_ids.mapped("offset_days"), [-2, 5])
        self.env["cobranza.segment"].with_user(self.manager).create({"name": "VIP", "policy_id": policy.id})
        policy.with_user(self.manager).unlink()
        self.assertFalse(policy.exists())

    def test_portal_user_sees_nothing(self):
        portal = new_test_user(self.env, login="portal_cobranza", groups="base.group_portal")
        for model in ("cobranza.policy", "cobranza.policy.level", "cobranza.segment"):
            with self.assertRaises(AccessError, msg=model):
                self.env[model].with_user(portal).search([])

    def test_other_company_records_are_invisible(self):
        other_company = self.setup_other_company()["company"]
        outsider = self._cobranza_user("outsider", "account_cobranza.group_cobranza_manager", company=other_company)
        mine = self.env["cobranza.policy"].create(
            {"name": "Mine", "company_id": self.company.id,
             "level_ids": [Command.create({"name": "L", "offset_days": 1})]}
        )
        segment = self.env["cobranza.segment"].create({"name": "Mine", "company_id": self.company.id})
        Policy = self.env["cobranza.policy"].with_user(outsider)
        self.assertNotIn(mine, Policy.search([]))
        self.assertIn(self.default_policy, Policy.search([]), "shared policies are visible")
        self.assertFalse(self.env["cobranza.policy.level"].with_user(outsider).search([("policy_id", "=", mine.id)]))
        self.assertNotIn(segment, self.env["cobranza.segment"].with_user(outsider).search([]))
        with self.assertRaises(AccessError):
            mine.with_user(outsider).read(["name"])

    def test_menus(self):
        menus = self.env["ir.ui.menu"].with_user(self.collector).load_menus(debug=False)
        xmlids = {menu.get("xmlid") for menu in menus.values() if isinstance(menu, dict)}
        self.assertIn("account_cobranza.menu_cobranza_root", xmlids)
        self.assertNotIn("account_cobranza.menu_cobranza_config", xmlids)
        menus = self.env["ir.ui.menu"].with_user(self.manager).load_menus(debug=False)
        xmlids = {menu.get("xmlid") for menu in menus.values() if isinstance(menu, dict)}
        self.assertIn("account_cobranza.menu_cobranza_config_policies", xmlids)
