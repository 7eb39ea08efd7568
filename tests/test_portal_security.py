"""The portal against a hostile visitor: each finding of the attack on the portal (issue
"a portal that holds against a hostile visitor") has its test here, then a fuzz of every
route the module declares."""
import inspect
import json
import re
from datetime import datetime, timedelta
from urllib.parse import quote, urlencode

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..controllers.portal import CobranzaPortal
from .common import PortalCase

GENERIC = "Some of the values you entered are not valid. Please check them and try again."
HOSTILE_HTML = ('<a href="https://evil.example.com">pague aquí</a><img src="https://evil.example.com/pixel.gif">'
                '<div style="position:fixed;top:0;left:0;width:100%;height:100%">x</div><script>alert(1)</script>')
LEAKS = re.compile(r"Traceback|File \"/|odoo/(?:addons|http|models)|site-packages|account_cobranza/(?:controllers|models)")


class HostileCase(PortalCase):
    """The portal customer, a stranger with a portal login of its own, and raw requests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stranger_user = new_test_user(cls.env, login="otro_portal", groups="base.group_portal",
                                          partner_id=cls.env["res.partner"].create({
                                              "name": "Contador Otro", "parent_id": cls.stranger.id}).id)
        cls.payment_method = cls.env.ref("payment_demo.payment_method_demo")

    def _json(self, url, params=None, raw=None):
        """A JSON-RPC call as a browser (or an attacker) sends it; the raw HTTP response."""
        body = raw if raw is not None else json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params})
        return self.url_open(url, data=body, headers={"Content-Type": "application/json"})

    def assertNoLeak(self, response):
        self.assertLess(response.status_code, 500, response.text[:300])
        self.assertFalse(LEAKS.search(response.text), f"server internals in the response: {response.text[:500]}")
        if "application/json" in response.headers.get("Content-Type", ""):
            error = response.json().get("error") or {}
            self.assertNotIn("debug", error.get("data") or {}, "a traceback in the JSON error")

    def _transaction_sequence(self):
        """The last transaction id ever taken: a transaction created then rolled back moves it too."""
        self.env.cr.execute("SELECT last_value FROM payment_transaction_id_seq")
        return self.env.cr.fetchone()[0]

    def _json_error(self, response):
        self.assertNoLeak(response)
        return ((response.json().get("error") or {}).get("data") or {}).get("message")

    def _feedback(self, response):
        """The error a form shows after its redirect (None when it succeeded)."""
        page = self.url_open(response.headers["Location"]) if response.is_redirect else response
        match = re.search(r'alert-danger" role="alert">(.*?)</div>', page.text, re.S)
        return match and match.group(1).strip().replace("&#39;", "'")


@tagged("post_install", "-at_install")
class TestPortalFindings(HostileCase):

    # 1. a payment provider chosen by the browser
    def test_transaction_refuses_providers_odoo_would_not_offer(self):
        token = self._token(self.overdue)
        company_2 = self.env["res.company"].create({"name": "Otra Empresa SpA"})
        candidates = {
            "disabled": self.provider.copy({"name": "Demo off", "state": "disabled", "is_published": True}),
            "another company's": self.provider.copy({"name": "Demo 2", "company_id": company_2.id, "state": "test",
                                                     "is_published": True}),
            "unpublished": self.provider.copy({"name": "Demo hidden", "state": "test", "is_published": False}),
        }
        attempts = {label: {"provider_id": provider.id} for label, provider in candidates.items()}
        attempts.update({
            "a method of no provider offered": {"payment_method_id": self.env.ref("payment.payment_method_card").id},
            "no flow": {"flow": "whatever"},
            "a token flow without a token": {"flow": "token", "token_id": 0},
        })
        sequence = self._transaction_sequence()
        for label, values in attempts.items():
            with self.subTest(label):
                response = self._json(f"/cobranza/transaction/{token}", {
                    "provider_id": self.provider.id, "payment_method_id": self.payment_method.id, "amount": 700.0,
                    "flow": "direct", "tokenization_requested": False, "is_validation": False, **values})
                self.assertIn("not available", self._json_error(response))
        self.assertEqual(self._transaction_sequence(), sequence, "refused before a transaction exists")
        tx = self._pay_with_demo(token, 700.0)
        self.assertEqual((tx.provider_id, tx.state), (self.provider, "done"), "the provider Odoo offers works")

    # 2. an expiring link that hands out a permanent key
    def test_pages_of_a_link_hand_out_no_permanent_key(self):
        foreign = self._foreign_currency_invoice(50.0)
        moves = self.overdue | foreign
        for move in moves | self.not_due:
            move._portal_ensure_token()  # Odoo's own emails would have created it
        self.env["ir.config_parameter"].sudo().set_param("account_cobranza.link_validity_days", "2")
        token = self._token(moves)
        expires = token.split(".")[3]
        plan = self._active_plan()
        plan_token = self._token(plan)
        for url in (f"/cobranza/pay/{token}", f"/cobranza/pay/{plan_token}"):
            page = self.url_open(url).text
            with self.subTest(url=url):
                self.assertNotIn("access_token=", page)
                for move in moves | self.not_due:
                    self.assertNotIn(move.access_token, page, f"the permanent key of {move.name}")
        page = self.url_open(f"/cobranza/pay/{token}").text
        # the invoice's PDF through our signed route; the other currency through a link of its own
        pdf_url = f"/cobranza/pay/{token}/invoice/{self.overdue.id}"
        self.assertIn(pdf_url, page)
        pdf = self.url_open(pdf_url)
        self.assertEqual((pdf.status_code, pdf.headers["Content-Type"]), (200, "application/pdf"))
        self.assertEqual(self.url_open(f"/cobranza/pay/{token}/invoice/{self.not_due.id}").status_code, 404,
                         "an invoice of the customer that the link does not grant")
        other = re.search(r'href="/cobranza/pay/([^"/]+)">%s' % re.escape(foreign.name), page).group(1)
        self.assertEqual(other.split(".")[3], expires, "expires with the link")
        self.assertEqual(self.env["cobranza.link"]._resolve(other)[2], foreign)
        # the customer's logged-in pages that pay through a link hand out no key either
        self.authenticate("cliente_portal", "cliente_portal")
        for url in (f"/my/cobranza/plans/{plan.id}", "/my/statement/pay?overdue=1"):
            with self.subTest(logged_in=url):
                page = self.url_open(url).text
                self.assertIn("o_payment_form", page)
                for move in moves | self.not_due:
                    self.assertNotIn(move.access_token, page)
        self.authenticate(None, None)
        with freeze_time(datetime.now() + timedelta(days=2, minutes=1)):
            for url in (f"/cobranza/pay/{other}", pdf_url):
                with self.subTest(expired=url):
                    self.assertEqual(self.url_open(url).status_code, 403)

    # 3. saved cards for a visitor
    def test_forwarded_link_cannot_charge_a_saved_card(self):
        self.authenticate("cliente_portal", "cliente_portal")
        first = self._pay_with_demo(self._token(self.overdue), 700.0, tokenization_requested=True)
        card = first.token_id
        self.assertTrue(card, "the customer saved a card with the demo provider")
        self.assertEqual(card.partner_id.commercial_partner_id, self.customer)
        token = self._token(self.not_due)
        self.assertIn(card.payment_details, self.url_open(f"/cobranza/pay/{token}").text, "her own saved card")
        self.authenticate(None, None)  # the reminder forwarded to somebody else
        self.assertNotIn(card.payment_details, self.url_open(f"/cobranza/pay/{token}").text)
        Tx = self.env["payment.transaction"]
        response = self._json(f"/cobranza/transaction/{token}", {
            "provider_id": self.provider.id, "payment_method_id": None, "token_id": card.id, "amount": 300.0,
            "flow": "token", "tokenization_requested": False, "is_validation": False})
        self.assertIn("not available", self._json_error(response))
        self.assertFalse(Tx.search([("invoice_ids", "in", self.not_due.ids)]))
        self.assertFalse(Tx.search([("token_id", "=", card.id)]) - first, "the card was never charged")
        tx = self._pay_with_demo(token, 300.0, tokenization_requested=True)
        self.assertFalse(tx.tokenize or tx.token_id, "a visitor saves no card on the customer's account")
        self.authenticate("otro_portal", "otro_portal")  # another customer's login
        self.assertNotIn(card.payment_details, self.url_open(f"/cobranza/pay/{self._token(self._overdue_invoice(self.customer, 50.0, 3))}").text)
        self.authenticate("cliente_portal", "cliente_portal")
        again = self._overdue_invoice(self.customer, 80.0, 2)
        values = self._transaction(self._token(again), 80.0, flow="token", token_id=card.id, payment_method_id=None)
        tx = Tx.search([("reference", "=", values["reference"])])
        self.assertEqual((tx.token_id, tx.state), (card, "done"), "the customer's own user pays with it")

    # 4. tracebacks and raw errors for anonymous visitors
    def test_malformed_numbers_and_dates_get_the_friendly_message(self):
        token = self._token(self.overdue)
        for amount in ("NaN", "inf", "-inf", "1e400", "-1", {"x": 1}, [700]):
            with self.subTest(amount=amount):
                response = self._json(f"/cobranza/transaction/{token}", {
                    "provider_id": self.provider.id, "payment_method_id": self.payment_method.id, "amount": amount,
                    "flow": "direct", "tokenization_requested": False, "is_validation": False})
                self.assertIn("amount to pay has changed", self._json_error(response))
        for raw in ('{"jsonrpc": "2.0", "params": [1, 2]}', '{"jsonrpc": "2.0", "params": "x"}', "{not json"):
            # Odoo's JSON dispatcher fails before the route and logs it: the visitor sees no internals
            with self.subTest(raw=raw), mute_logger("odoo.http"):
                self.assertNoLeak(self._json(f"/cobranza/transaction/{token}", raw=raw))
        self.assertFalse(self.env["payment.transaction"].search([("invoice_ids", "in", self.overdue.ids)]))
        self.authenticate("cliente_portal", "cliente_portal")
        day = fields.Date.to_string(fields.Date.today() + timedelta(days=5))
        forms = [
            ("/my/statement/promise", {"move_ids": str(self.overdue.id), "date": day, "amount": "inf"}),
            ("/my/statement/promise", {"move_ids": str(self.overdue.id), "date": day, "amount": "NaN"}),
            ("/my/statement/promise", {"move_ids": str(self.overdue.id), "date": day, "amount": "1e308"}),
            ("/my/statement/promise", {"move_ids": str(self.overdue.id), "date": "", "amount": ""}),
            ("/my/statement/promise", {"move_ids": str(self.overdue.id), "date": "2026-02-30"}),
            ("/my/statement/plan", {"installment_count": "3", "first_date": day, "down_payment": "inf"}),
            ("/my/statement/plan", {"installment_count": "1e308", "first_date": day}),
            ("/my/statement/plan", {"installment_count": "3", "first_date": "mañana"}),
            ("/my/statement/preferences", {"hour_from": "NaN", "hour_to": "18:00"}),
        ]
        for url, data in forms:
            with self.subTest(url=url, data=data):
                response = self._post(url, data)
                self.assertNoLeak(response)
                self.assertEqual(self._feedback(response), GENERIC)
        for model in ("cobranza.promise", "cobranza.payment.plan"):
            self.assertFalse(self.env[model].search([("partner_id", "=", self.customer.id)]), "nothing written")
        self.assertEqual((self.customer.cobranza_contact_hour_from, self.customer.cobranza_contact_hour_to), (0.0, 0.0))
        # real dates far in the future are refused by the rules, not by a crash
        far = "9999-12-31"
        for url, data, message in (
                ("/my/statement/plan", {"installment_count": "2", "first_date": far}, "within 366 days"),
                ("/my/statement/promise", {"move_ids": str(self.overdue.id), "date": far}, "days away")):
            with self.subTest(url=url, far=far):
                response = self._post(url, data)
                self.assertNoLeak(response)
                self.assertIn(message, self._feedback(response))

    # 5. HTML smuggled into the back office
    def test_customer_text_reaches_the_back_office_escaped(self):
        self.authenticate("cliente_portal", "cliente_portal")
        self._post("/my/statement/dispute", {"move_id": str(self.overdue.id), "reason": "other",
                                             "description": HOSTILE_HTML})
        dispute = self.env["cobranza.dispute"].search([("move_id", "=", self.overdue.id)])
        self.assertEqual(dispute.description, HOSTILE_HTML, "kept as the customer wrote it (plain text)")
        note = str(dispute.activity_ids.note)
        posted = str(self.overdue.message_ids.filtered(lambda m: "disputed by the customer" in str(m.body)).body)
        for html in (note, posted):
            self.assertNotIn("<img", html)
            self.assertNotIn("<a ", html)
            self.assertNotIn("<div style", html)
            self.assertIn("&lt;img src=", html, "shown as text")
        plan = self._active_plan()
        self.authenticate(None, None)
        self._post(f"/cobranza/pay/{self._token(plan)}/accept", {"name": HOSTILE_HTML[:90]})
        self.assertEqual(plan.accepted_by, HOSTILE_HTML[:90])
        body = str(plan.message_ids.filtered(lambda m: "accepted the agreement" in str(m.body)).body)
        self.assertIn("&lt;a href=", body)
        self.assertNotIn("<a href", body)
        agreement = self.env.ref("account_cobranza.action_report_cobranza_plan")._render_qweb_html(
            "account_cobranza.report_cobranza_plan", plan.ids)[0].decode()
        self.assertNotIn('<a href="https://evil', agreement)

    # 6. rules a customer can game
    def test_a_token_promise_is_refused(self):
        self.authenticate("cliente_portal", "cliente_portal")
        day = fields.Date.to_string(fields.Date.today() + timedelta(days=5))
        response = self._post("/my/statement/promise", {"move_ids": str(self.overdue.id), "date": day, "amount": "1"})
        self.assertIn("A promise must cover at least", self._feedback(response))
        self.assertFalse(self.env["cobranza.promise"].search([("partner_id", "=", self.customer.id)]))
        # two invoices: at least the oldest one (the default), or everything they owe
        both = f"{self.overdue.id},{self.not_due.id}"
        self._post("/my/statement/promise", {"move_ids": both.split(","), "date": day, "amount": "700"})
        promise = self.env["cobranza.promise"].search([("partner_id", "=", self.customer.id), ("state", "=", "open")])
        self.assertEqual((promise.amount, promise.move_ids), (700.0, self.overdue | self.not_due))

    def test_promise_minimum_is_a_policy_setting(self):
        policy = self.env.ref("account_cobranza.cobranza_policy_default")
        Promise = self.env["cobranza.promise"]
        collector = new_test_user(self.env, login="cobradora",
                                  groups="account.group_account_invoice,account_cobranza.group_cobranza_user")
        values = {"partner_id": self.customer.id, "move_ids": [Command.set((self.overdue | self.not_due).ids)],
                  "date": fields.Date.today() + timedelta(days=3)}
        cases = [("oldest", 0, 699.0, 700.0), ("all", 0, 999.0, 1000.0), ("percent", 25.0, 249.0, 250.0)]
        for rule, percent, refused, accepted in cases:
            with self.subTest(rule=rule):
                policy.write({"promise_minimum": rule, "promise_minimum_percent": percent})
                with self.assertRaises(UserError):
                    Promise.with_user(collector).create({**values, "amount": refused})
                promise = Promise.with_user(collector).create({**values, "amount": accepted})
                self.assertEqual(promise.state, "open")
        manager = new_test_user(self.env, login="jefa",
                                groups="account.group_account_invoice,account_cobranza.group_cobranza_manager")
        self.assertEqual(Promise.with_user(manager).create({**values, "amount": 100.0}).approved_by_id, manager,
                         "a Collections Manager may accept less")

    def test_dispute_responsible_is_a_person(self):
        bot = self.env.ref("base.user_root")
        self.overdue.invoice_user_id = bot  # created by a cron or an import
        collector = new_test_user(self.env, login="cobrador_1", groups="account_cobranza.group_cobranza_user")
        responsible = new_test_user(self.env, login="responsable", groups="account_cobranza.group_cobranza_manager")
        self.env.ref("account_cobranza.cobranza_policy_default").responsible_id = responsible
        self.authenticate("cliente_portal", "cliente_portal")
        for assigned, expected in ((collector, collector), (self.env["res.users"], responsible)):
            with self.subTest(collector=assigned.login):
                self.customer.cobranza_collector_id = assigned
                self._post("/my/statement/dispute", {"move_id": str(self.overdue.id), "reason": "wrong_amount",
                                                     "description": "El monto no corresponde"})
                dispute = self.env["cobranza.dispute"].search([("move_id", "=", self.overdue.id), ("state", "=", "open")])
                self.assertEqual(dispute.user_id, expected)
                self.assertEqual(dispute.activity_ids.user_id, expected)
                dispute.resolution = "Revisado"
                dispute.action_reject()
        self.env.ref("account_cobranza.cobranza_policy_default").responsible_id = bot
        dispute = self.env["cobranza.dispute"].with_user(self.portal_user).sudo().create({
            "move_id": self.overdue.id, "reason": "other", "description": "x"})
        self.assertTrue(dispute.user_id, "a manager when nobody else is a person")
        self.assertNotEqual(dispute.user_id, bot)
        self.assertFalse(dispute.user_id.share)


@tagged("post_install", "-at_install")
class TestPortalRouteFuzz(HostileCase):
    """Every route of the portal controller, read from the controller itself (a new route is
    fuzzed without touching this test), as a visitor, another customer and the owner, with
    hostile values in every parameter."""

    HOSTILE = {
        "empty": "", "whitespace": "   ", "nan": "NaN", "inf": "inf", "negative": "-1", "huge": "1e308",
        "long": "9" * 10_000, "html": "<script>alert('x')</script><img src=x onerror=alert(1)>",
        # well-formed but extreme
        "far date": "9999-12-31", "old date": "0001-01-01", "big id": "99999999999",
    }
    JSON_HOSTILE = {"object": {"x": 1}, "list": [1, 2], "true": True, "huge number": 10 ** 30}
    MALFORMED = ("nan", "inf", "negative", "huge", "long", "html", "object", "list")
    # what the forms and the payment form ask for: a malformed value there is always refused,
    # in a form with the one generic message
    TYPED = {"amount", "date", "installment_count", "first_date", "down_payment", "hour_from", "hour_to",
             "preferred_channel", "reason", "provider_id", "payment_method_id", "flow"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company_2 = cls.env["res.company"].create({"name": "Otra Empresa Ltda", "currency_id": cls.env.company.currency_id.id})
        cls.env["account.chart.template"].try_loading("generic_coa", company_2, install_demo=False)
        cls.foreign_company_move = cls.env["account.move"].with_company(company_2).create({
            "move_type": "out_invoice", "partner_id": cls.customer.id, "company_id": company_2.id,
            "invoice_date": fields.Date.today(), "invoice_date_due": fields.Date.today(),
            "invoice_line_ids": [Command.create({"name": "Otra", "price_unit": 10.0, "tax_ids": []})],
        })
        cls.foreign_company_move.action_post()
        cls.HOSTILE = {**cls.HOSTILE, "another customer's id": str(cls.other.id),
                       "another company's id": str(cls.foreign_company_move.id)}

    def _routes(self):
        """``(url pattern, routing, function)`` of every route CobranzaPortal declares."""
        for member in vars(CobranzaPortal).values():
            routing = getattr(member, "original_routing", None)
            if routing:
                for url in routing["routes"]:
                    yield url, routing, member.original_endpoint

    def _fingerprint(self):
        self.env.flush_all()
        tables = ("cobranza_promise", "cobranza_dispute", "cobranza_payment_plan", "cobranza_payment_plan_line",
                  "payment_transaction", "payment_token", "mail_activity", "mail_message", "ir_attachment")
        result = {}
        for table in tables:
            self.env.cr.execute(f"SELECT count(*), max(write_date) FROM {table}")  # noqa: SQL injection: constants
            result[table] = self.env.cr.fetchone()
        self.env.cr.execute("SELECT write_date FROM res_partner WHERE id = %s", [self.customer.id])
        result["customer"] = self.env.cr.fetchone()
        result["transaction ids"] = self._transaction_sequence()
        return result

    def test_every_route_holds(self):
        # the plan's routes need a plan; the overdue invoice stays free to promise, dispute and plan
        plan = self.env["cobranza.payment.plan"].create({
            "partner_id": self.customer.id, "move_ids": [Command.set(self.not_due.ids)], "installment_count": 2,
            "first_date": fields.Date.today() + timedelta(days=5)})
        plan.action_confirm()
        valid = {
            "move_ids": str(self.overdue.id), "move_id": str(self.overdue.id), "plan_id": str(plan.id),
            "date": fields.Date.to_string(fields.Date.today() + timedelta(days=5)), "amount": "",
            "reason": "other", "description": "Algo no cuadra", "installment_count": "2",
            "first_date": fields.Date.to_string(fields.Date.today() + timedelta(days=10)), "down_payment": "",
            "preferred_channel": "email", "hour_from": "09:00", "hour_to": "18:00", "name": "Marcela Soto",
            "overdue": "1",
        }
        json_valid = {"amount": 700.0, "provider_id": self.provider.id, "payment_method_id": self.payment_method.id,
                      "token_id": None, "flow": "direct", "tokenization_requested": False, "landing_route": "/",
                      "is_validation": False, "payment_reference": "INV", "csrf_token": "x"}
        identities = {"visitor": None, "another customer": "otro_portal", "owner": "cliente_portal"}
        messages = {}  # (url, parameter) -> error messages of malformed values
        routes = list(self._routes())
        self.assertGreaterEqual(len(routes), 12, "the controller's routes are read")
        requests = 0
        for pattern, routing, function in routes:
            path_params = re.findall(r"<(?:\w+:)?(\w+)>", pattern)
            params = [name for name, p in inspect.signature(function).parameters.items()
                      if p.kind is p.POSITIONAL_OR_KEYWORD and name not in ("self", *path_params)]
            is_json = routing["type"] == "json"
            hostile = {**self.HOSTILE, **(self.JSON_HOSTILE if is_json else {})}
            for method in (["POST"] if is_json else routing.get("methods") or ["GET"]):
                for who, login in identities.items():
                    self.authenticate(login, login)
                    token = self._token(plan if re.search("plan|accept|agreement", pattern) else self.overdue)
                    path = {"token": token, "plan_id": str(plan.id), "move_id": str(self.overdue.id)}
                    for param in [*path_params, *params, "unexpected"]:
                        for kind, value in hostile.items():
                            args = {**(json_valid if is_json else valid), "access_token": token, **path,
                                    param: value}
                            # in debug mode Odoo's error pages show their traceback: none may be reached
                            url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: quote(str(args[m.group(1)]), safe=""),
                                         pattern) + "?debug=1"
                            form = {name: args[name] for name in [*params, "unexpected"] if name in args}
                            with self.subTest(route=pattern, method=method, who=who, param=param, kind=kind):
                                before = self._fingerprint()
                                with self.env.cr.savepoint() as savepoint:
                                    if is_json:
                                        refused, message = self._send_json(url, form)
                                    else:
                                        refused, message = self._send(url, method, form)
                                    requests += 1
                                    if refused:
                                        self.assertEqual(self._fingerprint(), before, "a refused request changed data")
                                    savepoint.rollback()
                                self.env.invalidate_all()
                                if param in self.TYPED and kind in self.MALFORMED and (is_json or who == "owner"):
                                    self.assertTrue(refused, "a malformed value was accepted")
                                    messages.setdefault((pattern, param), set()).add(message)
        for (pattern, param), texts in messages.items():
            with self.subTest(route=pattern, param=param):
                self.assertEqual(len(texts), 1, f"one message for one kind of mistake: {texts}")
                if not pattern.startswith("/cobranza/transaction"):
                    self.assertEqual(texts, {GENERIC}, "malformed numbers and dates: the generic message")
        self.assertGreater(requests, 1500)

    def _send_json(self, url, params):
        """Call the JSON route; ``(refused, message)``."""
        response = self._json(url, params)
        self.assertNoLeak(response)
        if response.status_code == 404:  # no such route (an empty token)
            return True, None
        error = response.json().get("error")
        return bool(error), error and error["data"]["message"]

    def _send(self, url, method, form):
        """Send one request to a page or form; ``(refused, message)``."""
        if method == "POST":
            response = self._post(url, form)
        else:
            response = self.url_open(f"{url}&{urlencode(form)}", allow_redirects=False)
        self.assertNoLeak(response)
        self.assertNotIn("<script>alert('x')</script>", response.text, "hostile HTML reflected as is")
        if response.status_code >= 400 or "/web/login" in response.headers.get("Location", ""):
            return True, None
        if response.is_redirect and method == "POST":
            message = self._feedback(response)
            return bool(message), message
        return False, None
