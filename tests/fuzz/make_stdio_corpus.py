#!/usr/bin/env python3
"""Writes the seed corpus of the stdio_frame fuzz target (tests/fuzz/corpus/stdio_frame):
real conversations as the Node.js host and a function exchange them, and the broken streams
the tests name (garbage, half a frame, oversized, bad fields). Run it again after changing the
protocol; the files are checked in."""
import os
import struct

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "stdio_frame")


def frame(t, fields, flags=0):
    body = b"".join(bytes([tag]) + struct.pack(">I", len(v)) + v for tag, v in fields)
    return b"LK" + bytes([t, flags]) + struct.pack(">I", len(body)) + body


hello = frame(1, [(1, b"1"), (2, b"0.7.0"), (16, b"4242")])
ready = frame(6, [])
invoke = frame(2, [(3, b"8f7e-req"), (4, b"1764633600000"), (5, b"arn:aws:lambda:us-east-1:000000000000:function:f"),
                   (6, b"Root=1-5759e988-bd862e3fe1be46a994272793"), (10, b'{"name":"x"}')])
response = frame(3, [(3, b"8f7e-req"), (11, b"application/json"), (10, b'{"hello":"world"}')])
error = frame(4, [(3, b"r"), (12, b"app.Bad"), (13, b"no"), (14, b"frame 1"), (14, b"frame 2")])
stream = frame(7, [(3, b"r"), (11, b"text/plain")]) + frame(8, [(10, b"one ")]) + frame(8, [(10, b"two")]) + frame(9, [(3, b"r")])
seeds = {
    "conversation": hello + ready + response + error,
    "invoke": invoke,
    "binary-payload": frame(2, [(3, b"r"), (10, bytes(range(256)))]),
    "stream": stream,
    "init-error": hello + frame(5, [(12, b"app.ConfigError"), (13, b"DATABASE_URL is not set")]),
    "protocol-error": frame(10, [(15, b"the host sent garbage")]),
    "unknown-field": frame(3, [(99, b"later"), (10, b"{}")]),
    "garbage": b"hello world\n",
    "half-frame": response[: len(response) // 2],
    "oversized": b"LK\x03\x00" + struct.pack(">I", 100 << 20),
    "field-overrun": b"LK\x01\x00\x00\x00\x00\x07\x01\x00\x00\x00\x09ab",
    "flags": frame(6, [], flags=1),
    "unknown-type": frame(42, []),
}
os.makedirs(HERE, exist_ok=True)
for chunk, (name, data) in enumerate(seeds.items()):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(bytes([chunk * 5 % 64]) + data)
print(f"{len(seeds)} seeds in {HERE}")
