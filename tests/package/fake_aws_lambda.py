"""A stand-in for AWS Lambda's control plane over TLS, for `lambdakit deploy` without an endpoint
override: AWS itself cannot run here. It checks every request's SigV4 signature by recomputing it
with botocore (the AWS SDK for Python's own signer) and answers GetFunction / CreateFunction /
UpdateFunctionCode as Lambda does, refusing a bad signature with Lambda's 403. For `lambdakit bench
--aws` it also answers GetFunctionConfiguration (a new function is Pending until asked once),
Invoke (a hello answer, and with LogType Tail a REPORT line, Init Duration on the first invoke;
409 while Pending, as Lambda) and DeleteFunction; `fail_invokes_of` makes Invoke of the functions
whose name contains it answer 500, to test that the caller cleans up."""

import base64
import hashlib
import http.server
import json
import re
import ssl
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

AUTH = re.compile(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
                  r"SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$")


def make_certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out",
                    str(cert)], check=True, capture_output=True)
    return cert, key


class FakeLambda:
    def __init__(self, folder: Path, secrets: dict[str, str]):
        self.secrets = secrets  # access key id -> secret
        self.functions: dict[str, dict] = {}
        self.deleted: list[str] = []
        self.invoked: dict[str, int] = {}
        self.fail_invokes_of: str | None = None
        self.invoke_delay = 0.0  # seconds each Invoke takes
        self.seen: list[dict] = []  # one per request: method, path, verdict, scope
        self.cert, key = make_certificate(folder)
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _answer(self, status, body, error_type=None):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if error_type:
                    self.send_header("x-amzn-ErrorType", error_type)
                self.end_headers()
                self.wfile.write(data)

            def _handle(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
                verdict, scope = fake.verify(self.command, self.path, dict(self.headers.items()), body)
                fake.seen.append({"method": self.command, "path": self.path, "verdict": verdict, "scope": scope,
                                  "token": self.headers.get("X-Amz-Security-Token")})
                if verdict != "ok":
                    return self._answer(403, {"message": verdict}, "InvalidSignatureException")
                m = re.fullmatch(r"/2015-03-31/functions/([^/]+)/(configuration|invocations)", self.path)
                if m or self.command == "DELETE":
                    return self._bench_route(m, body)
                m = re.fullmatch(r"/2015-03-31/functions(?:/([^/]+))?(/code)?", self.path)
                if not m:
                    return self._answer(404, {"message": "no route"}, "UnknownOperationException")
                name, code = (urllib.parse.unquote(m.group(1)) if m.group(1) else None), m.group(2)
                if self.command == "GET" and name:
                    if name not in fake.functions:
                        return self._answer(404, {"Message": f"Function not found: {name}"},
                                            "ResourceNotFoundException")
                    return self._answer(200, {"Configuration": fake.functions[name]})
                req = json.loads(body)
                zip_b64 = req["Code"]["ZipFile"] if self.command == "POST" else req["ZipFile"]
                sha = base64.b64encode(hashlib.sha256(base64.b64decode(zip_b64)).digest()).decode()
                if self.command == "POST":
                    cfg = {k: req[k] for k in ("FunctionName", "Runtime", "Role", "Handler")}
                    fake.functions[req["FunctionName"]] = dict(cfg, CodeSha256=sha, State="Pending",
                                                               MemorySize=req.get("MemorySize", 128))
                    return self._answer(201, fake.functions[req["FunctionName"]])
                fake.functions[name]["CodeSha256"] = sha
                return self._answer(200, fake.functions[name])

            def _bench_route(self, m, body):
                if self.command == "DELETE":
                    dm = re.fullmatch(r"/2015-03-31/functions/([^/]+)", self.path)
                    name = urllib.parse.unquote(dm.group(1)) if dm else None
                    if name not in fake.functions:
                        return self._answer(404, {"Message": f"Function not found: {name}"},
                                            "ResourceNotFoundException")
                    del fake.functions[name]
                    fake.deleted.append(name)
                    self.send_response(204)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                name, what = urllib.parse.unquote(m.group(1)), m.group(2)
                fn = fake.functions.get(name)
                if fn is None:
                    return self._answer(404, {"Message": f"Function not found: {name}"}, "ResourceNotFoundException")
                if what == "configuration":
                    answer = dict(fn)
                    fn["State"] = "Active"  # Pending once, then Active
                    return self._answer(200, answer)
                if fn["State"] != "Active":
                    return self._answer(409, {"Message": "The operation cannot be performed at this time. The "
                                              f"function is currently in the following state: {fn['State']}"},
                                        "ResourceConflictException")
                if fake.fail_invokes_of and fake.fail_invokes_of in name:
                    return self._answer(500, {"Message": "stand-in failure"}, "ServiceException")
                n = fake.invoked.get(name, 0)
                fake.invoked[name] = n + 1
                time.sleep(fake.invoke_delay)
                rid = f"{name}-{n}"
                report = (f"REPORT RequestId: {rid}\tDuration: 1.50 ms\tBilled Duration: 2 ms\t"
                          f"Memory Size: {fn['MemorySize']} MB\tMax Memory Used: 20 MB\t")
                if n == 0:
                    report += "Init Duration: 12.34 ms\t"
                log = f"START RequestId: {rid} Version: $LATEST\nEND RequestId: {rid}\n{report}\n"
                data = json.dumps({"message": "Hello World"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("x-amzn-RequestId", rid)
                if self.headers.get("X-Amz-Log-Type") == "Tail":
                    self.send_header("X-Amz-Log-Result", base64.b64encode(log.encode()).decode())
                self.end_headers()
                self.wfile.write(data)
                return None

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert, key)
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def verify(self, method, path, headers, body):
        """("ok" | why not, "date/region/service") for one request, checked with botocore."""
        m = AUTH.match(headers.get("Authorization", ""))
        if not m:
            return "missing or malformed Authorization", None
        key_id, date, region, service, signed, signature = m.groups()
        if key_id not in self.secrets:
            return "unknown access key", None
        names = signed.split(";")
        lower = {k.lower(): v for k, v in headers.items()}
        req = AWSRequest(method=method, url=f"https://{lower['host']}{path}", data=body,
                         headers={n: lower[n] for n in names if n in lower})
        req.context["timestamp"] = lower.get("x-amz-date", "")
        auth = SigV4Auth(Credentials(key_id, self.secrets[key_id], lower.get("x-amz-security-token")), service,
                         region)
        expected = auth.signature(auth.string_to_sign(req, auth.canonical_request(req)), req)
        if auth.signed_headers(auth.headers_to_sign(req)) != signed:
            return f"signed headers {signed} differ from botocore's", f"{date}/{region}/{service}"
        if expected != signature:
            return "signature mismatch", f"{date}/{region}/{service}"
        return "ok", f"{date}/{region}/{service}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()
