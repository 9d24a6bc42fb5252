"""The sandbox's wire: length-prefixed JSON frames, split back with garbage reported, and a reader
that refuses what is too big or too costly to parse before it holds or parses it."""

from __future__ import annotations

import json
import math
import struct
import time

import numpy as np
import pytest
import torch

from autograder.codec import decode_value, encode_value
from autograder.sandbox.transport import (
    MAX_JSON_DEPTH,
    MAX_JSON_VALUES,
    FrameReader,
    Refused,
    frame,
    json_shape,
    read_frames,
)


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
        (struct.pack(">I", 200_000) + b"[" * 100_000 + b"]" * 100_000, "JSON nested"),
    ],
)
def test_garbage_after_good_frames_keeps_the_good_ones_and_says_what_went_wrong(tail, error):
    good = {"event": "imported"}
    frames, problem = read_frames(frame(good) + tail)
    assert frames == [good]
    assert problem.startswith(error)


def test_a_bad_frame_with_a_sound_length_does_not_lose_the_frames_after_it():
    after = {"event": "done"}
    frames, problem = read_frames(struct.pack(">I", 5) + b"hello" + frame(after))
    assert frames == [after] and problem == "a frame that is not JSON"


@pytest.mark.parametrize(
    ("text", "depth", "values"),
    [
        (b"{}", 1, 1),
        (b'{"a": [1, 2, 3]}', 2, 4),
        (b'{"a": "[[[[,,,,]]]]", "b": "\\"[{"}', 1, 2),  # brackets in strings are text
        (b"[" * 70 + b"]" * 70, 70, 70),
        (b"7", 0, 0),
    ],
)
def test_json_is_measured_without_parsing(text, depth, values):
    assert json_shape(text) == (depth, values)


def test_measuring_a_large_frame_is_cheap():
    body = json.dumps({"value": encode_value(torch.zeros(1_000_000))}).encode()  # ~5 MB
    started = time.perf_counter()
    assert json_shape(body) == (2, 6)
    assert time.perf_counter() - started < 0.5


def test_deep_nesting_is_refused_before_parsing():
    body = b'{"v": ' + b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1) + b"}"
    (item,) = FrameReader(1 << 20).feed(struct.pack(">I", len(body)) + body)
    assert isinstance(item, Refused) and item.reason.startswith("JSON nested")


def test_a_flood_of_tiny_values_is_refused_before_parsing():
    body = b'{"v": [' + b", ".join([b"{}"] * (MAX_JSON_VALUES + 1)) + b"]}"
    (item,) = FrameReader(8 << 20).feed(struct.pack(">I", len(body)) + body)
    assert isinstance(item, Refused) and item.reason.startswith("JSON with")


def test_a_frame_over_the_cap_is_refused_from_its_header_and_skipped_unread():
    reader = FrameReader(max_frame=1000)
    claimed = 50_000_000
    items = reader.feed(struct.pack(">I", claimed) + b"x" * 10)
    assert items == [Refused("returned more than 0.000953674 MB of data", too_large=True)]
    streamed = 10
    while streamed < claimed:  # the body streams past in pipe-sized chunks, never held
        chunk = min(1 << 20, claimed - streamed)
        assert reader.feed(b"x" * chunk) == []
        assert len(reader._buffer) == 0
        streamed += chunk
    after = {"event": "done"}
    assert reader.feed(frame(after)) == [after]
    assert reader.garbage() == ""


def test_a_stream_ending_inside_a_skipped_frame_is_truncated():
    reader = FrameReader(max_frame=10)
    reader.feed(struct.pack(">I", 100) + b"x" * 20)
    assert reader.garbage() == "truncated frame"


def test_frames_split_across_reads_are_put_back_together():
    data = frame({"event": "call", "id": "a"}) + frame({"event": "result", "id": "a"})
    reader = FrameReader(1 << 20)
    items = [item for byte in data for item in reader.feed(bytes([byte]))]
    assert [i["event"] for i in items] == ["call", "result"]


def test_past_the_budget_the_rest_of_the_stream_is_skipped_unparsed():
    small = frame({"event": "call", "id": "x" * 40})
    reader = FrameReader(max_frame=1000, budget=2 * (len(small) - 4))
    items = reader.feed(small * 5)
    assert items[:2] == [json.loads(small[4:])] * 2
    assert items[2] == Refused("more data than its calls could return")
    assert len(items) == 3
    assert reader.feed(small * 100) == []
