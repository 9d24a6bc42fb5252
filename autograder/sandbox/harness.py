"""Runs inside the confined child: read the job, import the student's module, perform the calls,
emit frames. Everything before `run` is the sandbox's own setup; `run` is where student code starts."""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import signal
import sys
import time
import traceback
import warnings
from types import FrameType, ModuleType
from typing import Any

from autograder.codec import ResultTooLarge, decode_value, encode_value, too_large
from autograder.sandbox.transport import FRAME_HEADER, frame

MAX_TRACEBACK = 4000
READ_CHUNK = 1 << 16


class CallTimeout(BaseException):
    """Raised by the alarm when one call runs past its budget (BaseException: hard to swallow)."""


def _on_alarm(signum: int, frame_: FrameType | None) -> None:  # noqa: ARG001
    raise CallTimeout()


def read_job(fd: int) -> dict[str, Any]:
    """The job the grader wrote on this child's own pipe: the source and the calls, then EOF."""
    chunks = []
    while chunk := os.read(fd, READ_CHUNK):
        chunks.append(chunk)
    os.close(fd)
    job = json.loads(b"".join(chunks))
    if not isinstance(job, dict):
        raise ValueError("the job is not a JSON object")
    return job


def prepare(job: dict[str, Any]) -> None:
    """Put the student's file in the working directory and seed the generators."""
    import numpy as np
    import torch

    with open(job["filename"], "wb") as handle:
        handle.write(base64.b64decode(job["source"]))
    warnings.simplefilter("default")  # a warning is never a failure
    seed = int(job.get("seed", 0))
    torch.manual_seed(seed)
    np.random.seed(seed % 2**32)
    signal.signal(signal.SIGALRM, _on_alarm)


def _emit(fd: int, obj: dict[str, Any], max_bytes: int | None = None) -> None:
    data = frame(obj)
    if max_bytes is not None and len(data) - FRAME_HEADER.size > max_bytes:
        # Value and gradients together: each was under the cap, their sum is not.
        data = frame(_failed(obj["id"], too_large(max_bytes), too_large=True))
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _student_traceback(exc: BaseException, filename: str) -> str:
    """Only the frames in the student's own file: the rest is the grader's machinery."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(filename)]
    lines = traceback.format_list(frames) + traceback.format_exception_only(type(exc), exc)
    return "".join(lines)[-MAX_TRACEBACK:]


def _describe(exc: BaseException, filename: str) -> str:
    if isinstance(exc, SyntaxError):
        where = f" at line {exc.lineno}" if exc.lineno else ""
        text = (exc.text or "").rstrip()
        return f"SyntaxError{where}: {exc.msg}" + (f"\n    {text.strip()}" if text else "")
    if isinstance(exc, SystemExit):
        return f"the code called sys.exit({exc.code!r})"
    if isinstance(exc, CallTimeout):
        return "timed out"
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(filename)]
    where = f" (line {frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {exc}"[:1000] + where


def _live(value: Any) -> Any:
    """Decoded arguments → the objects student code expects (tensors, tuples, dicts)."""
    import numpy as np
    import torch

    from autograder.models import ArrayValue

    if isinstance(value, ArrayValue):
        array = np.array(value.array, copy=True)
        return torch.from_numpy(array) if value.origin == "torch" else array
    if isinstance(value, tuple):
        return tuple(_live(v) for v in value)
    if isinstance(value, dict):
        return {k: _live(v) for k, v in value.items()}
    return value


def _import_student(module_name: str, filename: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(module_name, os.path.abspath(filename))
    if spec is None or spec.loader is None:  # only for a file name without a Python suffix
        raise ImportError(f"{filename} is not a Python source file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def _failed(call_id: str, error: str, **extra: Any) -> dict[str, Any]:
    return {"event": "result", "id": call_id, "ok": False, "error": error, **extra}


def _perform(module: ModuleType, call: dict[str, Any], max_bytes: int) -> dict[str, Any]:
    import torch

    def encode(value: Any) -> dict[str, Any]:
        return encode_value(value, max_bytes=max_bytes)

    name = call["name"]
    if call["kind"] == "get":
        if not hasattr(module, name):
            return {"value": {"t": "missing"}}
        return {"value": encode(getattr(module, name))}
    function = getattr(module, name, None)
    if function is None:
        raise LookupError(f"{name} is not defined")
    if not callable(function):
        raise TypeError(f"{name} is not a function (it is a {type(function).__name__})")
    args = [_live(decode_value(a)) for a in call.get("args", [])]
    kwargs = {k: _live(decode_value(v)) for k, v in call.get("kwargs", {}).items()}
    probe = call.get("grad")
    if not probe:
        return {"value": encode(function(*args, **kwargs))}
    leaves = [a.detach().clone().requires_grad_(True) if _is_float(a) else a for a in args]
    out = function(*leaves, **kwargs)
    result: dict[str, Any] = {"value": encode(out)}
    v = _live(decode_value(probe["v"]))
    grads: list[Any] = [None] * len(leaves)
    inputs = [(i, a) for i, a in enumerate(leaves) if _is_float(a)]
    outs, cotangents = (out, v) if isinstance(v, tuple) else ((out,), (v,))
    if isinstance(outs, tuple) and len(outs) == len(cotangents):
        terms = [
            (o * c.to(o.dtype)).sum()
            for o, c in zip(outs, cotangents)
            if isinstance(o, torch.Tensor) and o.requires_grad and o.shape == c.shape
        ]
        if terms:
            found = torch.autograd.grad(sum(terms), [a for _, a in inputs], allow_unused=True)
            for (i, _), g in zip(inputs, found):
                grads[i] = g
    result["grad"] = [encode(g) for g in grads]
    return result


def _is_float(value: Any) -> bool:
    import torch

    return isinstance(value, torch.Tensor) and value.is_floating_point()


def run(job: dict[str, Any], fd: int) -> None:
    """Import the module named in the job from ./<file>, then perform each call in order."""
    filename = job["filename"]
    max_bytes = int(job["max_result_bytes"])
    _emit(fd, {"event": "start"})
    signal.setitimer(signal.ITIMER_REAL, float(job.get("import_seconds", 10)))
    try:
        module = _import_student(job["module"], filename)
        signal.setitimer(signal.ITIMER_REAL, 0)
    except BaseException as exc:  # noqa: BLE001 - anything the student's import raises is data
        signal.setitimer(signal.ITIMER_REAL, 0)
        _emit(
            fd,
            {
                "event": "import_error",
                "error": _describe(exc, filename),
                "traceback": _student_traceback(exc, filename),
                "timeout": isinstance(exc, CallTimeout),
            },
        )
        return
    _emit(fd, {"event": "imported"})
    for call in job["calls"]:
        _emit(fd, {"event": "call", "id": call["id"]})
        started = time.perf_counter()
        try:
            signal.setitimer(signal.ITIMER_REAL, float(call.get("seconds", 10)))
            result = _perform(module, call, max_bytes)
            signal.setitimer(signal.ITIMER_REAL, 0)
            result.update(event="result", id=call["id"], ok=True)
        except ResultTooLarge as exc:
            signal.setitimer(signal.ITIMER_REAL, 0)
            result = _failed(call["id"], str(exc), too_large=True)
        except BaseException as exc:  # noqa: BLE001
            signal.setitimer(signal.ITIMER_REAL, 0)
            result = _failed(
                call["id"],
                _describe(exc, filename),
                timeout=isinstance(exc, CallTimeout),
                traceback=_student_traceback(exc, filename),
            )
        result["seconds"] = time.perf_counter() - started
        try:
            _emit(fd, result, max_bytes)
        except (TypeError, ValueError, OverflowError) as exc:
            _emit(fd, _failed(call["id"], f"the returned value could not be sent back: {exc}"))
    _emit(fd, {"event": "done"})
