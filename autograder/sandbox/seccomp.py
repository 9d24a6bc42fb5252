"""A seccomp filter for the confined child: syscalls that reach past the jail fail with EPERM.

Written as classic BPF by hand (about forty instructions) rather than through libseccomp, so that
it needs nothing but ctypes and the kernel. Denied calls return EPERM instead of killing the
process: torch, numpy and the standard library handle an error, and a student sees an ordinary
`PermissionError` rather than a mysterious death.
"""

from __future__ import annotations

import ctypes
import platform
import struct
import sys
from collections.abc import Sequence

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_ERRNO = 0x00050000
EPERM, ENOSYS = 1, 38
AF_UNIX = 1
X32_SYSCALL_BIT = 0x40000000

# The namespace flags of clone(2); unshare(2) and setns(2) are denied outright.
CLONE_NAMESPACES = (
    0x00000080  # CLONE_NEWTIME
    | 0x00020000  # CLONE_NEWNS
    | 0x02000000  # CLONE_NEWCGROUP
    | 0x04000000  # CLONE_NEWUTS
    | 0x08000000  # CLONE_NEWIPC
    | 0x10000000  # CLONE_NEWUSER
    | 0x20000000  # CLONE_NEWPID
    | 0x40000000  # CLONE_NEWNET
)

DENIED = (
    # another process's memory, or the kernel's
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "perf_event_open",
    "bpf",
    "userfaultfd",
    # the kernel keyring is per uid, not per sandbox: a channel between students
    "keyctl",
    "add_key",
    "request_key",
    # the jail itself
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "unshare",
    "setns",
    "open_tree",
    "move_mount",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    "open_by_handle_at",
    "name_to_handle_at",
    "sethostname",
    "setdomainname",
    # io_uring performs socket and file operations that seccomp never sees
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    # the machine
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "reboot",
    "swapon",
    "swapoff",
    "acct",
    "quotactl",
)

# From <asm/unistd_64.h> (x86_64) and <asm-generic/unistd.h> (aarch64).
SYSCALLS: dict[str, dict[str, int]] = {
    "x86_64": {
        "socket": 41,
        "clone": 56,
        "ptrace": 101,
        "acct": 163,
        "pivot_root": 155,
        "chroot": 161,
        "mount": 165,
        "umount2": 166,
        "swapon": 167,
        "swapoff": 168,
        "reboot": 169,
        "sethostname": 170,
        "setdomainname": 171,
        "init_module": 175,
        "delete_module": 176,
        "quotactl": 179,
        "kexec_load": 246,
        "add_key": 248,
        "request_key": 249,
        "keyctl": 250,
        "unshare": 272,
        "perf_event_open": 298,
        "name_to_handle_at": 303,
        "open_by_handle_at": 304,
        "setns": 308,
        "process_vm_readv": 310,
        "process_vm_writev": 311,
        "finit_module": 313,
        "kexec_file_load": 320,
        "bpf": 321,
        "userfaultfd": 323,
        "io_uring_setup": 425,
        "io_uring_enter": 426,
        "io_uring_register": 427,
        "open_tree": 428,
        "move_mount": 429,
        "fsopen": 430,
        "fsconfig": 431,
        "fsmount": 432,
        "fspick": 433,
        "clone3": 435,
        "mount_setattr": 442,
    },  # fmt: skip
    "aarch64": {
        "umount2": 39,
        "mount": 40,
        "pivot_root": 41,
        "chroot": 51,
        "quotactl": 60,
        "acct": 89,
        "unshare": 97,
        "kexec_load": 104,
        "init_module": 105,
        "delete_module": 106,
        "ptrace": 117,
        "reboot": 142,
        "sethostname": 161,
        "setdomainname": 162,
        "socket": 198,
        "add_key": 217,
        "request_key": 218,
        "keyctl": 219,
        "clone": 220,
        "swapon": 224,
        "swapoff": 225,
        "perf_event_open": 241,
        "name_to_handle_at": 264,
        "open_by_handle_at": 265,
        "setns": 268,
        "process_vm_readv": 270,
        "process_vm_writev": 271,
        "finit_module": 273,
        "bpf": 280,
        "userfaultfd": 282,
        "kexec_file_load": 294,
        "io_uring_setup": 425,
        "io_uring_enter": 426,
        "io_uring_register": 427,
        "open_tree": 428,
        "move_mount": 429,
        "fsopen": 430,
        "fsconfig": 431,
        "fsmount": 432,
        "fspick": 433,
        "clone3": 435,
        "mount_setattr": 442,
    },  # fmt: skip
}
AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}

# Classic BPF opcodes, and where struct seccomp_data keeps the syscall number, arch and args.
LD_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
JEQ = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
JGE = 0x35  # BPF_JMP | BPF_JGE | BPF_K
JSET = 0x45  # BPF_JMP | BPF_JSET | BPF_K
RET = 0x06  # BPF_RET | BPF_K
NR_OFFSET, ARCH_OFFSET = 0, 4
ARG0_LOW = 16 if sys.byteorder == "little" else 20

Instruction = tuple[int, int, int, int]  # code, jump if true, jump if false, k


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def machine() -> str:
    return platform.machine().lower().replace("arm64", "aarch64").replace("amd64", "x86_64")


def supported() -> bool:
    return sys.platform == "linux" and machine() in SYSCALLS


def program(arch: str) -> list[Instruction]:
    """The filter as BPF instructions, with its jumps resolved."""
    numbers = SYSCALLS[arch]
    labels: dict[str, int] = {}
    code: list[tuple[int, str | None, str | None, int]] = []

    def emit(op: int, k: int = 0, jt: str | None = None, jf: str | None = None) -> None:
        code.append((op, jt, jf, k))

    emit(LD_ABS, ARCH_OFFSET)
    emit(JEQ, AUDIT_ARCH[arch], jt="native", jf="deny")  # a foreign ABI, e.g. int 0x80
    labels["native"] = len(code)
    emit(LD_ABS, NR_OFFSET)
    if arch == "x86_64":
        emit(JGE, X32_SYSCALL_BIT, jt="deny", jf="next")  # the x32 ABI numbers
        labels["next"] = len(code)
    for name in DENIED:
        emit(JEQ, numbers[name], jt="deny", jf=f"after {name}")
        labels[f"after {name}"] = len(code)
    emit(JEQ, numbers["socket"], jt="socket", jf="not socket")
    labels["not socket"] = len(code)
    emit(JEQ, numbers["clone"], jt="clone", jf="not clone")
    labels["not clone"] = len(code)
    # clone3 passes its flags in memory, where BPF cannot look; glibc falls back to clone.
    emit(JEQ, numbers["clone3"], jt="nosys", jf="allow")
    labels["socket"] = len(code)
    emit(LD_ABS, ARG0_LOW)
    emit(JEQ, AF_UNIX, jt="allow", jf="deny")
    labels["clone"] = len(code)
    emit(LD_ABS, ARG0_LOW)
    emit(JSET, CLONE_NAMESPACES, jt="deny", jf="allow")
    labels["allow"] = len(code)
    emit(RET, SECCOMP_RET_ALLOW)
    labels["deny"] = len(code)
    emit(RET, SECCOMP_RET_ERRNO | EPERM)
    labels["nosys"] = len(code)
    emit(RET, SECCOMP_RET_ERRNO | ENOSYS)

    def offset(index: int, label: str | None) -> int:
        if label is None:
            return 0
        jump = labels[label] - index - 1
        if not 0 <= jump <= 255:
            raise ValueError(f"seccomp jump to {label} out of range ({jump})")
        return jump

    return [(op, offset(i, jt), offset(i, jf), k) for i, (op, jt, jf, k) in enumerate(code)]


def install(instructions: Sequence[Instruction] | None = None) -> None:
    """Load the filter into the calling (single-threaded) process; it holds for every descendant."""
    if not supported():
        raise OSError(f"no seccomp filter for {sys.platform} on {machine()}")
    instructions = program(machine()) if instructions is None else instructions
    blob = b"".join(struct.pack("HBBI", *ins) for ins in instructions)
    buffer = ctypes.create_string_buffer(blob, len(blob))
    prog = _SockFprog(len(instructions), ctypes.cast(buffer, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    zero = ctypes.c_ulong(0)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, ctypes.c_ulong(1), zero, zero, zero) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"prctl(PR_SET_NO_NEW_PRIVS) failed: errno {errno}")
    mode = ctypes.c_ulong(SECCOMP_MODE_FILTER)
    if libc.prctl(PR_SET_SECCOMP, mode, ctypes.byref(prog), zero, zero) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"prctl(PR_SET_SECCOMP) failed: errno {errno}")
