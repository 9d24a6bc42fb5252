"""The sandbox's wire: length-prefixed JSON frames whose values are in the data-only codec."""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping
from typing import Any

FRAME_HEADER = struct.Struct(">I")


def frame(obj: Mapping[str, Any]) -> bytes:
    body = json.dumps(obj, allow_nan=True).encode()
    return FRAME_HEADER.pack(len(body)) + body


def read_frames(data: bytes) -> tuple[list[dict[str, Any]], str]:
    """Split a result stream into frames; returns (frames, error) where error describes garbage."""
    frames: list[dict[str, Any]] = []
    offset = 0
    while offset < len(data):
        if offset + FRAME_HEADER.size > len(data):
            return frames, "truncated frame header"
        (size,) = FRAME_HEADER.unpack_from(data, offset)
        offset += FRAME_HEADER.size
        if offset + size > len(data):
            return frames, "truncated frame"
        try:
            obj = json.loads(data[offset : offset + size])
        except (ValueError, RecursionError):
            return frames, "a frame that is not JSON"
        if not isinstance(obj, dict):
            return frames, "a frame that is not a JSON object"
        frames.append(obj)
        offset += size
    return frames, ""
