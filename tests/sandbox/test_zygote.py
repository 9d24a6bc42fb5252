"""The fork server: it never holds a student's bytes, it dies with its grader, a vanished grader
ends the child it was running, and its scratch does not outlive it."""

from __future__ import annotations

import base64
import fcntl
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from autograder.models import Call, Limits
from autograder.sandbox import client, zygote
from tests.conftest import FAST, ROOT

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the fork server is Linux-first")

MARKER = "LEAK-" + "5f0c1e9a2b7d4c3e"  # built here, so the pattern below does not match itself
PATTERN = re.compile(rb"LEAK-[0-9a-f]{16}")


def _memory_of(pid: int) -> list[bytes]:
    """Every writable region of another process (the heap and anonymous maps), read as root."""
    regions = []
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
        for line in maps:
            parts = line.split()
            if not parts[1].startswith("rw") or (len(parts) > 5 and not parts[5].startswith("[")):
                continue
            low, high = (int(x, 16) for x in parts[0].split("-"))
            try:
                mem.seek(low)
                regions.append(mem.read(high - low))
            except OSError:
                continue
    return regions


def _processes_of(uid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        if re.search(rf"^Uid:\s+{uid}\s", status, re.MULTILINE):
            found.append(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_until(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def _workdir_of(pid: int) -> Path | None:
    """The scratch directory whose lock the server holds, found through /proc/locks."""
    held = set()
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if "FLOCK" in fields and str(pid) in fields:
            held.add(int(fields[fields.index(str(pid)) + 1].split(":")[2]))
    for folder in Path(tempfile.gettempdir()).glob(zygote.WORKDIR_PREFIX + "*"):
        try:
            if (folder / zygote.LOCK_NAME).stat().st_ino in held:
                return folder
        except OSError:
            continue
    return None


@pytest.mark.skipif(os.geteuid() != 0, reason="reading another process's memory needs root")
def test_the_fork_server_never_holds_a_students_bytes(sandbox):
    source = f"SECRET = {MARKER!r}\ndef answer():\n    return SECRET * 3\n"
    calls = [
        Call(id="q.secret", kind="get", name="SECRET"),
        Call(id="q.f", kind="call", name="answer"),
    ]
    for _ in range(3):  # the previous student's bytes would be in the heap the next child gets
        result = sandbox.run(source.encode(), "hw.py", calls, FAST)
        assert result.results["q.f"].value == MARKER * 3
    assert sandbox._process is not None
    server = _memory_of(sandbox._process.pid)
    encoded = base64.b64encode(source.encode())[8:40]
    assert not any(PATTERN.search(region) or encoded in region for region in server)
    # The scan itself works: this process, the grader, does hold them.
    assert any(PATTERN.search(region) for region in _memory_of(os.getpid()))


@pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox uid is only ours as root")
def test_the_fork_server_and_its_child_die_with_the_grader(tmp_path):
    uid = 64000 + 997
    grader = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from autograder.models import Call, Limits
        from autograder.sandbox import Sandbox
        box = Sandbox(uid={uid}, light=True)
        box.start()
        print(box._process.pid, flush=True)
        source = b"import time\\ndef nap():\\n    print('napping', flush=True)\\n    time.sleep(60)\\n"
        box.run(source, "hw.py", [Call(id="n", kind="call", name="nap", seconds=60)],
                Limits(wall_seconds=90, call_seconds=60, cpu_seconds=60))
        """
    )
    process = subprocess.Popen([sys.executable, "-c", grader], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        server = int(process.stdout.readline())
        assert _wait_until(lambda: bool(_processes_of(uid)), 20), "the child never started"
        workdir = _workdir_of(server)
    finally:
        process.kill()
        process.wait()
    assert _wait_until(lambda: not _alive(server), 5), "the fork server outlived its grader"
    assert _wait_until(lambda: not _processes_of(uid), 5), "the student's process outlived it"
    # The grader's death reaches the server as SIGTERM, so its `finally` removes the scratch; one
    # left behind all the same (a server killed outright) is swept by the next server to start.
    assert workdir is not None
    if not _wait_until(lambda: not workdir.exists(), 5):
        with client.Sandbox(uid=uid, light=True) as box:
            box.start()
    assert not workdir.exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox uid is only ours as root")
def test_a_server_killed_outright_has_its_scratch_swept_by_the_next():
    uid = 64000 + 995
    with client.Sandbox(uid=uid, light=True) as box:
        box.start()
        assert box._process is not None
        server = box._process.pid
        workdir = _workdir_of(server)
        os.kill(server, signal.SIGKILL)  # too fast for any `finally`
        assert _wait_until(lambda: not _alive(server), 5)
    # Any server that starts on this machine sweeps it, so it may be gone already.
    assert workdir is not None
    with client.Sandbox(uid=uid, light=True) as box:
        box.start()
        assert not workdir.exists()


def _raw_server(uid: int) -> tuple[subprocess.Popen[bytes], socket.socket]:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    command = [sys.executable, "-m", "autograder.sandbox.zygote", "--light"]
    command += ["--control", str(theirs.fileno()), "--parent", str(os.getpid()), "--uid", str(uid)]
    process = subprocess.Popen(
        command, pass_fds=(theirs.fileno(),), cwd="/", start_new_session=True
    )
    theirs.close()
    hello = json.loads(ours.recv(1 << 16))
    assert hello["ready"]
    return process, ours


@pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox uid is only ours as root")
def test_a_vanished_grader_ends_the_current_child_and_the_scratch():
    uid = 64000 + 996
    process, control = _raw_server(uid)
    workdir = _workdir_of(process.pid)
    assert workdir is not None
    limits = Limits(wall_seconds=60, call_seconds=60, cpu_seconds=60)
    call = Call(id="n", kind="call", name="nap", seconds=60)
    job = client._job_bytes(
        b"import time\ndef nap():\n    time.sleep(60)\n", "hw.py", "hw", [call], limits, 60, 0
    )
    pipes = {name: os.pipe() for name in zygote.CHILD_FDS}
    child_ends = [pipes["job"][0]] + [pipes[n][1] for n in zygote.CHILD_FDS[1:]]
    message = {"limits": client.asdict(limits), "wall_seconds": 60}
    socket.send_fds(control, [json.dumps(message).encode()], child_ends)
    for fd in child_ends:
        os.close(fd)
    os.write(pipes["job"][1], job)
    os.close(pipes["job"][1])
    assert os.read(pipes["setup"][0], 16) == b"ok"  # confined and about to import
    assert _wait_until(lambda: bool(_processes_of(uid)), 10)
    started = time.monotonic()
    control.close()
    assert process.wait(timeout=5) == 0
    assert time.monotonic() - started < 2
    assert _wait_until(lambda: not _processes_of(uid), 5)
    assert not workdir.exists()
    while os.read(pipes["result"][0], 1 << 16):  # any frames so far, then EOF: no writer is left
        pass
    for name in zygote.CHILD_FDS[1:]:
        os.close(pipes[name][0])


def test_a_live_servers_scratch_is_left_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    live = tmp_path / (zygote.WORKDIR_PREFIX + "live")
    dead = tmp_path / (zygote.WORKDIR_PREFIX + "dead")
    old = tmp_path / (zygote.WORKDIR_PREFIX + "without-a-lock")
    for folder in (live, dead, old):
        folder.mkdir()
    (dead / zygote.LOCK_NAME).write_text("")
    holder = os.open(live / zygote.LOCK_NAME, os.O_RDWR | os.O_CREAT)
    pid = os.fork()
    if pid == 0:  # another process holds the live one's lock, as its server would
        fcntl.flock(holder, fcntl.LOCK_EX)
        signal.pause()
    try:
        time.sleep(0.3)
        workdir, lock = zygote._claim_workdir()
        os.close(lock)
        assert live.exists() and old.exists() and not dead.exists()
        assert Path(workdir, zygote.LOCK_NAME).exists()
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(holder)
