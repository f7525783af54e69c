// The Node.js stdio host (hosts/nodejs/host.mjs) against real lambdakit binaries (the probe,
// respond and badinit test functions) and against hostile-child.mjs, with node's test runner:
//   node --test tests/stdio        (LAMBDAKIT_BIN: where the binaries are, default build/bin)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StdioHost, MAX_BODY } from '../../hosts/nodejs/host.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const bin = process.env.LAMBDAKIT_BIN ?? path.join(root, 'build/bin');
const probe = path.join(bin, 'probe');
const hostile = path.join(here, 'hostile-child.mjs');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-stdio-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

let nextId = 0;
function context(remainingMs = 3000) {
  const deadline = Date.now() + remainingMs;
  return {
    awsRequestId: `req-${++nextId}`,
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:probe',
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
}

// A host whose child writes its stdout and stderr to a file of this test (not the runner's).
function host(binary, options = {}) {
  const log = path.join(tmp, `log-${++nextId}`);
  const fd = fs.openSync(log, 'w');
  const h = new StdioHost(binary, { output: [fd, fd], ...options });
  h.log = () => fs.readFileSync(log, 'utf8');
  h.logSize = () => fs.statSync(log).size;
  return h;
}

async function started(binary, options) {
  const h = host(binary, options);
  await h.start();
  return h;
}

function script(name, body) {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return p;
}

test('success: one child for many invokes, the counter proves it', async () => {
  const h = await started(probe);
  const a = await h.handler('count', context());
  const b = await h.handler('count', context());
  assert.equal(a.count, 1);
  assert.equal(b.count, 2);
  assert.equal(a.pid, b.pid);
  assert.equal(h.starts, 1);
  h.close();
});

test('the invocation context reaches the handler', async () => {
  const h = await started(probe);
  process.env._X_AMZN_TRACE_ID = 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1';
  const ctx = context(2000);
  const r = await h.handler('context', ctx);
  assert.equal(r.request_id, ctx.awsRequestId);
  assert.equal(r.function_arn, ctx.invokedFunctionArn);
  assert.equal(r.trace_id, process.env._X_AMZN_TRACE_ID);
  assert.equal(r.env_trace_id, process.env._X_AMZN_TRACE_ID);
  assert.ok(r.remaining_ms > 1500 && r.remaining_ms <= 2000, `remaining ${r.remaining_ms}`);
  delete process.env._X_AMZN_TRACE_ID;
  h.close();
});

test('the child sees neither the marker nor the Runtime API the host talks to', async () => {
  process.env.AWS_LAMBDA_RUNTIME_API = '127.0.0.1:9001';
  const h = await started(probe);
  delete process.env.AWS_LAMBDA_RUNTIME_API;
  assert.deepEqual(await h.handler('env:AWS_LAMBDA_RUNTIME_API', context()), { value: null });
  assert.deepEqual(await h.handler('env:LAMBDAKIT_STDIO', context()), { value: null });
  h.close();
});

test('a typed function error becomes a Lambda error with its type, message and trace', async () => {
  const h = await started(probe);
  await assert.rejects(h.handler('error:app.InvalidInput', context()), (e) => {
    assert.equal(e.name, 'app.InvalidInput');
    assert.equal(e.message, 'asked for');
    assert.deepEqual(e.stack.split('\n'), ['app.InvalidInput: asked for', 'frame 1', 'frame 2']);
    return true;
  });
  await assert.rejects(h.handler('throw', context()), { message: 'thrown' });
  assert.equal((await h.handler('count', context())).count, 3, 'errors do not cost the child');
  h.close();
});

test('a crash mid-invoke fails that invoke and the next one gets a new child', async () => {
  const h = await started(probe);
  const first = await h.handler('count', context());
  await assert.rejects(h.handler('crash', context()), (e) => {
    assert.equal(e.name, 'lambdakit.ChildExited');
    assert.match(e.message, /was killed by SIGABRT; the next invoke starts a new one/);
    return true;
  });
  await assert.rejects(h.handler('exit:3', context()), /exited with code 3/);
  const after = await h.handler('count', context());
  assert.equal(after.count, 1);
  assert.notEqual(after.pid, first.pid);
  assert.equal(h.starts, 3);
  h.close();
});

test('a timeout kills the child before the deadline and the next invoke restarts it', async () => {
  const h = await started(probe, { timeoutMarginMs: 50 });
  const before = await h.handler('count', context());
  const t0 = Date.now();
  await assert.rejects(h.handler('sleep:10000', context(400)), (e) => {
    assert.equal(e.name, 'lambdakit.Timeout');
    assert.match(e.message, /did not answer within 3[0-9][0-9] ms \(its deadline less 50 ms\)/);
    return true;
  });
  const took = Date.now() - t0;
  assert.ok(took >= 340 && took < 2000, `took ${took} ms`);
  const next = await h.handler('count', context());
  assert.equal(next.count, 1);
  assert.notEqual(next.pid, before.pid);
  h.close();
});

test('6 MB payloads go both ways intact', async () => {
  const h = await started(probe);
  const big = 'x'.repeat(6 * 1000 * 1000 - 2);
  const r = await h.handler(big, context(10000));
  assert.equal(r.length, big.length);
  assert.equal(r, big);
  const obj = { data: 'é'.repeat(1000), n: [1, 2, 3] };
  assert.deepEqual(await h.handler(obj, context()), obj);
  h.close();
});

test('an event over the frame limit fails without touching the child', async () => {
  const h = await started(probe);
  const pid = (await h.handler('count', context())).pid;
  await assert.rejects(h.handler('y'.repeat(MAX_BODY + 10), context()), (e) => {
    assert.equal(e.name, 'FrameError');
    assert.match(e.message, /carries at most 8388608/);
    return true;
  });
  assert.equal((await h.handler('count', context())).pid, pid);
  h.close();
});

test('whatever the handler prints goes to the log and never into a frame', async () => {
  const h = await started(probe);
  assert.deepEqual(await h.handler('noise:2000', context()), { noise: 2000 });
  assert.equal((await h.handler('count', context())).count, 2);
  const log = h.log();
  assert.match(log, /noise 1999: LK/);
  assert.match(log, /noise on stderr 1999/);
  assert.match(log, /raw bytes on fd 1/);
  h.close();
});

test('non-JSON responses arrive as strings', async () => {
  const h = await started(probe);
  assert.equal(await h.handler('text:plain words', context()), 'plain words');
  h.close();
});

test('concurrent invokes are queued, never interleaved', async () => {
  const h = await started(probe);
  const all = await Promise.all([
    h.handler('sleep:30', context()), h.handler('count', context()),
    h.handler('sleep:10', context()), h.handler('count', context()),
    h.handler('x'.repeat(100000), context()), h.handler('count', context()),
  ]);
  assert.deepEqual(all[0], { slept: 30 });
  assert.equal(all[1].count, 2);
  assert.equal(all[3].count, 4);
  assert.equal(all[4].length, 100000);
  assert.equal(all[5].count, 6);
  h.close();
});

test('Init errors come from the child with its type and message', async () => {
  const h = host(path.join(bin, 'badinit'));
  await assert.rejects(h.start(), (e) => {
    assert.match(e.name, /config_error/);
    assert.equal(e.message, 'DATABASE_URL is not set');
    return true;
  });
});

test('a binary that is not a lambdakit function fails Init clearly', async () => {
  const quits = script('quits', 'echo "I am a plain program"; exit 0');
  await assert.rejects(host(quits).start(), (e) => {
    assert.equal(e.name, 'lambdakit.NotAFunction');
    assert.match(e.message, /exited with code 0 before its hello: it is not a lambdakit function/);
    return true;
  });
  const lingers = script('lingers', 'exec sleep 30');
  const t0 = Date.now();
  await assert.rejects(host(lingers, { helloTimeoutMs: 300 }).start(),
                       /did not say hello within 300 ms: it is not a lambdakit function/);
  assert.ok(Date.now() - t0 < 2000);
  const talks = script('talks', 'echo "HTTP/1.1 200 OK" >&4; sleep 30');
  await assert.rejects(host(talks).start(), /is not a lambdakit function: .*not lambdakit stdio frames .*"HTTP\/1.1"/);
  await assert.rejects(host(path.join(tmp, 'missing')).start(), /cannot start .*missing: spawn .* ENOENT/);
});

const hostileHost = (mode, options = {}) => host(hostile, { env: { HOSTILE_MODE: mode }, ...options });

test('a child that writes garbage: a clear error, then a new child', async () => {
  const h = hostileHost('garbage');
  await h.start();
  await assert.rejects(h.handler({}, context()), /broke the stdio protocol: the bytes are not lambdakit stdio frames \(they start 48 54 54 50/);
  await assert.rejects(h.handler({}, context()), /broke the stdio protocol/);
  assert.equal(h.starts, 2);
  h.close();
});

test('a child that exits mid-frame: the error says so', async () => {
  const h = hostileHost('half');
  await h.start();
  await assert.rejects(h.handler({}, context()), /exited with code 7 in the middle of a frame \(\d+ bytes unread\)/);
  h.close();
});

test('a child that never answers: the invoke times out, no hang', async () => {
  const h = hostileHost('silent');
  await h.start();
  await assert.rejects(h.handler({}, context(300)), { name: 'lambdakit.Timeout' });
  h.close();
});

test('a frame longer than the limit from the child is refused from its header', async () => {
  const h = hostileHost('huge');
  await h.start();
  await assert.rejects(h.handler({}, context()), /a response frame of 104857600 bytes; the limit is 8388608/);
  h.close();
});

test('a child that floods stderr still answers, and the host stays responsive', async () => {
  const h = hostileHost('flood');
  await h.start();
  assert.deepEqual(await h.handler({}, context(20000)), { flooded: true });
  assert.ok(h.logSize() >= 64 << 20);
  h.close();
});

test('a child that speaks another protocol version is refused at Init', async () => {
  await assert.rejects(hostileHost('version').start(), (e) => {
    assert.equal(e.name, 'lambdakit.VersionMismatch');
    assert.match(e.message, /speaks stdio protocol version 2 \(lambdakit hostile\); this host speaks 1/);
    return true;
  });
  await assert.rejects(hostileHost('early').start(), /sent response before hello/);
});

test('a second answer to one invoke is not taken as the next one', async () => {
  const h = hostileHost('twice');
  await h.start();
  assert.deepEqual(await h.handler({}, context()), { ok: true });
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(await h.handler({}, context()), { ok: true });
  assert.equal(h.starts, 2, 'the child that answered twice was replaced');
  h.close();
});

test('every example answers through the host as it does on the other paths', async () => {
  const run = async (example, event, ctx = context()) => {
    const h = await started(path.join(bin, example));
    try { return await h.handler(event, ctx); } finally { h.close(); }
  };
  assert.deepEqual(await run('hello', {}), { message: 'Hello World' });
  const event = { s: 'é ☃ \u0000', n: [1, -2.5, true, null], o: { nested: {} } };
  assert.deepEqual(await run('echo', event), event);
  await assert.rejects(run('fail', {}), { name: 'examples::payment_declined', message: 'card 4242 was declined' });
  const ctx = { ...context(), clientContext: { custom: { k: 'v' } }, identity: { cognitoIdentityId: 'id-1', cognitoIdentityPoolId: 'pool-1' } };
  const seen = await run('context', { x: 1 }, ctx);
  assert.equal(seen.request_id, ctx.awsRequestId);
  assert.deepEqual(seen.client_context, ctx.clientContext);
  assert.deepEqual(seen.cognito_identity, ctx.identity);
  assert.deepEqual(seen.event, { x: 1 });
  assert.deepEqual(await run('sleep', { ms: 20 }), { slept_ms: 20 });
  await assert.rejects(run('crash', { code: 4 }), /exited with code 4/);
  assert.equal(await run('stream', { chunks: 3 }), 'chunk 0\nchunk 1\nchunk 2\n');
  await assert.rejects(run('stream', { chunks: 3, fail_at: 2 }),
                       { name: 'std::runtime_error', message: 'stream failed after 2 chunks' });
  assert.deepEqual(await run('alloc', { mb: 8 }), { allocated_mb: 8 });
  assert.deepEqual(await run('respond', 'json:{\'a\':1}'), { a: 1 });
  assert.equal(await run('respond', 'bytes:raw'), 'raw');
});

test('an error too large for one frame still reaches the caller, cut, at once', async () => {
  const h = await started(probe);
  const t0 = Date.now();
  await assert.rejects(h.handler('bigerror', context(5000)), (e) => {
    assert.equal(e.name, 'Big');
    assert.ok(e.message.endsWith(' [cut: over the stdio frame limit]'), e.message.slice(-60));
    assert.ok(e.message.length < 8 * 1024 * 1024);
    return true;
  });
  assert.ok(Date.now() - t0 < 2000, 'answered, not timed out');
  assert.equal((await h.handler('count', context())).count, 2);
  h.close();
});

test('a stream over 6 MB is refused and the child replaced', async () => {
  const h = hostileHost('bigstream');
  await h.start();
  await assert.rejects(h.handler({}, context()), { name: 'Function.ResponseSizeTooLarge' });
  assert.ok(h.child.failure, 'the child was stopped');
  h.close();
});

test('frames sent while no invoke is in flight stop the child; the next invoke is served', async () => {
  const h = hostileHost('stray');
  await h.start();
  assert.deepEqual(await h.handler({}, context()), { ok: true });
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(h.child.failure, 'the stray frame stopped the child');
  assert.deepEqual(await h.handler({}, context()), { ok: true });
  assert.equal(h.starts, 2);
  h.close();
});

test('a child that closes its descriptor and lives on is killed', async () => {
  const h = hostileHost('closes');
  await h.start();
  const pid = h.child.pid;
  await new Promise((r) => setTimeout(r, 400));
  assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, 'the lingering process is gone');
  // (the new child is the same program: it closes descriptor 4 too, then dies writing to it)
  await assert.rejects(h.handler({}, context()), { name: 'lambdakit.ChildExited' });
  h.close();
});

test('a child that dies between invokes is replaced by the next invoke, which succeeds', async () => {
  const h = hostileHost('idle-exit');
  await h.start();
  assert.deepEqual(await h.handler({}, context()), { ok: true });
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(await h.handler({}, context()), { ok: true });
  assert.equal(h.starts, 2);
  h.close();
});

test('an invoke whose deadline passed while queued is failed without touching the child', async () => {
  const h = await started(probe, { timeoutMarginMs: 50 });
  const pid = (await h.handler('count', context())).pid;
  const slow = h.handler('sleep:300', context(2000));
  const late = h.handler('count', context(200));  // its 200 ms pass behind the sleep
  assert.deepEqual(await slow, { slept: 300 });
  await assert.rejects(late, /when its turn came .* it was not sent to the function/);
  assert.equal((await h.handler('count', context())).pid, pid);
  h.close();
});
