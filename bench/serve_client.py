"""A lambdakit serve for the Python benchmarks: started on a free port with its own state
directory, functions created over the Lambda API, stopped and cleaned up at the end."""
from __future__ import annotations

import base64
import http.client
import io
import json
import os
import subprocess
import tempfile
import zipfile


def make_zip(files: dict[str, bytes], executable: str | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = (0o100755 if name == executable else 0o100644) << 16
            z.writestr(info, data)
    return buf.getvalue()


class Serve:
    def __init__(self, bin_dir: str):
        self.state = tempfile.mkdtemp(prefix="lk-bench-")
        self.proc = subprocess.Popen(
            [os.path.join(bin_dir, "lambdakit"), "serve", "--port", "0", "--state-dir", self.state,
             "--log-level", "warn"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.port = int(self.proc.stdout.readline().rsplit(":", 1)[1])

    def call(self, method: str, path: str, doc: dict, want: int, what: str) -> dict:
        """One Lambda API call with a JSON body; exits naming `what` unless it answers `want`."""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        c.request(method, path, json.dumps(doc).encode())
        r = c.getresponse()
        data = r.read()
        c.close()
        if r.status != want:
            raise SystemExit(f"{what}: {r.status} {data[:300]!r}")
        return json.loads(data) if data else {}

    def create(self, name: str, runtime: str, handler: str, zip_bytes: bytes):
        self.call("POST", "/2015-03-31/functions",
                  {"FunctionName": name, "Runtime": runtime, "Handler": handler,
                   "Role": "arn:aws:iam::000000000000:role/bench", "Timeout": 30,
                   "Code": {"ZipFile": base64.b64encode(zip_bytes).decode()}},
                  201, f"CreateFunction {name}")

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=15)
        subprocess.run(["rm", "-rf", self.state])
