"""The grader's side of the sandbox: start the fork server, hand it each child's pipes, feed the
job and read what comes back, bounded, and decide whose fault a failure was."""

from __future__ import annotations

import base64
import json
import math
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from autograder.codec import TransportError, clean_text, decode_value, encode_value
from autograder.errors import SandboxError
from autograder.models import Call, CallResult, Limits, RunResult
from autograder.sandbox.transport import FrameReader, Refused

ENV_KEEP = ("PATH", "LANG", "LC_ALL", "TZ", "AUTOGRADER_SANDBOX_TIER")
SIGNAL_MESSAGES: dict[int, str] = {
    signal.SIGKILL: "was killed (out of memory, or over a limit)",
    signal.SIGXCPU: "used more CPU time than allowed",
    signal.SIGXFSZ: "wrote a file larger than allowed",
    signal.SIGSEGV: "crashed (segmentation fault)",
    signal.SIGABRT: "aborted",
    signal.SIGBUS: "crashed (bus error)",
}
READ_CHUNK = 1 << 16
START_SECONDS = 120.0  # importing torch, sympy and scipy on a loaded machine
SERVER_GRACE = 10.0  # beyond a job's wall budget, before a silent server is our fault
DRAIN_SECONDS = 1.0  # after the child is gone, for the pipes to close (a plain-tier escapee)
MAX_ERROR = 2000
MAX_TRACEBACK = 4000
MAX_SETUP_REPORT = 4096
CONTROL_TYPE = socket.SOCK_SEQPACKET if sys.platform == "linux" else socket.SOCK_STREAM


def _clean_env() -> dict[str, str]:
    env = {k: os.environ[k] for k in ENV_KEEP if k in os.environ}
    env.update(
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONHASHSEED="0",
        HOME="/tmp",
        MPLBACKEND="Agg",
        PYTHONNOUSERSITE="1",
    )
    return env


@dataclass(slots=True)
class _Events:
    """What the result frames of one child said, kept as they arrive (nothing else is held)."""

    pending: frozenset[str]
    imported: bool = False
    import_error: str | None = None
    current: str | None = None
    results: dict[str, CallResult] = field(default_factory=dict)
    problem: str = ""

    def add(self, item: dict[str, Any] | Refused) -> None:
        if isinstance(item, Refused):
            self._refused(item)
            return
        kind = item.get("event")
        if kind == "imported":
            self.imported = True
        elif kind == "import_error" and not self.imported:
            error = clean_text(str(item.get("error", "the import failed")), MAX_ERROR)
            if item.get("timeout"):
                error = "importing your file did not finish in time (is there a long loop at module level?)"
            trace = clean_text(str(item.get("traceback", "")), MAX_TRACEBACK)
            self.import_error = error + (
                f"\n{trace}" if trace and "SyntaxError" not in error else ""
            )
        elif kind == "call":
            call_id = str(item.get("id"))
            self.current = call_id if call_id in self.pending else None
        elif kind == "result":
            result = _decode_result(item)
            # Only the calls asked of this child, and the first word on each: a later frame for
            # the same call (written by hand, say) cannot replace what was already refused.
            if result.id in self.pending and result.id not in self.results:
                self.results[result.id] = result
            if result.id == self.current:
                self.current = None

    def _refused(self, item: Refused) -> None:
        if self.current is not None and self.current not in self.results:
            error = (
                item.reason
                if item.too_large
                else f"the process sent malformed data ({item.reason})"
            )
            self.results[self.current] = CallResult(id=self.current, ok=False, error=error)
            self.current = None
        elif not self.problem:
            self.problem = item.reason


@dataclass(slots=True)
class _Attempt:
    """One child's run: how it ended (from the server) and what it sent (read here)."""

    events: _Events
    tier: str = ""
    exit_code: int | None = None
    timed_out: bool = False
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    stdout: str = ""
    stderr: str = ""


class _Capped:
    """A byte sink that keeps the first `cap` bytes and counts the rest."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.data = bytearray()
        self.dropped = 0

    def feed(self, chunk: bytes) -> None:
        room = max(self.cap - len(self.data), 0)
        self.data += chunk[:room]
        self.dropped += max(len(chunk) - room, 0)

    def text(self) -> str:
        text = clean_text(bytes(self.data).decode("utf-8", "replace"), len(self.data))
        return text + (f"\n[... {self.dropped} more bytes not shown]" if self.dropped else "")


class Sandbox:
    """One fork server and the jobs sent to it; use one per worker thread or process."""

    def __init__(self, *, uid: int = 64000, light: bool = False) -> None:
        self.uid = uid
        self.light = light
        self._process: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None
        self._lock = threading.Lock()
        self.tier = ""

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def spawn(self) -> None:
        """Start the fork server without waiting for it: it warms up while the grader prepares."""
        if self._process is not None and self._process.poll() is None:
            return
        self.close()
        ours, theirs = socket.socketpair(socket.AF_UNIX, CONTROL_TYPE)
        try:
            self._process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "autograder.sandbox.zygote",
                    "--control",
                    str(theirs.fileno()),
                    "--parent",
                    str(os.getpid()),
                    "--uid",
                    str(self.uid),
                ]
                + (["--light"] if self.light else []),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                cwd="/",
                env=_clean_env(),
                close_fds=True,
                pass_fds=(theirs.fileno(),),
                start_new_session=True,
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self._control = ours
        self.tier = ""

    def start(self) -> None:
        """Start the fork server (if needed) and wait until it is ready."""
        self.spawn()
        if self.tier:
            return
        hello = self._read_reply(time.monotonic() + START_SECONDS)
        if not hello.get("ready"):
            raise SandboxError(f"the sandbox did not start: {hello}")
        self.tier = str(hello["tier"])

    def close(self) -> None:
        """Stop the fork server: it sees its socket close, kills any child and removes its files."""
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._process is not None:
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process, self.tier = None, ""

    def _server_stopped(self) -> SandboxError:
        code = self._process.poll() if self._process is not None else None
        self.close()
        return SandboxError(
            f"the sandbox server stopped (exit code {code})",
            hint="run `autograder check` on a known-good file to see the sandbox's own error",
        )

    def _read_reply(self, deadline: float) -> dict[str, Any]:
        assert self._control is not None
        poller = select.poll()  # not select(): a busy grader may hold descriptors past 1024
        poller.register(self._control, select.POLLIN)
        if not poller.poll(max(math.ceil((deadline - time.monotonic()) * 1000), 0)):
            raise SandboxError("the sandbox server did not answer in time")
        try:
            data = self._control.recv(1 << 16)
        except OSError:
            data = b""
        if not data:
            raise self._server_stopped()
        reply = json.loads(data)
        if "error" in reply:
            raise SandboxError(f"the sandbox server refused a job: {reply['error']}")
        return dict(reply)

    def _job(self, job: bytes, limits: Limits, wall: float, pending: Sequence[Call]) -> _Attempt:
        with self._lock:
            for attempt in (1, 2):  # a fork server that died (say, killed for memory) is restarted
                try:
                    self.start()
                    return self._exchange(job, limits, wall, pending)
                except (SandboxError, OSError):
                    self.close()
                    if attempt == 2:
                        raise
        raise AssertionError("unreachable")

    def _exchange(
        self, job: bytes, limits: Limits, wall: float, pending: Sequence[Call]
    ) -> _Attempt:
        """Run one child: its pipes go to the server, the job is written and the output read here."""
        assert self._control is not None
        pipes = {name: os.pipe() for name in ("job", "result", "stdout", "stderr", "setup")}
        child_ends = [pipes["job"][0]] + [
            pipes[n][1] for n in ("result", "stdout", "stderr", "setup")
        ]
        ours = {name: (w if name == "job" else r) for name, (r, w) in pipes.items()}
        try:
            control = {"limits": asdict(limits), "wall_seconds": wall}
            try:
                socket.send_fds(self._control, [json.dumps(control).encode()], child_ends)
            except OSError:
                raise self._server_stopped() from None
        finally:
            for fd in child_ends:
                os.close(fd)
        max_frame = limits.max_result_mb * 2**20
        reader = FrameReader(max_frame, budget=max_frame * (len(pending) + 2))
        events = _Events(pending=frozenset(c.id for c in pending))
        sinks = {
            "stdout": _Capped(limits.max_output_kb * 1024),
            "stderr": _Capped(limits.max_output_kb * 1024),
            "setup": _Capped(MAX_SETUP_REPORT),
        }
        try:
            reply = self._pump(ours, job, reader, events, sinks, wall)
        except BaseException:
            self.close()  # the server may still be on this job: never let its reply meet the next
            raise
        finally:
            for fd in ours.values():
                _close(fd)
        garbage = reader.garbage()
        if garbage and not events.problem:
            events.add(Refused(garbage))
        if reader.spent:  # every later frame went unread: that explains a call without a result
            events.problem = "more data than its calls could return"
        setup = bytes(sinks["setup"].data)
        if setup != b"ok":
            # Written and closed before the student's file was imported: without it, the
            # sandbox itself failed, whatever the exit code or stderr say.
            detail = clean_text(setup.decode("utf-8", "replace"), MAX_ERROR) or (
                f"the child ended before confinement was complete (exit code {reply.get('exit_code')}"
                + (", over its time limit)" if reply.get("timed_out") else ")")
            )
            raise SandboxError(f"the sandbox could not confine the child: {detail}")
        return _Attempt(
            events=events,
            tier=str(reply.get("tier", "")),
            exit_code=reply.get("exit_code"),
            timed_out=bool(reply.get("timed_out")),
            wall_seconds=float(reply.get("wall_seconds") or 0.0),
            cpu_seconds=float(reply.get("cpu_seconds") or 0.0),
            stdout=sinks["stdout"].text(),
            stderr=sinks["stderr"].text(),
        )

    def _pump(
        self,
        ours: dict[str, int],
        job: bytes,
        reader: FrameReader,
        events: _Events,
        sinks: dict[str, _Capped],
        wall: float,
    ) -> dict[str, Any]:
        """Write the job and read every pipe until the server reports and the pipes close."""
        assert self._control is not None
        poller = select.poll()
        names = {fd: name for name, fd in ours.items()}
        os.set_blocking(ours["job"], False)
        for name, fd in ours.items():
            poller.register(fd, select.POLLOUT if name == "job" else select.POLLIN)
        control = self._control.fileno()
        poller.register(control, select.POLLIN)
        reading = {fd for name, fd in ours.items() if name != "job"}
        left = memoryview(job)
        reply: dict[str, Any] | None = None
        give_up = time.monotonic() + wall + SERVER_GRACE
        drain_until = math.inf
        while reply is None or (reading and time.monotonic() < drain_until):
            now = time.monotonic()
            if reply is None and now > give_up:
                raise SandboxError("the sandbox server did not report on a job in time")
            until = min(give_up if reply is None else drain_until, now + 60)
            for fd, _ in poller.poll(max(math.ceil((until - now) * 1000), 0)):
                if fd == control:
                    reply = self._read_reply(time.monotonic() + 1)
                    poller.unregister(control)
                    drain_until = time.monotonic() + DRAIN_SECONDS
                elif names.get(fd) == "job":
                    try:
                        left = left[os.write(fd, left[:READ_CHUNK]) :]
                    except BlockingIOError:
                        continue
                    except OSError:  # the child is gone (or closed its job pipe): nothing to feed
                        left = left[:0]
                    if not left:
                        poller.unregister(fd)
                        os.close(ours.pop("job"))
                else:
                    chunk = os.read(fd, READ_CHUNK)
                    if not chunk:
                        poller.unregister(fd)
                        reading.discard(fd)
                        continue
                    if names[fd] == "result":
                        for item in reader.feed(chunk):
                            events.add(item)
                    else:
                        sinks[names[fd]].feed(chunk)
        return reply

    def run(
        self, source: bytes, filename: str, calls: Sequence[Call], limits: Limits, *, seed: int = 0
    ) -> RunResult:
        """Run every call; a call that hangs or kills the process costs only itself.

        After a crash or a timeout the remaining calls run again in a fresh child, while the
        submission's wall-clock budget lasts. Only the sandbox's own failure raises
        `SandboxError`; whatever the student's process does is reported as data.
        """
        module = os.path.splitext(filename)[0]
        if len(source) > limits.max_file_mb * 2**20:
            return RunResult(
                tier=self.tier,
                imported=False,
                import_error=f"the file is {len(source) / 2**20:.1f} MB, over the "
                f"{limits.max_file_mb} MB limit",
            )
        budget = limits.wall_seconds
        results: dict[str, CallResult] = {}
        pending = list(calls)
        stdout, stderr, tier = [], [], ""
        imported, import_error, timed_out = True, "", False
        exit_code, crashed_in, wall, cpu = None, None, 0.0, 0.0
        first = True
        while first or pending:
            # A child that blocks its alarms is stopped once its calls' own budgets are spent.
            needed = min(limits.call_seconds, budget) + sum(c.seconds for c in pending) + 2.0
            wall_for_job = max(min(budget - wall, needed), 0.5)
            job = _job_bytes(source, filename, module, pending, limits, wall_for_job, seed)
            attempt = self._job(job, limits, wall_for_job, pending)
            first = False
            tier = attempt.tier
            wall += attempt.wall_seconds
            cpu += attempt.cpu_seconds
            stdout.append(attempt.stdout)
            stderr.append(attempt.stderr)
            exit_code, timed_out = attempt.exit_code, attempt.timed_out
            events = attempt.events
            results.update(events.results)
            if events.import_error is not None or not events.imported:
                imported = False
                import_error = events.import_error or _death_message(
                    "while importing your file", attempt
                )
                break
            pending = [c for c in pending if c.id not in results]
            if not pending:
                break
            current = events.current if events.current in {c.id for c in pending} else None
            current = current or pending[0].id
            crashed_in = current
            message = _death_message(f"during {_call_label(calls, current)}", attempt)
            results[current] = CallResult(id=current, ok=False, error=message)
            pending = [c for c in pending if c.id != current]
            if budget - wall <= 0.5:
                for c in pending:
                    results[c.id] = CallResult(
                        id=c.id, ok=False, error="not run: the submission used up its time budget"
                    )
                pending = []
        return RunResult(
            tier=tier,
            imported=imported,
            import_error=import_error,
            results=results,
            stdout="".join(stdout),
            stderr="".join(stderr),
            exit_code=exit_code,
            timed_out=timed_out,
            wall_seconds=wall,
            cpu_seconds=cpu,
            crashed_in=crashed_in,
        )


def _job_bytes(
    source: bytes,
    filename: str,
    module: str,
    calls: Sequence[Call],
    limits: Limits,
    wall: float,
    seed: int,
) -> bytes:
    """What the child reads from its job pipe: the one student's source and calls, nothing else."""
    job = {
        "filename": filename,
        "module": module,
        "seed": seed,
        "import_seconds": min(limits.call_seconds, wall),
        "max_result_bytes": limits.max_result_mb * 2**20,
        "calls": [_encode_call(c) for c in calls],
        "source": base64.b64encode(source).decode("ascii"),
    }
    return json.dumps(job).encode()


def _encode_call(call: Call) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": call.id,
        "kind": call.kind,
        "name": call.name,
        "seconds": call.seconds,
        "args": [encode_value(a) for a in call.args],
        "kwargs": {k: encode_value(v) for k, v in call.kwargs.items()},
    }
    if call.grad is not None:
        data["grad"] = {"v": encode_value(call.grad.v)}
    return data


def _decode_result(obj: dict[str, Any]) -> CallResult:
    call_id = str(obj.get("id"))
    raw_seconds = obj.get("seconds")
    seconds = 0.0
    if isinstance(raw_seconds, (int, float)) and not isinstance(raw_seconds, bool):
        seconds = float(raw_seconds)
    if not obj.get("ok"):
        error = clean_text(str(obj.get("error", "failed")), MAX_ERROR)
        if obj.get("timeout"):
            error = "timed out"
        return CallResult(
            id=call_id,
            ok=False,
            error=error,
            traceback=clean_text(str(obj.get("traceback", "")), MAX_TRACEBACK),
            seconds=seconds,
        )
    try:
        value = decode_value(obj.get("value"))
        grad = tuple(decode_value(g) for g in obj["grad"]) if "grad" in obj else None
    except (TransportError, ValueError, TypeError, KeyError, RecursionError) as exc:
        return CallResult(
            id=call_id,
            ok=False,
            error=clean_text(f"returned data that could not be read: {exc}", MAX_ERROR),
        )
    return CallResult(id=call_id, ok=True, value=value, seconds=seconds, grad=grad)


def _death_message(where: str, attempt: _Attempt) -> str:
    """Why a child ended without a result; every cause here is the student's process's own."""
    if attempt.timed_out:
        return f"stopped {where}: the time limit was reached"
    code = attempt.exit_code
    if code is not None and code < 0:
        what = SIGNAL_MESSAGES.get(-code, f"was killed by signal {-code}")
        return f"the process {what} {where}"
    if attempt.events.problem:
        return f"the process sent malformed data ({attempt.events.problem}) {where}"
    return (
        f"the process exited (exit code {code}) {where}: remove calls to sys.exit(), "
        f"os._exit() or exit() from your file, and leave its file descriptors and other "
        f"processes alone"
    )


def _call_label(calls: Sequence[Call], call_id: str) -> str:
    call = next((c for c in calls if c.id == call_id), None)
    if call is None:
        return call_id
    return f"reading {call.name}" if call.kind == "get" else f"the call to {call.name}()"


def _close(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass
