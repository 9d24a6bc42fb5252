"""Confine a forked child: namespaces, a minimal read-only root, no capabilities, an unprivileged
uid, rlimits and a seccomp filter, in that order."""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from autograder.models import Limits
from autograder.sandbox import seccomp

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_PDEATHSIG = 1
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
LINUX_CAPABILITY_VERSION_3 = 0x20080522
HOSTNAME = b"sandbox"

SYSTEM_DIRS = ("/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin", "/etc")
DEVICES = ("null", "zero", "full", "random", "urandom")
TIERS = ("root", "userns", "plain")

_libc = ctypes.CDLL(None, use_errno=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class Jail:
    """Where and as whom a sandboxed child runs; built once by the fork server."""

    tier: str
    uid: int
    gid: int
    root: str  # mount point of the child's new root (an empty directory)
    binds: tuple[str, ...]  # host paths made visible, read-only, at the same place


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def prctl(option: int, arg: int = 0) -> int:
    """prctl(2) with its unused arguments zero, passed as the longs the kernel reads."""
    zero = ctypes.c_ulong(0)
    return int(_libc.prctl(option, ctypes.c_ulong(arg), zero, zero, zero))


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Send `sig` to this process when its parent exits (the kernel clears this on a uid change)."""
    if sys.platform == "linux":
        _check(prctl(PR_SET_PDEATHSIG, sig), "prctl(PR_SET_PDEATHSIG)")


def _mount(
    source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None
) -> None:
    _check(
        _libc.mount(
            source.encode() if source else None,
            target.encode(),
            fstype.encode() if fstype else None,
            ctypes.c_ulong(flags),
            data.encode() if data else None,
        ),
        f"mount {target}",
    )


def visible_paths(package_dir: Path) -> tuple[str, ...]:
    """The host paths a child needs: system dirs, the interpreter, site-packages and this package.

    The project root is never among them, so solutions/, submissions and the gradebook stay out
    of reach even when the package is installed in editable mode.
    """
    project_root = package_dir.parent
    candidates = [p for p in SYSTEM_DIRS if os.path.lexists(p)]
    candidates += [sys.base_prefix, sys.prefix, str(package_dir)]
    candidates += [p for p in sys.path if p and os.path.isdir(p)]
    chosen: list[str] = []
    for raw in candidates:
        path = os.path.abspath(raw)
        if Path(path) in (project_root, *project_root.parents):
            continue  # an ancestor of the project would expose it whole
        if any(path == c or path.startswith(c.rstrip("/") + "/") for c in chosen):
            continue
        chosen = [c for c in chosen if not c.startswith(path.rstrip("/") + "/")]
        chosen.append(path)
    return tuple(sorted(chosen, key=len))


def _build_root(jail: Jail, scratch_mb: int) -> None:
    root = jail.root
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=16m,mode=0755")
    # Scratch space first: a bound path under /tmp or /work (a checkout there) then stays visible.
    for name, size, mode in (
        ("/tmp", 64, "1777"),
        ("/dev/shm", 16, "1777"),
        ("/work", scratch_mb, "0755"),
    ):
        os.makedirs(root + name, exist_ok=True)
        _mount("tmpfs", root + name, "tmpfs", MS_NOSUID | MS_NODEV, f"size={size}m,mode={mode}")
    for path in jail.binds:
        target = root + path
        if os.path.islink(path):
            os.makedirs(os.path.dirname(target), exist_ok=True)
            os.symlink(os.readlink(path), target)
            continue
        os.makedirs(target, exist_ok=True)
        _mount(path, target, None, MS_BIND | MS_REC)
        try:
            _mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID)
        except OSError:
            if jail.tier == "root":
                raise
    os.makedirs(root + "/dev", exist_ok=True)
    for name in DEVICES:
        target = f"{root}/dev/{name}"
        open(target, "a").close()
        _mount(f"/dev/{name}", target, None, MS_BIND)
    os.makedirs(root + "/proc", exist_ok=True)
    _mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    if jail.tier == "root":
        os.chown(root + "/work", jail.uid, jail.gid)
    os.chroot(root)
    os.chdir("/work")


def _drop_capabilities(tier: str) -> None:
    """Empty the bounding set, so that nothing run later can regain a capability; in the userns
    tier (still uid 0 inside its namespace) also empty the capabilities held now."""
    with open("/proc/sys/kernel/cap_last_cap") as handle:
        last = int(handle.read())
    for cap in range(last + 1):
        _check(prctl(PR_CAPBSET_DROP, cap), f"prctl(PR_CAPBSET_DROP, {cap})")
    zero = ctypes.c_ulong(0)
    _libc.prctl(PR_CAP_AMBIENT, ctypes.c_ulong(PR_CAP_AMBIENT_CLEAR_ALL), zero, zero, zero)
    if tier == "userns":
        header = (ctypes.c_uint32 * 2)(LINUX_CAPABILITY_VERSION_3, 0)
        data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable; twice (64 bits)
        _check(_libc.capset(header, data), "capset")


def _drop_privileges(jail: Jail) -> None:
    os.setgroups([])
    os.setresgid(jail.gid, jail.gid, jail.gid)
    os.setresuid(jail.uid, jail.uid, jail.uid)
    if os.getresuid() != (jail.uid,) * 3 or os.getuid() == 0:
        raise OSError("could not drop to the sandbox uid")


def _apply_limits(limits: Limits, tier: str) -> None:
    def cap(kind: int, soft: int, hard: int | None = None) -> None:
        resource.setrlimit(kind, (soft, soft if hard is None else hard))

    cap(resource.RLIMIT_AS, limits.memory_mb * 2**20)
    cpu = max(1, int(limits.cpu_seconds))
    cap(resource.RLIMIT_CPU, cpu, cpu + 2)
    cap(resource.RLIMIT_FSIZE, limits.max_file_mb * 2**20)
    cap(resource.RLIMIT_NOFILE, limits.max_open_files)
    cap(resource.RLIMIT_CORE, 0)
    if tier == "root":  # RLIMIT_NPROC counts per real uid; only the sandbox uid is ours alone
        cap(resource.RLIMIT_NPROC, limits.max_processes)
    if sys.platform == "linux":
        _check(prctl(PR_SET_NO_NEW_PRIVS, 1), "prctl(PR_SET_NO_NEW_PRIVS)")


def _write_id_maps(uid: int, gid: int) -> None:
    with open("/proc/self/setgroups", "w") as handle:
        handle.write("deny")
    with open("/proc/self/uid_map", "w") as handle:
        handle.write(f"0 {uid} 1")
    with open("/proc/self/gid_map", "w") as handle:
        handle.write(f"0 {gid} 1")


def enter(jail: Jail, limits: Limits, report_fd: int, scratch: str) -> None:
    """Confine the calling (freshly forked) process; returns in the process that runs student code.

    For the namespace tiers the caller forks once more: the grandchild is pid 1 of a new pid
    namespace, so killing it (or its parent, through the death signal) kills every process the
    student started, and its IPC namespace (SysV shared memory and queues) goes with it. The
    middle process only waits and reports the exit status on `report_fd`, which the confined
    process closes.
    """
    if jail.tier == "plain":
        os.makedirs(scratch, exist_ok=True)
        os.chdir(scratch)
        os.close(report_fd)
        _apply_limits(limits, "plain")
        return
    real_uid, real_gid = os.getuid(), os.getgid()
    flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS
    if jail.tier == "userns":
        flags |= CLONE_NEWUSER
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")
    if jail.tier == "userns":
        _write_id_maps(real_uid, real_gid)
    pid = os.fork()
    if pid:
        _relay(pid, report_fd)
    os.close(report_fd)
    die_with_parent()
    _check(_libc.sethostname(HOSTNAME, len(HOSTNAME)), "sethostname")
    _build_root(jail, max(16, limits.max_file_mb * 2))
    _drop_capabilities(jail.tier)
    if jail.tier == "root":
        _drop_privileges(jail)
        die_with_parent()  # the uid change cleared it
    _apply_limits(limits, jail.tier)
    seccomp.install()


def _relay(pid: int, report_fd: int) -> None:
    """The middle process: wait for the confined child and report how it ended.

    It keeps no other descriptor, so the pipes to the grader close when the student's last
    process is gone, not when this one is.
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        os.closerange(0, report_fd)
        os.closerange(report_fd + 1, 1 << 20)
        _, status, usage = os.wait4(pid, 0)
        report = {
            "exit_code": os.waitstatus_to_exitcode(status),
            "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "max_rss_kb": usage.ru_maxrss,
        }
        os.write(report_fd, json.dumps(report).encode())
    finally:
        os._exit(0)


def confinement() -> dict[str, str]:
    """What the kernel says about the calling process: its uids, capabilities and seccomp mode."""
    fields = {}
    with open("/proc/self/status") as handle:
        for line in handle:
            name, _, value = line.partition(":")
            if name in ("Uid", "CapEff", "CapPrm", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp"):
                fields[name] = value.strip()
    return fields


def probe_tier(make_jail: Callable[[str], Jail], limits: Limits) -> str:
    """The strongest tier that works here, tried in a throwaway child."""
    forced = os.environ.get("AUTOGRADER_SANDBOX_TIER")
    if forced:
        if forced not in TIERS:
            raise ValueError(
                f"AUTOGRADER_SANDBOX_TIER must be one of {', '.join(TIERS)}, got {forced!r}"
            )
        return forced
    if sys.platform != "linux" or not seccomp.supported():
        return "plain"
    for tier in ("root", "userns") if os.geteuid() == 0 else ("userns",):
        if _try_tier(make_jail(tier), limits):
            return tier
    return "plain"


def _try_tier(jail: Jail, limits: Limits) -> bool:
    read_end, write_end = os.pipe()
    report_r, report_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_end)
            os.close(report_r)
            enter(jail, limits, report_w, "/tmp")
            status = confinement()
            ok = (
                os.getcwd() == "/work"
                and (jail.tier != "root" or os.getuid() == jail.uid)
                and status.get("Seccomp") == "2"
                and int(status.get("CapBnd", "1"), 16) == 0
                and int(status.get("CapEff", "1"), 16) == 0
            )
            os.write(write_end, b"ok" if ok else b"no")
        finally:
            os._exit(0)
    os.close(write_end)
    os.close(report_w)
    answer = os.read(read_end, 2)
    os.close(read_end)
    os.close(report_r)
    os.waitpid(pid, 0)
    return answer == b"ok"
