"""The grader's side of the sandbox: start the fork server, send jobs, decode what comes back."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from autograder.codec import TransportError, decode_value, encode_value
from autograder.errors import SandboxError
from autograder.models import Call, CallResult, Limits, RunResult
from autograder.sandbox.transport import read_frames

ENV_KEEP = ("PATH", "LANG", "LC_ALL", "TZ", "AUTOGRADER_SANDBOX_TIER")
SIGNAL_MESSAGES = {
    signal.SIGKILL: "was killed (out of memory, or over a limit)",
    signal.SIGXCPU: "used more CPU time than allowed",
    signal.SIGXFSZ: "wrote a file larger than allowed",
    signal.SIGSEGV: "crashed (segmentation fault)",
    signal.SIGABRT: "aborted",
    signal.SIGBUS: "crashed (bus error)",
}


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


class Sandbox:
    """One fork server and the jobs sent to it; use one per worker thread or process."""

    def __init__(self, *, uid: int = 64000, light: bool = False) -> None:
        self.uid = uid
        self.light = light
        self._process: subprocess.Popen[str] | None = None
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
        self._process = subprocess.Popen(
            [sys.executable, "-m", "autograder.sandbox.zygote", "--uid", str(self.uid)]
            + (["--light"] if self.light else []),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd="/",
            env=_clean_env(),
            close_fds=True,
            start_new_session=True,
        )
        self.tier = ""

    def start(self) -> None:
        """Start the fork server (if needed) and wait until it is ready."""
        self.spawn()
        if self.tier:
            return
        hello = self._read_reply()
        if not hello.get("ready"):
            raise SandboxError(f"the sandbox did not start: {hello}")
        self.tier = hello["tier"]

    def close(self) -> None:
        if self._process is not None:
            try:
                assert self._process.stdin is not None  # started with stdin=PIPE
                self._process.stdin.close()
                self._process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self._process.kill()
            self._process, self.tier = None, ""

    def _read_reply(self) -> dict[str, Any]:
        assert self._process is not None and self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            code = self._process.poll()
            self._process, self.tier = None, ""
            raise SandboxError(
                f"the sandbox server stopped (exit code {code})",
                hint="run `autograder check` on a known-good file to see the sandbox's own error",
            )
        return json.loads(line)

    def _job(
        self,
        source: bytes,
        filename: str,
        module: str,
        calls: Sequence[Call],
        limits: Limits,
        wall: float,
        seed: int,
    ) -> dict[str, Any]:
        job = {
            "filename": filename,
            "module": module,
            "seed": seed,
            "import_seconds": min(limits.call_seconds, wall),
            "calls": [_encode_call(c) for c in calls],
        }
        request = {
            "job": job,
            "files": {filename: base64.b64encode(source).decode("ascii")},
            "limits": asdict(limits),
            "wall_seconds": wall,
        }
        line = json.dumps(request) + "\n"
        with self._lock:
            for attempt in (
                1,
                2,
            ):  # a fork server that died (say, killed for memory) is restarted once
                try:
                    self.start()
                    assert self._process is not None and self._process.stdin is not None
                    self._process.stdin.write(line)
                    self._process.stdin.flush()
                    return self._read_reply()
                except (BrokenPipeError, SandboxError):
                    self.close()
                    if attempt == 2:
                        raise
        raise AssertionError("unreachable")

    def run(
        self, source: bytes, filename: str, calls: Sequence[Call], limits: Limits, *, seed: int = 0
    ) -> RunResult:
        """Run every call; a call that hangs or kills the process costs only itself.

        After a crash or a timeout the remaining calls run again in a fresh child, while the
        submission's wall-clock budget lasts.
        """
        module = os.path.splitext(filename)[0]
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
            reply = self._job(source, filename, module, pending, limits, wall_for_job, seed)
            first = False
            tier = reply["tier"]
            wall += reply["wall_seconds"]
            cpu += reply.get("cpu_seconds") or 0.0
            stdout.append(_truncated(reply["stdout"], reply["stdout_dropped"]))
            stderr.append(_truncated(reply["stderr"], reply["stderr_dropped"]))
            exit_code, timed_out = reply["exit_code"], reply["timed_out"]
            frames, garbage = read_frames(base64.b64decode(reply["result"]))
            events = _read_events(frames, results)
            if events["import_error"] is not None or not events["imported"]:
                imported = False
                import_error = events["import_error"] or _death_message(
                    "while importing your file", reply, garbage
                )
                break
            pending = [c for c in pending if c.id not in results]
            if not pending:
                break
            current = (
                events["current"] if events["current"] in {c.id for c in pending} else pending[0].id
            )
            crashed_in = current
            message = _death_message(
                f"during {_call_label(calls, current)}",
                reply,
                garbage,
                call_seconds=next(c.seconds for c in pending if c.id == current),
            )
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


def _read_events(frames: list[dict[str, Any]], results: dict[str, CallResult]) -> dict[str, Any]:
    events: dict[str, Any] = {"imported": False, "import_error": None, "current": None}
    for obj in frames:
        kind = obj.get("event")
        if kind == "imported":
            events["imported"] = True
        elif kind == "import_error":
            error = str(obj.get("error", "the import failed"))
            if obj.get("timeout"):
                error = "importing your file did not finish in time (is there a long loop at module level?)"
            trace = str(obj.get("traceback", ""))
            events["import_error"] = error + (
                f"\n{trace}" if trace and "SyntaxError" not in error else ""
            )
        elif kind == "call":
            events["current"] = str(obj.get("id"))
        elif kind == "result":
            result = _decode_result(obj)
            if result is not None:
                results[result.id] = result
                events["current"] = None
    return events


def _decode_result(obj: dict[str, Any]) -> CallResult | None:
    call_id = str(obj.get("id"))
    raw_seconds = obj.get("seconds")
    seconds = raw_seconds if isinstance(raw_seconds, (int, float)) else 0.0
    if not obj.get("ok"):
        error = str(obj.get("error", "failed"))[:2000]
        if obj.get("timeout"):
            error = "timed out"
        return CallResult(
            id=call_id,
            ok=False,
            error=error,
            traceback=str(obj.get("traceback", ""))[:4000],
            seconds=seconds,
        )
    try:
        value = decode_value(obj.get("value"))
        grad = tuple(decode_value(g) for g in obj["grad"]) if "grad" in obj else None
    except (TransportError, ValueError, TypeError, KeyError) as exc:
        return CallResult(
            id=call_id, ok=False, error=f"returned data that could not be read: {exc}"
        )
    return CallResult(id=call_id, ok=True, value=value, seconds=seconds, grad=grad)


def _death_message(
    where: str, reply: dict[str, Any], garbage: str, call_seconds: float | None = None
) -> str:
    if reply["timed_out"]:
        return f"stopped {where}: the time limit was reached"
    code = reply["exit_code"]
    if code is not None and code < 0:
        what = SIGNAL_MESSAGES.get(-code, f"was killed by signal {-code}")
        return f"the process {what} {where}"
    if code == 70 and "sandbox setup failed" in reply["stderr"]:
        raise SandboxError("the sandbox could not confine the child: " + reply["stderr"][-500:])
    if garbage:
        return f"the process sent malformed data ({garbage}) {where}"
    return (
        f"the process exited (exit code {code}) {where}: remove calls to sys.exit(), "
        f"os._exit() or exit() from your file"
    )


def _call_label(calls: Sequence[Call], call_id: str) -> str:
    call = next((c for c in calls if c.id == call_id), None)
    if call is None:
        return call_id
    return f"reading {call.name}" if call.kind == "get" else f"the call to {call.name}()"


def _truncated(text: str, dropped: int) -> str:
    return text + (f"\n[... {dropped} more bytes not shown]" if dropped else "")
