"""lambdakit's built-in Python runtime: used by `lambdakit serve` for python3.x functions when
awslambdaric is not installed. A plain Lambda Runtime API client: imports the handler named by
_HANDLER ("module.function") from LAMBDA_TASK_ROOT, then serves invokes until the environment ends.
"""

import http.client
import importlib
import json
import os
import sys
import time
import traceback

API = os.environ["AWS_LAMBDA_RUNTIME_API"]
BASE = "/2018-06-01/runtime"


class Context:
    def __init__(self, headers):
        self.aws_request_id = headers.get("Lambda-Runtime-Aws-Request-Id", "")
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn", "")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self._deadline_ms = int(headers.get("Lambda-Runtime-Deadline-Ms", "0") or 0)
        cc = headers.get("Lambda-Runtime-Client-Context")
        self.client_context = ClientContext(json.loads(cc)) if cc else None
        ci = headers.get("Lambda-Runtime-Cognito-Identity")
        self.identity = Identity(json.loads(ci)) if ci else None

    def get_remaining_time_in_millis(self):
        return max(0, self._deadline_ms - int(time.time() * 1000))


class ClientContext:
    """As awslambdaric shapes it: client is an object, custom and env stay dicts."""

    def __init__(self, d):
        client = d.get("client") or {}
        self.client = type("Client", (), {
            "installation_id": client.get("installation_id"),
            "app_title": client.get("app_title"),
            "app_version_name": client.get("app_version_name"),
            "app_version_code": client.get("app_version_code"),
            "app_package_name": client.get("app_package_name"),
        })() if client else None
        self.custom = d.get("custom")
        self.env = d.get("env")


class Identity:
    def __init__(self, d):
        self.cognito_identity_id = d.get("cognitoIdentityId")
        self.cognito_identity_pool_id = d.get("cognitoIdentityPoolId")


def error_body(exc):
    return {
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "stackTrace": traceback.format_tb(exc.__traceback__),
    }


def call(conn, method, path, body=None, headers=None):
    conn.request(method, BASE + path, body=body, headers=headers or {})
    r = conn.getresponse()
    return r.status, dict(r.getheaders()), r.read()


def post_error(conn, path, exc, error_type=None):
    body = error_body(exc)
    if error_type:
        body["errorType"] = error_type
    call(conn, "POST", path, json.dumps(body).encode(), {
        "Content-Type": "application/json",
        "Lambda-Runtime-Function-Error-Type": body["errorType"]})


def main():
    host, port = API.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port))
    sys.path.insert(0, os.environ.get("LAMBDA_TASK_ROOT", "."))
    try:
        module_name, function_name = os.environ["_HANDLER"].rsplit(".", 1)
        handler = getattr(importlib.import_module(module_name.replace("/", ".")), function_name)
    except Exception as exc:  # noqa: BLE001 - every init failure is reported the same way
        post_error(conn, "/init/error", exc, "Runtime.ImportModuleError")
        sys.exit(1)
    while True:
        status, headers, payload = call(conn, "GET", "/invocation/next")
        if status != 200:
            sys.exit(1)
        request_id = headers["Lambda-Runtime-Aws-Request-Id"]
        if headers.get("Lambda-Runtime-Trace-Id"):
            os.environ["_X_AMZN_TRACE_ID"] = headers["Lambda-Runtime-Trace-Id"]
        try:
            event = json.loads(payload) if payload else {}
            result = handler(event, Context(headers))
            body = json.dumps(result).encode()
        except Exception as exc:  # noqa: BLE001 - handler errors go to the caller
            post_error(conn, f"/invocation/{request_id}/error", exc)
            continue
        call(conn, "POST", f"/invocation/{request_id}/response", body, {"Content-Type": "application/json"})


if __name__ == "__main__":
    main()
