"""The fork server: a warm process that imported numpy, torch and sympy, holds no secret, and forks
one confined child per request. It speaks JSON lines on stdin/stdout with the grader."""

from __future__ import annotations

import argparse
import base64
import importlib
import json
import os
import select
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, TextIO

from autograder.models import Limits
from autograder.sandbox import isolation

READ_CHUNK = 1 << 16
RESULT_CAP = 512 * 2**20


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


def _limits(data: dict[str, Any]) -> Limits:
    return Limits(**data)


class Server:
    def __init__(self, uid: int, channel_in: TextIO, channel_out: TextIO) -> None:
        self.isolation = isolation
        self.channel_in = channel_in
        self.channel_out = channel_out
        self.workdir = tempfile.mkdtemp(prefix="autograder-sandbox-")
        os.chmod(self.workdir, 0o755)
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
        self.reply({"ready": True, "tier": self.tier, "pid": os.getpid()})
        for line in self.channel_in:
            if not line.strip():
                continue
            request = json.loads(line)
            self.reply(self.run(request))
        shutil.rmtree(self.workdir, ignore_errors=True)

    def reply(self, obj: dict[str, Any]) -> None:
        self.channel_out.write(json.dumps(obj) + "\n")
        self.channel_out.flush()

    def run(self, request: dict[str, Any]) -> dict[str, Any]:
        from autograder.sandbox import harness

        limits = _limits(request["limits"])
        files = {name: base64.b64decode(data) for name, data in request["files"].items()}
        self.counter += 1
        scratch = os.path.join(self.workdir, f"job-{self.counter}")
        pipes = {name: os.pipe() for name in ("result", "stdout", "stderr", "status")}
        keep = {pipes["result"][1], pipes["stdout"][1], pipes["stderr"][1], pipes["status"][1]}
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:  # the child: nothing of the server may survive into student code
            try:
                os.setsid()
                devnull = os.open(os.devnull, os.O_RDONLY)
                os.dup2(devnull, 0)
                os.dup2(pipes["stdout"][1], 1)
                os.dup2(pipes["stderr"][1], 2)
                for fd in range(3, 1024):
                    if fd not in keep:
                        try:
                            os.close(fd)
                        except OSError:
                            pass
                sys.stdin = open(0, closefd=False)
                sys.stdout = open(1, "w", closefd=False, buffering=1)
                sys.stderr = open(2, "w", closefd=False, buffering=1)
                self.isolation.enter(
                    self.jail(self.tier), limits, files, pipes["status"][1], scratch
                )
                harness.run(request["job"], pipes["result"][1])
                sys.stdout.flush()
                sys.stderr.flush()
            except BaseException as exc:  # noqa: BLE001 - report the sandbox's own failure, then go
                try:
                    os.write(2, f"\nsandbox setup failed: {type(exc).__name__}: {exc}\n".encode())
                except OSError:
                    pass
                os._exit(70)
            os._exit(0)
        for name in pipes:
            os.close(pipes[name][1])
        outcome = self._collect(pid, pipes, started + float(request["wall_seconds"]), limits)
        shutil.rmtree(scratch, ignore_errors=True)
        outcome["wall_seconds"] = time.monotonic() - started
        return outcome

    def _collect(
        self, pid: int, pipes: dict[str, tuple[int, int]], deadline: float, limits: Limits
    ) -> dict[str, Any]:
        cap = {
            "result": RESULT_CAP,
            "stdout": limits.max_output_kb * 1024,
            "stderr": limits.max_output_kb * 1024,
            "status": 4096,
        }
        buffers = {name: bytearray() for name in pipes}
        dropped = {name: 0 for name in pipes}
        open_fds = {pipes[name][0]: name for name in pipes}
        timed_out = False
        exited_at = None
        status = None
        while open_fds:
            now = time.monotonic()
            if now > deadline:
                timed_out = True
                break
            if status is None:
                done, raw = os.waitpid(pid, os.WNOHANG)
                if done:
                    status, exited_at = raw, now
            if exited_at is not None and now - exited_at > 1.0:
                break  # a descendant keeps a pipe open; its time is up too
            ready, _, _ = select.select(list(open_fds), [], [], 0.05)
            for fd in ready:
                chunk = os.read(fd, READ_CHUNK)
                name = open_fds[fd]
                if not chunk:
                    del open_fds[fd]
                    os.close(fd)
                    continue
                room = cap[name] - len(buffers[name])
                buffers[name] += chunk[: max(room, 0)]
                dropped[name] += max(len(chunk) - max(room, 0), 0)
        for sig_target in (
            lambda: os.killpg(pid, signal.SIGKILL),
            lambda: os.kill(pid, signal.SIGKILL),
        ):
            try:
                sig_target()
            except (ProcessLookupError, PermissionError):
                pass
        if status is None:
            _, status = os.waitpid(pid, 0)
        for fd in open_fds:
            os.close(fd)
        try:
            report = json.loads(bytes(buffers["status"]) or b"{}")
        except ValueError:
            report = {}
        return {
            "timed_out": timed_out,
            "exit_code": report.get("exit_code", os.waitstatus_to_exitcode(status)),
            "cpu_seconds": report.get("cpu_seconds"),
            "max_rss_kb": report.get("max_rss_kb"),
            "result": base64.b64encode(bytes(buffers["result"])).decode("ascii"),
            "result_dropped": dropped["result"],
            "stdout": bytes(buffers["stdout"]).decode("utf-8", "replace"),
            "stdout_dropped": dropped["stdout"],
            "stderr": bytes(buffers["stderr"]).decode("utf-8", "replace"),
            "stderr_dropped": dropped["stderr"],
            "tier": self.tier,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--uid", type=int, default=64000)
    parser.add_argument("--light", action="store_true", help="import only numpy and torch")
    args = parser.parse_args()
    # The protocol channel moves off fds 0/1 so that no child can inherit it by accident.
    channel_in = os.fdopen(os.dup(0), "r")
    channel_out = os.fdopen(os.dup(1), "w")
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _warm_imports(args.light)
    Server(args.uid, channel_in, channel_out).serve()


if __name__ == "__main__":
    main()
