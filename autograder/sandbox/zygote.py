"""The fork server: a warm process that imported numpy, torch and sympy and forks one confined
child per job. It never holds a student's bytes: the grader passes the child's pipes over a UNIX
socket (SCM_RIGHTS) with the limits alone, and feeds and reads those pipes itself. The server only
forks, waits, enforces the wall clock, kills, and reports how the child ended."""

from __future__ import annotations

import argparse
import fcntl
import importlib
import json
import math
import os
import select
import shutil
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, NoReturn

from autograder.models import Limits
from autograder.sandbox import harness, isolation

# The child's descriptors, in the order the grader sends them, and where the child finds them.
# The job, setup and report descriptors are closed before student code runs. The result channel
# sits at the top of the descriptor limit, away from fd 3, the first one any library opens.
CHILD_FDS = ("job", "result", "stdout", "stderr", "setup")
STDOUT_FD, STDERR_FD, JOB_FD, SETUP_FD, REPORT_FD = 1, 2, 3, 4, 5


def result_fd(limits: Limits) -> int:
    return max(limits.max_open_files - 1, REPORT_FD + 1)


MAX_MESSAGE = 1 << 16
PR_SET_CHILD_SUBREAPER = 36
SETUP_FAILED = 70  # only a hint for a person reading a process list: attribution is the setup pipe
WORKDIR_PREFIX = "autograder-sandbox-"
LOCK_NAME = "server.lock"


def _warm_imports(light: bool) -> None:
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[name] = "1"
    import numpy  # noqa: F401
    import torch

    torch.set_num_threads(1)
    if light:  # a single `check`: start fast rather than fork fast; the child imports what it needs
        return
    # What student code commonly reaches for, imported once here instead of once per child.
    for name in (
        "sympy",
        "torch.optim",
        "torch.distributions",
        "torch.nn.functional",
        "torch._dynamo",
        "scipy.special",
        "scipy.stats",
        "scipy.integrate",
    ):
        try:
            importlib.import_module(name)
        except ImportError:
            pass


class GraderGone(Exception):
    """The control socket closed: the grader exited or gave this server up."""


def _claim_workdir() -> tuple[str, int]:
    """A fresh scratch directory, locked for as long as this process lives.

    The lock is taken on a file that is only then renamed into place, so a directory whose lock
    file can be locked by someone else belongs to a server that is gone (killed with its grader,
    too fast for `finally`); the next server to start removes it.
    """
    for stale in Path(tempfile.gettempdir()).glob(WORKDIR_PREFIX + "*"):
        try:
            fd = os.open(stale / LOCK_NAME, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue  # alive
        finally:
            os.close(fd)
        shutil.rmtree(stale, ignore_errors=True)
    workdir = tempfile.mkdtemp(prefix=WORKDIR_PREFIX)
    os.chmod(workdir, 0o755)
    fd = os.open(os.path.join(workdir, "lock.new"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.rename(os.path.join(workdir, "lock.new"), os.path.join(workdir, LOCK_NAME))
    return workdir, fd


class Server:
    def __init__(self, uid: int, control: socket.socket) -> None:
        self.isolation = isolation
        self.control = control
        self.pid = os.getpid()
        self.workdir, self.lock = _claim_workdir()
        self.root = os.path.join(self.workdir, "root")
        os.mkdir(self.root)
        package_dir = Path(isolation.__file__).resolve().parent.parent
        self.binds = isolation.visible_paths(package_dir)
        self.uid = uid
        self.tier = isolation.probe_tier(self.jail, Limits())
        self.counter = 0

    def jail(self, tier: str) -> isolation.Jail:
        return self.isolation.Jail(
            tier=tier, uid=self.uid, gid=self.uid, root=self.root, binds=self.binds
        )

    def serve(self) -> None:
        try:
            self.send({"ready": True, "tier": self.tier, "pid": self.pid})
            while True:
                message, fds = self.receive()
                try:
                    reply = self.run(message, fds)
                finally:
                    for fd in fds:
                        _close(fd)
                self.send(reply)
        except GraderGone:
            pass
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def send(self, obj: dict[str, Any]) -> None:
        try:
            self.control.sendall(json.dumps(obj).encode())
        except OSError:
            raise GraderGone() from None

    def receive(self) -> tuple[dict[str, Any], list[int]]:
        try:
            data, fds, flags, _ = socket.recv_fds(self.control, MAX_MESSAGE, len(CHILD_FDS) + 1)
        except OSError:
            raise GraderGone() from None
        if not data and not fds:
            raise GraderGone()
        message = json.loads(data) if data and not flags & socket.MSG_TRUNC else {}
        return message, fds

    def run(self, request: dict[str, Any], fds: list[int]) -> dict[str, Any]:
        if len(fds) != len(CHILD_FDS) or "limits" not in request:
            return {"error": f"a job needs limits and {len(CHILD_FDS)} descriptors, got {len(fds)}"}
        limits = Limits(**request["limits"])
        self.counter += 1
        scratch = os.path.join(self.workdir, f"job-{self.counter}")
        report_r, report_w = os.pipe()
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:
            self._child(fds, report_w, limits, scratch)
        os.close(report_w)
        for fd in fds:
            _close(fd)
        fds.clear()
        try:
            outcome = self._wait(pid, report_r, started + float(request["wall_seconds"]))
        finally:
            os.close(report_r)
            shutil.rmtree(scratch, ignore_errors=True)
        outcome["wall_seconds"] = time.monotonic() - started
        outcome["tier"] = self.tier
        return outcome

    def _child(self, fds: list[int], report_w: int, limits: Limits, scratch: str) -> NoReturn:
        """The forked child: confine, read the job, say "ok" on the setup pipe, run the student.

        "ok" is written and the pipe closed before the student's file is imported, so that
        only the sandbox's own setup can leave the grader without it.
        """
        arranged = False
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the server's handler is not the child's
            os.setsid()
            isolation.die_with_parent()
            if os.getppid() != self.pid:
                os._exit(SETUP_FAILED)
            job_r, result_w, stdout_w, stderr_w, setup_w = fds
            places = {
                job_r: JOB_FD,
                result_w: result_fd(limits),
                stdout_w: STDOUT_FD,
                stderr_w: STDERR_FD,
                setup_w: SETUP_FD,
                report_w: REPORT_FD,
            }
            _arrange(places)
            arranged = True
            sys.stdin = open(0, closefd=False)
            sys.stdout = open(STDOUT_FD, "w", closefd=False, buffering=1)
            sys.stderr = open(STDERR_FD, "w", closefd=False, buffering=1)
            self.isolation.enter(self.jail(self.tier), limits, REPORT_FD, scratch)
            job = harness.read_job(JOB_FD)
            harness.prepare(job)
            os.write(SETUP_FD, b"ok")
            os.close(SETUP_FD)
        except BaseException as exc:  # noqa: BLE001 - the sandbox's own failure, reported as such
            if arranged:
                _report_setup_failure(exc)
            os._exit(SETUP_FAILED)
        try:
            harness.run(job, result_fd(limits))
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:  # noqa: BLE001 - the student's process; the grader reads what came
            os._exit(1)
        os._exit(0)

    def _wait(self, pid: int, report_r: int, deadline: float) -> dict[str, Any]:
        """Wait for the child until the deadline, watching the grader too; then kill what is left."""
        poller = select.poll()
        # Without pidfds (before Linux 5.3, or elsewhere) the exit is polled for every 20 ms.
        pidfd = os.pidfd_open(pid) if hasattr(os, "pidfd_open") else None
        if pidfd is not None:
            poller.register(pidfd, select.POLLIN)
        poller.register(self.control, select.POLLIN)
        timed_out = gone = False
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    timed_out = True
                    break
                wait_ms = math.ceil(left * 1000) if pidfd is not None else 20
                events = dict(poller.poll(wait_ms))
                if self.control.fileno() in events:
                    gone = True  # the grader speaks only between jobs: it left, or gave us up
                    break
                if pidfd in events or (pidfd is None and _exited(pid)):
                    break
        finally:
            if pidfd is not None:
                os.close(pidfd)
            _kill(pid)
        _, status, usage = os.wait4(pid, 0)
        _reap_orphans()
        if gone:
            raise GraderGone()
        report = _read_report(report_r)
        return {
            "timed_out": timed_out,
            "exit_code": report.get("exit_code", os.waitstatus_to_exitcode(status)),
            "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "max_rss_kb": report.get("max_rss_kb", usage.ru_maxrss),
        }


def _arrange(places: dict[int, int]) -> None:
    """Put each received descriptor at its place, /dev/null on 0, and close every other one (the
    control socket among them)."""
    above = max(places.values()) + 1  # out of the way of every place, before any is taken
    moved = {fcntl.fcntl(fd, fcntl.F_DUPFD, above): place for fd, place in places.items()}
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    for source, place in moved.items():
        os.dup2(source, place)
    low = 1
    for place in sorted(set(places.values())) + [1 << 20]:
        if low < place:  # closerange(a, b) with b <= a would close everything from a up
            os.closerange(low, place)
        low = place + 1


def _report_setup_failure(exc: BaseException) -> None:
    try:
        os.write(SETUP_FD, f"{type(exc).__name__}: {exc}"[:2000].encode("utf-8", "replace"))
    except OSError:
        pass


def _exited(pid: int) -> bool:
    """Whether the child has ended, without reaping it (so that wait4 still sees its usage)."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def _kill(pid: int) -> None:
    """The whole process group, then the child itself (a student's setsid leaves the group, and
    the pid namespace then dies with its first process)."""
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except (ProcessLookupError, PermissionError):
            pass


def _reap_orphans() -> None:
    """Processes that escaped their group came to this server (a subreaper): kill and reap them."""
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        tasks = []
    for task in tasks:
        try:
            with open(f"/proc/self/task/{task}/children") as handle:
                children = [int(c) for c in handle.read().split()]
        except OSError:
            continue
        for child in children:
            try:
                os.kill(child, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
    while True:
        try:
            found, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if found == 0:
            return


def _read_report(fd: int) -> dict[str, Any]:
    """What the middle process wrote before it exited; nothing if it was killed first."""
    os.set_blocking(fd, False)
    try:
        data = os.read(fd, 4096)
    except BlockingIOError:
        return {}
    try:
        report = json.loads(data or b"{}")
    except ValueError:
        return {}
    return report if isinstance(report, dict) else {}


def _grader_gone(signum: int, frame: object) -> None:
    raise GraderGone()


def _close(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--control", type=int, required=True, help="the grader's UNIX socket")
    parser.add_argument("--parent", type=int, required=True, help="the grader's pid")
    parser.add_argument("--uid", type=int, default=64000)
    parser.add_argument("--light", action="store_true", help="import only numpy and torch")
    args = parser.parse_args()
    # Die with the grader, through SIGTERM so that its `finally` removes the scratch (the student's
    # child dies with this process by SIGKILL); if the grader is already gone, the signal came
    # too late to be set.
    signal.signal(signal.SIGTERM, _grader_gone)
    isolation.die_with_parent(signal.SIGTERM)
    if os.getppid() != args.parent:
        return
    if sys.platform == "linux":
        isolation.prctl(PR_SET_CHILD_SUBREAPER, 1)
    control = socket.socket(fileno=args.control)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _warm_imports(args.light)
        Server(args.uid, control).serve()
    except GraderGone:
        pass
    # No interpreter teardown: with torch loaded it takes seconds, and the scratch is gone already.
    os._exit(0)


if __name__ == "__main__":
    main()
