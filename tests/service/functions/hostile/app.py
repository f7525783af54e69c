"""A hostile python3.x function for the isolation tests (tests/service/test_isolation.py): each
event names one attack ({"do": ...}); the answer says what the sandbox let it do."""
import errno
import os
import signal
import socket
import time


def _errno_of(f):
    try:
        f()
        return 0
    except OSError as e:
        return e.errno


def _status_field(name):
    for line in open("/proc/self/status"):
        if line.startswith(name + ":"):
            return line.split(":", 1)[1].strip()
    return ""


def whoami(event):
    return {"uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(),
            "groups": os.getgroups(), "pid": os.getpid(), "ppid": os.getppid(),
            "cap_eff": _status_field("CapEff"), "cap_prm": _status_field("CapPrm"),
            "no_new_privs": _status_field("NoNewPrivs"),
            "runtime_api": os.environ.get("AWS_LAMBDA_RUNTIME_API"),
            "secret": os.environ.get("LK_SECRET")}


def procs(event):
    """Every process it can see, and the environments it can read."""
    seen = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            environ = open(f"/proc/{entry}/environ", "rb").read()
        except OSError as e:
            environ = ("<%s>" % errno.errorcode.get(e.errno, e.errno)).encode()
        try:
            cmd = open(f"/proc/{entry}/cmdline", "rb").read().replace(b"\0", b" ")
        except OSError:
            cmd = b""
        seen[entry] = {"cmdline": cmd.decode(errors="replace"),
                       "environ": environ.decode(errors="replace")}
    return {"procs": seen}


def read(event):
    """Tries to read each path: its text, or the errno."""
    out = {}
    for path in event["paths"]:
        try:
            with open(path, "rb") as f:
                out[path] = {"text": f.read(4096).decode(errors="replace")}
        except OSError as e:
            out[path] = {"errno": e.errno}
    return {"read": out}


def write(event):
    """Tries to open each path for writing (nothing is written unless it opens)."""
    out = {}
    for path in event["paths"]:
        def attempt(p=path):
            with open(p, "ab") as f:
                f.write(b"#tampered\n")
        out[path] = _errno_of(attempt)
    return {"write": out}


def steal(event):
    """Asks another environment's Runtime API for its next event."""
    host, port = event["address"].rsplit(":", 1)
    try:
        s = socket.create_connection((host, int(port)), timeout=3)
    except OSError as e:
        return {"connected": False, "error": str(e)}
    try:
        s.sendall(b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            if b"\r\n\r\n" in data:
                break
        return {"connected": True, "answer": data.decode(errors="replace")}
    except OSError as e:
        return {"connected": True, "answer": "", "error": str(e)}
    finally:
        s.close()


def kill(event):
    """Signals each target: a pid, its parent (the sandbox's init), or everyone (-1)."""
    out = {}
    for target in event["targets"]:
        pid = os.getppid() if target == "parent" else int(target)
        out[str(target)] = _errno_of(lambda p=pid: os.kill(p, signal.SIGKILL))
    return {"kill": out}


def leave(event):
    """A grandchild in its own session that outlives this invoke: sleep, under a unique argv[0]."""
    marker = event["marker"]
    r, w = os.pipe()
    child = os.fork()
    if child == 0:
        os.setsid()
        if os.fork() == 0:
            os.close(r)
            os.write(w, str(os.getpid()).encode())
            os.close(w)
            os.execv("/bin/sleep", [marker, "3600"])
        os._exit(0)
    os.close(w)
    os.waitpid(child, 0)
    grandchild = int(os.read(r, 32) or b"0")
    os.close(r)
    return {"left": grandchild}


def tmp_put(event):
    with open(os.path.join("/tmp", event["name"]), "w") as f:
        f.write(event["text"] * event.get("times", 1))
    return {"tmp_dir": os.environ.get("TMPDIR"), "pid": os.getpid()}


def limits(event):
    """Its descriptor limit, and how many threads it could start (all wait, then end)."""
    import resource
    import threading
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    threading.stack_size(64 * 1024)
    gate = threading.Event()
    started = []
    error = None
    try:
        while len(started) < event.get("max_threads", 4096):
            t = threading.Thread(target=gate.wait)
            t.start()
            started.append(t)
    except RuntimeError as e:  # "can't start new thread": the task limit
        error = str(e)
    gate.set()
    for t in started:
        t.join()
    return {"nofile": [soft, hard], "threads": len(started), "thread_error": error}


def fill(event):
    """Writes 1 MiB blocks to /tmp/fill until the file system says no."""
    block = b"\0" * (1 << 20)
    written, err = 0, None
    with open("/tmp/fill", "wb") as f:
        try:
            while written < event.get("max_mb", 20000) << 20:
                f.write(block)
                f.flush()
                written += len(block)
            os.fsync(f.fileno())
        except OSError as e:
            err = e.errno
    st = os.statvfs("/tmp")
    return {"written": written, "errno": err, "size": st.f_blocks * st.f_frsize,
            "free": st.f_bavail * st.f_frsize}


def sleep(event):
    time.sleep(event["seconds"])
    return {"slept": event["seconds"]}


ACTIONS = {f.__name__: f for f in (whoami, procs, read, write, steal, kill, leave, tmp_put, limits, fill, sleep)}


def handler(event, context):
    return ACTIONS[event.get("do", "whoami")](event)
