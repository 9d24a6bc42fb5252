"""The sandbox's wire: length-prefixed JSON frames, split back with garbage reported."""

from __future__ import annotations

import json
import math
import struct

import numpy as np
import pytest
import torch

from autograder.codec import decode_value, encode_value
from autograder.sandbox.transport import frame, read_frames


def test_frames_are_length_prefixed_json_and_split_back():
    first = {"event": "imported"}
    second = {"id": "q.0", "ok": True, "value": encode_value((torch.arange(3.0), math.nan))}
    data = frame(first) + frame(second)
    assert data[:4] == struct.pack(">I", len(json.dumps(first)))
    frames, error = read_frames(data)
    assert error == "" and frames[0] == first
    tensor, nan = decode_value(frames[1]["value"])
    np.testing.assert_array_equal(tensor.array, [0.0, 1.0, 2.0])
    assert math.isnan(nan)


def test_no_bytes_are_no_frames():
    assert read_frames(b"") == ([], "")


@pytest.mark.parametrize(
    ("tail", "error"),
    [
        (b"\x00\x00", "truncated frame header"),
        (struct.pack(">I", 100) + b'{"event": "x"}', "truncated frame"),
        (struct.pack(">I", 5) + b"hello", "a frame that is not JSON"),
        (struct.pack(">I", 4) + b"\xff\xfe\x00\x01", "a frame that is not JSON"),
        (struct.pack(">I", 6) + b"[1, 2]", "a frame that is not a JSON object"),
        (struct.pack(">I", 200_000) + b"[" * 100_000 + b"]" * 100_000, "a frame that is not JSON"),
    ],
)
def test_garbage_after_good_frames_keeps_the_good_ones_and_says_what_went_wrong(tail, error):
    good = {"event": "imported"}
    frames, problem = read_frames(frame(good) + tail)
    assert frames == [good]
    assert problem == error
