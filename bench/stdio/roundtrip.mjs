// The stdio path's per-invoke cost between the Node.js host and the C++ child (issue: the
// stdio path; target <= 20 us per frame round trip). Runs in one process, side by side:
//   host.invoke, Buffer event   frame encode, socket write, the child's decode, its handler
//                               (the probe's echo), its answer, the host's decode
//   handler, JSON event         the same plus what ric-facing handler() adds: JSON.stringify
//                               of the event and JSON.parse of the answer
//   in-process JSON echo        JSON.stringify + JSON.parse of the same event in Node alone:
//                               the floor a native Node.js handler pays for nothing
// and the machine's floor for any host/child round trip: one byte to `cat` and back through
// Node's pipes. Cross-CPU wake-ups dominate on a VM: run it also under `taskset -c 0` (one
// CPU, as a Lambda function of up to 1,769 MB has; `make bench` runs both).
// Usage: node bench/stdio/roundtrip.mjs [BIN_DIR] (default build/bin). Prints medians of
// ROUNDS rounds of BATCH invokes each, per event size.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import os from 'node:os';
import { StdioHost } from '../../hosts/nodejs/host.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = process.argv[2] ?? path.join(root, 'build/bin');
const ROUNDS = 15;
const BATCH = 2000;
const ctx = { awsRequestId: 'bench', invokedFunctionArn: 'arn', getRemainingTimeInMillis: () => 60000 };

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function measure(fn, batch) {
  const per = [];
  for (let r = 0; r < ROUNDS; ++r) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; ++i) await fn();
    per.push(Number(process.hrtime.bigint() - t0) / 1000 / batch);
  }
  return median(per);
}

// The floor: a byte to cat and back.
const cat = spawn('cat', [], { stdio: ['pipe', 'pipe', 'inherit'] });
let back = null;
cat.stdout.on('data', () => { const b = back; back = null; b?.(); });
const byte = Buffer.from('x');
const floor = await measure(() => new Promise((resolve) => { back = resolve; cat.stdin.write(byte); }), BATCH);
cat.kill();

const host = new StdioHost(path.join(bin, 'probe'));
await host.start();
const events = {
  'hello {}': {},
  'API GW 1.2 KB': { resource: '/', path: '/hello', httpMethod: 'GET', headers: Object.fromEntries(
    Array.from({ length: 20 }, (_, i) => [`x-header-${i}`, 'v'.repeat(30)])), body: 'b'.repeat(200),
    requestContext: { requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef', stage: 'prod' } },
  '100 KB': { data: 'x'.repeat(100 * 1024) },
};
const cpus = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
console.log('stdio path, per invoke (median of %d rounds of up to %d invokes), microseconds; %d CPU(s) usable',
            ROUNDS, BATCH, cpus);
console.log('floor: 1 byte to cat and back through Node pipes: %s us', floor.toFixed(2));
console.log('%s', ['event', 'frames (Buffer)', 'handler (JSON)', 'in-process JSON', 'frames - floor'].map((s) => s.padEnd(16)).join(''));
for (const [label, event] of Object.entries(events)) {
  const text = JSON.stringify(event);
  const buf = Buffer.from(text);
  const batch = text.length > 10000 ? BATCH / 10 : BATCH;
  await measure(() => host.invoke(buf, ctx), 200);  // warm up
  const frames = await measure(() => host.invoke(buf, ctx), batch);
  const handler = await measure(() => host.handler(event, ctx), batch);
  const json = await measure(async () => JSON.parse(JSON.stringify(event)), batch);
  console.log('%s', [label, frames.toFixed(2), handler.toFixed(2), json.toFixed(2), (frames - floor).toFixed(2)]
    .map((s) => String(s).padEnd(16)).join(''));
}
host.close();
