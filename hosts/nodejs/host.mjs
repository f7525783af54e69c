// lambdakit's stdio host for Node.js: runs a lambdakit C++ function binary as a child process,
// kept alive for the execution environment, and frames each invocation to it over two
// descriptors of their own (docs/stdio.md has the protocol, byte by byte).
//
// `lambdakit package --runtime nodejs22.x` puts this file and index.mjs beside the binary
// (`function`) in the zip; users never write or edit it. One StdioHost per environment:
//   - start(): spawns the binary with LAMBDAKIT_STDIO=1 and waits for its hello (version
//     check) and ready (its Init), so Lambda's Init covers both;
//   - handler(event, context): one invoke; concurrent calls are queued, never interleaved;
//   - a child that dies, hangs past the invoke's deadline, or breaks the protocol is killed,
//     that invoke fails with an error that says what happened, and the next invoke starts a
//     new child.
// The child's stdout and stderr are the host's own (the function's log), so whatever the
// handler prints is logged and can never corrupt a frame.
import { spawn } from 'node:child_process';

export const PROTOCOL_VERSION = 1;
export const MAX_BODY = 8 * 1024 * 1024;
// Lambda's limit for a buffered response; a streamed answer the host joins may not exceed it.
export const MAX_RESPONSE = 6291556;
const HEADER = 8;

export const T = Object.freeze({
  hello: 1, invoke: 2, response: 3, error: 4, init_error: 5, ready: 6,
  stream_begin: 7, stream_chunk: 8, stream_end: 9, protocol_error: 10,
});
export const F = Object.freeze({
  version: 1, lambdakit_version: 2, request_id: 3, deadline_ms: 4, function_arn: 5,
  trace_id: 6, client_context: 7, cognito_identity: 8, tenant_id: 9, payload: 10,
  content_type: 11, error_type: 12, error_message: 13, stack_frame: 14, message: 15, pid: 16,
});
const TYPE_NAMES = Object.fromEntries(Object.entries(T).map(([k, v]) => [v, k]));

// An error of the protocol (bytes that are not frames, a frame over the limit, ...).
export class FrameError extends Error {
  constructor(message) { super(message); this.name = 'FrameError'; }
}

// One frame: fields is an array of [tag, string | Buffer].
export function encodeFrame(type, fields = []) {
  const values = fields.map(([tag, v]) => [tag, Buffer.isBuffer(v) ? v : Buffer.from(String(v))]);
  const body = values.reduce((n, [, v]) => n + 5 + v.length, 0);
  if (body > MAX_BODY) {
    throw new FrameError(`a ${TYPE_NAMES[type]} frame of ${body} bytes; the stdio protocol ` +
                         `carries at most ${MAX_BODY} (Lambda's payloads are at most 6 MB)`);
  }
  const out = Buffer.allocUnsafe(HEADER + body);
  out[0] = 0x4c; out[1] = 0x4b; out[2] = type; out[3] = 0;
  out.writeUInt32BE(body, 4);
  let at = HEADER;
  for (const [tag, v] of values) {
    out[at] = tag;
    out.writeUInt32BE(v.length, at + 1);
    v.copy(out, at + 5);
    at += 5 + v.length;
  }
  return out;
}

function describeBytes(b) {
  const head = b.subarray(0, 8);
  const hex = [...head].map((x) => x.toString(16).padStart(2, '0')).join(' ');
  const text = [...head].map((x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : '.')).join('');
  return `${hex} "${text}"`;
}

// Reassembles frames from chunks cut anywhere; throws FrameError on bytes that are not frames
// (checked as soon as they arrive, so garbage fails at once, not at a timeout).
export class FrameDecoder {
  #chunks = [];
  #size = 0;

  get buffered() { return this.#size; }

  push(chunk) {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
  }

  #peek(n) {
    if (this.#chunks.length > 1 && this.#chunks[0].length < n) {
      this.#chunks = [Buffer.concat(this.#chunks)];
    }
    return this.#chunks.length ? this.#chunks[0].subarray(0, n) : Buffer.alloc(0);
  }

  // The next frame { type, fields: Map<tag, Buffer[]> }, or null when more bytes are needed.
  next() {
    const h = this.#peek(HEADER);
    if ((h.length > 0 && h[0] !== 0x4c) || (h.length > 1 && h[1] !== 0x4b)) {
      throw new FrameError(`the bytes are not lambdakit stdio frames (they start ${describeBytes(h)}; a frame starts "LK")`);
    }
    if (h.length > 2 && !TYPE_NAMES[h[2]]) {
      throw new FrameError(`unknown frame type ${h[2]} (this host speaks protocol version ${PROTOCOL_VERSION})`);
    }
    if (h.length > 3 && h[3] !== 0) throw new FrameError('a frame with flags set; version 1 has none');
    if (h.length < HEADER) return null;
    const len = h.readUInt32BE(4);
    if (len > MAX_BODY) {
      throw new FrameError(`a ${TYPE_NAMES[h[2]]} frame of ${len} bytes; the limit is ${MAX_BODY}`);
    }
    if (this.#size < HEADER + len) return null;
    const all = this.#chunks.length === 1 ? this.#chunks[0] : Buffer.concat(this.#chunks);
    const type = all[2];
    const body = all.subarray(HEADER, HEADER + len);
    const rest = all.subarray(HEADER + len);
    this.#chunks = rest.length ? [rest] : [];
    this.#size = rest.length;
    const fields = new Map();
    for (let at = 0; at < body.length;) {
      if (body.length - at < 5) throw new FrameError(`a field header cut short at byte ${at} of the body`);
      const tag = body[at];
      const n = body.readUInt32BE(at + 1);
      at += 5;
      if (n > body.length - at) {
        throw new FrameError(`field ${tag} says ${n} bytes, but only ${body.length - at} remain in the frame`);
      }
      if (!fields.has(tag)) fields.set(tag, []);
      fields.get(tag).push(body.subarray(at, at + n));
      at += n;
    }
    return { type, fields };
  }
}

const str = (frame, tag) => (frame.fields.get(tag)?.[0] ?? Buffer.alloc(0)).toString();

// The Error ric turns into Lambda's {errorType, errorMessage, trace}.
export function lambdaError(type, message, trace = []) {
  const e = new Error(message);
  e.name = type;
  e.stack = [`${type}: ${message}`, ...trace].join('\n');
  return e;
}

function errorFromFrame(frame) {
  return lambdaError(str(frame, F.error_type) || 'Error', str(frame, F.error_message),
                     (frame.fields.get(F.stack_frame) ?? []).map(String));
}

const positiveInt = (v, fallback) => (Number.isInteger(Number(v)) && Number(v) > 0 ? Number(v) : fallback);

// One child process and its conversation. Dead once its process exited or it broke the
// protocol; a StdioHost then starts another.
class Child {
  constructor(binary, env, stdio) {
    this.binary = binary;
    this.decoder = new FrameDecoder();
    this.frames = [];
    this.waiter = null;
    this.failure = null;  // why this child is unusable, once it is
    this.expecting = true;  // the host awaits frames (hello, ready, an answer); else any is stray
    this.ended = false;
    this.proc = spawn(binary, [], { stdio: ['ignore', stdio[0], stdio[1], 'pipe', 'pipe'], env });
    // 'error' first: a spawn that fails (ENOENT, EMFILE) reports it on the next tick.
    this.proc.on('error', (err) => this.#fail(lambdaError('lambdakit.SpawnError',
      `cannot start ${binary}: ${err.message}`)));
    this.pid = this.proc.pid;
    const [, , , toChild, fromChild] = this.proc.stdio ?? [];
    this.toChild = toChild;
    if (!toChild || !fromChild) return;  // the 'error' above says why
    this.proc.on('exit', (code, signal) => {
      this.exited = { code, signal };
      // Frames still in flight arrive before the stream's end: wait for it (briefly: a
      // grandchild may hold the descriptor open).
      if (this.ended) this.#fail(this.#exitError());
      else setTimeout(() => this.#fail(this.#exitError()), 50);
    });
    toChild.on('error', () => {});  // EPIPE when the child is gone: 'exit' says why
    fromChild.on('error', () => {});
    fromChild.on('data', (chunk) => this.#onData(chunk));
    // The stream ended: once the exit status is in (or 100 ms later, for a process that closed
    // descriptor 4 and lives on, which is then killed), the child is done.
    fromChild.on('end', () => {
      this.ended = true;
      if (this.exited) this.#fail(this.#exitError());
      else setTimeout(() => this.kill(this.#exitError()), 100);
    });
  }

  #exitError() {
    const partial = this.decoder.buffered > 0 ? ` in the middle of a frame (${this.decoder.buffered} bytes unread)` : '';
    if (!this.exited) {
      return lambdaError('lambdakit.ChildExited', `${this.binary} closed its protocol descriptor${partial}`);
    }
    const { code, signal } = this.exited;
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    return lambdaError('lambdakit.ChildExited',
      `the function's process (pid ${this.pid}) ${how}${partial}; the next invoke starts a new one`);
  }

  #onData(chunk) {
    if (this.failure) return;
    this.decoder.push(chunk);
    try {
      for (let f; (f = this.decoder.next());) this.frames.push(f);
    } catch (err) {
      this.kill(lambdaError('lambdakit.ProtocolError', `the function's process broke the stdio protocol: ${err.message}`));
      return;
    }
    if (!this.expecting) {
      this.idle();
      return;
    }
    this.#wake();
  }

  #fail(error) {
    if (!this.failure) this.failure = error;
    this.#wake();
  }

  #wake() {
    const w = this.waiter;
    if (!w) return;
    if (this.frames.length) {
      this.waiter = null;
      w.resolve(this.frames.shift());
    } else if (this.failure) {
      this.waiter = null;
      w.reject(this.failure);
    }
  }

  // The next frame from the child; rejects once it is dead and every frame it sent is read.
  nextFrame() {
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.#wake();
    });
  }

  // The host awaits nothing more: a frame buffered now, or arriving later, no one asked for (a
  // second answer, frames between invokes). Such a child is stopped, its frames never kept.
  idle() {
    this.expecting = false;
    if (!this.frames.length || this.failure) return;
    console.error(`lambdakit stdio host: the function's process (pid ${this.pid}) sent ` +
                  `${this.frames.length} frame(s) between invokes; stopping it`);
    this.frames = [];
    this.kill(lambdaError('lambdakit.ProtocolError', `the function's process (pid ${this.pid}) ` +
                          'sent frames between invokes; the next invoke starts a new one'));
  }

  send(frame) {
    if (this.failure) throw this.failure;
    this.expecting = true;
    this.toChild.write(frame);
  }

  kill(reason) {
    this.#fail(reason ?? lambdaError('lambdakit.ChildExited', `the host stopped the function's process (pid ${this.pid})`));
    if (!this.exited) this.proc.kill('SIGKILL');
    // A grandchild may still hold the other ends; this host is done with them either way.
    this.proc.stdio[3]?.destroy();
    this.proc.stdio[4]?.destroy();
  }
}

export class StdioHost {
  // binary: the function's executable. Options (defaults from the environment, then built in):
  //   helloTimeoutMs  LAMBDAKIT_STDIO_HELLO_TIMEOUT_MS, 5000: how long a new child may take to say hello
  //   timeoutMarginMs LAMBDAKIT_STDIO_TIMEOUT_MARGIN_MS, 50: the child is stopped this long
  //                   before the invoke's deadline, so the host answers before Lambda does
  //   output          [stdout, stderr] of the child: 'inherit' (the function's log), or fds
  //   env             variables added to the child's environment
  constructor(binary, options = {}) {
    this.binary = binary;
    this.helloTimeoutMs = options.helloTimeoutMs ??
      positiveInt(process.env.LAMBDAKIT_STDIO_HELLO_TIMEOUT_MS, 5000);
    this.timeoutMarginMs = options.timeoutMarginMs ??
      positiveInt(process.env.LAMBDAKIT_STDIO_TIMEOUT_MARGIN_MS, 50);
    this.output = options.output ?? ['inherit', 'inherit'];
    this.env = { ...process.env, ...(options.env ?? {}), LAMBDAKIT_STDIO: String(PROTOCOL_VERSION) };
    // The child answers the host, never the Runtime API the host itself talks to.
    delete this.env.AWS_LAMBDA_RUNTIME_API;
    this.child = null;
    this.starts = 0;
    this.queue = Promise.resolve();
    this.handler = (event, context) => this.invoke(event, context);
  }

  // Starts a child and waits for its hello and its Init (ready or init_error).
  async start() {
    const child = new Child(this.binary, this.env, this.output);
    this.child = child;
    this.starts += 1;
    let timer;
    const hello = await Promise.race([
      child.nextFrame(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(lambdaError('lambdakit.NotAFunction',
          `${this.binary} did not say hello within ${this.helloTimeoutMs} ms: it is not a ` +
          'lambdakit function (a lambdakit binary answers at once when LAMBDAKIT_STDIO is set)')),
        this.helloTimeoutMs);
      }),
    ]).catch((err) => {
      child.kill();
      if (err.name === 'lambdakit.ChildExited') {
        const how = err.message.replace(/^the function's process \(pid \d+\) /, '').replace(/; the next invoke.*$/, '');
        throw lambdaError('lambdakit.NotAFunction', `${this.binary} ${how} ` +
          'before its hello: it is not a lambdakit function, or was built without the stdio transport');
      }
      if (err.name === 'lambdakit.ProtocolError') {
        throw lambdaError('lambdakit.NotAFunction', `${this.binary} is not a lambdakit function: ${err.message}`);
      }
      throw err;
    }).finally(() => clearTimeout(timer));
    if (hello.type !== T.hello) {
      child.kill();
      throw lambdaError('lambdakit.NotAFunction', `${this.binary} sent ${TYPE_NAMES[hello.type]} before hello`);
    }
    const version = Number(str(hello, F.version));
    if (version !== PROTOCOL_VERSION) {
      child.kill();
      throw lambdaError('lambdakit.VersionMismatch', `${this.binary} speaks stdio protocol version ` +
        `${str(hello, F.version)} (lambdakit ${str(hello, F.lambdakit_version)}); this host speaks ` +
        `${PROTOCOL_VERSION}: package the binary with the lambdakit it was built with`);
    }
    this.childVersion = str(hello, F.lambdakit_version);
    const ready = await child.nextFrame();
    if (ready.type === T.init_error) {
      child.kill();
      throw errorFromFrame(ready);
    }
    if (ready.type !== T.ready) {
      child.kill();
      throw lambdaError('lambdakit.ProtocolError', `${this.binary} sent ${TYPE_NAMES[ready.type]} where ready belongs`);
    }
    child.idle();
  }

  // One invoke at a time, in arrival order.
  invoke(event, context) {
    const run = this.queue.then(() => this.#invoke(event, context));
    this.queue = run.catch(() => {});
    return run;
  }

  async #invoke(event, context) {
    const payload = Buffer.isBuffer(event) ? event : Buffer.from(JSON.stringify(event ?? null));
    const remaining = typeof context?.getRemainingTimeInMillis === 'function'
      ? context.getRemainingTimeInMillis() : 3000;
    const deadline = Date.now() + remaining;
    const requestId = context?.awsRequestId || 'local';
    const fields = [
      [F.request_id, requestId],
      [F.deadline_ms, String(deadline)],
      [F.function_arn, context?.invokedFunctionArn ?? ''],
      [F.trace_id, process.env._X_AMZN_TRACE_ID ?? ''],
    ];
    if (context?.clientContext) fields.push([F.client_context, JSON.stringify(context.clientContext)]);
    if (context?.identity) fields.push([F.cognito_identity, JSON.stringify(context.identity)]);
    if (context?.tenantId) fields.push([F.tenant_id, context.tenantId]);
    fields.push([F.payload, payload]);
    const frame = encodeFrame(T.invoke, fields);  // too large: fails this invoke, child untouched

    if (remaining <= this.timeoutMarginMs) {
      // Queued past its deadline: fail it without sending it (or killing a healthy child).
      throw lambdaError('lambdakit.Timeout', `the invoke had ${remaining} ms left when its turn ` +
        `came (the host needs ${this.timeoutMarginMs} ms of margin); it was not sent to the function`);
    }
    let timer;
    const budget = remaining - this.timeoutMarginMs;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => {
        const e = lambdaError('lambdakit.Timeout', `the function did not answer within ${budget} ms ` +
          `(its deadline less ${this.timeoutMarginMs} ms); the host stopped its process and starts ` +
          'a new one for the next invoke');
        this.child?.kill(e);
        reject(e);
      }, budget);
    });
    try {
      return await Promise.race([this.#exchange(frame, requestId), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #exchange(frame, requestId) {
    if (!this.child || this.child.failure) await this.start();
    const child = this.child;
    try {
      return await this.#answer(child, frame, requestId);
    } finally {
      child.idle();
    }
  }

  async #answer(child, frame, requestId) {
    child.send(frame);
    const answer = await child.nextFrame();
    const answered = str(answer, F.request_id);
    if ((answer.type === T.response || answer.type === T.error || answer.type === T.stream_begin) &&
        answered !== requestId) {
      return this.#violation(child, answer, `the answer to ${requestId} (it answered "${answered}")`);
    }
    switch (answer.type) {
      case T.response:
        return decodeResult(answer);
      case T.error:
        throw errorFromFrame(answer);
      case T.stream_begin: {
        const parts = [];
        let size = 0;
        for (;;) {
          const f = await child.nextFrame();
          if (f.type === T.stream_chunk) {
            for (const p of f.fields.get(F.payload) ?? []) {
              size += p.length;
              parts.push(p);
            }
            if (size > MAX_RESPONSE) {
              const e = lambdaError('Function.ResponseSizeTooLarge', `Response payload size exceeded ` +
                `maximum allowed payload size (${MAX_RESPONSE} bytes): the function streamed ${size} ` +
                'bytes so far; the host stopped it');
              child.kill(e);
              throw e;
            }
          } else if (f.type === T.stream_end) {
            if (f.fields.has(F.request_id) && str(f, F.request_id) !== requestId) {
              return this.#violation(child, f, `the end of the stream for ${requestId}`);
            }
            if (f.fields.has(F.error_type)) throw errorFromFrame(f);
            return decodeResult({ fields: new Map([[F.content_type, answer.fields.get(F.content_type) ?? []],
              [F.payload, [Buffer.concat(parts)]]]) });
          } else {
            return this.#violation(child, f, 'stream_chunk or stream_end');
          }
        }
      }
      case T.protocol_error:
        child.kill();
        throw lambdaError('lambdakit.ProtocolError', str(answer, F.message));
      default:
        return this.#violation(child, answer, 'an answer');
    }
  }

  #violation(child, frame, expected) {
    const e = lambdaError('lambdakit.ProtocolError',
      `the function's process sent ${TYPE_NAMES[frame.type]} where ${expected} belongs; the host stopped it`);
    child.kill(e);
    throw e;
  }

  close() {
    this.child?.kill();
    this.child = null;
  }
}

// What ric JSON.stringify's back: the parsed JSON, so it is not encoded twice; other content
// types as a string (Lambda's buffered responses are JSON).
function decodeResult(frame) {
  const body = frame.fields.get(F.payload)?.[0] ?? Buffer.alloc(0);
  const type = str(frame, F.content_type);
  if (body.length === 0) return null;
  if (type === '' || type.startsWith('application/json')) {
    try { return JSON.parse(body.toString()); } catch { /* fall through: send it as text */ }
  }
  return body.toString();
}
