"""Hostile output is bounded where it is read: a result over the cap fails its call (and is not run
again), hand-written frames are refused before they are held or parsed, and every string that
comes back is valid UTF-8 without NUL."""

from __future__ import annotations

import json

from autograder.models import Call, Limits

LIMITS = Limits(wall_seconds=20, cpu_seconds=15, call_seconds=4, memory_mb=2048, max_result_mb=1)

# The call being run and the result channel, as the harness names them in its frames.
HARNESS = """
import os, struct, sys
COUNT = [0]

def _harness(name, default):
    frame = sys._getframe(1)
    while frame is not None:
        value = frame.f_locals.get(name)
        if isinstance(value, type(default)) and (name != "call" or "id" in value):
            return value
        frame = frame.f_back
    return default

def _send(obj_text):
    body = obj_text.encode()
    data, fd = struct.pack(">I", len(body)) + body, _harness("fd", 3)
    while data:
        data = data[os.write(fd, data):]

def count():
    COUNT[0] += 1
    return COUNT[0]
"""


def run(sandbox, source: str, *calls: Call):
    return sandbox.run(source.encode(), "hw.py", list(calls), LIMITS)


def call(name: str) -> Call:
    return Call(id=name, kind="call", name=name, seconds=4.0)


def test_a_value_over_the_cap_fails_its_call_and_is_not_run_again(sandbox):
    source = HARNESS + "import torch\ndef big():\n    count()\n    return torch.zeros(1_000_000)\n"
    result = run(sandbox, source, call("big"), call("count"))
    assert result.results["big"].error == "returned more than 1 MB of data"
    assert result.results["count"].value == 2  # one child: big ran once


def test_a_hand_written_frame_over_the_cap_is_refused_unread(sandbox):
    source = (
        HARNESS
        + """
def forged():
    count()
    call_id = _harness("call", {})["id"]
    _send('{"event": "result", "id": "%s", "ok": true, "value": {"t": "str", "v": "%s"}}'
          % (call_id, "x" * 30_000_000))
    return "honest"
"""
    )
    result = run(sandbox, source, call("forged"), call("count"))
    assert result.results["forged"].error == "returned more than 1 MB of data"
    assert result.results["count"].value == 2


def test_a_deep_hand_written_frame_is_malformed_and_the_rest_still_runs(sandbox):
    source = (
        HARNESS
        + """
def deep():
    count()
    call_id = _harness("call", {})["id"]
    _send('{"event": "result", "id": "%s", "ok": true, "value": %s}'
          % (call_id, "[" * 50_000 + "]" * 50_000))
    return 1
"""
    )
    result = run(sandbox, source, call("deep"), call("count"))
    assert "malformed data (JSON nested" in result.results["deep"].error
    assert result.results["count"].value == 2


def test_frames_for_calls_not_asked_are_ignored(sandbox):
    source = (
        HARNESS
        + """
def forge():
    _send('{"event": "result", "id": "other", "ok": true, "value": {"t": "int", "v": 1}}')
    return 5
"""
    )
    result = run(sandbox, source, call("forge"))
    assert set(result.results) == {"forge"} and result.results["forge"].value == 5


def test_a_flood_of_frames_is_cut_off_and_said_so(sandbox):
    source = (
        HARNESS
        + """
def flood():
    chatter = '{"event": "call", "id": "%s"}' % ("x" * 60_000)
    for _ in range(200):
        _send(chatter)
    return 1
def later():
    return 2
"""
    )
    result = run(sandbox, source, call("flood"), call("later"))
    assert "more data than its calls could return" in result.results["flood"].error
    assert result.results["later"].value == 2  # run again in a fresh child


def test_every_string_that_comes_back_is_clean(sandbox):
    source = """
import os
os.write(1, b"out \\xff\\x00 \\xed\\xb3\\xbf\\n")
os.write(2, b"err \\x00\\n")
def answer():
    return {"key\\udcff": "value\\x00\\udcff", "list": ["\\ud800"]}
def fail():
    raise ValueError("bad \\udcff\\x00")
def typed():
    class Odd:
        pass
    Odd.__qualname__ = "Odd\\udcff\\x00"
    return Odd()
"""
    result = run(sandbox, source, call("answer"), call("fail"), call("typed"))
    texts = [result.stdout, result.stderr, result.results["fail"].error]
    texts += [result.results["fail"].traceback, result.results["typed"].value.type_name]
    texts.append(json.dumps(result.results["answer"].value, ensure_ascii=False))
    for text in texts:
        assert "\x00" not in text
        text.encode("utf-8")
    assert result.results["answer"].value == {"key\ufffd": "value\ufffd\ufffd", "list": ("\ufffd",)}
    assert "bad \ufffd\ufffd" in result.results["fail"].error


def test_stdout_is_cut_at_its_cap_without_holding_the_rest(sandbox):
    source = "import os\ndef chatter():\n    for _ in range(200):\n        os.write(1, b'y' * 65536)\n    return 1\n"
    result = run(sandbox, source, call("chatter"))
    assert result.results["chatter"].value == 1
    assert len(result.stdout) < LIMITS.max_output_kb * 1024 + 100
    assert "more bytes not shown" in result.stdout
