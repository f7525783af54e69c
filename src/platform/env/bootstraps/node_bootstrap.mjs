// lambdakit's built-in Node.js runtime: used by `lambdakit serve` for nodejs* functions when
// aws-lambda-ric is not installed. A plain Lambda Runtime API client: imports the handler named
// by _HANDLER ("file.export") from LAMBDA_TASK_ROOT and serves invokes until the environment ends.
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(":");
const base = "/2018-06-01/runtime";
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function call(method, p, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, method, path: base + p, headers, agent }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function errorBody(err) {
  return {
    errorType: (err && err.name) || "Error",
    errorMessage: (err && err.message) || String(err),
    trace: err && err.stack ? String(err.stack).split("\n") : [],
  };
}

async function postError(p, err, type) {
  const body = errorBody(err);
  if (type) body.errorType = type;
  await call("POST", p, JSON.stringify(body), {
    "Content-Type": "application/json",
    "Lambda-Runtime-Function-Error-Type": body.errorType,
  });
}

async function loadHandler() {
  const root = process.env.LAMBDA_TASK_ROOT || ".";
  const spec = process.env._HANDLER || "index.handler";
  const dot = spec.lastIndexOf(".");
  const file = spec.slice(0, dot);
  const name = spec.slice(dot + 1);
  for (const ext of [".mjs", ".js", ".cjs"]) {
    const full = path.join(root, file + ext);
    if (fs.existsSync(full)) {
      const mod = await import(pathToFileURL(full).href);
      const fn = mod[name] ?? (mod.default && mod.default[name]);
      if (typeof fn !== "function") throw Object.assign(new Error(`${spec} is undefined or not exported`), { name: "Runtime.HandlerNotFound" });
      return fn;
    }
  }
  throw Object.assign(new Error(`Cannot find module '${file}'`), { name: "Runtime.ImportModuleError" });
}

async function main() {
  let handler;
  try {
    handler = await loadHandler();
  } catch (err) {
    await postError("/init/error", err, err.name);
    process.exit(1);
  }
  for (;;) {
    const next = await call("GET", "/invocation/next");
    if (next.status !== 200) process.exit(1);
    const id = next.headers["lambda-runtime-aws-request-id"];
    if (next.headers["lambda-runtime-trace-id"]) process.env._X_AMZN_TRACE_ID = next.headers["lambda-runtime-trace-id"];
    else delete process.env._X_AMZN_TRACE_ID;
    const deadline = Number(next.headers["lambda-runtime-deadline-ms"] || 0);
    const cc = next.headers["lambda-runtime-client-context"];
    const context = {
      awsRequestId: id,
      invokedFunctionArn: next.headers["lambda-runtime-invoked-function-arn"],
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
      clientContext: cc ? JSON.parse(cc) : undefined,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    try {
      const text = next.body.length ? next.body.toString("utf8") : "{}";
      const result = await handler(JSON.parse(text), context);
      await call("POST", `/invocation/${id}/response`, JSON.stringify(result === undefined ? null : result), {
        "Content-Type": "application/json",
      });
    } catch (err) {
      await postError(`/invocation/${id}/error`, err);
    }
  }
}

main();
