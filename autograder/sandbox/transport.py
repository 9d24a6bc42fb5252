"""The sandbox's wire: length-prefixed JSON frames whose values are in the data-only codec.

The reading side trusts nothing: a frame's length is read before its body, so a frame over the cap
is skipped without being held, and its JSON is measured (depth, number of values) before parsing.
"""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.codec import too_large

FRAME_HEADER = struct.Struct(">I")
MAX_JSON_DEPTH = 64  # the codec nests values 8 deep, about 20 levels of JSON with the frame
MAX_JSON_VALUES = 200_000  # a 20,000-item list of floats is about 60,000; parsing costs ~250 B each

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b"[]{},")
_OPEN = np.frombuffer(b"[{", dtype=np.uint8)
_CLOSE = np.frombuffer(b"]}", dtype=np.uint8)
_DEPTH_CHUNK = 1 << 18


def frame(obj: Mapping[str, Any]) -> bytes:
    body = json.dumps(obj, allow_nan=True).encode()
    return FRAME_HEADER.pack(len(body)) + body


@dataclass(frozen=True, slots=True)
class Refused:
    """A frame that was not read: over the size cap, or not well-formed JSON."""

    reason: str
    too_large: bool = False


def json_shape(body: bytes) -> tuple[int, int]:
    """(deepest nesting, about how many values) of JSON text, measured without parsing it.

    Strings go first (a bracket inside one is text), then what is left is only brackets and
    commas; numpy does the counting, so an 8 MB frame is measured in milliseconds.
    """
    skeleton = _STRING.sub(b"", body).translate(None, _NOT_STRUCTURE)
    # Each container, and each separator between members, is about one object json.loads makes.
    values = skeleton.count(b"[") + skeleton.count(b"{") + skeleton.count(b",")
    depth = level = 0
    for start in range(0, len(skeleton), _DEPTH_CHUNK):  # in slices, so temporaries stay small
        marks = np.frombuffer(skeleton, dtype=np.uint8, offset=start)[:_DEPTH_CHUNK]
        steps = np.isin(marks, _OPEN).view(np.int8) - np.isin(marks, _CLOSE).view(np.int8)
        running = np.cumsum(steps, dtype=np.int64) + level
        depth, level = max(depth, int(running.max())), int(running[-1])
    return depth, values


def parse_frame(body: bytes) -> dict[str, Any] | Refused:
    depth, values = json_shape(body)
    if depth > MAX_JSON_DEPTH:
        return Refused(f"JSON nested {depth} levels deep")
    if values > MAX_JSON_VALUES:
        return Refused(f"JSON with {values} values")
    try:
        obj = json.loads(body)
    except (ValueError, RecursionError):
        return Refused("a frame that is not JSON")
    if not isinstance(obj, dict):
        return Refused("a frame that is not a JSON object")
    return obj


class FrameReader:
    """Splits a result stream into frames as its bytes arrive.

    A frame whose header claims more than `max_frame` bytes is refused at once and its body
    skipped as it streams past, so the reader never holds more than one frame under the cap.
    Past `budget` bytes parsed in all, the rest of the stream is skipped unread: a child cannot
    keep the grader parsing for as long as its wall clock lasts.
    """

    def __init__(self, max_frame: int, budget: int | None = None) -> None:
        self.max_frame = max_frame
        self.budget = budget
        self._parsed = 0
        self._spent = False
        self._buffer = bytearray()
        self._skip = 0

    def feed(self, chunk: bytes) -> list[dict[str, Any] | Refused]:
        out: list[dict[str, Any] | Refused] = []
        if self._spent:
            return out
        if self._skip:
            skipped = min(self._skip, len(chunk))
            self._skip -= skipped
            chunk = chunk[skipped:]
        self._buffer += chunk
        while not self._skip and len(self._buffer) >= FRAME_HEADER.size:
            (size,) = FRAME_HEADER.unpack_from(self._buffer)
            if size > self.max_frame:
                out.append(Refused(too_large(self.max_frame), too_large=True))
                held = len(self._buffer) - FRAME_HEADER.size
                self._skip = max(size - held, 0)
                del self._buffer[: FRAME_HEADER.size + min(size, held)]
                continue
            if self.budget is not None and self._parsed + size > self.budget:
                out.append(Refused("more data than its calls could return"))
                self._spent = True
                self._buffer.clear()
                break
            end = FRAME_HEADER.size + size
            if len(self._buffer) < end:
                break
            self._parsed += size
            body = bytes(self._buffer[FRAME_HEADER.size : end])
            del self._buffer[:end]
            out.append(parse_frame(body))
        return out

    @property
    def spent(self) -> bool:
        """Whether the budget ran out, so that the rest of the stream went unread."""
        return self._spent

    def garbage(self) -> str:
        """At the end of the stream: what was left unread, if anything."""
        if self._spent:
            return ""
        if self._skip:
            return "truncated frame"
        if not self._buffer:
            return ""
        if len(self._buffer) < FRAME_HEADER.size:
            return "truncated frame header"
        return "truncated frame"


def read_frames(data: bytes, max_frame: int = 2**31) -> tuple[list[dict[str, Any]], str]:
    """Split a whole result stream; returns (frames, error) where error describes the first
    frame that could not be read (the frames after it are still returned)."""
    reader = FrameReader(max_frame)
    frames: list[dict[str, Any]] = []
    problems: list[str] = []
    for item in reader.feed(data):
        if isinstance(item, Refused):
            problems.append(item.reason)
        else:
            frames.append(item)
    problems.append(reader.garbage())
    return frames, next((p for p in problems if p), "")
