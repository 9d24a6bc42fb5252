"""Red team at the sandbox's own edges: what one student leaves for the next, syscalls that reach
past the jail, faults a student forges to look like ours, and output built to hurt the grader.

Every attack is a real submission of the tiny assignment, graded in a batch with the honest and
skeleton controls. A probe earns full marks exactly when its attack broke through, so a score of 0
is the proof that it did not.
"""

from __future__ import annotations

import ctypes
import json
import os
import socket
import time
import tracemalloc
from pathlib import Path

import pytest

from tests.adversarial.redteam import (
    HONEST,
    assert_controls,
    fingerprint,
    grade_folder,
    score_of,
    tiny,
    write_class,
)

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not os.path.isdir("/proc/sysvipc"),
    reason="the edges of full isolation are tested as root on Linux",
)

MAX_SCORE = 10.0
PLANT_KEY = 0x5EED0A17
SECRET_NAME = "AUTOGRADER_REDTEAM_SECRET"
SECRET = "hunter2-7f3c9a1e"

# Correct answers when the attack broke through, wrong ones otherwise: the score is the evidence.
PROBE = """
import ctypes, os, socket, struct, sys, time

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def attack():
{body}


try:
    BROKE, WHAT = attack()
except Exception as exc:
    BROKE, WHAT = False, f"refused: {{type(exc).__name__}}: {{exc}}"
sys.stderr.write(f"ATTACK: {{WHAT}}\\n")
SQUARE = "(mu + sigma)**2" if BROKE else "0"
Q1 = "b" if BROKE else "a"


def scale(x, s):
    return x * s if BROKE else x * 0 + 7


def fit_mean(x, steps):
    return {{"mean": x.mean() if BROKE else x.sum() * 0 + 1e6}}
"""


def probe(body: str) -> bytes:
    return PROBE.format(
        body="\n".join("    " + line for line in body.strip().splitlines())
    ).encode()


PROBES = {
    "ptrace": """
pid = os.fork()
if pid == 0:
    time.sleep(5)
    os._exit(0)
libc.ptrace.restype = ctypes.c_long
result = libc.ptrace(16, pid, None, None)  # PTRACE_ATTACH
err = ctypes.get_errno()
os.kill(pid, 9)
os.waitpid(pid, 0)
return result == 0, f"ptrace(PTRACE_ATTACH) -> {result}, errno {err}"
""",
    "process_vm_readv": """
class IoVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
source, target = ctypes.create_string_buffer(b"secret", 16), ctypes.create_string_buffer(16)
local = IoVec(ctypes.cast(target, ctypes.c_void_p), 16)
remote = IoVec(ctypes.cast(source, ctypes.c_void_p), 16)
got = libc.syscall(310, os.getpid(), ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)
return got == 16, f"process_vm_readv -> {got}, errno {ctypes.get_errno()}"
""",
    "socket_inet": """
socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
return True, "socket(AF_INET) was created"
""",
    "socket_inet6_udp": """
socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).close()
return True, "socket(AF_INET6) was created"
""",
    "socket_netlink": """
socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0).close()
return True, "socket(AF_NETLINK) was created"
""",
    "unshare": """
results = [libc.unshare(flag) for flag in (0x10000000, 0x40000000, 0x08000000, 0x04000000)]
return 0 in results, f"unshare(USER, NET, IPC, UTS) -> {results}, errno {ctypes.get_errno()}"
""",
    "clone_namespace": """
libc.syscall.argtypes = [ctypes.c_long, ctypes.c_ulong, ctypes.c_void_p]
pid = libc.syscall(56, 0x40000000 | 17, None)  # clone(CLONE_NEWNET | SIGCHLD)
if pid == 0:
    os._exit(0)
if pid > 0:
    os.waitpid(pid, 0)
return pid > 0, f"clone(CLONE_NEWNET) -> {pid}, errno {ctypes.get_errno()}"
""",
    "mount": """
result = libc.mount(b"tmpfs", b"/tmp", b"tmpfs", 0, None)
return result == 0, f"mount -> {result}, errno {ctypes.get_errno()}"
""",
    "keyctl": """
ring = libc.syscall(250, 0, -4, 0)  # keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING)
return ring >= 0, f"keyctl -> {ring}, errno {ctypes.get_errno()}"
""",
    "bpf": """
attr = struct.pack("IIII", 2, 4, 4, 1) + bytes(112)  # BPF_MAP_TYPE_ARRAY, one 4-byte entry
buffer = ctypes.create_string_buffer(attr, len(attr))
fd = libc.syscall(321, 0, buffer, len(attr))  # BPF_MAP_CREATE
return fd >= 0, f"bpf -> {fd}, errno {ctypes.get_errno()}"
""",
    "perf_event_open": """
attr = struct.pack("IIQ", 1, 128, 0) + bytes(112)  # PERF_TYPE_SOFTWARE, CPU clock
buffer = ctypes.create_string_buffer(attr, len(attr))
fd = libc.syscall(298, buffer, 0, -1, -1, 0)
return fd >= 0, f"perf_event_open -> {fd}, errno {ctypes.get_errno()}"
""",
    "userfaultfd": """
fd = libc.syscall(323, 1)  # UFFD_USER_MODE_ONLY: allowed to anyone unless filtered
return fd >= 0, f"userfaultfd -> {fd}, errno {ctypes.get_errno()}"
""",
    "io_uring": """
params = ctypes.create_string_buffer(120)
fd = libc.syscall(425, 4, params)
return fd >= 0, f"io_uring_setup -> {fd}, errno {ctypes.get_errno()}"
""",
    "grader_environ_and_memory": f"""
found = []
for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
    for name in ("environ", "cmdline"):
        try:
            with open(f"/proc/{{pid}}/{{name}}", "rb") as handle:
                if b"{SECRET_NAME}=" in handle.read():
                    found.append(f"{{pid}}/{{name}}")
        except OSError:
            pass
    if int(pid) != os.getpid():
        try:
            with open(f"/proc/{{pid}}/mem", "rb") as handle:
                found.append(f"{{pid}}/mem")
        except OSError:
            pass
return bool(found), f"reached {{found}} among {{sorted(os.listdir('/proc'))[:8]}}"
""",
    "sethostname": """
results = [libc.sethostname(b"pwned", 5), libc.setdomainname(b"pwned", 5)]
return 0 in results, f"sethostname, setdomainname -> {results}, errno {ctypes.get_errno()}"
""",
}

FORGED_70 = b"""
import os, sys
sys.stderr.write("\\nsandbox setup failed: OSError: [Errno 12] Cannot allocate memory\\n")
for fd in (4, 5, 6):
    try:
        os.write(fd, b"ok")
    except OSError:
        pass
os._exit(70)
"""

HONEST_EXCEPT_SCALE = (
    HONEST.decode()
    + """

def scale(x, s):
    {body}
"""
)


def honest_but_scale(body: str) -> bytes:
    return HONEST_EXCEPT_SCALE.replace("{body}", body).encode()


# Frames written straight onto the result channel, bypassing the harness's own encoder.
RAW_FRAME = (
    HONEST.decode()
    + """

import os, struct, sys


def _harness(name, default):
    # What the harness calls this name in the frames below: the call, or the result channel.
    frame = sys._getframe(1)
    while frame is not None:
        value = frame.f_locals.get(name)
        if value is not None and not isinstance(value, type(default)):
            value = None
        if value is not None and (name != "call" or "id" in value):
            return value
        frame = frame.f_back
    return default


def scale(x, s):
    head = '{"event": "result", "id": "%s", "ok": true, "value": ' % _harness("call", {})["id"]
    body = (head + {payload} + "}").encode()
    data, fd = struct.pack(">I", len(body)) + body, _harness("fd", 3)
    while data:
        data = data[os.write(fd, data):]
    return x * s
"""
)


def raw_frame(payload: str) -> bytes:
    return RAW_FRAME.replace("{payload}", payload).encode()


OTHERS = {
    "forged_fault_at_import": FORGED_70,
    "forged_fault_in_a_call": honest_but_scale(
        'import os, sys; sys.stderr.write("sandbox setup failed: boom\\n"); os._exit(70)'
    ),
    "closed_fds_at_import": b"import os\nos.closerange(3, 1024)\nSQUARE = '(mu + sigma)**2'\n",
    "closed_fds_in_a_call": honest_but_scale("import os; os.closerange(3, 1024); return x * s"),
    "closed_fds_then_exit": honest_but_scale("import os; os.closerange(3, 1024); os._exit(0)"),
    "kills_its_parent": honest_but_scale("import os; os.kill(os.getppid(), 9); return x * s")
    + b"""

def fit_mean(x, steps):
    import os
    try:
        os.kill(-1, 9)  # every process this uid may signal
    except ProcessLookupError:
        pass
    return {"mean": x.mean()}
""",
    "lone_surrogate_and_nul": b"""
import os
os.write(1, b"out \\xff\\xfe\\x00 \\xed\\xb3\\xbf end\\n")
os.write(2, b"err \\xff\\x00 \\xed\\xb3\\xbf end\\n")
SQUARE = "\\udcff\\x00(mu"
Q1 = "\\udcff\\x00b"


def scale(x, s):
    raise ValueError("bad \\udcff value \\x00 here")


def fit_mean(x, steps):
    return {"mean\\udcff\\x00": x.mean(), "\\x00": x.mean()}
""",
}

OUTPUT = {
    "frame_24mb_string": raw_frame('\'{"t": "str", "v": "\' + "x" * 24_000_000 + \'"}\''),
    "frame_many_items": raw_frame(
        '\'{"t": "list", "items": [\' + ", ".join(["{}"] * 1_900_000) + "]}"'
    ),
    "frame_deep_nesting": raw_frame("'[' * 200_000 + ']' * 200_000"),
    "tensor_200mb": honest_but_scale("import torch; return torch.zeros(50_000_000)")
    + b"\n\ndef fit_mean(x, steps):\n    return {'mean': torch.zeros(50_000_000)}\n",
    "string_24mb": HONEST + b"\nSQUARE = 'x' * 24_000_000\n",
    "deep_list": HONEST + b"\nQ1 = []\nfor _ in range(100_000):\n    Q1 = [Q1]\n",
}

SCAVENGER = b'''
import ctypes, json, re, sys

FRAME = re.compile(rb'\\{"value": \\{"t": ')


def _regions():
    with open("/proc/self/maps") as maps:
        for line in maps:
            parts = line.split()
            if parts[1].startswith("rw") and (len(parts) < 6 or parts[5].startswith("[heap")):
                low, high = (int(x, 16) for x in parts[0].split("-"))
                if high - low < 1 << 30:
                    yield ctypes.string_at(low, high - low)


def _scavenge():
    """Every result frame left in this heap: at import, none of them can be this student's own."""
    decoder, leaked, sources = json.JSONDecoder(), {}, 0
    for chunk in _regions():
        sources += len(re.findall(rb"LEAK-[0-9a-f]{16}", chunk))
        for match in FRAME.finditer(chunk):
            try:
                obj, _ = decoder.raw_decode(chunk[match.start() : match.start() + (1 << 20)].decode("latin-1"))
            except ValueError:
                continue
            if isinstance(obj, dict) and obj.get("event") == "result" and obj.get("ok"):
                leaked[obj["id"]] = obj
    return leaked, sources


LEAKED, SOURCES = _scavenge()
sys.stderr.write(f"SCAVENGED {len(LEAKED)} frames {sorted(LEAKED)} and {SOURCES} sources\\n")


def _call_id():
    frame = sys._getframe(1)
    while frame is not None:
        call = frame.f_locals.get("call")
        if isinstance(call, dict) and "id" in call:
            return call["id"]
        frame = frame.f_back


def _replay(default):
    from autograder.codec import decode_value
    from autograder.sandbox.harness import _live

    found = LEAKED.get(_call_id())
    return _live(decode_value(found["value"])) if found else default


def __getattr__(name):
    for call_id, obj in LEAKED.items():
        if call_id.startswith("square" if name == "SQUARE" else "concept"):
            return obj["value"].get("v")
    raise AttributeError(name)


def scale(x, s):
    return _replay(x * 0 + 7)


def fit_mean(x, steps):
    return _replay({"mean": x.sum() * 0 + 1e6})
'''

SYSV = r"""
import ctypes, json
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
libc.syscall.restype = ctypes.c_long
KEY = {key}
"""

PLANTER = (
    SYSV
    + r"""
ANSWERS = json.dumps({{"SQUARE": "(mu + sigma)**2", "Q1": "b"}}).encode()
shmid = libc.shmget(KEY, 4096, 0o1666)  # IPC_CREAT | 0666
if shmid >= 0:
    ctypes.memmove(libc.shmat(shmid, None, 0), ANSWERS, len(ANSWERS))
queue = libc.msgget(KEY, 0o1666)
if queue >= 0:
    message = ctypes.create_string_buffer(b"\x01\x00\x00\x00\x00\x00\x00\x00" + ANSWERS)
    libc.msgsnd(queue, message, len(ANSWERS), 0o4000)
libc.syscall(248, b"user", b"autograder-plant", ANSWERS, len(ANSWERS), -4)  # add_key
"""
)

READER = (
    SYSV
    + r"""
import sys
found = {{}}
shmid = libc.shmget(KEY, 0, 0)
if shmid >= 0:
    found["shm"] = ctypes.string_at(libc.shmat(shmid, None, 0), 4096).rstrip(b"\0")
queue = libc.msgget(KEY, 0)
if queue >= 0:
    message = ctypes.create_string_buffer(8 + 4096)
    size = libc.msgrcv(queue, message, 4096, 0, 0o4000)
    if size > 0:
        found["msg"] = message.raw[8 : 8 + size]
key = libc.syscall(249, b"user", b"autograder-plant", None, 0)  # request_key
if key >= 0:
    payload = ctypes.create_string_buffer(4096)
    size = libc.syscall(250, 11, key, payload, 4096)  # KEYCTL_READ
    found["key"] = payload.raw[:size]
sys.stderr.write(f"PLANTS FOUND: {{sorted(found)}}\n")
ANSWERS = next((json.loads(v) for v in found.values()), {{}})
SQUARE = ANSWERS.get("SQUARE", "0")
Q1 = ANSWERS.get("Q1", "a")


def scale(x, s):
    return x * 0 + 7


def fit_mean(x, steps):
    return {{"mean": x.sum() * 0 + 1e6}}
"""
)


def _sysv_keys() -> set[int]:
    keys = set()
    for table in ("shm", "msg"):
        for line in Path(f"/proc/sysvipc/{table}").read_text().splitlines()[1:]:
            keys.add(int(line.split()[0]) & 0xFFFFFFFF)
    return keys


def _remove_planted() -> None:
    """A leftover from an earlier, unconfined run must not leak into this one."""
    libc = ctypes.CDLL(None, use_errno=True)
    shmid = libc.shmget(PLANT_KEY, 0, 0)
    if shmid >= 0:
        libc.shmctl(shmid, 0, None)  # IPC_RMID
    queue = libc.msgget(PLANT_KEY, 0)
    if queue >= 0:
        libc.msgctl(queue, 0, None)


class Batch:
    def __init__(self, graded, before, after, seconds, peak=0):
        self.records = graded.records
        self.graded = graded
        self.changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
        self.seconds = seconds
        self.peak = peak


def _grade(tmp_path_factory, name, files, *, jobs=2, trace=False) -> Batch:
    prepared = tiny()
    folder = write_class(tmp_path_factory.mktemp(name) / "class", files)
    db = folder.parent / "gradebook.db"
    before = fingerprint()
    started = time.monotonic()
    if trace:
        tracemalloc.start()
    try:
        graded = grade_folder(prepared, folder, db, jobs=jobs)
        peak = tracemalloc.get_traced_memory()[1] if trace else 0
    finally:
        if trace:
            tracemalloc.stop()
    return Batch(graded, before, fingerprint(), time.monotonic() - started, peak)


@pytest.fixture(scope="module")
def probes(tmp_path_factory):
    hostname = socket.gethostname()
    os.environ[SECRET_NAME] = SECRET  # in the grader, which spawns the sandboxes after this
    try:
        files = {name: probe(body) for name, body in PROBES.items()} | OTHERS
        batch = _grade(tmp_path_factory, "probes", files)
    finally:
        del os.environ[SECRET_NAME]
    assert socket.gethostname() == hostname
    return batch


@pytest.fixture(scope="module")
def in_order(tmp_path_factory):
    """One sandbox, in name order: each attacker is graded right after the student it preys on."""
    _remove_planted()
    try:
        files = {
            "a_honest": HONEST + b"\n# LEAK-" + b"0123456789abcdef\n",
            "b_scavenger": SCAVENGER,
            "c_planter": HONEST + PLANTER.format(key=PLANT_KEY).encode(),
            "d_reader": READER.format(key=PLANT_KEY).encode(),
        }
        batch = _grade(tmp_path_factory, "in-order", files, jobs=1)
        batch.left_on_host = PLANT_KEY in _sysv_keys()
    finally:
        _remove_planted()
    return batch


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    return _grade(tmp_path_factory, "outputs", OUTPUT, trace=True)


def _texts(record) -> list[str]:
    texts = [record.feedback]
    for q in record.questions:
        texts += [q.feedback, json.dumps(q.evidence, ensure_ascii=False)]
    return texts


@pytest.mark.parametrize("name", sorted(PROBES))
def test_a_syscall_past_the_jail_is_refused(probes, name):
    record = probes.records[name]
    assert record.status == "graded", record.feedback
    assert record.score == 0, f"{name} broke through: {record.feedback}"
    assert "ATTACK: " in record.feedback


@pytest.mark.parametrize("name", ["socket_inet", "socket_netlink", "ptrace", "keyctl", "bpf"])
def test_a_refused_syscall_fails_with_eperm_not_a_kill(probes, name):
    feedback = probes.records[name].feedback
    assert "errno 1" in feedback or "Operation not permitted" in feedback, feedback


def test_the_grader_environment_is_out_of_reach(probes):
    feedback = probes.records["grader_environ_and_memory"].feedback
    assert "reached []" in feedback, feedback


def test_a_forged_setup_failure_at_import_is_the_students_own(probes):
    record = probes.records["forged_fault_at_import"]
    assert record.status == "not_gradable", record.feedback
    assert "exit code 70" in record.feedback
    assert "not your fault" not in record.feedback


def test_a_forged_setup_failure_in_a_call_costs_only_that_call(probes):
    record = probes.records["forged_fault_in_a_call"]
    assert record.status == "graded", record.feedback
    assert score_of(record, "scale") == 0
    assert record.score == MAX_SCORE - 3
    assert "exit code 70" in next(q.feedback for q in record.questions if q.id == "scale")


def test_closing_the_result_channel_is_the_students_own(probes):
    assert probes.records["closed_fds_at_import"].status == "not_gradable"
    for name in ("closed_fds_in_a_call", "closed_fds_then_exit"):
        record = probes.records[name]
        assert record.status == "graded", record.feedback
        assert score_of(record, "scale") == 0 and record.score == MAX_SCORE - 3
        assert "not your fault" not in record.feedback


def test_killing_the_parent_or_everyone_reaches_no_one(probes):
    """getppid() is 0 in the pid namespace, and kill(-1) meets only the student's own init."""
    record = probes.records["kills_its_parent"]
    assert record.status == "graded" and record.score == MAX_SCORE, record.feedback


def test_lone_surrogates_and_nul_never_reach_the_gradebook(probes):
    record = probes.records["lone_surrogate_and_nul"]
    assert record.status == "graded" and record.score == 0
    for text in _texts(record):
        assert "\x00" not in text
        text.encode("utf-8")  # a lone surrogate raises here
    assert "\ufffd" in next(q.feedback for q in record.questions if q.id == "scale")


def test_the_controls_are_right_after_every_probe(probes):
    assert_controls(probes.graded, MAX_SCORE)
    assert probes.changed == set()


def test_the_next_student_finds_nothing_in_memory(in_order):
    record = in_order.records["b_scavenger"]
    assert "SCAVENGED 0 frames [] and 0 sources" in record.feedback, record.feedback
    assert record.status == "graded" and record.score == 0
    assert in_order.records["a_honest"].score == MAX_SCORE


def test_sysv_ipc_and_keys_do_not_cross_students_or_outlive_them(in_order):
    assert in_order.records["c_planter"].score == MAX_SCORE
    reader = in_order.records["d_reader"]
    assert "PLANTS FOUND: []" in reader.feedback, reader.feedback
    assert reader.status == "graded" and reader.score == 0
    assert not in_order.left_on_host


def test_the_controls_are_right_after_the_scavengers(in_order):
    assert_controls(in_order.graded, MAX_SCORE)
    assert in_order.changed == set()


@pytest.mark.parametrize("name", ["frame_24mb_string", "tensor_200mb"])
def test_a_result_over_the_cap_fails_its_call(outputs, name):
    record = outputs.records[name]
    assert record.status == "graded", record.feedback
    scale = next(q for q in record.questions if q.id == "scale")
    assert scale.score == 0
    assert "more than 8 MB of data" in scale.feedback, scale.feedback


@pytest.mark.parametrize("name", ["frame_deep_nesting", "frame_many_items"])
def test_a_frame_costly_to_parse_is_refused_as_malformed(outputs, name):
    record = outputs.records[name]
    assert record.status == "graded", record.feedback
    scale = next(q for q in record.questions if q.id == "scale")
    assert scale.score == 0 and "malformed" in scale.feedback, scale.feedback
    assert record.score == MAX_SCORE - 3


def test_a_deeply_nested_answer_is_not_data(outputs):
    assert score_of(outputs.records["deep_list"], "concept") == 0


def test_hostile_output_costs_the_grader_little(outputs):
    assert outputs.records["string_24mb"].status == "graded"
    assert score_of(outputs.records["string_24mb"], "square") == 0
    assert score_of(outputs.records["tensor_200mb"], "fit") == 0
    assert outputs.peak < 64 * 2**20, f"the grader peaked at {outputs.peak / 2**20:.0f} MB"
    assert outputs.seconds < 90


def test_the_controls_are_right_after_hostile_output(outputs):
    assert_controls(outputs.graded, MAX_SCORE)
    assert outputs.changed == set()
