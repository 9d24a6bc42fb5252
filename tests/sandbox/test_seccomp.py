"""The seccomp filter: what it denies (with EPERM), what it lets through, and that torch trains
under it. Each check installs the filter in a forked child, never in the test process."""

from __future__ import annotations

import ctypes
import json
import os
import socket
import struct

import pytest

from autograder.sandbox import seccomp

pytestmark = pytest.mark.skipif(not seccomp.supported(), reason="seccomp is Linux-only")

NUMBERS = seccomp.SYSCALLS.get(seccomp.machine(), {})


def in_filtered_child(probe) -> object:
    """Run `probe()` in a forked child under the filter; returns what it returned (as JSON)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_end)
            seccomp.install()
            answer = json.dumps({"ok": probe()})
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            answer = json.dumps({"error": f"{type(exc).__name__}: {exc}"})
        os.write(write_end, answer.encode())
        os._exit(0)
    os.close(write_end)
    chunks = []
    while chunk := os.read(read_end, 1 << 16):
        chunks.append(chunk)
    os.close(read_end)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "the filtered child was killed"
    reply = json.loads(b"".join(chunks))
    assert "error" not in reply, reply["error"]
    return reply["ok"]


def errno_of(number: int, *args: int) -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    ctypes.set_errno(0)
    result = libc.syscall(number, *[ctypes.c_long(a) for a in args])
    return 0 if result >= 0 else ctypes.get_errno()


@pytest.mark.parametrize("arch", sorted(seccomp.SYSCALLS))
def test_every_denied_call_has_a_number_and_every_jump_lands(arch):
    assert set(seccomp.DENIED) <= set(seccomp.SYSCALLS[arch])
    instructions = seccomp.program(arch)
    assert len(instructions) < 100
    for index, (op, jt, jf, _) in enumerate(instructions):
        if op in (seccomp.JEQ, seccomp.JGE, seccomp.JSET):
            assert index + 1 + max(jt, jf) < len(instructions)
    assert instructions[-1][0] == seccomp.RET


def test_a_foreign_or_x32_abi_is_denied_first():
    instructions = seccomp.program("x86_64")
    assert instructions[0] == (seccomp.LD_ABS, 0, 0, seccomp.ARCH_OFFSET)
    assert instructions[1][3] == seccomp.AUDIT_ARCH["x86_64"]
    assert instructions[3][:1] == (seccomp.JGE,) and instructions[3][3] == 0x40000000


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("ptrace", (16, 1, 0, 0)),  # PTRACE_ATTACH to pid 1
        ("process_vm_readv", (1, 0, 0, 0, 0, 0)),
        ("keyctl", (0, -4, 0)),  # KEYCTL_GET_KEYRING_ID of the user keyring
        ("add_key", (0, 0, 0, 0, -4)),
        ("request_key", (0, 0, 0, 0)),
        ("bpf", (0, 0, 0)),
        ("perf_event_open", (0, 0, -1, -1, 0)),
        ("userfaultfd", (1,)),
        ("mount", (0, 0, 0, 0, 0)),
        ("umount2", (0, 0)),
        ("unshare", (0x40000000,)),
        ("setns", (0, 0)),
        ("kexec_load", (0, 0, 0, 0)),
        ("kexec_file_load", (0, 0, 0, 0, 0)),
        ("pivot_root", (0, 0)),
        ("chroot", (0,)),
        ("sethostname", (0, 0)),
        ("io_uring_setup", (1, 0)),
        ("open_by_handle_at", (0, 0, 0)),
    ],
)
def test_a_denied_call_fails_with_eperm_and_the_process_lives(name, args):
    assert in_filtered_child(lambda: errno_of(NUMBERS[name], *args)) == 1


@pytest.mark.parametrize(
    ("family", "kind", "allowed"),
    [
        (socket.AF_UNIX, socket.SOCK_STREAM, True),
        (socket.AF_UNIX, socket.SOCK_DGRAM, True),
        (socket.AF_INET, socket.SOCK_STREAM, False),
        (socket.AF_INET6, socket.SOCK_DGRAM, False),
        (socket.AF_NETLINK, socket.SOCK_RAW, False),
        (socket.AF_PACKET, socket.SOCK_RAW, False),
    ],
)
def test_only_unix_sockets_can_be_made(family, kind, allowed):
    def probe():
        try:
            socket.socket(family, kind).close()
            return "made"
        except PermissionError:
            return "EPERM"

    assert in_filtered_child(probe) == ("made" if allowed else "EPERM")


def test_clone_with_a_namespace_flag_is_denied_but_fork_threads_and_pipes_work():
    def probe():
        import threading

        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        libc.syscall.argtypes = [ctypes.c_long, ctypes.c_ulong, ctypes.c_void_p]
        namespaced = libc.syscall(NUMBERS["clone"], 0x10000000 | 17, None)  # CLONE_NEWUSER
        if namespaced == 0:
            os._exit(0)
        denied = ctypes.get_errno()
        pid = os.fork()
        if pid == 0:
            os._exit(7)
        _, status = os.waitpid(pid, 0)
        ran = []
        thread = threading.Thread(target=lambda: ran.append(1))
        thread.start()
        thread.join()
        left, right = socket.socketpair()
        left.sendall(b"x")
        return [namespaced, denied, os.waitstatus_to_exitcode(status), ran, right.recv(1).decode()]

    assert in_filtered_child(probe) == [-1, 1, 7, [1], "x"]


def test_clone3_says_enosys_so_that_libc_falls_back_to_clone():
    assert in_filtered_child(lambda: errno_of(NUMBERS["clone3"], 0, 0)) == 38


def test_an_x32_syscall_number_is_denied():
    if seccomp.machine() != "x86_64":
        pytest.skip("x32 is an x86_64 ABI")
    assert in_filtered_child(lambda: errno_of(0x40000000 | 39)) == 1  # x32 getpid


def test_torch_trains_under_the_filter():
    def probe():
        import torch

        torch.manual_seed(0)
        x = torch.randn(256, 4)
        y = x @ torch.tensor([1.0, -2.0, 0.5, 3.0]) + 0.1 * torch.randn(256)
        model = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))
        optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
        losses = []
        for _ in range(200):
            optimizer.zero_grad()
            loss = ((model(x).squeeze(-1) - y) ** 2).mean()
            loss.backward()
            optimizer.step()
            losses.append(float(loss))
        return [losses[0], losses[-1], open("/proc/self/status").read().count("Seccomp:\t2")]

    first, last, filtered = in_filtered_child(probe)
    assert filtered == 1 and last < first / 20


def test_the_filter_is_inherited_and_cannot_be_lifted():
    def probe():
        pid = os.fork()
        if pid == 0:
            os._exit(errno_of(NUMBERS["unshare"], 0x40000000))
        _, status = os.waitpid(pid, 0)
        libc = ctypes.CDLL(None, use_errno=True)
        # SECCOMP_MODE_STRICT on top would be allowed; lifting (mode 0) is not possible at all.
        lifted = libc.prctl(22, ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0), 0)
        return [os.waitstatus_to_exitcode(status), lifted]

    assert in_filtered_child(probe) == [1, -1]


def test_the_instructions_pack_as_sock_filter():
    packed = struct.pack("HBBI", *seccomp.program(seccomp.machine())[0])
    assert len(packed) == 8
