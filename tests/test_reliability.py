"""Reliability of the path from decision to delivery, against real Odoo processes.

Each test commits its own company, customers and invoices in the test database, then starts
``odoo shell`` processes on it: one killed with SIGKILL in the middle of a run or a dispatch,
two running the same date (or dispatching) at the same moment, a mail queue sending to a real
SMTP server on localhost that is stopped and started again. A killed process is stopped at its
kill point first, so that the test reads from the database the state the kill interrupts; racing
processes meet at a barrier before their work and record when they did it, so that the test
sees they worked at the same time. Run by ``make test`` in a suite of
their own (tag ``account_cobranza_reliability``), on a database nobody else uses.
"""
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import date, timedelta

from aiosmtpd.controller import Controller

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, get_db_name, tagged
from odoo.tools import config

RUN_DATE = date(2026, 3, 16)
# what a script run by a process prints for the test to read
RESULT = "COBRANZA-RESULT "


class Inbox:
    """A real SMTP server's handler: keeps what it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((tuple(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@tagged("post_install", "-at_install", "-standard", "account_cobranza_reliability")
class ReliabilityCase(BaseCase):
    """Committed data and real processes (see the module's docstring)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())

    @contextmanager
    def committed(self):
        """An environment whose work is committed when the block ends."""
        with self.registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, {})

    def _company(self, customers=40, due=RUN_DATE):
        """A new company (chart, default policy) with `customers` customers that each owe one
        invoice due on `due`: the run for that date emails each of them once."""
        tag = f"{self._testMethodName}-{time.monotonic_ns()}"
        with self.committed() as env:
            company = env["res.company"].create({"name": f"Confiable {tag}", "email": "cobranza@confiable.example.com"})
            env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
            env.user.company_ids = [Command.link(company.id)]
            company.cobranza_policy_id = env.ref("account_cobranza.cobranza_policy_default")
            partners = env["res.partner"].create([
                {"name": f"Cliente {n:03d} {tag}", "email": f"c{n}.{tag.lower()}@example.com", "is_company": True}
                for n in range(customers)])
            moves = env["account.move"].with_company(company).create([{
                "move_type": "out_invoice", "partner_id": partner.id, "company_id": company.id,
                "invoice_date": due - timedelta(days=30), "invoice_date_due": due,
                "invoice_line_ids": [Command.create({"name": "Servicio", "price_unit": 100.0 + n, "tax_ids": []})],
            } for n, partner in enumerate(partners)])
            moves.action_post()
            return company.id, partners.ids

    def _barrier(self, parties):
        """A barrier for `parties` processes (the ``barrier`` value of their scripts)."""
        directory = f"{config['data_dir']}/barrier-{self._testMethodName}-{time.monotonic_ns()}"
        os.makedirs(directory)
        return (directory, parties)

    def _odoo(self, script, **values):
        """Start an ``odoo shell`` process on the test database running `script` (Python, with
        ``env`` and the given `values` as variables, and ``cobranza_barrier()``, ``stop_here()``
        of HELPERS); returns the process."""
        values.setdefault("barrier", None)
        values.setdefault("kill_marker", None)
        db = get_db_name()
        args = [sys.executable, "-m", "odoo", "shell", "-d", db, "--no-http", "--log-level=warn",
                f"--addons-path={config['addons_path']}", f"--data-dir={config['data_dir']}"]
        for key, flag in (("db_host", "--db_host"), ("db_port", "--db_port"), ("db_user", "--db_user"),
                          ("db_password", "--db_password")):
            if config.get(key):
                args.append(f"{flag}={config[key]}")
        header = "".join(f"{name} = {value!r}\n" for name, value in values.items())
        footer = "\nenv.cr.commit()\n"
        proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True)
        proc.stdin.write(header + HELPERS + script + footer)
        proc.stdin.close()
        proc.stdin = None  # written: communicate() only reads the output
        return proc

    def _daily_run(self, company_id, batch_size, kill_at=None, barrier=None):
        """A process running the day's run of the company as the cron does (script RUN); with
        `kill_at`, it stops there (see _at_kill_point)."""
        marker = kill_at and f"{config['data_dir']}/kill-point-{time.monotonic_ns()}"
        return self._odoo(RUN, company_id=company_id, run_date=str(RUN_DATE), batch_size=batch_size,
                          kill_at=kill_at, kill_marker=marker, barrier=barrier), marker

    def _wait(self, proc, timeout=240):
        """The process's exit status, results and output; it must end within `timeout` seconds,
        or it is killed and the test fails."""
        try:
            output, _err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _err = proc.communicate()
            self.fail(f"the worker did not end within {timeout} s and was killed: {output[-2000:]}")
        results = [json.loads(line[len(RESULT):]) for line in output.splitlines() if line.startswith(RESULT)]
        return proc.returncode, results, output

    @contextmanager
    def _at_kill_point(self, proc, marker, timeout=240):
        """The process stopped at its kill point (``stop_here()``: it wrote `marker` and waits):
        the block reads the database as the process leaves it, then the process is killed with
        SIGKILL; yields a committed environment."""
        for _tick in range(timeout * 20):
            if os.path.exists(marker) or proc.poll() is not None:
                break
            time.sleep(0.05)
        if not os.path.exists(marker):
            if proc.poll() is None:
                proc.kill()
            output, _err = proc.communicate()
            self.fail(f"the worker never reached its kill point (exit {proc.returncode}): {output[-2000:]}")
        try:
            with self.committed() as env:
                yield env
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=60)
            os.unlink(marker)

    def assertWorkedAtOnce(self, windows):
        """`windows`: per worker, the (start, end) moments of its pieces of work. Each worker
        did some, and a piece of one overlapped a piece of the other."""
        self.assertTrue(all(windows), f"each worker did some of the work: {windows}")
        first, second = windows
        self.assertTrue(any(a0 < b1 and b0 < a1 for a0, a1 in first for b0, b1 in second),
                        f"the workers worked at the same time: {windows}")

    def _contacts(self, env, partner_ids, **domain):
        return env["cobranza.contact"].search([("partner_id", "in", partner_ids),
                                               *[(k, "=", v) for k, v in domain.items()]])

    def assertEachCustomerEmailedOnce(self, partner_ids):
        """One email contact per customer, sent, with exactly one message and one mail."""
        with self.committed() as env:
            contacts = self._contacts(env, partner_ids, channel="email")
            self.assertEqual(sorted(contacts.partner_id.ids), sorted(partner_ids), "one email contact each")
            self.assertEqual(set(contacts.mapped("state")), {"sent"}, "none left planned, none failed")
            self.assertFalse(self._contacts(env, partner_ids).filtered(lambda c: c.state == "planned" and c.action != "letter"))
            messages = env["mail.message"].search([("model", "=", "res.partner"), ("res_id", "in", partner_ids),
                                                   ("message_type", "=", "comment")])
            self.assertEqual(len(messages), len(partner_ids), "one reminder in each customer's chatter")
            mails = env["mail.mail"].search([("mail_message_id", "in", messages.ids)])
            self.assertEqual(sorted(mails.mail_message_id.ids), sorted(messages.ids), "one queued mail each")
            self.assertEqual(len(mails), len(partner_ids))


# What every script can call: the barrier of racing processes (all go at once once each has
# loaded Odoo), the kill point of a process the test kills (it tells the test and waits), and
# a method wrapped to record when each call worked.
HELPERS = """
import os as _os, time as _time
def cobranza_barrier():
    if not barrier:
        return
    directory, parties = barrier
    open(_os.path.join(directory, str(_os.getpid())), "w").close()
    for _tick in range(200000):
        if len(_os.listdir(directory)) >= parties:
            return
        _time.sleep(0.001)
    raise SystemExit("the other workers never reached the barrier")
def stop_here():
    open(kill_marker, "w").close()
    _time.sleep(3600)  # killed by the test (SIGKILL) once it has read the database
def record_windows(model, method, windows):
    Model = type(env[model])
    original = getattr(Model, method)
    def recorded(*args, **kwargs):
        started = _time.time()
        result = original(*args, **kwargs)
        windows.append((started, _time.time()))
        return result
    setattr(Model, method, recorded)
"""

# The script of a daily run as the cron makes it: batches and chunks committed one by one.
RUN = """
import json
windows = []
record_windows("cobranza.run.batch", "_decide", windows)
if kill_at:
    # stop like a worker about to be killed: before the `count`-th commit, or right after
    # the `count`-th call of a method (its work done, not committed)
    what, count = kill_at
    calls = {"n": 0}
    if what == "commit":
        real_commit = env.cr.commit
        def commit():
            calls["n"] += 1
            if calls["n"] >= count:
                stop_here()
            real_commit()
        env.cr.commit = commit
    else:
        model, method = what.rsplit(".", 1)
        Model = type(env[model])
        original = getattr(Model, method)
        def dying(*args, **kwargs):
            result = original(*args, **kwargs)
            calls["n"] += 1
            if calls["n"] >= count:
                stop_here()
            return result
        setattr(Model, method, dying)
cobranza_barrier()
company = env["res.company"].browse(company_id)
run = env["cobranza.run"].sudo().with_company(company).create({"date": run_date, "company_id": company.id})
run._process(commit=True, batch_size=batch_size)
print("COBRANZA-RESULT", json.dumps({"errors": run.error_count, "contacted": run.action_count, "windows": windows}))
"""

DISPATCH = """
import json
windows = []
record_windows("cobranza.contact", "_carry_out", windows)
cobranza_barrier()
done = env["cobranza.contact"].sudo()._dispatch(commit=True, chunk_size=chunk_size)
print("COBRANZA-RESULT", json.dumps({"ids": done.ids, "windows": windows}))
"""


class TestCrashesAndRaces(ReliabilityCase):

    def test_a_killed_run_is_finished_by_the_next_one(self):
        """SIGKILL before a batch's decisions are committed, between the decisions and their
        delivery, and in the middle of a chunk of emails: the next run finishes the day with
        every customer emailed exactly once."""
        # the commits of such a run: the list of customers, then for each batch of 10 its
        # claim, its decisions, the dispatcher's fresh start, its chunk of emails and the batch
        # done. Each kill point with what the database holds when the worker is killed: the
        # first batch's 10 customers emailed, the second batch's emails planned (decided) or
        # not, the batches' states.
        for kill_at, planned, batches in (
                (("commit", 6), 0, ["running", "todo", "todo", "todo"]),  # the first batch delivered, not done
                (("commit", 10), 10, ["done", "running", "todo", "todo"]),  # the second batch decided, not delivered
                (("cobranza.run.batch._decide", 2), 0, ["done", "running", "todo", "todo"]),  # being decided
                (("cobranza.contact._queue_emails", 2), 10, ["done", "running", "todo", "todo"])):  # being queued
            with self.subTest(kill_at=kill_at):
                company_id, partner_ids = self._company(customers=40)
                proc, marker = self._daily_run(company_id, 10, kill_at=kill_at)
                with self._at_kill_point(proc, marker) as env:
                    emails = self._contacts(env, partner_ids, channel="email")
                    states = sorted((c.state, bool(c.dispatched_at), c.delivery_status) for c in emails)
                    self.assertEqual(len(emails.filtered(lambda c: c.state == "sent")), 10,
                                     f"the first batch sent: {states}")
                    self.assertEqual(len(emails.filtered(lambda c: c.state == "planned" and not c.dispatched_at)),
                                     planned, f"the second batch's emails decided, none sent: {states}")
                    self.assertEqual(len(emails), 10 + planned, f"nothing else committed: {states}")
                    run = env["cobranza.run"].search([("company_id", "=", company_id)])
                    self.assertEqual(run.state, "running")
                    self.assertEqual(sorted(run.batch_ids.mapped("state")), sorted(batches))
                code, _results, output = self._wait(proc)
                self.assertEqual(code, -9, f"the worker was killed: {output[-2000:]}")
                code, results, output = self._wait(self._daily_run(company_id, 10)[0])
                self.assertEqual((code, results[0]["errors"]), (0, 0), output[-2000:])
                self.assertEachCustomerEmailedOnce(partner_ids)

    def test_two_workers_run_the_same_date_at_once(self):
        company_id, partner_ids = self._company(customers=60)
        barrier = self._barrier(2)  # both go once both have loaded Odoo
        procs = [self._daily_run(company_id, 5, barrier=barrier)[0] for _n in range(2)]
        outcomes = [self._wait(proc) for proc in procs]
        for code, results, output in outcomes:
            self.assertEqual((code, results[0]["errors"]), (0, 0), output[-2000:])
        self.assertEqual(sum(results[0]["contacted"] for _code, results, _output in outcomes), len(partner_ids),
                         "the customers were shared between the two runs")
        self.assertWorkedAtOnce([results[0]["windows"] for _code, results, _output in outcomes])
        self.assertEachCustomerEmailedOnce(partner_ids)

    def test_a_customer_held_by_another_transaction_is_left_to_the_next_run(self):
        """A customer row another transaction holds (an invoice being posted updates it) is
        not waited for: tried again at the end of the run, then counted as skipped and
        contacted by the next run."""
        company_id, partner_ids = self._company(customers=6)
        with self.registry.cursor() as cr:
            cr.execute("SELECT id FROM res_partner WHERE id = %s FOR NO KEY UPDATE", [partner_ids[0]])
            code, results, output = self._wait(self._daily_run(company_id, 2)[0])
            cr.rollback()
        self.assertEqual((code, results[0]["errors"], results[0]["contacted"]), (0, 0, 5), output[-2000:])
        with self.committed() as env:
            self.assertFalse(self._contacts(env, partner_ids[:1]))
            run = env["cobranza.run"].search([("company_id", "=", company_id)], limit=1)
            self.assertEqual(run.skipped_count, 1)
            self.assertIn("held by another worker", run.log)
        code, results, output = self._wait(self._daily_run(company_id, 2)[0])
        self.assertEqual((code, results[0]["contacted"]), (0, 1), output[-2000:])
        self.assertEachCustomerEmailedOnce(partner_ids)

    def test_two_dispatchers_at_once(self):
        company_id, partner_ids = self._company(customers=60)
        with self.committed() as env:  # decided, not delivered
            run = env["cobranza.run"].with_company(company_id).create({"date": RUN_DATE, "company_id": company_id})
            Contact = type(env["cobranza.contact"])
            original, Contact._dispatch = Contact._dispatch, lambda self, *args, **kwargs: self.browse()
            try:
                run._process()
            finally:
                Contact._dispatch = original
            planned = self._contacts(env, partner_ids, action="email", state="planned")
            self.assertEqual(len(planned), len(partner_ids))
        barrier = self._barrier(2)
        procs = [self._odoo(DISPATCH, barrier=barrier, chunk_size=4) for _n in range(2)]
        outcomes = [self._wait(proc) for proc in procs]
        taken = []
        for code, results, output in outcomes:
            self.assertEqual(code, 0, output[-2000:])
            taken.append(set(results[0]["ids"]) & set(planned.ids))
        self.assertWorkedAtOnce([results[0]["windows"] for _code, results, _output in outcomes])
        self.assertFalse(taken[0] & taken[1], "no contact taken by both dispatchers")
        self.assertEqual(taken[0] | taken[1], set(planned.ids))
        self.assertEachCustomerEmailedOnce(partner_ids)


# A dispatcher whose WhatsApp calls are faked at the paid API's boundary: each call is written
# down; with `kill_after`, the process stops right after that call (the message left) and is
# killed by the test.
WHATSAPP = """
Company = type(env["res.company"])
def send(self, number, template, lang, parameters):
    with open(calls_file, "a") as calls:
        calls.write(number + "\\n")
    with open(calls_file) as calls:
        count = len(calls.readlines())
    if count == kill_after:
        stop_here()
    return f"wamid.{count}"
Company._cobranza_whatsapp_send = send
Company._cobranza_whatsapp_ready = lambda self: True
env["cobranza.contact"].sudo()._dispatch(commit=True, chunk_size=chunk_size)
"""


class TestWhatsAppAtMostOnce(ReliabilityCase):

    def test_a_worker_killed_during_a_call_never_sends_twice(self):
        """Emails and WhatsApp messages in the same chunks of a committing dispatcher; the
        worker is killed right after the third WhatsApp call. The next dispatcher sends the
        rest; the interrupted message is never sent again, and later shows as failed."""
        company_id, partner_ids = self._company(customers=8)
        with self.committed() as env:
            company = env["res.company"].browse(company_id)
            policy = env["cobranza.policy"].create({"name": "WhatsApp", "company_id": company_id, "level_ids": [
                Command.create({"name": "Aviso", "offset_days": 0, "send_whatsapp": True,
                                "whatsapp_template_name": "recordatorio_pago"})]})
            partners = env["res.partner"].browse(partner_ids)
            for n, partner in enumerate(partners):
                partner.mobile = f"+56 9 6100 {n:04d}"
            env["cobranza.contact"]._plan([{
                "partner_id": partner.id, "company_id": company.id, "channel": channel, "action": channel,
                "channel_reason": "person", "level_id": policy.level_ids.id,
                "subject": "Recordatorio", "body": "<p>Su factura está vencida.</p>",
            } for partner in partners for channel in ("email", "whatsapp")])
        calls_file = f"{config['data_dir']}/whatsapp-calls-{time.monotonic_ns()}.txt"
        marker = f"{calls_file}.kill-point"
        proc = self._odoo(WHATSAPP, calls_file=calls_file, kill_after=3, chunk_size=4, kill_marker=marker)
        with self._at_kill_point(proc, marker) as env:
            with open(calls_file) as calls:
                self.assertEqual(len(calls.readlines()), 3, "killed right after the third call")
            whatsapp = self._contacts(env, partner_ids, action="whatsapp")
            sending = whatsapp.filtered(lambda c: c.delivery_status == "sending")
            self.assertEqual((len(sending), sending.state), (1, "planned"),
                             "the message of the call marked being sent, committed before the call")
            self.assertEqual(len(whatsapp.filtered(lambda c: c.state == "sent")), 2, "the two calls before")
        code, _results, output = self._wait(proc)
        self.assertEqual(code, -9, f"the worker was killed: {output[-2000:]}")
        code, _results, output = self._wait(self._odoo(WHATSAPP, calls_file=calls_file, kill_after=0, chunk_size=4))
        self.assertEqual(code, 0, output[-2000:])
        with open(calls_file) as calls:
            numbers = calls.read().split()
        self.assertEqual(len(numbers), len(partner_ids), "one call per customer, none repeated")
        self.assertEqual(len(set(numbers)), len(partner_ids))
        with self.committed() as env:
            whatsapp = self._contacts(env, partner_ids, action="whatsapp")
            interrupted = whatsapp.filtered(lambda c: c.delivery_status == "sending")
            self.assertEqual(len(interrupted), 1, "the message of the killed call")
            self.assertEqual(set((whatsapp - interrupted).mapped("state")), {"sent"})
            self.assertEqual(set(self._contacts(env, partner_ids, action="email").mapped("state")), {"sent"})
            env["cobranza.contact"]._expire_sending(after=timedelta(0))
            self.assertEqual(interrupted.state, "failed")
            self.assertIn("check with the customer", interrupted.delivery_error)


QUEUE = """
env["cobranza.contact"].sudo()._cron_dispatch()
env["mail.mail"].sudo().process_email_queue()
"""


class TestMailServerDown(ReliabilityCase):

    def test_mails_wait_for_the_server_and_are_delivered_once(self):
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's session log
        inbox = Inbox()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        company_id, partner_ids = self._company(customers=8)
        with self.committed() as env:
            env["ir.mail_server"].search([]).active = False
            env["ir.mail_server"].create({"name": "Local SMTP", "smtp_host": "127.0.0.1", "smtp_port": port,
                                          "smtp_encryption": "none", "sequence": 1})
            env["cobranza.run"].run_for_date(RUN_DATE, env["res.company"].browse(company_id))
            emails = {c.partner_id.id: c.partner_id.email for c in self._contacts(env, partner_ids, channel="email")}
        controller.stop()  # the server goes down
        code, _results, output = self._wait(self._odoo(QUEUE))
        self.assertEqual(code, 0, output[-2000:])
        with self.committed() as env:
            contacts = self._contacts(env, partner_ids, channel="email")
            self.assertEqual(set(contacts.mapped("delivery_status")), {"retrying"}, "the contacts show it")
            self.assertEqual(set(contacts.mapped("state")), {"sent"}, "not lost: they will be retried")
            self.assertTrue(all(contacts.mapped("delivery_error")))
        self.assertFalse(inbox.messages)
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()  # back
        try:
            code, _results, output = self._wait(self._odoo(QUEUE))
            self.assertEqual(code, 0, output[-2000:])
            code, _results, output = self._wait(self._odoo(QUEUE))  # nothing more to send
            self.assertEqual(code, 0, output[-2000:])
        finally:
            controller.stop()
        # (the mails other tests left in the queue are delivered too)
        received = sorted(rcpt for rcpts, _content in inbox.messages for rcpt in rcpts if rcpt in emails.values())
        self.assertEqual(received, sorted(emails.values()), "delivered exactly once")
        with self.committed() as env:
            contacts = self._contacts(env, partner_ids, channel="email")
            self.assertEqual(set(contacts.mapped("delivery_status")), {"delivered"})
            self.assertTrue(all(attempts == 1 for attempts in contacts.mapped("delivery_attempts")))


# A cron worker thread's wake-ups; each batch it executes recorded with when it worked on it.
# With a barrier, the workers start their first batches together.
CRON_WORKER = """
import json, time
Batch = type(env["cobranza.run.batch"])
original, executed, windows = Batch._process, [], []
def counting(self, commit=False):
    if not executed:
        cobranza_barrier()
    executed.append(self.id)
    started = time.time()
    result = original(self, commit)
    windows.append((started, time.time()))
    return result
Batch._process = counting
IrCron = type(env["ir.cron"])
for _call in range(calls):  # what a cron worker thread does each time it wakes up
    IrCron._process_jobs(env.cr.dbname)
    time.sleep(2)
print("COBRANZA-RESULT", json.dumps({"batches": executed, "windows": windows}))
"""


class TestScaleOut(ReliabilityCase):
    """The daily run split in batches that Odoo's own cron workers share."""

    def _large_day(self, customers, batch_size, workers):
        """Customers owing an invoice due today in a new company, the run's batches small,
        every other cron of the database left alone, and the daily cron (with `workers`
        extra workers) ready to go."""
        today = date.today()
        company_id, partner_ids = self._company(customers=customers, due=today)
        with self.committed() as env:
            # earlier tests' companies are done with: only this one has a day to run
            env["res.company"].search([("id", "!=", company_id), ("name", "like", "Confiable %")]).active = False
            env["cobranza.run"].search([("state", "=", "running")]).write({"state": "failed"})
            env["ir.config_parameter"].set_param("account_cobranza.run_batch_size", batch_size)
            env["ir.config_parameter"].set_param("account_cobranza.cron_batch_seconds", 0)  # a batch a call
            daily = env.ref("account_cobranza.ir_cron_cobranza_daily_run")
            extra = env.ref("account_cobranza.ir_cron_cobranza_run_worker_1") | env.ref(
                "account_cobranza.ir_cron_cobranza_run_worker_2")
            env["ir.cron"].search([("id", "not in", (daily | extra).ids)]).nextcall = "2099-01-01 00:00:00"
            daily.write({"active": True, "nextcall": "2000-01-01 00:00:00"})
            extra[:workers].write({"active": True, "nextcall": "2099-01-01 00:00:00"})
            extra[workers:].write({"active": False})
        return company_id, partner_ids

    def _day_run(self, env, company_id):
        return env["cobranza.run"].search([("company_id", "=", company_id), ("cron", "=", True)])

    def test_two_cron_workers_share_a_large_day(self):
        company_id, partner_ids = self._large_day(customers=60, batch_size=4, workers=1)
        # the daily cron (in one process) plans the day and wakes the extra worker, which the
        # other process takes: both start on their first batches together and work the
        # batches until none is left
        barrier = self._barrier(2)
        first, second = (self._odoo(CRON_WORKER, barrier=barrier, calls=4) for _n in range(2))
        outcomes = [self._wait(proc, timeout=400) for proc in (first, second)]
        for code, results, output in outcomes:
            self.assertEqual(code, 0, output[-2000:])
        executed = [results[0]["batches"] for _code, results, _output in outcomes]
        with self.committed() as env:
            run = self._day_run(env, company_id)
            self.assertEqual(len(run), 1)
            self.assertEqual(run.state, "done")
            self.assertTrue(all(executed), f"both workers took batches: {executed}")
            self.assertWorkedAtOnce([results[0]["windows"] for _code, results, _output in outcomes])
            ours = [batch for batch in executed[0] + executed[1] if batch in run.batch_ids.ids]
            self.assertEqual(sorted(ours), sorted(run.batch_ids.ids), "each batch once")
            self.assertEqual(run.partner_count, len(partner_ids))
            self.assertEqual(run.action_count, len(partner_ids))
        self.assertEachCustomerEmailedOnce(partner_ids)

    def test_the_daily_cron_works_a_day_over_several_calls(self):
        company_id, partner_ids = self._large_day(customers=30, batch_size=2, workers=0)
        code, results, output = self._wait(self._odoo(CRON_WORKER, calls=3), timeout=400)
        self.assertEqual(code, 0, output[-2000:])
        with self.committed() as env:
            run = self._day_run(env, company_id)
            self.assertEqual(len(run.batch_ids), 15)
            self.assertEqual(sorted(b for b in results[0]["batches"] if b in run.batch_ids.ids),
                             sorted(run.batch_ids.ids))
            self.assertEqual(run.state, "done")
            daily = env.ref("account_cobranza.ir_cron_cobranza_daily_run")
            progress = env["ir.cron.progress"].search([("cron_id", "=", daily.id)])
            # a batch per call, Odoo calling again while work remains (10 times a wake-up)
            self.assertGreaterEqual(len(progress), 15)
            self.assertEqual(sorted(progress.mapped("remaining"))[:1], [0])
        self.assertEachCustomerEmailedOnce(partner_ids)


# A charging worker whose provider calls are written down (Odoo's demo provider answers at
# once); with `kill_after`, the process stops right after that call returned, before its
# answer is recorded, and is killed by the test.
CHARGE = """
import json
from datetime import date as _date
windows = []
record_windows("cobranza.payment.plan.line", "_autopay_charge", windows)
Tx = type(env["payment.transaction"])
original_send = Tx._send_payment_request
def send(self):
    with open(calls_file, "a") as calls:
        calls.write(self.reference + "\\n")
    original_send(self)
    with open(calls_file) as calls:
        count = len(calls.readlines())
    if count == kill_after:
        stop_here()
Tx._send_payment_request = send
cobranza_barrier()
charges = env["cobranza.charge"].sudo()._charge_due(_date.fromisoformat(charge_date), batch_size=batch_size,
                                                    commit=True)
print("COBRANZA-RESULT", json.dumps({"ids": charges.ids, "windows": windows}))
"""


class TestChargesAtMostOnce(ReliabilityCase):
    """Installments charged to saved payment methods (Odoo's demo provider) by real workers."""

    def _plans_with_cards(self, customers):
        """A company whose `customers` each pay a plan of 3 installments automatically, the
        first due tomorrow; returns (company id, first installment ids, charge date)."""
        company_id, partner_ids = self._company(customers=customers, due=date.today() - timedelta(days=10))
        first = date.today() + timedelta(days=1)
        with self.committed() as env:
            company = env["res.company"].browse(company_id)
            provider = env.ref("payment.payment_provider_demo").copy(
                {"company_id": company_id, "name": f"Demo {company.name}"})
            provider.write({"state": "test", "allow_tokenization": True})
            self.assertTrue(provider.journal_id, "its journal and payment method line, as its form creates them")
            lines = env["cobranza.payment.plan.line"]
            for partner in env["res.partner"].browse(partner_ids):
                moves = env["account.move"].search([("partner_id", "=", partner.id), ("state", "=", "posted")])
                plan = env["cobranza.payment.plan"].with_company(company).create({
                    "partner_id": partner.id, "company_id": company_id, "move_ids": [Command.set(moves.ids)],
                    "installment_count": 3, "first_date": first})
                plan.action_confirm()
                card = env["payment.token"].create({
                    "provider_id": provider.id, "payment_method_id": env.ref("payment_demo.payment_method_demo").id,
                    "partner_id": partner.id, "payment_details": "4242", "provider_ref": f"demo-{partner.id}",
                    "demo_simulated_state": "done"})
                env["cobranza.autopay"].create({"plan_id": plan.id, "token_id": card.id, "retry_days": "1, 3, 7"})
                plan.line_ids._autopay_schedule()
                lines |= plan.line_ids[0]
            return company_id, lines.ids, str(first)

    def _invoices_with_cards(self, customers):
        """A company whose `customers` each chose to have their invoices charged on their due
        dates and owe one invoice due tomorrow; returns (invoice ids, charge date)."""
        due = date.today() + timedelta(days=1)
        company_id, partner_ids = self._company(customers=customers, due=due)
        with self.committed() as env:
            provider = env.ref("payment.payment_provider_demo").copy(
                {"company_id": company_id, "name": f"Demo {company_id}"})
            provider.write({"state": "test", "allow_tokenization": True})
            self.assertTrue(provider.journal_id)
            for partner_id in partner_ids:
                card = env["payment.token"].create({
                    "provider_id": provider.id, "payment_method_id": env.ref("payment_demo.payment_method_demo").id,
                    "partner_id": partner_id, "payment_details": "4242", "provider_ref": f"demo-{partner_id}",
                    "demo_simulated_state": "done"})
                env["cobranza.autopay"].create({
                    "partner_id": partner_id, "company_id": company_id, "token_id": card.id, "retry_days": "1, 3, 7",
                    "accepted_date": fields.Datetime.now() - timedelta(days=1)})
            moves = env["account.move"].search([("partner_id", "in", partner_ids), ("move_type", "=", "out_invoice")])
            return moves.ids, str(due)

    def test_two_workers_at_once_charge_each_invoice_once(self):
        move_ids, charge_date = self._invoices_with_cards(10)
        calls_file = f"{config['data_dir']}/charge-calls-{time.monotonic_ns()}.txt"
        barrier = self._barrier(2)
        procs = [self._charging(charge_date, calls_file, barrier=barrier) for _n in range(2)]
        for code, _results, output in [self._wait(proc) for proc in procs]:
            self.assertEqual(code, 0, output[-2000:])
        self.assertEqual(len(self._calls(calls_file)), len(move_ids), "one provider call per invoice")
        with self.committed() as env:
            moves = env["account.move"].browse(move_ids)
            self.assertEqual(set(moves.mapped("payment_state")) - {"paid", "in_payment"}, set(), "each paid")
            charges = env["cobranza.charge"].search([("move_id", "in", move_ids)])
            self.assertEqual(sorted(charges.move_id.ids), sorted(move_ids), "one charge each")
            self.assertEqual(len(charges), len(move_ids))

    def _charging(self, charge_date, calls_file, kill_after=0, barrier=None, batch_size=3, marker=None):
        return self._odoo(CHARGE, charge_date=charge_date, calls_file=calls_file, kill_after=kill_after,
                          barrier=barrier, batch_size=batch_size, kill_marker=marker)

    def _calls(self, calls_file):
        with open(calls_file) as calls:
            return calls.read().split()

    def test_two_workers_at_once_charge_each_installment_once(self):
        _company_id, line_ids, charge_date = self._plans_with_cards(12)
        calls_file = f"{config['data_dir']}/charge-calls-{time.monotonic_ns()}.txt"
        barrier = self._barrier(2)
        procs = [self._charging(charge_date, calls_file, barrier=barrier) for _n in range(2)]
        outcomes = [self._wait(proc) for proc in procs]
        for code, _results, output in outcomes:
            self.assertEqual(code, 0, output[-2000:])
        self.assertWorkedAtOnce([results[0]["windows"] for _code, results, _output in outcomes])
        self.assertEqual(len(self._calls(calls_file)), len(line_ids), "one provider call per installment")
        with self.committed() as env:
            lines = env["cobranza.payment.plan.line"].browse(line_ids)
            self.assertEqual(set(lines.mapped("autopay_state")), {"paid"})
            self.assertEqual([len(line.charge_ids) for line in lines], [1] * len(line_ids))
            payments = lines.charge_ids.transaction_id.payment_id
            self.assertEqual(len(payments), len(line_ids), "one payment each")
            for line in lines:
                self.assertAlmostEqual(sum(line.plan_id.move_ids.mapped("amount_residual")),
                                       line.plan_id.total_amount - line.amount, msg="charged once")

    def test_a_worker_killed_between_the_call_and_the_record_never_charges_twice(self):
        _company_id, line_ids, charge_date = self._plans_with_cards(6)
        calls_file = f"{config['data_dir']}/charge-calls-{time.monotonic_ns()}.txt"
        marker = f"{calls_file}.kill-point"
        proc = self._charging(charge_date, calls_file, kill_after=3, marker=marker)
        with self._at_kill_point(proc, marker) as env:
            self.assertEqual(len(self._calls(calls_file)), 3, "killed right after the third call")
            charges = env["cobranza.charge"].search([("line_id", "in", line_ids)])
            self.assertEqual(sorted(charges.mapped("state")), ["charging", "done", "done"],
                             "the third charge committed as sent before its call, its answer not recorded")
            interrupted = charges.filtered(lambda c: c.state == "charging")
            self.assertTrue(interrupted.sent_at)
            self.assertEqual(interrupted.transaction_id.state, "draft")
        code, _results, output = self._wait(proc)
        self.assertEqual(code, -9, f"the worker was killed: {output[-2000:]}")
        with self.committed() as env:  # a quarter of an hour later
            env.cr.execute("UPDATE cobranza_charge SET sent_at = sent_at - interval '1 hour' WHERE id = %s",
                           [interrupted.id])
        code, _results, output = self._wait(self._charging(charge_date, calls_file))
        self.assertEqual(code, 0, output[-2000:])
        calls = self._calls(calls_file)
        self.assertEqual(len(calls), len(line_ids), "one call per installment, the interrupted one never again")
        self.assertEqual(len(set(calls)), len(calls))
        with self.committed() as env:
            lines = env["cobranza.payment.plan.line"].browse(line_ids)
            charge = env["cobranza.charge"].browse(interrupted.id)
            self.assertEqual((charge.state, charge.line_id.autopay_state), ("pending", "pending"),
                             "left to a person, who checks with the provider")
            self.assertTrue(charge.plan_id.activity_ids.filtered(lambda a: charge.key in a.summary))
            self.assertEqual(sorted(lines.mapped("autopay_state")), ["paid"] * (len(line_ids) - 1) + ["pending"])


class TestSnapshotsKnowWhatTheySaw(ReliabilityCase):

    def test_a_change_committed_while_a_snapshot_is_taken_makes_it_stale(self):
        """Two real transactions: a payment dated in the past commits after the snapshot's
        transaction began (so the snapshot cannot see it) but before the snapshot is written.
        Ordering by time or by id would call the snapshot current; what the transaction saw does
        not."""
        company_id, _partners = self._company(customers=3)
        day = RUN_DATE + timedelta(days=5)
        with self.registry.cursor() as cr_snapshot:
            snapshot_env = api.Environment(cr_snapshot, SUPERUSER_ID, {})
            Kpi = snapshot_env["cobranza.kpi"]
            Kpi.backfill(company_id, day - timedelta(days=1), day - timedelta(days=1))  # the transaction's view begins
            with self.committed() as env:  # meanwhile, a payment dated two days before `day`
                invoice = env["account.move"].search([("company_id", "=", company_id)], limit=1)
                env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids) \
                    .create({"payment_date": day - timedelta(days=2)})._create_payments()
            Kpi.backfill(company_id, day, day)  # without that payment, as its transaction sees the ledger
        with self.committed() as env:
            Kpi = env["cobranza.kpi"]
            company = env["res.company"].browse(company_id)
            snapshots = Kpi.search([("company_id", "=", company_id)])
            self.assertEqual(snapshots.filtered(lambda s: s.date == day).ar_total,
                             sum(snapshots.filtered(lambda s: s.date == day - timedelta(days=1)).mapped("ar_total")))
            self.assertEqual(Kpi._held_snapshots(company, [day - timedelta(days=1), day]), {})
            self.assertEqual(Kpi._stale_days(company, day - timedelta(days=1), day), [day, day - timedelta(days=1)])
            Kpi.backfill(company, day - timedelta(days=1), day)
        with self.committed() as env:  # taken again after the payment: they hold, and agree with the ledger
            Kpi = env["cobranza.kpi"]
            company = env["res.company"].browse(company_id)
            held = Kpi._held_snapshots(company, [day - timedelta(days=1), day])
            self.assertEqual(set(held), {day - timedelta(days=1), day})
            self.assertEqual(held[day]["ar_total"], Kpi.compute(company, day - timedelta(days=29), day)["ar_total"])
            self.assertLess(held[day]["ar_total"], 100.0 + 101.0 + 102.0)
