#!/usr/bin/env python3
"""Writes the seed corpus of the event_stream fuzz target (tests/fuzz/corpus/event_stream):
InvokeWithResponseStream answers as the service sends them (chunks, then InvokeComplete with and
without an error), every header value type, and the broken streams the unit tests name (bad
CRCs, lengths that do not add up, headers that overrun). Run it again after changing the codec;
the files are checked in."""
import binascii
import os
import struct

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "event_stream")


def crc(b):
    return binascii.crc32(b) & 0xFFFFFFFF


def string_header(name, value):
    n, v = name.encode(), value.encode()
    return bytes([len(n)]) + n + b"\x07" + struct.pack(">H", len(v)) + v


def message(section, payload):
    prelude = struct.pack(">II", 16 + len(section) + len(payload), len(section))
    prelude += struct.pack(">I", crc(prelude))
    body = prelude + section + payload
    return body + struct.pack(">I", crc(body))


def event(kind, content_type, payload):
    h = string_header(":event-type", kind) + string_header(":content-type", content_type)
    return message(h + string_header(":message-type", "event"), payload)


chunk = event("PayloadChunk", "application/octet-stream", b"Hello world ")
done = event("InvokeComplete", "application/json", b"{}")
failed = event("InvokeComplete", "application/json",
               b'{"ErrorCode":"Error","ErrorDetails":"{\\"errorType\\":\\"Error\\"}","LogResult":"U1RBUlQ="}')
all_types = (b"\x01t\x00" b"\x01f\x01" b"\x01b\x02\x7f" b"\x01s\x03\x00\x01" b"\x01i\x04\x00\x00\x00\x2a"
             b"\x01l\x05" + bytes(8) + b"\x01a\x06\x00\x02\x00\xff" + string_header("str", "text") +
             b"\x02ts\x08" + bytes(8) + b"\x01u\x09" + bytes(16))
bad_prelude = bytearray(chunk)
bad_prelude[3] ^= 1
bad_message = bytearray(chunk)
bad_message[-6] ^= 0x20
seeds = {
    "answer": chunk * 3 + done,
    "error-answer": chunk + failed,
    "binary-chunk": event("PayloadChunk", "application/octet-stream", bytes(range(256))),
    "all-value-types": message(all_types, b"\x00\x01"),
    "empty": message(b"", b""),
    "bad-prelude-crc": bytes(bad_prelude),
    "bad-message-crc": bytes(bad_message),
    "half-message": chunk[: len(chunk) // 2],
    "huge-length": struct.pack(">II", 0xFFFFFFF0, 0) + struct.pack(">I", crc(struct.pack(">II", 0xFFFFFFF0, 0))),
    "header-overrun": message(b"\x01a\x07\x00\x09ab", b""),
    "unknown-type": message(b"\x01a\x0a", b""),
    "duplicate-header": message(b"\x01a\x00\x01a\x01", b""),
    "garbage": b"hello world\n",
}
os.makedirs(HERE, exist_ok=True)
for n, (name, data) in enumerate(seeds.items()):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(bytes([n * 5 % 64]) + data)
print(f"{len(seeds)} seeds in {HERE}")
