"""Screenshot of a backend page (the README's picture of the dashboard).

Usage, with the `make run` server up:  .venv/bin/python tools/screenshot.py [URL] [FILE] [DATABASE]
It logs in as admin/admin, opens the page in headless Chromium through the DevTools
protocol and saves a PNG (default: the Collections dashboard, static/description/dashboard.png).
"""
import base64
import os
import json
import subprocess
import sys
import tempfile
import time

import requests
import websocket

BASE = os.environ.get("ODOO_URL", "http://localhost:8069")
url = sys.argv[1] if len(sys.argv) > 1 else f"{BASE}/odoo/collections-dashboard"
target = sys.argv[2] if len(sys.argv) > 2 else "static/description/dashboard.png"
session = requests.Session()
database = sys.argv[3] if len(sys.argv) > 3 else "cobranza"
session.post(f"{BASE}/web/session/authenticate", json={"params": {
    "db": database, "login": "admin", "password": "admin"}}, timeout=30)
sid = session.cookies.get("session_id")
port = 9333
chrome = subprocess.Popen(["chromium", "--headless=new", "--no-sandbox", f"--remote-debugging-port={port}",
                           "--window-size=1500,1180", f"--user-data-dir={tempfile.mkdtemp()}", "about:blank"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _try in range(50):
        try:
            pages = requests.get(f"http://127.0.0.1:{port}/json", timeout=2).json()
            break
        except requests.ConnectionError:
            time.sleep(0.2)
    ws = websocket.create_connection(next(p for p in pages if p["type"] == "page")["webSocketDebuggerUrl"])
    ids = iter(range(1, 1000))

    def call(method, **params):
        ident = next(ids)
        ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(ws.recv())
            if message.get("id") == ident:
                return message.get("result", {})

    call("Network.enable")
    call("Network.setCookie", name="session_id", value=sid, domain="localhost", path="/")
    call("Page.navigate", url=url)
    time.sleep(8)  # the web client, the data and the charts' animation
    shot = call("Page.captureScreenshot", format="png")
    with open(target, "wb") as file:
        file.write(base64.b64decode(shot["data"]))
    print(target)
finally:
    chrome.kill()
