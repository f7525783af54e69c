#!/usr/bin/env node
// A function process that misbehaves on purpose, for the host's tests: it speaks the stdio
// protocol (hello, ready) and then, per invoke, does what HOSTILE_MODE says:
//   garbage   writes bytes that are not frames
//   half      writes half of a response frame, then exits
//   silent    never answers (and ignores SIGTERM)
//   huge      announces a response frame of 100 MiB
//   flood     writes 64 MiB to stderr, then answers {"flooded":true}
//   version   says hello with protocol version 2
//   early     sends a response before hello
//   twice     answers each invoke twice
//   stray     answers, then sends another answer 100 ms later, while no invoke is in flight
//   bigstream streams 7 chunks of 1 MiB (over Lambda's 6 MB response limit)
//   closes    closes descriptor 4 after ready and lives on
//   idle-exit answers, then exits 30 ms later (between invokes)
import fs from 'node:fs';
import net from 'node:net';
import { encodeFrame, FrameDecoder, T, F } from '../../hosts/nodejs/host.mjs';

const mode = process.env.HOSTILE_MODE;
const out = (buf) => fs.writeSync(4, buf);
process.on('SIGTERM', () => {});

if (mode === 'early') out(encodeFrame(T.response, [[F.payload, '{}']]));
out(encodeFrame(T.hello, [[F.version, mode === 'version' ? '2' : '1'], [F.lambdakit_version, 'hostile'], [F.pid, String(process.pid)]]));
out(encodeFrame(T.ready));
if (mode === 'closes') {
  fs.closeSync(4);
  setInterval(() => {}, 1000);
}

const decoder = new FrameDecoder();
const input = new net.Socket({ fd: 3, readable: true, writable: false });
input.on('data', (chunk) => {
  decoder.push(chunk);
  for (let f; (f = decoder.next());) {
    if (f.type !== T.invoke) continue;
    const id = f.fields.get(F.request_id)[0];
    const answer = encodeFrame(T.response, [[F.request_id, id], [F.content_type, 'application/json'], [F.payload, '{"ok":true}']]);
    switch (mode) {
      case 'garbage':
        out(Buffer.from('HTTP/1.1 200 OK\r\n\r\n{"ok":true}'));
        break;
      case 'half':
        out(answer.subarray(0, answer.length >> 1));
        process.exit(7);
        break;
      case 'silent':
        break;
      case 'huge': {
        const h = Buffer.from([0x4c, 0x4b, T.response, 0, 0, 0, 0, 0]);
        h.writeUInt32BE(100 << 20, 4);
        out(h);
        break;
      }
      case 'flood': {
        const mb = Buffer.alloc(1 << 20, 'e');
        for (let i = 0; i < 64; ++i) fs.writeSync(2, mb);
        out(encodeFrame(T.response, [[F.request_id, id], [F.content_type, 'application/json'], [F.payload, '{"flooded":true}']]));
        break;
      }
      case 'twice':
        out(Buffer.concat([answer, answer]));
        break;
      case 'stray':
        out(answer);
        setTimeout(() => out(answer), 100);
        break;
      case 'bigstream': {
        out(encodeFrame(T.stream_begin, [[F.request_id, id], [F.content_type, 'text/plain']]));
        const mb = Buffer.alloc(1 << 20, 's');
        for (let i = 0; i < 7; ++i) out(encodeFrame(T.stream_chunk, [[F.payload, mb]]));
        out(encodeFrame(T.stream_end, [[F.request_id, id]]));
        break;
      }
      case 'idle-exit':
        out(answer);
        setTimeout(() => process.exit(0), 30);
        break;
      default:
        out(answer);
    }
  }
});
