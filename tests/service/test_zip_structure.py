"""Zips whose central directory lies (issue 13, item 7; docs/service.md says they are refused):
each lie about sizes, CRCs, offsets, names or counts is a 400 InvalidParameterValueException
naming the inconsistency, and nothing is created. Control: zips from Python's zipfile (with and
without data descriptors, ZIP64 for 70,000 entries) and `lambdakit package` are accepted
unchanged."""

from __future__ import annotations

import io
import struct
import subprocess
import zipfile

import pytest

from lkserve import ROLE, bin_dir, example_zip, unique_name
from lkzips import make_zip

HELLO = b'{"message":"Hello World"}'


def _hello_zip() -> bytes:
    return example_zip("hello")


def _two_entry_zip() -> bytes:
    return make_zip({"bootstrap": ((bin_dir() / "hello").read_bytes(), 0o755), "data.txt": b"hello data" * 100})


def _cd(z: bytes) -> tuple[int, int, int]:
    """(offset of the end record, of the central directory, entry count)."""
    e = z.rfind(b"PK\x05\x06")
    count, = struct.unpack_from("<H", z, e + 10)
    cd_offset, = struct.unpack_from("<I", z, e + 16)
    return e, cd_offset, count


def _patch(z: bytes, at: int, fmt: str, value: int) -> bytes:
    b = bytearray(z)
    struct.pack_into(fmt, b, at, value)
    return bytes(b)


def _lie(kind: str) -> bytes:
    z = _two_entry_zip()
    e, cd, count = _cd(z)
    second = z.index(b"PK\x01\x02", cd + 4)  # the second central directory entry
    return {
        "compressed size": lambda: _patch(z, second + 20, "<I", struct.unpack_from("<I", z, second + 20)[0] + 7),
        "uncompressed size": lambda: _patch(z, second + 24, "<I", 10 * 1024 * 1024),
        "crc": lambda: _patch(z, second + 16, "<I", struct.unpack_from("<I", z, second + 16)[0] ^ 1),
        "local header offset": lambda: _patch(z, second + 42, "<I", struct.unpack_from("<I", z, second + 42)[0] + 3),
        "offset past the directory": lambda: _patch(z, second + 42, "<I", cd + 10),
        "entry count": lambda: _patch(_patch(z, e + 10, "<H", count + 1), e + 8, "<H", count + 1),
        "directory offset": lambda: _patch(z, e + 16, "<I", cd - 1),
        "directory size": lambda: _patch(z, e + 12, "<I", len(z)),
        "name": lambda: z[:second + 46] + b"X" + z[second + 47:],
    }[kind]()


@pytest.mark.parametrize("kind", ["compressed size", "uncompressed size", "crc", "local header offset",
                                  "offset past the directory", "entry count", "directory offset",
                                  "directory size", "name"])
def test_a_lying_central_directory_is_refused(service, kind):
    c = service.client
    name = unique_name("liar")
    with pytest.raises(c.exceptions.InvalidParameterValueException) as ei:
        c.create_function(FunctionName=name, Runtime="provided.al2023", Role=ROLE, Handler="bootstrap",
                          Code={"ZipFile": _lie(kind)})
    assert ei.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    message = ei.value.response["Error"]["Message"]
    assert "Could not unzip uploaded file" in message, message
    assert str(service.workdir) not in message, message
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.get_function(FunctionName=name)


def _zipfile_with_descriptors() -> bytes:
    """zipfile writes data descriptors (flag bit 3) when it streams to an unseekable file."""
    class Unseekable(io.RawIOBase):
        def __init__(self):
            self.buf = bytearray()

        def writable(self):
            return True

        def write(self, b):
            self.buf += b
            return len(b)

    out = Unseekable()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("bootstrap", date_time=(2024, 1, 1, 0, 0, 0))
        info.external_attr = 0o100755 << 16
        info.create_system = 3
        with z.open(info, "w") as f:
            f.write((bin_dir() / "hello").read_bytes())
    data = bytes(out.buf)
    assert struct.unpack_from("<H", data, 6)[0] & 8, "no data descriptor was written"
    return data


def _zip64_many_entries() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        info = zipfile.ZipInfo("bootstrap", date_time=(2024, 1, 1, 0, 0, 0))
        info.external_attr = 0o100755 << 16
        info.create_system = 3
        z.writestr(info, (bin_dir() / "hello").read_bytes())
        for i in range(70000):
            z.writestr(f"d/{i}", b"")
    data = buf.getvalue()
    assert b"PK\x06\x06" in data, "no ZIP64 end record"
    return data


@pytest.mark.parametrize("producer", ["lambdakit package", "zipfile", "zipfile with data descriptors",
                                      "zipfile ZIP64 (70,000 entries)"])
def test_honest_zips_are_accepted(service, producer, tmp_path):
    if producer == "lambdakit package":
        out = tmp_path / "f.zip"
        subprocess.run([str(bin_dir() / "lambdakit"), "package", str(bin_dir() / "hello"), "--output", str(out)],
                       check=True, capture_output=True)
        z = out.read_bytes()
    else:
        z = {"zipfile": _hello_zip, "zipfile with data descriptors": _zipfile_with_descriptors,
             "zipfile ZIP64 (70,000 entries)": _zip64_many_entries}[producer]()
    name = unique_name("honest")
    service.client.create_function(FunctionName=name, Runtime="provided.al2023", Role=ROLE,
                                   Handler="bootstrap", Code={"ZipFile": z})
    out = service.client.invoke(FunctionName=name, Payload=b"{}")
    assert out["Payload"].read() == HELLO
