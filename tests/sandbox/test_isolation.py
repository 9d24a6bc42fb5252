"""The sandbox contains hostile code: files, network, memory, disk, processes, time, exits."""

from __future__ import annotations

import os
import socket
import time

import pytest
import torch

from autograder.models import Call, OpaqueValue
from autograder.sandbox import seccomp
from tests.conftest import FAST, ROOT

IS_ROOT = os.geteuid() == 0


def run(sandbox, source: str, *calls: Call, limits=FAST):
    return sandbox.run(source.encode(), "hw.py", list(calls), limits)


def call(name: str, *args, seconds: float = 3.0, kind: str = "call") -> Call:
    return Call(id=name, kind=kind, name=name, args=args, seconds=seconds)


def test_plain_call_and_values_come_back(sandbox):
    result = run(
        sandbox,
        "def double(x):\n    return 2 * x\nX = 'mu**2'\n",
        call("double", torch.arange(3.0)),
        call("X", kind="get"),
    )
    assert result.imported
    assert result.results["double"].value.array.tolist() == [0.0, 2.0, 4.0]
    assert result.results["X"].value == "mu**2"


@pytest.mark.skipif(not IS_ROOT, reason="full isolation needs root")
def test_root_tier_drops_to_an_unprivileged_uid(sandbox):
    source = "import os\ndef who():\n    return [os.getuid(), os.geteuid(), os.getgid(), len(os.getgroups())]\n"
    result = run(sandbox, source, call("who"))
    assert sandbox.tier == "root"
    uid, euid, gid, groups = result.results["who"].value
    assert uid == euid == sandbox.uid and gid == sandbox.uid and groups == 0


@pytest.mark.skipif(not IS_ROOT, reason="full isolation needs root")
def test_solutions_and_gradebook_are_unreachable(sandbox):
    targets = [ROOT / "solutions", ROOT / "gradebook", ROOT / "tests", ROOT / "demo", ROOT]
    source = f"""
import os
TARGETS = {[str(t) for t in targets]!r}
def snoop():
    found = []
    for t in TARGETS:
        try:
            found.append(sorted(os.listdir(t)))
        except OSError as exc:
            found.append(type(exc).__name__)
    return found
"""
    result = run(sandbox, source, call("snoop"))
    found = result.results["snoop"].value
    assert found[:4] == ("FileNotFoundError",) * 4
    assert "solutions" not in found[4] and "gradebook" not in found[4]


@pytest.mark.skipif(not IS_ROOT, reason="network namespaces need root")
def test_network_is_unreachable(sandbox):
    source = """
import socket
def connect():
    try:
        socket.create_connection(("1.1.1.1", 80), timeout=2)
        return "connected"
    except OSError as exc:
        return type(exc).__name__
"""
    result = run(sandbox, source, call("connect"))
    assert result.results["connect"].value == "PermissionError"  # seccomp: no AF_INET socket


def test_infinite_loop_and_sleep_are_stopped_and_the_rest_still_runs(sandbox):
    source = "import time\ndef spin():\n    while True:\n        pass\ndef nap():\n    time.sleep(10**6)\ndef ok():\n    return 1\n"
    started = time.monotonic()
    result = run(sandbox, source, call("spin", seconds=1), call("nap", seconds=1), call("ok"))
    assert time.monotonic() - started < FAST.wall_seconds
    assert result.results["spin"].error == "timed out"
    assert result.results["nap"].error == "timed out"
    assert result.results["ok"].value == 1


def test_a_blocked_alarm_is_still_stopped_by_the_wall_clock(sandbox):
    source = "import signal, time\ndef stubborn():\n    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGALRM])\n    time.sleep(10**6)\ndef ok():\n    return 2\n"
    limits = FAST.__class__(wall_seconds=12, cpu_seconds=10, call_seconds=1, memory_mb=2048)
    started = time.monotonic()
    result = run(sandbox, source, call("stubborn", seconds=1), call("ok", seconds=1), limits=limits)
    assert time.monotonic() - started < 12
    assert not result.results["stubborn"].ok and "time limit" in result.results["stubborn"].error
    assert result.results["ok"].value == 2


def test_huge_allocation_is_refused(sandbox):
    source = "def hog():\n    return len(bytearray(30 * 2**30))\n"
    result = run(sandbox, source, call("hog"))
    assert not result.results["hog"].ok
    assert "MemoryError" in result.results["hog"].error


def test_huge_file_is_cut_off(sandbox):
    source = """
def fill():
    block = b"x" * 2**20
    with open("big.bin", "wb") as handle:
        for _ in range(5 * 1024):
            handle.write(block)
    return "wrote 5 GB"
def ok():
    return 3
"""
    result = run(sandbox, source, call("fill", seconds=3), call("ok"))
    assert not result.results["fill"].ok
    assert result.results["ok"].value == 3


@pytest.mark.skipif(not IS_ROOT, reason="RLIMIT_NPROC binds only a dedicated uid")
def test_fork_bomb_is_contained(sandbox):
    source = """
import os
def bomb():
    made = 0
    for _ in range(5000):
        try:
            if os.fork() == 0:
                import time
                time.sleep(30)
                os._exit(0)
            made += 1
        except OSError:
            break
    return made
"""
    result = run(sandbox, source, call("bomb", seconds=3))
    made = result.results["bomb"].value
    assert isinstance(made, int) and made < FAST.max_processes
    after = run(sandbox, "def ok():\n    return 4\n", call("ok"))
    assert after.results["ok"].value == 4  # the bomb's children died with its pid namespace


def test_exit_at_import_is_reported(sandbox):
    for source in ("import sys\nsys.exit(0)\n", "import os\nos._exit(0)\n"):
        result = run(sandbox, source, call("anything"))
        assert not result.imported
        assert "exit" in result.import_error


def test_exit_inside_a_call_costs_only_that_call(sandbox):
    source = "import os\ndef quit():\n    os._exit(0)\ndef ok():\n    return 5\n"
    result = run(sandbox, source, call("quit"), call("ok"))
    assert "exited" in result.results["quit"].error
    assert result.results["ok"].value == 5


def test_only_data_comes_back(sandbox):
    source = """
import pickle, os, numpy as np, torch

class Evil:
    def __reduce__(self):
        return (os.system, ("touch /tmp/pwned-by-student",))

class Sneaky(torch.Tensor):
    pass

class ArrayLike:
    def __array_function__(self, *a, **k):
        return True

def payload():
    return pickle.dumps(Evil())
def subclass():
    return torch.zeros(3).as_subclass(Sneaky)
def arraylike():
    return ArrayLike()
def objects():
    return np.array([Evil()], dtype=object)
def raw():
    os.write(3, pickle.dumps(Evil()))
    return 1
"""
    result = run(
        sandbox, source, call("payload"), call("subclass"), call("arraylike"), call("objects")
    )
    assert isinstance(result.results["payload"].value, OpaqueValue)
    assert result.results["subclass"].value.type_name.endswith("Sneaky")
    assert isinstance(result.results["arraylike"].value, OpaqueValue)
    assert not result.results["objects"].ok
    assert not os.path.exists("/tmp/pwned-by-student")


def test_output_is_captured_apart_and_truncated(sandbox):
    source = "import sys\nprint('Score: 100/100')\nsys.stderr.write('warn\\n' * 50000)\ndef ok():\n    return 6\n"
    result = run(sandbox, source, call("ok"))
    assert "Score: 100/100" in result.stdout
    assert "more bytes not shown" in result.stderr
    assert result.results["ok"].value == 6


def test_a_dead_fork_server_is_restarted(sandbox):
    sandbox.start()
    assert sandbox._process is not None
    sandbox._process.kill()
    sandbox._process.wait()
    result = run(sandbox, "def ok():\n    return 7\n", call("ok"))
    assert result.results["ok"].value == 7


def test_the_plain_tier_runs_and_is_recorded(monkeypatch):
    from autograder.sandbox import Sandbox

    monkeypatch.setenv("AUTOGRADER_SANDBOX_TIER", "plain")
    with Sandbox(uid=64999) as plain:
        result = run(
            plain,
            "def ok():\n    return 8\ndef spin():\n    while True:\n        pass\n",
            call("ok"),
            call("spin", seconds=1),
        )
    assert result.tier == "plain"
    assert result.results["ok"].value == 8
    assert result.results["spin"].error == "timed out"


FACTS = """
import ctypes, socket
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long

def facts():
    status = {}
    for line in open("/proc/self/status").read().splitlines():
        name, _, value = line.partition(":")
        status[name] = value.strip()
    keys = ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp")
    return {k: status[k] for k in keys} | {"host": socket.gethostname()}

def refused():
    found = {}
    for name, args in (("ptrace", (16, 1, 0, 0)), ("unshare", (0x40000000,)),
                       ("sethostname", (0, 0)), ("keyctl", (0, -4, 0))):
        ctypes.set_errno(0)
        found[name] = (libc.syscall(NUMBERS[name], *args), ctypes.get_errno())
    try:
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        found["inet"] = "made"
    except PermissionError:
        found["inet"] = "EPERM"
    return found

def plant():
    return [libc.shmget(KEY, 4096, 0o1666), libc.msgget(KEY, 0o1666)]

def find():
    return [libc.shmget(KEY, 0, 0), libc.msgget(KEY, 0)]
"""
IPC_KEY = 0x5EED0B17
NO_CAPS = "0000000000000000"


def _host_ipc_keys() -> set[int]:
    keys = set()
    for table in ("shm", "msg"):
        for line in open(f"/proc/sysvipc/{table}").read().splitlines()[1:]:
            keys.add(int(line.split()[0]) & 0xFFFFFFFF)
    return keys


def assert_confined(box, *, tier: str) -> None:
    numbers = seccomp.SYSCALLS[seccomp.machine()]
    source = FACTS.replace("KEY", str(IPC_KEY)) + f"NUMBERS = {numbers!r}\n"
    result = run(box, source, call("facts"), call("refused"), call("plant"), call("find"))
    assert result.tier == tier
    facts = result.results["facts"].value
    caps = {k: v for k, v in facts.items() if k.startswith("Cap")}
    assert caps == dict.fromkeys(caps, NO_CAPS) and len(caps) == 5
    assert (facts["NoNewPrivs"], facts["Seccomp"], facts["host"]) == ("1", "2", "sandbox")
    refused = result.results["refused"].value
    assert refused == {
        "ptrace": (-1, 1),
        "unshare": (-1, 1),
        "sethostname": (-1, 1),
        "keyctl": (-1, 1),
        "inet": "EPERM",
    }
    planted = result.results["plant"].value
    assert min(planted) >= 0 and result.results["find"].value == planted  # its own, while it runs
    later = run(box, source, call("find"))
    assert later.results["find"].value == (-1, -1)  # the next child has an IPC namespace of its own
    assert IPC_KEY not in _host_ipc_keys()


@pytest.mark.skipif(not IS_ROOT, reason="full isolation needs root")
def test_the_root_tier_has_no_capabilities_a_filter_and_private_ipc_and_hostname(sandbox):
    hostname = socket.gethostname()
    assert_confined(sandbox, tier="root")
    assert socket.gethostname() == hostname


@pytest.mark.skipif(not IS_ROOT, reason="forcing the userns tier is tested as root")
def test_the_userns_tier_is_confined_the_same_way(monkeypatch):
    from autograder.sandbox import Sandbox

    monkeypatch.setenv("AUTOGRADER_SANDBOX_TIER", "userns")
    with Sandbox(uid=64998, light=True) as box:
        assert_confined(box, tier="userns")
