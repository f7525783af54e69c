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
"""
import json
import os
import sys
import time
import urllib.error
import urllib.request

API = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2020-01-01/extension"
NAME = os.path.basename(sys.argv[0])
KIND = next((k for k in ("counter", "slow", "idle", "noregister", "hang", "crash", "initerror",
                         "twice", "stubborn") if NAME.startswith(k)), "counter")


def say(text):
    print(f"{NAME}: {text}", flush=True)


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


def main():
    if KIND == "noregister":
        time.sleep(3600)
    events = [] if KIND == "idle" else ["INVOKE"] if KIND in ("hang", "crash") else [
        "INVOKE", "SHUTDOWN"]
    ident = register(events)
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
        if KIND == "hang":
            time.sleep(3600)
        if KIND == "crash":
            sys.exit(3)
        if KIND == "slow":
            time.sleep(0.3)


main()
