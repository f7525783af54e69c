"""A python3.x handler for the Event-invoke tests. It reports each attempt to the test's collector
(the COLLECTOR environment variable: an http:// URL) before and after its work, so a test sees
every delivery, even of a service it then kills. The event may ask it to sleep, fail, or fail only
on its first attempt in this environment."""
import json
import os
import time
import urllib.request


def _say(kind, event, context):
    url = os.environ.get("COLLECTOR")
    if not url:
        return
    body = json.dumps({"kind": kind, "rid": context.aws_request_id, "event": event,
                       "fn": context.function_name, "pid": os.getpid(),
                       "t": time.time()}).encode()
    req = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=30).read()


def handler(event, context):
    _say("start", event, context)
    if isinstance(event, dict):
        time.sleep(float(event.get("sleep", 0)))
        if event.get("fail"):
            raise RuntimeError(f"failed on purpose ({event.get('n')})")
        if event.get("fail_first"):
            marker = f"/tmp/failed-{event['fail_first']}"
            if not os.path.exists(marker):
                open(marker, "w").close()
                raise RuntimeError("failed on the first attempt")
    _say("end", event, context)
    return {"n": event.get("n") if isinstance(event, dict) else None, "ok": True}
