#!/usr/bin/env python3
"""Local Odoo 18.0 environment for account_cobranza.

One entry point behind the Makefile::

    python3 tools/devenv.py run      # set up, install the module with demo data, serve :8069
    python3 tools/devenv.py test     # set up, run every test on throw-away databases
    python3 tools/devenv.py shell    # Odoo shell on the `make run` database
    python3 tools/devenv.py stop     # stop the private PostgreSQL cluster, if we started one
    python3 tools/devenv.py i18n     # refresh i18n/*.pot and merge it into the .po files
    python3 tools/devenv.py bench    # the benchmark (bench/measure.py) on a fresh database, see --help

Set-up is idempotent: the Odoo source tree, the project virtualenv (``.venv``), the
PostgreSQL server and the addons path are checked and only created or refreshed when
missing or out of date.

Environment knobs: ``ODOO_SRC`` (Odoo 18.0 source tree), ``PGHOST``/``PGPORT``/``PGUSER``/
``PGPASSWORD`` (an existing server), ``COBRANZA_PGPORT`` (private cluster port, 54329),
``COBRANZA_DB`` (database of ``make run``, ``cobranza``), ``COBRANZA_HTTP_PORT`` (8069),
``PYTHON`` (interpreter for the virtualenv).
"""
import ast
import hashlib
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import tempfile
import sys
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULE = "account_cobranza"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / MODULE
DEFAULT_ODOO_SRC = CACHE / "odoo-18.0"
ODOO_GIT = "https://github.com/odoo/odoo.git"
STATE = ROOT / ".state"
VENV = ROOT / ".venv"
RESULTS = ROOT / ".test-results"
PYTHON_VERSIONS = ((3, 12), (3, 11), (3, 10))
# Packages with a compiled core: never build them from source, wheels only.
BINARY_ONLY = "gevent,greenlet,lxml,MarkupSafe,Pillow,psutil,psycopg2-binary,cryptography,libsass,reportlab,cbor2,rjsmin"
# Installed beside the module by `make test` and `make run`: a payment provider to pay with
# in the portal (the demo provider).
EXTRA_MODULES = ["payment_demo"]
# The localizations our users run: `make test` installs them next to the module (the
# localization and demo suites); `make run` installs Chile's, the demo company's chart.
L10N_MODULES = ["l10n_cl", "l10n_ar", "l10n_co", "l10n_pe", "l10n_mx"]
RUN_MODULES = EXTRA_MODULES + ["l10n_cl"]
ENABLE_DEMO_PROVIDER = """
base = env.ref('payment.payment_provider_demo')
for company in env['res.company'].search([]):
    provider = env['payment.provider'].search([('code', '=', 'demo'), ('company_id', '=', company.id)], limit=1)
    provider = provider or base.copy({'company_id': company.id})
    provider.write({'state': 'test', 'is_published': True})
env.cr.commit()
"""
RUN_LANG = "es_419"
PRIVATE_PGPORT = int(os.environ.get("COBRANZA_PGPORT", "54329"))


def say(msg):
    print(f"[cobranza] {msg}", flush=True)


def die(msg, code=2):
    print(f"[cobranza] ERROR: {msg}", file=sys.stderr, flush=True)
    sys.exit(code)


def run(cmd, check=True, **kw):
    return subprocess.run(cmd, check=check, **kw)


# --------------------------------------------------------------------------- Odoo source
def odoo_src():
    src = Path(os.environ["ODOO_SRC"]).expanduser() if os.environ.get("ODOO_SRC") else DEFAULT_ODOO_SRC
    release = src / "odoo" / "release.py"
    if not release.exists() and not os.environ.get("ODOO_SRC"):
        clone_odoo(src)
    if not release.exists():
        die(
            f"no Odoo 18.0 source tree at {src} (expected {release}).\n"
            f"  Provide one, either:\n"
            f"    git clone --depth 1 --branch 18.0 {ODOO_GIT} {DEFAULT_ODOO_SRC}\n"
            f"  or unpack an Odoo 18.0 Community source archive there, or point ODOO_SRC at one:\n"
            f"    make test ODOO_SRC=/path/to/odoo-18.0"
        )
    text = release.read_text()
    if not re.search(r"version_info\s*=\s*\(\s*18\s*,\s*0\s*,", text):
        die(f"{src} is not an Odoo 18.0 tree (see {release}).")
    return src


def clone_odoo(dest):
    if not shutil.which("git"):
        return
    say(f"Odoo 18.0 not found at {dest}; trying to clone it from {ODOO_GIT} ...")
    try:
        run(["git", "ls-remote", "--exit-code", ODOO_GIT, "refs/heads/18.0"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
    except (subprocess.SubprocessError, OSError):
        say("the network does not reach GitHub; cannot clone Odoo.")
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        run(["git", "clone", "--depth", "1", "--branch", "18.0", ODOO_GIT, str(tmp)])
        tmp.rename(dest)
    except (subprocess.SubprocessError, OSError) as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        say(f"cloning Odoo failed: {exc}")


def addons_path(src):
    link_dir = STATE / "addons"
    link_dir.mkdir(parents=True, exist_ok=True)
    link = link_dir / MODULE
    if link.is_symlink() and Path(os.readlink(link)) != ROOT:
        link.unlink()
    if not link.exists():
        link.symlink_to(ROOT, target_is_directory=True)
    paths = [src / "addons", src / "odoo" / "addons", link_dir]
    return ",".join(str(p) for p in paths if p.is_dir())


# --------------------------------------------------------------------------- Python
def pick_python():
    candidates = [os.environ["PYTHON"]] if os.environ.get("PYTHON") else [
        "python3.12", "python3.11", "python3.10", "python3"]
    for name in candidates:
        exe = shutil.which(name)
        if not exe:
            continue
        out = subprocess.run([exe, "-c", "import sys; print(*sys.version_info[:2])"],
                             capture_output=True, text=True)
        if out.returncode == 0 and tuple(map(int, out.stdout.split())) in PYTHON_VERSIONS:
            return exe
    die("Odoo 18.0 needs Python 3.10, 3.11 or 3.12 with venv; none was found (set PYTHON=...).")


def venv_python():
    reqs = [ROOT / "requirements.txt", ROOT / "requirements-test.txt"]
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in reqs)).hexdigest()
    stamp = VENV / ".requirements.sha256"
    py = VENV / "bin" / "python"
    if py.exists() and stamp.exists() and stamp.read_text() == digest:
        return py
    if not py.exists():
        say(f"creating virtualenv {VENV}")
        run([pick_python(), "-m", "venv", str(VENV)])
    say("installing pinned Python requirements (wheels) ...")
    pip = [str(py), "-m", "pip", "--disable-pip-version-check", "-q"]
    run(pip + ["install", "--upgrade", "pip", "wheel", "setuptools"])
    run(pip + ["install", "--prefer-binary", "--only-binary", BINARY_ONLY]
        + [a for p in reqs for a in ("-r", str(p))])
    stamp.write_text(digest)
    return py


# --------------------------------------------------------------------------- PostgreSQL
def pg_try(py, params):
    code = (
        "import psycopg2,sys,json; p=json.loads(sys.argv[1]);"
        "c=psycopg2.connect(dbname='postgres', connect_timeout=5, **p); cr=c.cursor();"
        "cr.execute('select current_user, rolcreatedb or rolsuper from pg_roles where rolname=current_user');"
        "print(*cr.fetchone())"
    )
    out = subprocess.run([str(py), "-c", code, json.dumps(params)], capture_output=True, text=True)
    if out.returncode != 0:
        return None
    user, can_create = out.stdout.split()
    if user == "postgres" or can_create != "True":
        return None  # Odoo refuses the `postgres` role; we need to create databases.
    return user


def pg_bin(name):
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                   key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    if found:
        return str(found[-1])
    exe = shutil.which(name)
    if exe:
        return exe
    die(f"PostgreSQL server binaries ({name}) not found: install PostgreSQL 13+ "
        "(Debian: apt-get install postgresql) or set PGHOST/PGPORT/PGUSER to a running server.")


def private_cluster():
    """Start (once) a private cluster; as root it runs under an unprivileged OS user."""
    if os.geteuid() == 0:
        owner = "postgres"
        try:
            run(["id", owner], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except subprocess.CalledProcessError:
            owner = "cobranza-pg"
            run(["useradd", "--system", "--no-create-home", owner], check=False)
        base = Path("/var/tmp") / f"{MODULE}-pg"
    else:
        owner, base = None, CACHE / "pg"
    data = base / "data"
    base.mkdir(parents=True, exist_ok=True)

    def as_owner(cmd):
        if owner:
            shutil.chown(base, owner)
            return ["runuser", "-u", owner, "--"] + cmd
        return cmd

    if not (data / "PG_VERSION").exists():
        say(f"initialising a private PostgreSQL cluster in {data}")
        run(as_owner([pg_bin("initdb"), "-D", str(data), "-U", "odoo", "--auth=trust",
                      "-E", "UTF8", "--locale=C.UTF-8"]), stdout=subprocess.DEVNULL)
    status = subprocess.run(as_owner([pg_bin("pg_ctl"), "-D", str(data), "status"]),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if status.returncode != 0:
        say(f"starting the private PostgreSQL cluster on 127.0.0.1:{PRIVATE_PGPORT}")
        opts = (f"-p {PRIVATE_PGPORT} -k {base} -c listen_addresses=127.0.0.1 "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        run(as_owner([pg_bin("pg_ctl"), "-D", str(data), "-o", opts, "-l", str(base / "server.log"),
                      "-w", "-t", "60", "start"]), stdout=subprocess.DEVNULL)
    return {"host": "127.0.0.1", "port": PRIVATE_PGPORT, "user": "odoo"}, data, as_owner


def postgres(py):
    params = {k: v for k, v in {
        "host": os.environ.get("PGHOST"), "port": os.environ.get("PGPORT"),
        "user": os.environ.get("PGUSER"), "password": os.environ.get("PGPASSWORD"),
    }.items() if v}
    user = pg_try(py, params)
    if user:
        params["user"] = user
        return params
    params, _data, _ = private_cluster()
    if not pg_try(py, params):
        die(f"the private PostgreSQL cluster does not answer; see its log under {_data.parent}")
    return params


def db_args(pg):
    flags = {"host": "--db_host", "port": "--db_port", "user": "--db_user", "password": "--db_password"}
    return [a for key, flag in flags.items() if pg.get(key) for a in (flag, str(pg[key]))]


def sql(py, pg, query, dbname="postgres"):
    code = (
        "import psycopg2,sys,json; p=json.loads(sys.argv[1]);"
        "c=psycopg2.connect(dbname=sys.argv[2], **p); c.autocommit=True; cr=c.cursor();"
        "cr.execute(sys.argv[3]); print(json.dumps(cr.fetchall() if cr.description else []))"
    )
    out = subprocess.run([str(py), "-c", code, json.dumps(pg), dbname, query],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "sql failed")
    return json.loads(out.stdout)


def drop_db(py, pg, name):
    try:
        sql(py, pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except RuntimeError as exc:
        say(f"could not drop database {name}: {exc}")
    shutil.rmtree(STATE / "filestore" / "filestore" / name, ignore_errors=True)


# --------------------------------------------------------------------------- environment
class Env:
    def __init__(self):
        self.src = odoo_src()
        self.py = venv_python()
        self.pg = postgres(self.py)
        self.addons = addons_path(self.src)

    def odoo_cmd(self, *args):
        return [str(self.py), "-m", "odoo", "--addons-path", self.addons,
                "--data-dir", str(STATE / "filestore"), *db_args(self.pg), *args]

    def env(self):
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(self.src), env.get("PYTHONPATH")]))
        env.setdefault("PYTHONUNBUFFERED", "1")
        return env


def module_digest():
    """Hash of the addon's files, to know when `make run` must update the module."""
    h = hashlib.sha256()
    for path in sorted(ROOT.rglob("*")):
        rel = path.relative_to(ROOT)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts) \
                and "__pycache__" not in rel.parts and rel.parts[0] not in ("tests", "tools"):
            h.update(str(rel).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_wkhtmltopdf():
    if shutil.which("wkhtmltopdf"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("installing wkhtmltopdf (PDF statements and letters) ...")
        done = subprocess.run(["apt-get", "install", "-y", "-qq", "wkhtmltopdf"],
                              env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if done.returncode == 0:
            return
    say("wkhtmltopdf is not installed: PDF reports will be shown as HTML "
        "(Debian: apt-get install wkhtmltopdf).")


def chromium():
    for name in ("google-chrome", "chromium", "chromium-browser", "google-chrome-stable"):
        if shutil.which(name):
            return shutil.which(name)
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("installing Chromium for the browser tests ...")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], env=env, stdout=subprocess.DEVNULL)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], env=env,
                       stdout=subprocess.DEVNULL)
        if shutil.which("chromium"):
            return shutil.which("chromium")
    die("the browser tests need Chromium or Google Chrome on PATH (Debian: apt-get install "
        "chromium); they are never skipped.")


# --------------------------------------------------------------------------- commands
def cmd_run(argv):
    e = Env()
    ensure_wkhtmltopdf()
    db = os.environ.get("COBRANZA_DB", "cobranza")
    port = os.environ.get("COBRANZA_HTTP_PORT", "8069")
    digest = module_digest()
    stamp = STATE / f"run-{db}.sha256"
    installed = False
    try:
        installed = bool(sql(e.py, e.pg, "SELECT 1 FROM ir_module_module WHERE name = "
                             f"'{MODULE}' AND state = 'installed'", dbname=db))
    except RuntimeError:
        pass
    args = ["-d", db, "--db-filter", f"^{re.escape(db)}$", "--http-port", port]
    extra = ",".join(RUN_MODULES)
    stale = not installed or not stamp.exists() or stamp.read_text() != digest
    if not installed:
        drop_db(e.py, e.pg, db)
        say(f"creating database {db} with {MODULE} and its demo data (a few minutes) ...")
        run(e.odoo_cmd(*args, "-i", f"{MODULE},{extra}", "--load-language", RUN_LANG, "--stop-after-init"),
            env=e.env())
    elif stale:
        say(f"updating {MODULE} in {db} ...")
        run(e.odoo_cmd(*args, "-u", MODULE, "-i", extra, "--stop-after-init"), env=e.env())
    if stale:
        # the demo payment provider, in test mode, so that the demo customer can pay online
        run([str(e.py), "-m", "odoo", "shell", *e.odoo_cmd(*args)[3:], "--no-http"],
            input=ENABLE_DEMO_PROVIDER, text=True, env=e.env(), stdout=subprocess.DEVNULL)
    stamp.write_text(digest)
    say(f"serving Odoo at http://localhost:{port}  (login admin / admin; Ctrl-C stops)")
    os.execve(str(e.py), e.odoo_cmd(*args, *argv), e.env())


def cmd_shell(argv):
    e = Env()
    db = os.environ.get("COBRANZA_DB", "cobranza")
    os.execve(str(e.py), [str(e.py), "-m", "odoo", "shell", *e.odoo_cmd(*argv)[3:], "-d", db],
              e.env())


def cmd_stop(argv):
    base = Path("/var/tmp") / f"{MODULE}-pg" if os.geteuid() == 0 else CACHE / "pg"
    if not (base / "data" / "PG_VERSION").exists():
        say("no private PostgreSQL cluster to stop")
        return
    _params, data, as_owner = private_cluster()
    run(as_owner([pg_bin("pg_ctl"), "-D", str(data), "-m", "fast", "stop"]))


def cmd_i18n(argv):
    """Refresh i18n/account_cobranza.pot from a fresh install and merge it into the .po files."""
    e = Env()
    db = f"cobranza_i18n_{os.getpid()}"
    pot = ROOT / "i18n" / f"{MODULE}.pot"
    # Odoo's exporter walks the module folder following links: give it a copy of the tracked
    # files only (no .venv, no .state link back to the repository).
    tmp = Path(tempfile.mkdtemp(prefix="cobranza-i18n-"))
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.split()
    for name in files:
        if (ROOT / name).is_file():
            (tmp / MODULE / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, tmp / MODULE / name)
    e.addons = ",".join([*e.addons.split(",")[:-1], str(tmp)])
    drop_db(e.py, e.pg, db)
    try:
        run(e.odoo_cmd("-d", db, "-i", MODULE, "--stop-after-init",
                       "--log-level", "warn"), env=e.env())
        run(e.odoo_cmd("-d", db, f"--i18n-export={pot}", f"--modules={MODULE}",
                       "--stop-after-init", "--log-level", "warn"), env=e.env())
    finally:
        drop_db(e.py, e.pg, db)
        shutil.rmtree(tmp, ignore_errors=True)
    run([str(e.py), str(ROOT / "tools" / "po_merge.py"), str(pot),
         *map(str, sorted((ROOT / "i18n").glob("*.po")))])


def bench_peer(e):
    """OCA's account_credit_control 18.0 from PyPI, unpacked outside the repository for the
    benchmark only (never vendored, never a dependency); None when it cannot be fetched."""
    target = STATE / "bench-addons"
    if (target / "account_credit_control" / "__manifest__.py").exists():
        return target
    wheels = STATE / "bench-wheels"
    fetched = subprocess.run([str(e.py), "-m", "pip", "download", "--no-deps", "-d", str(wheels),
                              "odoo-addon-account-credit-control>=18.0,<18.1"], capture_output=True, text=True)
    found = sorted(wheels.glob("odoo_addon_account_credit_control-*.whl"))
    if fetched.returncode or not found:
        say("OCA's account_credit_control could not be downloaded: the benchmark runs without its peer")
        return None
    import zipfile
    with zipfile.ZipFile(found[-1]) as wheel:
        for name in wheel.namelist():
            if name.startswith("odoo/addons/account_credit_control/"):
                path = target / name[len("odoo/addons/"):]
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(wheel.read(name))
    return target


def machine():
    """The machine the benchmark ran on, for its results."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.machine())
    mem = next((int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    return f"{cpu}, {os.cpu_count()} cores, {mem // 1024} GB RAM, {platform.system()} {platform.release()}"


def copy_db(py, pg, source, target):
    drop_db(py, pg, target)
    sql(py, pg, f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
    filestore = STATE / "filestore" / "filestore"
    if (filestore / source).exists():
        shutil.copytree(filestore / source, filestore / target)


BENCH_PHASES = ("peer", "steady", "workers")


def cmd_bench(argv):
    """`make bench`: a fresh database with the module (no demo) and OCA's credit control, the
    benchmark's ledger loaded at the SQL level, then each phase of bench/measure.py in its own
    Odoo process (copies of the loaded database for the steady day and the workers); the
    figures and the goals go to a JSON file."""
    import argparse
    parser = argparse.ArgumentParser(prog="make bench", description=cmd_bench.__doc__)
    parser.add_argument("--customers", type=int, default=20000)
    parser.add_argument("--invoices", type=int, default=100000, help="open invoices")
    parser.add_argument("--history", type=int, default=200000, help="settled invoices of the last 12 months")
    parser.add_argument("--json", default=str(ROOT / "bench" / "results.json"))
    parser.add_argument("--skip", action="append", default=[], choices=BENCH_PHASES,
                        help="leave out OCA's run, the steady day or the two workers")
    parser.add_argument("--sample", type=int, default=2000,
                        help="customers rendered by Odoo's _generate_template for its rate")
    parser.add_argument("--charges", type=int, help="installments charged automatically (default: one open "
                        "invoice in 20, 5,000 at 100,000: about half a second each, ours and Odoo's, on this machine)")
    parser.add_argument("--keep", action="store_true", help="keep the loaded database afterwards")
    parser.add_argument("--runs", type=int, default=1,
                        help="full runs, each on a freshly loaded database: with more than one, each run's "
                             "figures go to its own file (results-1.json, ...) and the JSON file gets the "
                             "median of every figure and goal")
    args = parser.parse_args(argv)
    if args.runs < 1:
        die("--runs must be at least 1")
    if args.runs == 1:
        return bench_run(args)
    target, runs = Path(args.json), []
    for number in range(1, args.runs + 1):
        say(f"full run {number} of {args.runs} ...")
        args.json = str(target.with_name(f"{target.stem}-{number}{target.suffix}"))
        runs.append(bench_run(args))
    median = bench_median(runs)
    target.write_text(json.dumps(median, indent=2) + "\n")
    say(f"the median of {args.runs} runs written to {target}")
    for goal, value in median["goals"].items():
        say(f"  {goal}: {value}")


def bench_median(runs):
    """One result of several full runs: each number the median of the runs' (the median run
    for an odd number of runs), anything else as the first run has it; ``runs`` the count."""
    def merge(values):
        first = values[0]
        if isinstance(first, dict):
            return {key: merge([value[key] for value in values if key in value]) for key in first}
        if isinstance(first, (int, float)) and not isinstance(first, bool) and all(
                isinstance(value, (int, float)) for value in values):
            return statistics.median(values)
        return first
    return {**merge(runs), "runs": len(runs), "dates": [run["date"] for run in runs]}


def bench_run(args):
    """One full run of `make bench` (see cmd_bench); returns its figures."""
    e = Env()
    db = f"cobranza_bench_{os.getpid()}"
    modules = [MODULE] + EXTRA_MODULES  # the demo payment provider: the automatic charges
    peer = None if "peer" in args.skip else bench_peer(e)
    if peer:
        e.addons = ",".join([e.addons, str(peer)])
        modules.append("account_credit_control")
    copies = {name: f"{db}_{name}" for name in ("peer", "steady", "workers")
              if name not in args.skip and (name != "peer" or peer)}
    script = (ROOT / "bench" / "measure.py").read_text()
    result = {"date": time.strftime("%Y-%m-%d %H:%M"), "machine": machine(), "customers": args.customers,
              "open_invoices": args.invoices, "settled_invoices": args.history, "steps": {}}

    def phase(name, database, wait=True, **extra):
        out = Path(tempfile.mkstemp(prefix=f"bench-{name}-", suffix=".json")[1])
        env = dict(e.env(), BENCH_PHASE=name, BENCH_OUT=str(out), BENCH_CUSTOMERS=str(args.customers),
                   BENCH_INVOICES=str(args.invoices), BENCH_HISTORY=str(args.history),
                   BENCH_SAMPLE=str(args.sample), BENCH_CHARGES=str(args.charges or args.invoices // 20), **extra)
        cmd = [str(e.py), "-m", "odoo", "shell", *e.odoo_cmd()[3:], "-d", database, "--no-http",
               "--log-level", "warn"]
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, text=True, env=env)
        proc.stdin.write(script)
        proc.stdin.close()

        def collect():
            if proc.wait():
                die(f"the benchmark's phase {name} failed (exit {proc.returncode})")
            data = json.loads(out.read_text())
            out.unlink()
            result["steps"].update(data.pop("steps"))
            return data
        return collect() if wait else collect

    drop_db(e.py, e.pg, db)
    try:
        say(f"installing {', '.join(modules)} into {db} ...")
        run(e.odoo_cmd("-d", db, "-i", ",".join(modules), "--without-demo=all", "--stop-after-init",
                       "--log-level", "warn"), env=e.env())
        say(f"loading {args.customers} customers, {args.invoices} open and {args.history} settled invoices ...")
        phase("load", db)
        for copy in copies.values():  # each measured on the same freshly loaded ledger
            copy_db(e.py, e.pg, db, copy)
        if "peer" in copies:
            say("OCA's account_credit_control: its run for today ...")
            result["peer"] = phase("peer", copies["peer"])
            drop_db(e.py, e.pg, copies["peer"])
        say("the backlog day (the first run ever), the same date again, the analytics ...")
        result.update(phase("backlog", db))
        if "steady" in copies:
            say("the steady day: yesterday's run, then today's ...")
            result.update(phase("steady", copies["steady"]))
            drop_db(e.py, e.pg, copies["steady"])
        if "workers" in copies:
            say("the backlog day again, shared by two workers ...")
            runs = ",".join(map(str, phase("plan", copies["workers"])["runs"]))
            workers = [phase("work", copies["workers"], wait=False, BENCH_RUNS=runs) for _worker in range(2)]
            workers = [collect() for collect in workers]
            summary = phase("summary", copies["workers"])["summary"]
            result["two_workers"] = {
                "seconds": round(max(w["ended"] for w in workers) - min(w["started"] for w in workers), 2),
                "batches_per_worker": [w["batches"] for w in workers],
                "peak_rss_mb": max(w["peak_rss_mb"] for w in workers), **summary}
            drop_db(e.py, e.pg, copies["workers"])
        result["goals"] = bench_goals(result)
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
        say(f"figures written to {args.json}")
        for goal, value in result["goals"].items():
            say(f"  {goal}: {value}")
        return result
    finally:
        for copy in copies.values():
            drop_db(e.py, e.pg, copy)
        if not args.keep:
            drop_db(e.py, e.pg, db)


def bench_goals(result):
    """The issue's goals, read from the figures: each a measured value against its target."""
    steps, goals = result["steps"], {}
    backlog = steps["backlog day"]
    if "steady day" in steps:
        goals["steady day (s, < 60)"] = steps["steady day"]["seconds"]
    ours = result["backlog"]["customers_contacted"] / backlog["seconds"]
    goals["backlog day: customers contacted per second"] = round(ours, 1)
    goals["backlog day: rate / Odoo's _generate_template rate (>= 0.45)"] = round(
        ours / result["odoo_render"]["per_second"], 2)
    if "peer run" in steps:
        goals["OCA run / our decision phase (>= 10)"] = round(
            steps["peer run"]["seconds"] / result["backlog"]["decision_seconds"], 2)
        goals["OCA run / our whole backlog day"] = round(steps["peer run"]["seconds"] / backlog["seconds"], 2)
    goals["queries per batch, backlog day"] = round(backlog["queries"] / result["backlog"]["batches"], 1)
    goals["peak memory (MB, < 1024)"] = max(s["peak_rss_mb"] for name, s in steps.items() if name != "peer run")
    if "reply_reading" in result:
        goals["worst reading of a 100 KB reply (s, < 1)"] = result["reply_reading"]["seconds"]
        if "ratio" in result["reply_reading"]:
            goals["worst 100 KB reply / an ordinary 1 KB reply (100 times the size)"] = result["reply_reading"]["ratio"]
    reference = steps.get("reference: open receivables by customer", {}).get("seconds")
    if reference:
        goals["dashboard / Odoo's read of the open receivables (<= 3)"] = round(
            steps["dashboard data"]["seconds"] / reference, 2)
        if "dashboard data (collector)" in steps:
            goals["dashboard of a collector / that read (<= 5)"] = round(
                steps["dashboard data (collector)"]["seconds"] / reference, 2)
    if "steady night: behaviour + segments + predictions" in steps:
        goals["steady night / first night: behaviour, segments, predictions (<= 0.20)"] = round(
            steps["steady night: behaviour + segments + predictions"]["seconds"]
            / steps["behaviour + segments + predictions"]["seconds"], 2)
    goals["same date again / backlog day (<= 0.02)"] = round(steps["same date again"]["seconds"] / backlog["seconds"], 3)
    if reference:
        goals["KPI snapshot / Odoo's read of the open receivables (<= 3)"] = round(
            steps["KPI snapshot"]["seconds"] / reference, 2)
    if "replies read" in steps:
        replies = steps["replies read"]
        goals["replies read per second"] = round(result["replies"]["count"] / replies["seconds"], 1)
        goals["queries per reply read"] = round(replies["queries"] / result["replies"]["count"], 1)
    if "installments charged" in steps:
        ours, odoo = steps["installments charged"], steps["Odoo's _send_payment_request loop"]
        count = result["charges"]["installments"]
        goals["installments charged per second"] = round(result["charges"]["charges"] / ours["seconds"], 1)
        goals["our charges per second / Odoo's _send_payment_request loop's (same tokens)"] = round(
            (result["charges"]["charges"] / ours["seconds"]) / (count / odoo["seconds"]), 2)
        goals["queries per charge, ours / Odoo's loop"] = (
            f"{ours['queries'] / max(result['charges']['charges'], 1):.1f} / {odoo['queries'] / count:.1f}")
    if "two_workers" in result:
        goals["two workers: elapsed one / two"] = round(backlog["seconds"] / result["two_workers"]["seconds"], 2)
    return goals


SUMMARY_RE = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")

# --------------------------------------------------------------------------- expected counts
# How many tests each suite must run, read from the code (never typed by hand): the test
# classes of the modules tests/__init__.py imports, their tags as Odoo's `tagged` decorator
# and class inheritance make them, and their methods as Odoo's loader collects them (a
# class's own `test*` methods, or every inherited one with `allow_inherited_tests_method`).
DEFAULT_TAGS = frozenset({"standard", "at_install"})


def _decorator_tags(node):
    """The (include, exclude) tags of a class's ``@tagged(...)`` decorator, or None."""
    for deco in node.decorator_list:
        if isinstance(deco, ast.Call) and getattr(deco.func, "id", getattr(deco.func, "attr", None)) == "tagged":
            tags = [a.value for a in deco.args if isinstance(a, ast.Constant)]
            return ({t for t in tags if not t.startswith("-")}, {t[1:] for t in tags if t.startswith("-")})
    return None


def test_classes(tests_dir):
    """{(module, class name): {"tags": set, "tests": [method names], "module": "test_x"}} of
    every TestCase class Odoo's loader takes from the addon's test modules."""
    tests_dir = Path(tests_dir)
    init = ast.parse((tests_dir / "__init__.py").read_text())
    modules = [alias.name for node in init.body if isinstance(node, ast.ImportFrom) and node.level == 1
               for alias in node.names if alias.name.startswith("test_")]
    parsed = {}  # module -> {class name: info}, the shared bases (common.py...) included

    def load(name):
        if name not in parsed:
            path = tests_dir / f"{name}.py"
            tree = ast.parse(path.read_text()) if path.exists() else ast.Module(body=[], type_ignores=[])
            imported, external = {}, set()
            for node in tree.body:
                if isinstance(node, ast.ImportFrom):
                    for alias in node.names:
                        local = alias.asname or alias.name
                        if node.level == 1 and node.module:
                            imported[local] = (node.module, alias.name)
                        elif node.level == 0 and node.module and "tests" in node.module.split("."):
                            external.add(local)  # Odoo's test cases (odoo.tests, odoo.addons.x.tests...)
            classes = {}
            for node in tree.body:
                if isinstance(node, ast.ClassDef):
                    own = {}
                    for item in node.body:
                        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                            own[item.name] = True
                        elif isinstance(item, ast.Assign):
                            for target in item.targets:
                                if isinstance(target, ast.Name):
                                    own[target.id] = item.value.value if isinstance(item.value, ast.Constant) else None
                    classes[node.name] = {"node": node, "own": own, "module": name}
            parsed[name] = {"classes": classes, "imported": imported, "external": external}
        return parsed[name]

    def resolve(module, name):
        """The class info a base name refers to in `module`; "external" for Odoo's test
        cases, None for anything else (object, plain mixins of other libraries)."""
        info = load(module)
        if name in info["classes"]:
            return info["classes"][name]
        if name in info["imported"]:
            source, real = info["imported"][name]
            return resolve(source, real)
        return "external" if name in info["external"] else None

    def mro(cls):
        """The class and its bases defined in the addon, depth first (close enough to C3 for
        the single-diamond hierarchies of test classes), and whether a base is a TestCase."""
        order, is_case = [cls], False
        for base in cls["node"].bases:
            name = base.id if isinstance(base, ast.Name) else getattr(base, "attr", None)
            found = resolve(cls["module"], name) if name else None
            if found == "external":
                is_case = True
            elif found:
                sub, sub_case = mro(found)
                order += [c for c in sub if c not in order]
                is_case = is_case or sub_case
        return order, is_case

    def tags(cls):
        deco = _decorator_tags(cls["node"])
        inherited = None
        for base in cls["node"].bases:
            name = base.id if isinstance(base, ast.Name) else getattr(base, "attr", None)
            found = resolve(cls["module"], name) if name else None
            if isinstance(found, dict) and mro(found)[1]:
                inherited = tags(found)
                break
        inherited = set(DEFAULT_TAGS if inherited is None else inherited)
        return inherited if deco is None else (inherited | deco[0]) - deco[1]

    result = {}
    for module in modules:
        for name, cls in load(module)["classes"].items():
            order, is_case = mro(cls)
            if not is_case:
                continue
            inherit = next((c["own"][a] for c in order for a in ["allow_inherited_tests_method"]
                            if a in c["own"]), False)
            sources = order if inherit else [cls]
            methods = sorted({m for c in sources for m, is_method in c["own"].items()
                              if is_method is True and m.startswith("test")})
            result[(module, name)] = {"tags": tags(cls), "tests": methods}
    return result


def expected_tests(tests_dir, spec, positions=("at_install", "post_install"), module=MODULE):
    """How many of the addon's tests Odoo runs for the ``--test-tags`` `spec` (the forms the
    suites use: ``tag``, ``/module``, ``tag/module``, ``-tag``...) in the given positions."""
    include, exclude = [], []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        sign, part = (part[0], part[1:]) if part[0] in "+-" else ("+", part)
        tag, _, mod = part.partition("/")
        mod, _, klass = mod.partition(":")
        klass, _, method = klass.partition(".")
        tag = tag or ("standard" if sign == "+" else None)
        (include if sign == "+" else exclude).append((None if tag == "*" else tag, mod or None, klass or None,
                                                      method or None))
    if exclude and not include:
        include.append(("standard", None, None, None))

    def matches(flt, tags, klass, method):
        tag, mod, kls, meth = flt
        return ((not tag or tag in tags | {module}) and (not mod or mod == module)
                and (not kls or kls == klass) and (not meth or meth == method))

    count = 0
    for (_module, klass), info in test_classes(tests_dir).items():
        if not info["tags"] & set(positions):
            continue
        for method in info["tests"]:
            if any(matches(f, info["tags"], klass, method) for f in exclude):
                continue
            if any(matches(f, info["tags"], klass, method) for f in include):
                count += 1
    return count


def odoo_tests_run(text):
    """The number of tests Odoo reports it ran, failures and errors: its last summary line."""
    found = SUMMARY_RE.findall(text)
    return tuple(map(int, found[-1])) if found else None


def count_problem(suite, expected, actual):
    """The message of a suite that did not run the tests the code holds, or None."""
    if expected == actual:
        return None
    return (f"suite {suite}: {actual} tests ran, the code holds {expected} "
            f"(a crashed, partial or mis-selected run)")
SKIP_RE = re.compile(r" INFO \S+ \S+: skipped (.*)")
LOG_ERROR_RE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (ERROR|CRITICAL) ")
FAIL_RE = re.compile(r" (?:ERROR|CRITICAL) \S+ \S+: (?:FAIL|ERROR): (.*)")


def odoo_suite(e, name, modules, tags, demo, log_path, charts=False):
    """Install `modules` on a fresh database and run the tests selected by `tags`. With
    `charts` (tests that load charts of accounts in their transactions: thousands of accounts
    the planner's statistics of the fresh database never saw, and nested loops over them take
    minutes per query), the tests run in a second process, the database set not to plan
    nested loops (post-install tests only, then). Odoo's count of the tests it ran must be
    the number the code holds for `tags` (expected_tests): a crashed or partial run fails."""
    expected = expected_tests(ROOT / "tests", tags, ("post_install",) if charts else ("at_install", "post_install"))
    db = f"cobranza_test_{name}_{os.getpid()}"
    drop_db(e.py, e.pg, db)
    common = ["-d", db, "--db-filter", f"^{db}$", "--stop-after-init", "--http-port", str(free_port()),
              "--gevent-port", str(free_port()), "--log-level", "info", "--max-cron-threads", "0"]
    install = ["-i", ",".join(modules)] + ([] if demo else ["--without-demo=all"])
    tests = ["--test-enable", "--test-tags", tags]
    steps = [common + install, common + tests] if charts else [common + install + tests]
    started = time.time()
    with open(log_path, "w") as log:
        for number, args in enumerate(steps):
            if number:
                sql(e.py, e.pg, f'ALTER DATABASE "{db}" SET enable_nestloop = off')
            proc = subprocess.run(e.odoo_cmd(*args), env=e.env(), stdout=log, stderr=subprocess.STDOUT)
            if proc.returncode:
                break
    drop_db(e.py, e.pg, db)
    text = Path(log_path).read_text(errors="replace")
    result = {"suite": name, "seconds": round(time.time() - started, 1), "log": str(log_path),
              "tests": 0, "expected": expected, "failed": 0, "skipped": 0, "problems": []}
    summary = odoo_tests_run(text)
    if not summary:
        result["failed"] = 1
        result["problems"].append(f"Odoo did not report test results (exit {proc.returncode})")
    else:
        failed, errors, total = summary
        result["tests"], result["failed"] = total, failed + errors
        if total == 0:
            result["failed"] += 1
            result["problems"].append("no test ran")
    problem = count_problem(name, expected, result["tests"])
    if problem:
        result["failed"] += 1
        result["problems"].insert(0, problem)
    skips = SKIP_RE.findall(text)
    result["skipped"] = len(skips)
    result["problems"] += [f"FAIL {m}" for m in FAIL_RE.findall(text)]
    result["problems"] += [f"SKIPPED (counted as failed) {s}" for s in skips]
    if proc.returncode != 0 and not result["failed"]:
        result["failed"] = 1
        result["problems"].append(f"Odoo exited with status {proc.returncode}")
    stray = [l for l in text.splitlines() if LOG_ERROR_RE.match(l)]
    if stray and not result["failed"]:
        result["failed"] = 1
        result["problems"].append(f"errors logged outside tests, first: {stray[0][:300]}")
    result["passed"] = max(result["tests"] - result["failed"] - result["skipped"], 0)
    result["failed"] += result["skipped"]
    return result


# The pure-Python tests, each group run from its own folder (pytest names the test modules
# after it, so that none is taken for part of the addon's package): the engine's, and the
# test runner's own (how it counts tests).
PYTEST_GROUPS = {"engine": ROOT / "tests" / "engine", "runner": ROOT / "tools" / "test_devenv.py"}


def pytest_cmd(py, target, *args):
    rootdir = target if target.is_dir() else target.parent
    return [str(py), "-m", "pytest", "-q", "-c", str(ROOT / "tests" / "engine" / "pytest.ini"),
            "--rootdir", str(rootdir), *args, str(target)]


def collected_count(output):
    """The number of test items in the output of ``pytest --collect-only -q`` (one node id a
    line), or None when the collection failed."""
    if re.search(r"^(ERROR|INTERNALERROR)|\d+ errors? in ", output, re.M):
        return None
    return sum(1 for line in output.splitlines() if "::" in line and not line.startswith(" "))


def junit_counts(junit):
    """(tests, failures, errors, skipped) of a JUnit file, or None when there is none."""
    try:
        suite = ET.parse(junit).getroot()
        suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
        return tuple(int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped"))
    except (ET.ParseError, OSError, AttributeError):
        return None


def pytest_suite(e, log_path):
    """Each group: its tests collected (the count it must run), then run with a JUnit report
    deleted beforehand, so that a crashed run never reports an earlier one's results."""
    env = {**e.env(), "PYTHONPATH": str(ROOT)}
    started = time.time()
    result = {"suite": "engine (pytest)", "log": str(log_path), "problems": [], "expected": 0}
    tests = fails = errs = skips = 0
    with open(log_path, "w") as log:
        for group, target in PYTEST_GROUPS.items():
            junit = STATE / f"pytest-junit-{group}.xml"
            junit.unlink(missing_ok=True)
            collect = subprocess.run(pytest_cmd(e.py, target, "--collect-only"), cwd=ROOT, env=env,
                                     capture_output=True, text=True)
            expected = collected_count(collect.stdout) if collect.returncode == 0 else None
            log.flush()
            proc = subprocess.run(pytest_cmd(e.py, target, f"--junitxml={junit}"),
                                  cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
            counts = junit_counts(junit)
            if counts is None:
                counts = (0, 1, 0, 0)
                result["problems"].append(f"pytest ({group}) did not report results (exit {proc.returncode})")
            ran, failures, errors, skipped = counts
            if ran == 0:
                failures += 1
                result["problems"].append(f"no pure-Python test ran ({group})")
            if expected is None:
                failures += 1
                result["problems"].append(f"pytest ({group}) could not collect the tests (exit "
                                          f"{collect.returncode}): {(collect.stdout + collect.stderr)[-500:]}")
            else:
                result["expected"] += expected
                problem = count_problem(f"pytest {group}", expected, ran)
                if problem:
                    failures += 1
                    result["problems"].insert(0, problem)
            if proc.returncode != 0 and not (failures or errors):
                failures += 1
                result["problems"].append(f"pytest ({group}) exited with status {proc.returncode}")
            tests, fails, errs, skips = tests + ran, fails + failures, errs + errors, skips + skipped
    result.update(seconds=round(time.time() - started, 1), tests=tests, skipped=skips,
                  failed=fails + errs + skips, passed=max(tests - fails - errs - skips, 0))
    if skips:
        result["problems"].append(f"{skips} pytest test(s) skipped (counted as failed)")
    return result


def git_tree():
    try:
        tree = subprocess.run(["git", "rev-parse", "HEAD^{tree}"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                                    cwd=ROOT, capture_output=True, text=True).stdout.strip())
        return tree, dirty
    except (subprocess.SubprocessError, OSError):
        return None, None


# The Odoo suites of `make test`: --test-tags, demo data, tests in a second process (charts).
ODOO_SUITES = {
    "nodemo": (f"/{MODULE}", False, False),
    "l10n": (f"cobranza_l10n/{MODULE}", False, True),
    "demo": (f"{MODULE}_demo", True, False),
    "reliability": (f"{MODULE}_reliability", False, False),
}


def suite_expected(name):
    tags, _demo, charts = ODOO_SUITES[name]
    return expected_tests(ROOT / "tests", tags, ("post_install",) if charts else ("at_install", "post_install"))


def cmd_test(argv):
    """`make test`: every suite on fresh databases; each must run the number of tests its
    code holds."""
    import argparse
    parser = argparse.ArgumentParser(prog="make test", description=cmd_test.__doc__)
    parser.add_argument("--counts", action="store_true",
                        help="print the number of tests each Odoo suite must run (read from the code) and exit")
    parser.add_argument("--check-log", nargs=2, metavar=("SUITE", "LOG"),
                        help="check an Odoo log of SUITE against the suite's expected count and exit")
    args = parser.parse_args(argv)
    if args.counts:
        for name in ODOO_SUITES:
            print(f"{name}: {suite_expected(name)} tests ({ODOO_SUITES[name][0]})")
        return
    if args.check_log:
        name, log = args.check_log
        summary = odoo_tests_run(Path(log).read_text(errors="replace"))
        problem = count_problem(name, suite_expected(name), summary[2] if summary else 0)
        print(problem or f"suite {name}: {summary[2]} tests ran, as the code holds")
        sys.exit(1 if problem else 0)
    started = time.time()
    e = Env()
    chromium()
    RESULTS.mkdir(exist_ok=True)
    say(f"Odoo {e.src} | Python {e.py} | PostgreSQL {e.pg.get('host', 'socket')}:{e.pg.get('port', '')}")
    modules = [MODULE] + EXTRA_MODULES
    suites = {}

    say("running: pure-Python engine tests, module tests without demo data then on Odoo's "
        "Latin-American localizations, the demo data and the reliability tests (real processes, "
        "crashes, races, SMTP) on their own databases (two at a time; logs in .test-results/)")

    def demo_then_reliability():
        # the demo next to Odoo's Latin-American localizations: its company on the Chilean chart
        suites["demo"] = odoo_suite(e, "demo", [MODULE] + EXTRA_MODULES + L10N_MODULES, *ODOO_SUITES["demo"][:2],
                                    RESULTS / "odoo-demo.log")
        suites["reliability"] = odoo_suite(e, "reliability", [MODULE] + EXTRA_MODULES, *ODOO_SUITES["reliability"][:2],
                                           RESULTS / "odoo-reliability.log")

    def nodemo_then_l10n():
        suites["nodemo"] = odoo_suite(e, "nodemo", modules, *ODOO_SUITES["nodemo"][:2], RESULTS / "odoo-nodemo.log")
        # Odoo's own Latin-American localizations next to the module: companies on the charts
        # of Chile, Argentina and Peru (documents: debit and credit notes, folios, tax ids)
        suites["l10n"] = odoo_suite(e, "l10n", [MODULE] + L10N_MODULES, *ODOO_SUITES["l10n"][:2],
                                    RESULTS / "odoo-l10n.log", charts=ODOO_SUITES["l10n"][2])

    threads = [threading.Thread(target=nodemo_then_l10n), threading.Thread(target=demo_then_reliability)]
    for t in threads:
        t.start()
    suites["engine"] = pytest_suite(e, RESULTS / "pytest.log")
    for t in threads:
        t.join()
    ordered = [suites[k] for k in ("engine", "nodemo", "l10n", "demo", "reliability")]
    passed = sum(s["passed"] for s in ordered)
    failed = sum(s["failed"] for s in ordered)
    seconds = round(time.time() - started, 1)
    for s in ordered:
        say(f"{s['suite']}: {s['passed']} passed, {s['failed']} failed of {s['tests']} run "
            f"({s['expected']} expected) in {s['seconds']} s ({s['log']})")
        for p in s["problems"][:30]:
            say(f"    {p}")
    tree, dirty = git_tree()
    (RESULTS / "last.json").write_text(json.dumps({
        "tree": tree, "dirty": dirty, "passed": passed, "failed": failed, "seconds": seconds,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S"), "suites": ordered}, indent=2))
    print(f"{passed} passed, {failed} failed", flush=True)
    sys.exit(1 if failed else 0)


def main():
    commands = {"run": cmd_run, "test": cmd_test, "shell": cmd_shell, "stop": cmd_stop, "i18n": cmd_i18n,
                "bench": cmd_bench}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        die(f"usage: {sys.argv[0]} {{{'|'.join(commands)}}} [odoo options]")
    commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
