#!/usr/bin/python3
"""A Lambda external extension for the service tests, in Python's standard library only (it runs
under /usr/bin/python3 inside the sandbox). What it does depends on its file name in
/opt/extensions:

  counter*      registers for INVOKE and SHUTDOWN, counts INVOKEs (printing "<name>: INVOKE <n>
                <request id>"), prints "<name>: SHUTDOWN <reason> after <n>" and exits
  slow*         as counter, but takes 300 ms after each INVOKE before it asks for the next
  idle*         registers for nothing (Events: []) and waits in /event/next
  noregister*   never registers (sleeps)
  hang*         registers for INVOKE and never comes back from the first one
  crash*        registers, exits with status 3 on its first INVOKE
  initerror*    registers, then reports /init/error
  twice*        registers, then registers again and prints the error it gets
  stubborn*     as counter, but never finishes its SHUTDOWN (prints "<name>: ignoring SHUTDOWN")
  latehang*     takes 1.5 s before it registers (past a 1 s Init limit), then hangs on its first
                INVOKE as hang does
  telemetry*    as counter, and subscribes a listener of its own to the Telemetry API (platform
                events and function logs): prints "<name>: got <type> <requestId>" for platform
                events and "<name>: got function line" for a log line holding "hello-from-handler"
                (first it tries a subscription with a bad schemaVersion and prints the answer)
"""
import http.server
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request

API = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2020-01-01/extension"
NAME = os.path.basename(sys.argv[0])
KIND = next((k for k in ("counter", "slow", "idle", "noregister", "hang", "crash", "initerror",
                         "twice", "stubborn", "telemetry", "latehang") if NAME.startswith(k)), "counter")


SAY = threading.Lock()


def say(text):
    # One write per line, under a lock: the telemetry listener's threads print too, and print()
    # writes the text and its newline apart.
    with SAY:
        sys.stdout.write(f"{NAME}: {text}\n")
        sys.stdout.flush()


def call(method, path, body=None, headers=None):
    req = urllib.request.Request(API + path, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(req, timeout=3600) as r:
        return r.headers, json.loads(r.read() or b"null")


def register(events):
    headers, info = call("POST", "/register", json.dumps({"events": events}).encode(),
                         {"Lambda-Extension-Name": NAME,
                          "Lambda-Extension-Accept-Feature": "accountId"})
    say("registered " + json.dumps(info, sort_keys=True))
    return headers["Lambda-Extension-Identifier"]


class Listener(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        items = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        for item in items:
            if item["type"].startswith("platform."):
                record = item["record"]
                say(f"got {item['type']} {record.get('requestId', '')}".rstrip())
            elif item["type"] == "function" and "hello-from-handler" in item["record"]:
                say("got function line")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def subscribe(ident):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Listener)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2022-07-01/telemetry"
    for schema in ("1999-01-01", "2022-12-13"):
        body = {"schemaVersion": schema, "types": ["platform", "function"],
                "destination": {"protocol": "HTTP",
                                "URI": f"http://sandbox.localdomain:{server.server_port}"},
                "buffering": {"timeoutMs": 25}}
        req = urllib.request.Request(api, data=json.dumps(body).encode(), method="PUT",
                                     headers={"Lambda-Extension-Identifier": ident})
        try:
            with urllib.request.urlopen(req) as r:
                say(f"subscribed: {r.status} {r.read().decode()}")
        except urllib.error.HTTPError as e:
            say(f"subscription refused: {e.code} {e.read().decode()}")


def main():
    if KIND == "noregister":
        time.sleep(3600)
    if KIND == "latehang":
        time.sleep(1.5)
    events = [] if KIND == "idle" else ["INVOKE"] if KIND in ("hang", "crash", "latehang") else [
        "INVOKE", "SHUTDOWN"]
    ident = register(events)
    if KIND == "telemetry":
        subscribe(ident)
    if KIND == "twice":
        try:
            register(events)
        except urllib.error.HTTPError as e:
            say(f"second register: {e.code} {e.read().decode()}")
    if KIND == "initerror":
        call("POST", "/init/error", b'{"errorMessage":"no config","errorType":"Ext.NoConfig"}',
             {"Lambda-Extension-Identifier": ident,
              "Lambda-Extension-Function-Error-Type": "Ext.NoConfig"})
        time.sleep(3600)
    count = 0
    while True:
        _, event = call("GET", "/event/next", headers={"Lambda-Extension-Identifier": ident})
        if event["eventType"] == "SHUTDOWN" and KIND == "stubborn":
            say("ignoring SHUTDOWN")
            time.sleep(3600)
        if event["eventType"] == "SHUTDOWN":
            left = event["deadlineMs"] - int(time.time() * 1000)
            say(f"SHUTDOWN {event['shutdownReason']} after {count} (deadline in {left} ms)")
            return
        count += 1
        say(f"INVOKE {count} {event['requestId']} {event['invokedFunctionArn']}")
        if KIND in ("hang", "latehang"):
            time.sleep(3600)
        if KIND == "crash":
            sys.exit(3)
        if KIND == "slow":
            time.sleep(0.3)


main()
