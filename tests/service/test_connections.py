"""The Lambda API stays up under hostile clients: idle connections by the ten thousand, request
heads sent byte by byte, every connection busy, and a descriptor limit that runs out (issue 13,
"the API stays up"). The service is the real `lambdakit serve`; the clients are raw sockets."""
from __future__ import annotations

import os
import resource
import sys
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor


from lkserve import example_zip, unique_name


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def closed_by_peer(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        sock.recv(4096)
        return True  # EOF, or data (a 503) before the close
    except BlockingIOError:
        return False
    except OSError:
        return True  # reset


# Holds N idle connections in a process of its own (each process has its own descriptor limit,
# 20,000 on this machine kind): prints "ready", waits for a line on stdin, then prints how many
# of them the service has closed.
HOLDER = r"""
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
socks = []
for _ in range(n):
    s = socket.socket()
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    socks.append(s)
print("ready", flush=True)
sys.stdin.readline()
closed = 0
for s in socks:
    s.setblocking(False)
    try:
        s.recv(4096)
        closed += 1  # EOF, or a 503 before the close
    except BlockingIOError:
        pass
    except OSError:
        closed += 1
print(closed, flush=True)
"""


def test_21000_idle_connections_leave_the_api_answering(start_service):
    svc = start_service()
    name = unique_name("hello")
    svc.create_function(name, example_zip("hello"))
    log = svc.wait_for_log(r"API connections: at most (\d+)")
    cap = int(log.group(1))
    assert cap == 10000, log.group(0)
    holders = [subprocess.Popen([sys.executable, "-c", HOLDER, str(svc.port), "10500"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
               for _ in range(2)]
    try:
        for h in holders:
            assert h.stdout.readline().strip() == "ready", "a holder could not open its connections"
        t0 = time.monotonic()
        r = svc.invoke(name, {})  # a fresh client, through 21,000 idle connections
        assert r.status == 200, r.describe()
        assert time.monotonic() - t0 < 5, f"a fresh invoke took {time.monotonic() - t0:.1f} s"
        # No busy loop: the service idles while they sit there.
        before = cpu_seconds(svc.proc.pid)
        time.sleep(2)
        spent = cpu_seconds(svc.proc.pid) - before
        assert spent < 0.5, f"the service used {spent:.2f} s of CPU in 2 s with idle connections"
        closed = 0
        for h in holders:
            out, _ = h.communicate("go\n", timeout=60)
            closed += int(out.split()[-1])
        assert closed >= 21000 - cap, f"only {closed} of 21000 connections were let go"
        assert svc.client.get_function(FunctionName=name)["Configuration"]["FunctionName"] == name
    finally:
        for h in holders:
            if h.poll() is None:
                h.kill()
                h.wait()
    assert svc.alive


def test_request_heads_must_arrive_in_time(start_service):
    svc = start_service(extra_args=["--header-timeout", "1"])
    silent = socket.create_connection(("127.0.0.1", svc.port))
    trickle = socket.create_connection(("127.0.0.1", svc.port))
    t0 = time.monotonic()
    head = b"GET /lambdakit/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: "
    gone_at = None
    for i in range(40):  # one byte every 0.1 s: a head that would take far longer than 1 s
        try:
            trickle.send(head[i:i + 1] if i < len(head) else b"a")
        except OSError:
            gone_at = time.monotonic() - t0
            break
        time.sleep(0.1)
        if closed_by_peer(trickle):
            gone_at = time.monotonic() - t0
            break
        trickle.setblocking(True)
    assert gone_at is not None and gone_at < 3, f"a trickled head was still open after {gone_at}"
    silent.settimeout(5)
    assert silent.recv(100) == b"", "a silent connection was not closed"
    assert time.monotonic() - t0 < 5
    # A keep-alive connection that idles past the limit is closed too; a prompt one is served.
    r = svc.http("GET", "/lambdakit/v1/health")
    assert r.status == 200


def test_when_every_connection_is_busy_a_newcomer_gets_503(start_service, gate):
    svc = start_service(extra_args=["--max-connections", "3"])
    name = svc.create_peer("counter")
    with ThreadPoolExecutor(max_workers=3) as pool:
        held = [pool.submit(svc.invoke, name, {"gate_port": gate.port}, timeout=60)
                for _ in range(3)]
        try:
            gate.wait_started(3)
            r = svc.http("GET", "/lambdakit/v1/health")
            assert r.status == 503, r.describe()
            assert r.headers["x-amzn-errortype"].startswith("ServiceException")
            assert b"--max-connections" in r.body and b"busy" in r.body, r.body
        finally:
            gate.release()
        for f in held:
            assert f.result(timeout=30).status == 200
    assert svc.http("GET", "/lambdakit/v1/health").status == 200


def test_running_out_of_descriptors_does_not_spin(start_service):
    """With 64 descriptors the service cannot hold the connections its cap allows: accept()
    fails with EMFILE. It must pause instead of retrying at once, and serve again when the
    connections go."""
    def low_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

    # Started by hand: the fixture's service cannot take a preexec hook.
    from lkserve import serve_command
    state = __import__("tempfile").mkdtemp(prefix="lk-fd-")
    proc = subprocess.Popen(serve_command() + ["--port", "0", "--state-dir", state,
                                               "--parked-launchers", "0",
                                               "--max-connections", "100000"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            preexec_fn=low_limit)
    try:
        port = int(proc.stdout.readline().rsplit(":", 1)[1])
        socks = []
        for _ in range(120):
            s = socket.socket()
            s.settimeout(2)
            try:
                s.connect(("127.0.0.1", port))
            except OSError:
                s.close()
                break
            socks.append(s)
        before = cpu_seconds(proc.pid)
        time.sleep(2)
        spent = cpu_seconds(proc.pid) - before
        assert spent < 0.5, f"{spent:.2f} s of CPU in 2 s: accept() errors are spinning"
        for s in socks:
            s.close()
        time.sleep(0.3)
        c = socket.create_connection(("127.0.0.1", port), timeout=5)
        c.sendall(b"GET /lambdakit/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert c.recv(100).startswith(b"HTTP/1.1 200"), "no answer once descriptors were free"
        c.close()
        assert proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        subprocess.run(["rm", "-rf", state])
