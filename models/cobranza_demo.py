import dataclasses
import logging
import threading
import traceback
from datetime import datetime, timedelta

from odoo import Command, api, fields, models
from odoo.tools import convert_file

from ..engine import simulation
from ..utils import ledger_sql
from ..utils.db import insert_rows
from ..engine.ladder import PAYABLE_PAYMENT_STATES

_logger = logging.getLogger(__name__)

# How each demo customer pays (engine.simulation.BEHAVIOURS): their segments, ratings and
# predictions are then computed from the history this gives, as in real life.
DEMO_BEHAVIOURS = {
    "demo_customer_ferreteria_roble": "punctual",
    "demo_customer_constructora_andes": "delinquent",
    "demo_customer_panaderia_espiga": "occasional",
    "demo_customer_clinica_sonrisa": "punctual",
    "demo_customer_transportes_cordillera": "high_risk",
    "demo_customer_libreria_austral": "new",
    "demo_customer_restaurante_mar_azul": "occasional",
    "demo_customer_agricola_valle": "delinquent",
    "demo_customer_farmacia_vida_sana": "punctual",
    "demo_customer_minimarket_don_pedro": "high_risk",
    "demo_customer_taller_ruta5": "occasional",
    "demo_customer_colegio_san_esteban": "punctual",
    "demo_customer_hotel_pacifico": "delinquent",
    "demo_customer_imprenta_norte": "occasional",
    "demo_customer_vina_aromos": "punctual",
    "demo_customer_estudio_ramirez": "new",
    "demo_customer_comercial_patagonia": "high_risk",
    "demo_customer_centro_alameda": "punctual",
    "demo_customer_lavanderia_burbujas": "occasional",
    "demo_customer_inmobiliaria_costanera": "delinquent",
    "demo_customer_optica_vision": "occasional",
    "demo_customer_distribuidora_maule": "high_risk",
    "demo_customer_gimnasio_fuerza": "delinquent",
    "demo_customer_pasteleria_dulce": "new",
    "demo_customer_agencia_nube": "punctual",
    "demo_customer_maderas_sur": "occasional",
    "demo_customer_pesquera_caleta": "delinquent",
    "demo_customer_veterinaria_patitas": "punctual",
    "demo_customer_cafeteria_grano": "new",
    "demo_customer_importadora_oriente": "high_risk",
}
# the chronic debtors: some of their invoices stay unpaid (the others pay those late)
DEMO_CHRONIC = {"demo_customer_importadora_oriente"}
DEMO_MONTHS = 18  # of history: the backtest of the last 12 months knows what came before
DEMO_RUN_DAYS_AGO = (14, 7, 3, 1, 0)
DEMO_CONTACT_HISTORY_DAYS = 180
# The records of the demo (loaded by `_load_demo_file`, never listed in the manifest) and
# the flag of a demo waiting for Odoo's Chilean localization, installed at the same time.
DEMO_DATA_FILE = "demo/cobranza_demo_data.xml"
DEMO_DEFERRED_PARAM = "account_cobranza.demo_deferred"
# On Odoo's Chilean localization (l10n_cl): the company's and customers' activity (giro).
DEMO_COMPANY_ACTIVITY = "Distribución de artículos de oficina, aseo y embalaje"
DEMO_ACTIVITIES = {
    "demo_customer_ferreteria_roble": "Venta al por menor de artículos de ferretería",
    "demo_customer_constructora_andes": "Construcción de edificios",
    "demo_customer_panaderia_espiga": "Elaboración de productos de panadería",
    "demo_customer_clinica_sonrisa": "Servicios odontológicos",
    "demo_customer_transportes_cordillera": "Transporte de carga por carretera",
    "demo_customer_libreria_austral": "Venta al por menor de libros",
    "demo_customer_restaurante_mar_azul": "Restaurantes",
    "demo_customer_agricola_valle": "Cultivo de frutas",
    "demo_customer_farmacia_vida_sana": "Farmacias",
    "demo_customer_minimarket_don_pedro": "Minimarket",
    "demo_customer_taller_ruta5": "Mantenimiento y reparación de vehículos",
    "demo_customer_colegio_san_esteban": "Enseñanza básica y media",
    "demo_customer_hotel_pacifico": "Hoteles",
    "demo_customer_imprenta_norte": "Actividades de impresión",
    "demo_customer_vina_aromos": "Elaboración de vinos",
    "demo_customer_estudio_ramirez": "Servicios jurídicos",
    "demo_customer_comercial_patagonia": "Comercio al por mayor no especializado",
    "demo_customer_centro_alameda": "Centros médicos",
    "demo_customer_lavanderia_burbujas": "Lavandería",
    "demo_customer_inmobiliaria_costanera": "Actividades inmobiliarias",
    "demo_customer_optica_vision": "Venta al por menor de artículos ópticos",
    "demo_customer_distribuidora_maule": "Venta al por mayor de alimentos",
    "demo_customer_gimnasio_fuerza": "Gimnasios",
    "demo_customer_pasteleria_dulce": "Pastelería",
    "demo_customer_agencia_nube": "Publicidad",
    "demo_customer_maderas_sur": "Aserrado de madera",
    "demo_customer_pesquera_caleta": "Pesca y comercialización de productos del mar",
    "demo_customer_veterinaria_patitas": "Servicios veterinarios",
    "demo_customer_cafeteria_grano": "Cafeterías",
    "demo_customer_importadora_oriente": "Importación y venta al por mayor",
}
DEMO_PRODUCTS = [
    ("Office supplies kit", 45_000),
    ("Cleaning supplies", 38_000),
    ("Maintenance service", 120_000),
    ("Packaging materials", 27_000),
]


class CobranzaDemo(models.AbstractModel):
    """Builds the demo company's year of invoices and payments (demo data only)."""

    _name = "cobranza.demo"
    _description = "Collections Demo Data"

    # ------------------------------------------------------------------ loading
    @api.model
    def _load_demo_file(self):
        """The module's demo (demo/cobranza_demo.xml): loads DEMO_DATA_FILE, in Odoo's demo
        savepoint. When Odoo's Chilean localization is installed together with the module
        (as `make run` does), Odoo loads it after the module (modules load by depth, and the
        module does not depend on it): the demo then waits for the end of the installation
        (`_register_hook`), so that its company uses the Chilean chart; so does it for Odoo's
        demo payment provider (payment_demo), which pays a demo plan by card."""
        if self._demo_waits():
            self.env["ir.config_parameter"].sudo().set_param(DEMO_DEFERRED_PARAM, "1")
            _logger.info("account_cobranza demo: loaded once l10n_cl and payment_demo are installed")
            return
        convert_file(self.env, "account_cobranza", DEMO_DATA_FILE, {}, mode="init", noupdate=True, kind="demo")

    @api.model
    def _demo_chile(self):
        """Whether Odoo's Chilean localization (l10n_cl) is loaded: the demo company then
        uses its chart, RUTs, taxpayer types and electronic invoices."""
        return "l10n_cl_sii_taxpayer_type" in self.env["res.partner"]._fields

    @api.model
    def _demo_waits(self):
        """Whether a module the demo uses is being installed with the module but not loaded
        yet: l10n_cl (its chart) or payment_demo (the plan paid by card)."""
        loaded = {"l10n_cl": self._demo_chile(), "payment_demo": "demo_simulated_state" in self.env["payment.token"]._fields}
        waiting = [name for name, done in loaded.items() if not done]
        return bool(waiting) and bool(self.env["ir.module.module"].sudo().search_count(
            [("name", "in", waiting), ("state", "in", ("to install", "to upgrade"))]))

    def _register_hook(self):
        """At the end of the installation: the demo that waited for l10n_cl."""
        super()._register_hook()
        if "account_cobranza" in self.pool.updated_modules and \
                self.env["ir.config_parameter"].sudo().get_param(DEMO_DEFERRED_PARAM):
            self._load_deferred_demo()

    @api.model
    def _load_deferred_demo(self):
        """Load the demo that waited for l10n_cl as Odoo loads a module's demo: in a
        savepoint; should it fail, the module stays installed without its demo (logged, and
        listed as Odoo lists failed demo data), nothing of it left behind."""
        env = self.env(su=True)
        env["ir.config_parameter"].set_param(DEMO_DEFERRED_PARAM, False)
        module = env["ir.module.module"].search([("name", "=", "account_cobranza")])
        thread = threading.current_thread()
        testing = getattr(thread, "testing", False)
        thread.testing = True  # as Odoo loads demo data: no email leaves
        try:
            with env.cr.savepoint():
                _logger.info("Module account_cobranza: loading demo")
                convert_file(env, "account_cobranza", DEMO_DATA_FILE, {}, mode="init", noupdate=True, kind="demo")
            # the translations of its records (Odoo loaded the module's before they existed)
            module._update_translations()
        except Exception:  # noqa: BLE001 - as Odoo's own loading of demo data
            _logger.warning("Module account_cobranza demo data failed to install, installed without demo data",
                            exc_info=True)
            env.cr.execute("UPDATE ir_module_module SET demo = FALSE WHERE id = %s", [module.id])
            module.invalidate_recordset(["demo"])
            todo = env.ref("base.demo_failure_todo", raise_if_not_found=False)
            if todo and "ir.demo_failure" in env:
                todo.state = "open"
                env["ir.demo_failure"].create({"module_id": module.id, "error": traceback.format_exc()})
        finally:
            thread.testing = testing

    @api.model
    def _load_demo(self, seed=2024):
        """The demo's history, in a savepoint of its own: should anything fail, Odoo installs
        the module without its demo and nothing the demo changed survives, not even in the
        ORM's cache (Odoo loads demo data in a savepoint that keeps the cache: a value written
        on one of the module's own records and flushed after the rollback would point to a
        record that no longer exists)."""
        with self.env.cr.savepoint():
            self._demo_data_records()
            self._demo_history(seed)

    @api.model
    def _demo_data_records(self):
        """What the demo changes on records it did not create: the administrator works in the
        demo company; the segments of punctual and risky customers get the demo's policies."""
        company = self.env.ref("account_cobranza.demo_company")
        self.env.ref("base.user_admin").write({"company_ids": [Command.link(company.id)], "company_id": company.id})
        gentle = self.env.ref("account_cobranza.demo_policy_gentle")
        intensive = self.env.ref("account_cobranza.demo_policy_intensive")
        for xmlid, policy in (("cobranza_segment_punctual", gentle), ("cobranza_segment_delinquent", intensive),
                              ("cobranza_segment_high_risk", intensive)):
            self.env.ref(f"account_cobranza.{xmlid}").policy_id = policy

    @api.model
    def _demo_history(self, seed):
        company = self.env.ref("account_cobranza.demo_company")
        company.partner_id.write({"lang": "es_419", "tz": "America/Santiago"})
        # No chatter tracking on thousands of demo records: it would triple the load time.
        env = self.with_company(company).with_context(tracking_disable=True).env
        chile = self._demo_chile()
        if chile:
            self._demo_chilean_taxpayers(company)
        if not company.chart_template:
            currency = company.currency_id
            # Odoo's Chilean chart where l10n_cl is installed (IVA 19 %, electronic documents
            # on the sale journal), else the generic one
            env["account.chart.template"]._load("cl" if chile else "generic_coa", company, install_demo=False)
            # The generic chart sets its own currency; the demo company keeps the peso.
            company.currency_id = currency
        tax = self._demo_tax(env, company)
        products = env["product.product"].create(
            [
                {"name": name, "list_price": price, "type": "service", "taxes_id": [Command.set(tax.ids)]}
                for name, price in DEMO_PRODUCTS
            ]
        )
        customers = self._demo_customers()
        for index, (partner, _behaviour, _chronic) in enumerate(customers):
            if not partner.mobile:
                partner.mobile = f"+56 9 6{index:03d} {4100 + index:04d}"
        today = fields.Date.context_today(self)
        profiles = [
            simulation.Profile(
                key=str(partner.id),
                behaviour=behaviour,
                months=2 if behaviour == "new" else DEMO_MONTHS,
                invoices_per_month=1.0 + (index % 3) * 0.25,
                chronic=chronic,
            )
            for index, (partner, behaviour, chronic) in enumerate(customers)
        ]
        plans = sorted(
            simulation.simulate(profiles, today, seed=seed), key=lambda p: (p.invoice_date, p.customer)
        )
        prices = [plan.amount for plan in plans]
        plans = self._demo_with_tax(plans, tax, company.currency_id)
        moves = self._demo_invoices(env, plans, prices, products)
        self._demo_payments(env, plans, moves)
        _logger.info("account_cobranza demo: %s invoices for %s customers", len(moves), len(customers))
        self._demo_contact_rules(env, company, today)
        self._demo_contact_history(env, company, plans, moves, today)
        self._demo_analyze(env)
        # Segments (and so policies), ratings and predicted dates from that history
        env["cobranza.segment"].recompute_segments()
        # A few past runs of the calendar: contact history, levels and a worklist from day one;
        # the credits not yet matched arrive before today's
        Run = env["cobranza.run"].with_context(mail_create_nolog=True)
        for days in DEMO_RUN_DAYS_AGO:
            if not days:
                self._demo_credits(env, company, today)
            Run.run_for_date(today - timedelta(days=days), company)
        self._demo_agreements(env, company, today)
        self._demo_replies(env, company, today)
        # again with the agreements (broken promises and plans count), then a year of KPIs
        # up to yesterday (today's snapshot is taken tonight)
        env["cobranza.segment"].recompute_segments()
        env["cobranza.kpi"].backfill(company, today - timedelta(days=365), today - timedelta(days=1))
        self._demo_analyze(env)

    @api.model
    def _demo_replies(self, env, company, today):
        """Customers' answers waiting for review: two emails threaded on their reminders
        (through the mail gateway's own posting) and two WhatsApp messages."""
        Contact = env["cobranza.contact"].sudo()
        held = set(env["account.move"].search([("company_id", "=", company.id)])._cobranza_holds())
        reminded = Contact.search([("company_id", "=", company.id), ("channel", "=", "email"),
                                   ("mail_message_id", "!=", False), ("run_id", "!=", False)], order="date desc")
        customers = []
        for contact in reminded:
            moves = contact.move_ids.filtered(lambda m: m.cobranza_payable and m.id not in held)
            if moves and contact.partner_id not in [c.partner_id for c in customers]:
                customers.append(contact)
            if len(customers) == 4:
                break
        texts = ["Buenos días, le transfiero el viernes sin falta. Saludos cordiales.",
                 "Estimados, no recibimos la factura %s, ¿nos la pueden reenviar?",
                 "hola, le deposito mañana 👍", "¿puedo pagar en 3 cuotas? este mes está difícil"]
        for index, (contact, text) in enumerate(zip(customers, texts)):
            partner = contact.partner_id
            if "%s" in text:
                text = text % contact.move_ids[:1].name
            if index < 2:  # as the gateway posts an email answering the reminder
                partner.with_context(mail_create_nosubscribe=True).message_post(
                    body=text, message_type="email", subtype_xmlid="mail.mt_comment", author_id=partner.id,
                    email_from=partner.email_formatted, parent_id=contact.mail_message_id.id)
            else:  # as the WhatsApp webhook records a message, read by the cron
                env["cobranza.reply"].sudo().create({
                    "company_id": company.id, "source": "whatsapp", "sender": partner.mobile,
                    "external_id": f"wamid.demo{index}", "body": text, "state": "new",
                })
        env["cobranza.reply"]._cron_process()

    @api.model
    def _demo_analyze(self, env):
        """Fresh planner statistics after a bulk load (autovacuum would take its time)."""
        env.flush_all()
        env.cr.execute("ANALYZE account_move, account_move_line, account_partial_reconcile, res_partner, "
                       "cobranza_contact, cobranza_contact_account_move_rel, cobranza_kpi")

    @api.model
    def _demo_contact_history(self, env, company, plans, moves, today):
        """The reminders of the last six months, as the standard ladder sent them (before
        the demo's own runs): what the channel effectiveness and the best channel learn from."""
        levels = [env.ref(f"account_cobranza.cobranza_level_{name}") for name in ("pre_due", "sms", "call", "firm")]
        author = env.ref("base.user_admin").id
        vals_list = []
        for plan, move in zip(plans, moves):
            settled = plan.payments[-1].date if plan.payments and not plan.residual else None
            for level in levels:
                day = plan.due_date + timedelta(days=level.offset_days)
                if not today - timedelta(days=DEMO_CONTACT_HISTORY_DAYS) <= day <= today - timedelta(days=15) \
                        or (settled and settled <= day):
                    continue
                vals_list.append({
                    "partner_id": move.commercial_partner_id.id, "company_id": company.id,
                    "channel": level._main_channel(), "state": "sent", "level_id": level.id,
                    "channel_reason": "level", "date": datetime.combine(day, datetime.min.time()).replace(hour=14),
                    "run_date": day, "author_id": author, "amount_due": plan.amount, "move_ids": [move.id],
                })
        insert_rows(env, "cobranza.contact", vals_list)

    @api.model
    def _demo_contact_rules(self, env, company, today):
        """The Chilean consumer rules and the coming public holidays of the company calendar."""
        rule = env["cobranza.contact.rule"].create({
            "name": "Chile (Ley 19.496 y Ley 21.320)", "company_id": company.id,
            "country_id": env.ref("base.cl").id, "preset": "CL",
        })
        rule.action_load_preset()
        calendar = company.resource_calendar_id
        if calendar:
            holidays = [(12, 8, "Inmaculada Concepción"), (12, 25, "Navidad"), (1, 1, "Año Nuevo"),
                        (5, 1, "Día del Trabajo"), (9, 18, "Fiestas Patrias")]
            env["resource.calendar.leaves"].create([{
                "name": name, "calendar_id": calendar.id, "company_id": company.id,
                "date_from": datetime(year, month, day, 3, 0), "date_to": datetime(year, month, day, 23, 59),
            } for month, day, name in holidays for year in (today.year, today.year + 1)])

    @api.model
    def _demo_agreements(self, env, company, today):
        """An active and a broken payment plan, a kept and a broken promise, an open dispute."""
        admin = env.ref("base.user_admin")
        env = env(user=admin)
        overdue = env["account.move"].search([
            ("company_id", "=", company.id), *env["account.move"]._cobranza_invoice_domain(PAYABLE_PAYMENT_STATES),
            ("invoice_date_due", "<", today),
            ("commercial_partner_id.cobranza_no_chase", "=", False),
        ], order="invoice_date_due, id")
        by_partner = {}
        for move in overdue:
            by_partner.setdefault(move.commercial_partner_id, env["account.move"])
            by_partner[move.commercial_partner_id] |= move
        partners = sorted(by_partner, key=lambda p: (-len(by_partner[p]), p.id))
        if len(partners) < 5:
            return
        # the portal user's company gets the active plan (see README, "The customer portal")
        portal = env.ref("account_cobranza.demo_customer_transportes_cordillera", raise_if_not_found=False)
        if portal in partners:
            partners.remove(portal)
            partners.insert(0, portal)
        Plan = env["cobranza.payment.plan"]
        active, broken, kept, unkept, disputed = partners[:5]
        # the oldest invoices in the plan, the two latest left to pay, promise or dispute
        planned = by_partner[active][:-2] if len(by_partner[active]) > 3 else by_partner[active]
        plan = Plan.create({"partner_id": active.id, "company_id": company.id, "installment_count": 4,
                            "move_ids": [Command.set(planned.ids)],
                            "first_date": today + timedelta(days=10), "note": "Acordado por teléfono"})
        plan.action_confirm()
        plan = Plan.create({"partner_id": broken.id, "company_id": company.id, "installment_count": 3,
                            "frequency": "weekly", "move_ids": [Command.set(by_partner[broken].ids)],
                            "first_date": today + timedelta(days=1)})
        plan.action_confirm()
        for line in plan.line_ids:  # as if agreed five weeks ago and never paid
            line.date -= timedelta(days=35)
        plan._evaluate(today)
        Promise = env["cobranza.promise"]
        move = by_partner[kept][:1]
        amount = company.currency_id.round(move.amount_residual / 2)
        promise = Promise.create({"partner_id": kept.id, "company_id": company.id, "amount": amount,
                                  "move_ids": [Command.set(move.ids)], "date": today + timedelta(days=5),
                                  "note": "Paga la mitad esta semana"})
        env["account.payment.register"].with_context(active_model="account.move", active_ids=move.ids).create(
            {"amount": amount, "payment_date": today})._create_payments()
        promise._evaluate(today)
        move = by_partner[unkept][:1]
        promise = Promise.create({"partner_id": unkept.id, "company_id": company.id,
                                  "amount": move.amount_residual_signed, "move_ids": [Command.set(move.ids)],
                                  "date": today, "channel": "email", "origin": "email"})
        promise.date = today - timedelta(days=10)  # promised ten days ago, nothing came
        promise._evaluate(today)
        env["cobranza.dispute"].create({
            "move_id": by_partner[disputed][-1:].id, "reason": "wrong_amount",
            "description": "El cliente indica que se facturaron 12 unidades y recibió 10.",
        })
        if len(partners) >= 7:
            self._demo_autopay(env, company, today, partners[5], by_partner[partners[5]])
            self._demo_checks(env, company, today, partners[6], by_partner[partners[6]])
        env["res.partner"]._cobranza_refresh(env["res.partner"].browse([p.id for p in partners[:7]]), company)

    @api.model
    def _demo_autopay(self, env, company, today, partner, moves):
        """A plan paid by card (Odoo's demo provider, when payment_demo is installed): its
        treasurer consented from the portal; the first installment charged, the second
        declined then charged on its retry, the third scheduled."""
        if "demo_simulated_state" not in env["payment.token"]._fields:
            return
        provider = env.ref("payment.payment_provider_demo").sudo()
        if provider.company_id != company:
            provider = provider.copy({"company_id": company.id, "name": "Demo"})
        provider.write({"state": "test", "allow_tokenization": True, "is_published": True})
        provider.journal_id  # noqa: B018 - its payment method line, as its form creates it
        treasurer = env["res.partner"].create({"name": "Paula Rojas", "parent_id": partner.id, "function": "Tesorera",
                                               "email": "tesoreria@%s.example.com" % partner.id})
        user = env["res.users"].with_context(no_reset_password=True).sudo().create({
            "name": treasurer.name, "login": f"tesoreria{partner.id}@example.com", "partner_id": treasurer.id,
            "company_id": company.id, "company_ids": [Command.set(company.ids)],
            "groups_id": [Command.set([env.ref("base.group_portal").id])]})
        card = env["payment.token"].sudo().create({
            "provider_id": provider.id, "payment_method_id": env.ref("payment_demo.payment_method_demo").id,
            "partner_id": treasurer.id, "payment_details": "4242", "provider_ref": "demo-4242",
            "demo_simulated_state": "done"})
        plan = env["cobranza.payment.plan"].create({
            "partner_id": partner.id, "company_id": company.id, "installment_count": 3,
            "move_ids": [Command.set(moves.ids)], "first_date": today + timedelta(days=1),
            "note": "Pago automático con tarjeta"})
        plan.action_confirm()
        env["cobranza.autopay"]._grant(plan, card, user, "190.96.2.10")
        for line in plan.line_ids:  # as if agreed six weeks ago
            line.write({"date": line.date - timedelta(days=42), "autopay_next_date": line.date - timedelta(days=42)})
        first, second = plan.line_ids[:2]
        Charge = env["cobranza.charge"]
        Charge._charge_due(first.date)
        card.demo_simulated_state = "error"
        Charge._charge_due(second.date)
        card.demo_simulated_state = "done"
        Charge._charge_due(second.date + timedelta(days=1))

    @api.model
    def _demo_checks(self, env, company, today, partner, moves):
        """A plan secured by three post-dated checks (Odoo's third-party checks), the first
        one deposited."""
        plan = env["cobranza.payment.plan"].create({
            "partner_id": partner.id, "company_id": company.id, "installment_count": 3,
            "move_ids": [Command.set(moves.ids)], "first_date": today + timedelta(days=1),
            "note": "Documentado con cheques a fecha"})
        plan.action_confirm()
        bank = env["res.bank"].search([], limit=1) or env["res.bank"].create({"name": "Banco de Chile"})
        lines = plan.line_ids
        plan._register_checks([{
            "line": line, "number": f"{4711 + n:08d}", "bank_id": bank.id, "date": line.date,
            "amount": line.remaining_amount} for n, line in enumerate(lines)],
            env["account.journal"]._cobranza_check_journal(company))
        first = lines[0]  # agreed a week ago: the first check was cashable yesterday
        first.write({"date": today - timedelta(days=1)})
        first.check_id.write({"payment_date": first.date})
        first.check_id.payment_id.write({"date": first.date})
        first._check_deposit()

    @api.model
    def _demo_credits(self, env, company, today):
        """One customer of each kind of credit not yet matched (see README, "Credits not yet
        matched"): a transfer received yesterday that covers its overdue invoice, an open
        credit note that covers another's, a payment that covers part of a third's, and a
        payment in dollars that does not net against pesos. Taken among the customers with
        the fewest overdue invoices (the agreements take those with the most)."""
        overdue = env["account.move"].search([
            ("company_id", "=", company.id), *env["account.move"]._cobranza_invoice_domain(PAYABLE_PAYMENT_STATES),
            ("invoice_date_due", "<=", today),
            ("commercial_partner_id.cobranza_no_chase", "=", False),
        ], order="invoice_date_due, id")
        by_partner = {}
        for move in overdue:
            by_partner.setdefault(move.commercial_partner_id, env["account.move"])
            by_partner[move.commercial_partner_id] |= move
        portal = env.ref("account_cobranza.demo_customer_transportes_cordillera", raise_if_not_found=False)
        partners = sorted((p for p in by_partner if p != portal), key=lambda p: (len(by_partner[p]), p.id))
        if len(partners) < 4:
            return
        journal = env["account.journal"].search([("type", "=", "bank"), ("company_id", "=", company.id)], limit=1)
        usd = env.ref("base.USD")
        usd.active = True

        def payment(partner, amount, days, currency=company.currency_id, memo="Transferencia"):
            env["account.payment"].create({
                "payment_type": "inbound", "partner_type": "customer", "partner_id": partner.id, "amount": amount,
                "currency_id": currency.id, "date": today - timedelta(days=days), "journal_id": journal.id,
                "memo": memo,
            }).action_post()

        unmatched, refunded, partial, dollars = partners[:4]
        residual = sum(by_partner[unmatched].mapped("amount_residual"))
        payment(unmatched, residual, 1, memo="Transferencia recibida, sin conciliar")
        move = by_partner[refunded][:1]
        env["account.move"].create({
            "move_type": "out_refund", "partner_id": refunded.id, "invoice_date": today - timedelta(days=2),
            "ref": f"Descuento acordado sobre {move.name}",
            "invoice_line_ids": [Command.create({"name": "Nota de crédito", "quantity": 1,
                                                 "price_unit": sum(by_partner[refunded].mapped("amount_residual")),
                                                 "tax_ids": []})],
        }).action_post()
        payment(partial, company.currency_id.round(by_partner[partial][:1].amount_residual * 0.4), 2,
                memo="Abono parcial")
        payment(dollars, 150.0, 1, currency=usd, memo="Pago en dólares")

    @api.model
    def _demo_chilean_taxpayers(self, company):
        """On Odoo's Chilean localization: the company and its customers are taxpayers of the
        first category (VAT affected) identified by their RUT, with their activity (giro), as
        their electronic invoices require."""
        rut = self.env.ref("l10n_cl.it_RUT")
        company.partner_id.write({"l10n_latam_identification_type_id": rut.id, "l10n_cl_sii_taxpayer_type": "1",
                                  "l10n_cl_activity_description": DEMO_COMPANY_ACTIVITY})
        for name, activity in DEMO_ACTIVITIES.items():
            self.env.ref(f"account_cobranza.{name}").write({
                "l10n_latam_identification_type_id": rut.id, "l10n_cl_sii_taxpayer_type": "1",
                "l10n_cl_activity_description": activity,
            })

    @api.model
    def _demo_with_tax(self, plans, tax, currency):
        """The simulated amounts are the prices of the invoices. Where the sale tax is added
        to the price (Chile's IVA on its chart), an invoice's total is its price plus the
        tax, and the payment that settles it pays that total (a part paid before stays what
        it was); where the tax is included (the generic chart), the plans stay as they are."""
        if tax.price_include:
            return plans
        totals = {}
        result = []
        for plan in plans:
            if plan.amount not in totals:
                totals[plan.amount] = currency.round(tax.compute_all(plan.amount, currency=currency)["total_included"])
            payments = plan.payments
            if payments and not plan.residual:
                last = dataclasses.replace(payments[-1], amount=totals[plan.amount] - sum(
                    payment.amount for payment in payments[:-1]))
                payments = (*payments[:-1], last)
            result.append(dataclasses.replace(plan, amount=totals[plan.amount], payments=payments))
        return result

    @api.model
    def _demo_tax(self, env, company):
        """On the Chilean chart its sale tax (IVA 19 %, added to the prices); elsewhere a
        Chilean VAT (IVA 19%) included in the prices, so that amounts stay round."""
        if company.chart_template == "cl" and company.account_sale_tax_id:
            return company.account_sale_tax_id
        group = env["account.tax.group"].search([("company_id", "=", company.id)], limit=1)
        return env["account.tax"].create(
            {
                "name": "IVA 19%",
                "amount": 19.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
                "company_id": company.id,
                "tax_group_id": group.id,
                "country_id": company.account_fiscal_country_id.id,
            }
        )

    @api.model
    def _demo_customers(self):
        """``[(partner, behaviour, chronic)]`` of the demo customers."""
        return [(self.env.ref(f"account_cobranza.{name}"), behaviour, name in DEMO_CHRONIC)
                for name, behaviour in DEMO_BEHAVIOURS.items()]

    @api.model
    def _demo_invoices(self, env, plans, prices, products):
        """The invoices of `plans` at `prices`, posted: on the Chilean chart, electronic
        invoices (*Factura electrónica*, document 33) numbered by their folio."""
        document = {}
        journal = env["account.journal"].search(
            [*env["account.journal"]._check_company_domain(env.company), ("type", "=", "sale")], limit=1)
        if journal._cobranza_uses_documents() and env.company.account_fiscal_country_id.code == "CL":
            document = {"l10n_latam_document_type_id": env.ref("l10n_cl.dc_a_f_dte").id}
        moves = env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "journal_id": journal.id,
                    "partner_id": int(plan.customer),
                    "invoice_date": plan.invoice_date,
                    "invoice_date_due": plan.due_date,
                    **document,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": products[index % len(products)].id,
                                "quantity": 1,
                                "price_unit": price,
                            }
                        )
                    ],
                }
                for index, (plan, price) in enumerate(zip(plans, prices))
            ]
        )
        moves.action_post()
        return moves

    @api.model
    def _demo_payments(self, env, plans, moves):
        todo = [(move, payment) for plan, move in zip(plans, moves) for payment in plan.payments]
        journal = env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", env.company.id)], limit=1
        )
        payments = env["account.payment"].create(
            [
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": move.commercial_partner_id.id,
                    "amount": payment.amount,
                    "date": payment.date,
                    "journal_id": journal.id,
                    "memo": move.name,
                }
                for move, payment in todo
            ]
        )
        payments.action_post()
        env["account.move.line"]._reconcile_plan(
            [
                (move.line_ids | record.move_id.line_ids).filtered(
                    lambda line: line.account_id.account_type == ledger_sql.RECEIVABLE
                )
                for (move, _payment), record in zip(todo, payments)
            ]
        )
