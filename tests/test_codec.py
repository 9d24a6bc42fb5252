"""The data-only value format: .npy header checks before reading, and value round trips."""

from __future__ import annotations

import base64
import io
import math
import struct
import time
import tracemalloc
from collections import OrderedDict

import numpy as np
import pytest
import sympy
import torch

from autograder.codec import (
    MAX_ARRAY_BYTES,
    MAX_DEPTH,
    MAX_ITEMS,
    MAX_STRING,
    ResultTooLarge,
    TransportError,
    clean_text,
    decode_npy,
    decode_value,
    encode_npy,
    encode_value,
)
from autograder.models import ArrayValue, OpaqueValue

# ---------------------------------------------------------------- hostile .npy bytes


def npy(descr, shape, body: bytes = b"", *, fortran: bool = False, version: int = 1) -> bytes:
    """A .npy file written by hand: a well-formed header that may lie about the body."""
    buffer = io.BytesIO()
    header = {"descr": descr, "fortran_order": fortran, "shape": shape}
    if version == 1:
        np.lib.format.write_array_header_1_0(buffer, header)
    else:
        np.lib.format.write_array_header_2_0(buffer, header)
    return buffer.getvalue() + body


def raw_header(text: str) -> bytes:
    """Version 1.0 magic and length, then any header text at all."""
    data = text.encode("latin1")
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(data)) + data


def refusal(data: bytes, **kwargs) -> str:
    with pytest.raises(TransportError) as caught:
        decode_npy(data, **kwargs)
    return str(caught.value)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"PK\x03\x04",
        b"\x93NUMP",
        b"{'descr': '<f8'}",
        base64.b64encode(npy("<f8", (1,), bytes(8))),
    ],
)
def test_bytes_without_the_magic_string_are_refused(data):
    assert refusal(data) == "not an .npy array"


def test_an_unknown_format_version_is_refused():
    assert refusal(b"\x93NUMPY\x03\x00" + bytes(16)) == "unsupported .npy version (3, 0)"


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        ("{'descr': 'xyz', 'fortran_order': False, 'shape': (1,)}", "not a valid dtype descriptor"),
        ("{'descr': '<f8', 'fortran_order': False, 'shape': (1.5,)}", "shape is not valid"),
        (
            "{'descr': '<f8', 'fortran_order': 'no', 'shape': (1,)}",
            "fortran_order is not a valid bool",
        ),
        ("{'descr': '<f8', 'shape': (1,)}", "does not contain the correct keys"),
        ("{'descr': '<f8', 'fortran_order': False, 'shape': (2**40,)}", "malformed node"),
        ("__import__('os').system('true')", "malformed .npy header"),
    ],
)
def test_a_header_that_is_not_a_plain_literal_is_refused(header, detail):
    message = refusal(raw_header(header) + bytes(8))
    assert message.startswith("malformed .npy header: ")
    assert detail in message


@pytest.mark.parametrize("header", ["{oops", "(" * 200])
def test_an_unclosed_header_is_refused_as_malformed(header):
    assert refusal(raw_header(header) + bytes(8)).startswith("malformed .npy header")


@pytest.mark.parametrize(
    ("descr", "shown"),
    [
        ("|O", "object"),
        ([("a", "<f8"), ("b", "<i4")], "[('a', '<f8'), ('b', '<i4')]"),
        ("|V8", "|V8"),
        ("<U3", "<U3"),
        ("|S3", "|S3"),
        ("<M8[s]", "datetime64[s]"),
        ("<m8[s]", "timedelta64[s]"),
    ],
)
def test_dtypes_that_are_not_plain_numbers_are_refused(descr, shown):
    assert refusal(npy(descr, (2,), bytes(24))) == f"arrays of dtype {shown} are not accepted"


@pytest.mark.parametrize("shape", [(-1,), (3, -2), (1,) * 33])
def test_negative_sizes_and_too_many_dimensions_are_refused(shape):
    assert refusal(npy("<f8", shape, bytes(8))) == f"bad array shape {shape}"


def test_thirty_two_dimensions_are_still_accepted():
    assert decode_npy(npy("<f8", (1,) * 32, bytes(8))).shape == (1,) * 32


@pytest.mark.parametrize(("shape", "body"), [((10,), 8), ((2, 3), 40), ((2,), 24), ((), 0)])
def test_a_header_that_lies_about_the_body_is_refused(shape, body):
    expected = 8 * math.prod(shape)
    assert (
        refusal(npy("<f8", shape, bytes(body)))
        == f"array body has {body} bytes, header says {expected}"
    )


def test_a_header_claiming_a_huge_array_is_refused_before_any_allocation():
    data = npy("<f8", (10**12,), bytes(8))
    tracemalloc.start()
    start = time.perf_counter()
    try:
        message = refusal(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert message == f"array of {8 * 10**12} bytes is over the {MAX_ARRAY_BYTES}-byte limit"
    assert time.perf_counter() - start < 1.0
    assert peak < 2**20


def test_the_size_is_computed_without_overflow():
    # 2**62 * 2**62 * 8 bytes overflows int64: a size computed in numpy would wrap around
    assert "over the" in refusal(npy("<f8", (2**62, 2**62), bytes(8)))


def test_the_byte_cap_is_the_callers():
    data = npy("<f8", (100,), bytes(800))
    assert refusal(data, max_bytes=799) == "array of 800 bytes is over the 799-byte limit"
    assert decode_npy(data, max_bytes=800).shape == (100,)


# ---------------------------------------------------------------- .npy round trips


@pytest.mark.parametrize(
    "array",
    [
        np.arange(12.0).reshape(3, 4),
        np.array(2.5),
        np.zeros((0, 3)),
        np.array([True, False]),
        np.array([-3, 7], dtype=np.int8),
        np.array([2**63 + 1], dtype=np.uint64),
        np.array([1 + 2j, -1j], dtype=np.complex64),
        np.array([1.5, -2.0], dtype=">f8"),
        np.array([np.nan, np.inf, -np.inf]),
    ],
)
def test_plain_number_arrays_round_trip(array):
    back = decode_npy(base64.b64decode(encode_npy(array)))
    assert back.dtype == array.dtype and back.shape == array.shape
    np.testing.assert_array_equal(back, array)


def test_a_fortran_order_array_keeps_its_values_in_place():
    array = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    body = array.tobytes(order="F")
    back = decode_npy(npy("<f8", (2, 3), body, fortran=True))
    np.testing.assert_array_equal(back, [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]])
    np.testing.assert_array_equal(decode_npy(base64.b64decode(encode_npy(array))), array)


def test_a_version_two_header_is_read():
    back = decode_npy(npy("<i4", (3,), np.array([1, 2, 3], dtype="<i4").tobytes(), version=2))
    np.testing.assert_array_equal(back, [1, 2, 3])


def test_the_decoded_array_owns_a_writable_copy():
    back = decode_npy(npy("<f8", (2,), np.array([1.0, 2.0]).tobytes()))
    back[0] = 5.0
    assert back.flags.owndata and back.flags.writeable


# ---------------------------------------------------------------- values


def round_trip(value):
    return decode_value(encode_value(value))


def test_a_tensor_comes_back_as_an_array_value_with_its_torch_dtype():
    tensor = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64, requires_grad=True) * 2
    back = round_trip(tensor)
    assert isinstance(back, ArrayValue)
    assert (back.origin, back.dtype, back.type_name) == ("torch", "torch.float64", "torch.Tensor")
    np.testing.assert_array_equal(back.array, [[2.0, 4.0], [6.0, 8.0]])


def test_half_precision_tensors_travel_as_float32_but_keep_their_dtype_name():
    back = round_trip(torch.tensor([0.5, -1.0], dtype=torch.bfloat16))
    assert back.dtype == "torch.bfloat16" and back.array.dtype == np.float32
    np.testing.assert_array_equal(back.array, [0.5, -1.0])


def test_a_numpy_array_is_marked_as_numpy():
    back = round_trip(np.array([1, 2], dtype=np.int32))
    assert (back.origin, back.dtype, back.type_name) == ("numpy", "int32", "numpy.ndarray")
    np.testing.assert_array_equal(back.array, [1, 2])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (True, True),
        (np.bool_(False), False),
        (7, 7),
        (np.int64(-3), -3),
        (0.25, 0.25),
        (np.float32(0.5), 0.5),
        ("(b)", "(b)"),
        (math.inf, math.inf),
    ],
)
def test_scalars_round_trip_as_plain_python_values(value, expected):
    back = round_trip(value)
    assert back == expected and type(back) is type(expected)


def test_nested_lists_tuples_and_dicts_round_trip_as_tuples_and_dicts():
    value = {"weights": [torch.ones(2), (1, "two")], "meta": OrderedDict(steps=3, ok=None)}
    back = round_trip(value)
    assert set(back) == {"weights", "meta"}
    first, rest = back["weights"]
    np.testing.assert_array_equal(first.array, [1.0, 1.0])
    assert rest == (1, "two")
    assert back["meta"] == {"steps": 3, "ok": None}


def test_a_dict_with_non_string_keys_is_opaque():
    assert round_trip({1: "a", "b": 2}) == OpaqueValue(type_name="dict with non-string keys")


def test_structures_deeper_than_the_limit_are_cut_off():
    value: list = [1]
    for _ in range(MAX_DEPTH + 4):
        value = [value]
    back = round_trip(value)
    for _ in range(MAX_DEPTH + 1):
        assert isinstance(back, tuple) and len(back) == 1
        back = back[0]
    assert back == OpaqueValue(type_name="structure nested too deeply")


def test_long_strings_and_long_lists_are_truncated():
    assert len(round_trip("x" * (MAX_STRING + 10))) == MAX_STRING
    assert len(round_trip(list(range(MAX_ITEMS + 10)))) == MAX_ITEMS


def test_a_sympy_expression_comes_back_as_its_string():
    mu, sigma = sympy.symbols("mu sigma")
    encoded = encode_value((mu + sigma) ** 2)
    assert encoded["from"] == "sympy"
    assert decode_value(encoded) == "(mu + sigma)**2"


class Number(int):
    def __eq__(self, other):
        return True


class Text(str):
    pass


def test_subclasses_of_builtins_and_other_objects_are_opaque():
    assert round_trip(Number(3)) == OpaqueValue(type_name=f"{__name__}.Number")
    assert round_trip(Text("b")) == OpaqueValue(type_name=f"{__name__}.Text")
    assert round_trip(print) == OpaqueValue(type_name="builtin_function_or_method")
    assert round_trip(torch.nn.Linear(2, 1)).type_name == "torch.nn.modules.linear.Linear"


def test_a_missing_name_decodes_as_missing():
    assert decode_value({"t": "missing"}) == OpaqueValue(type_name="missing")


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ([], "malformed value"),
        ("none", "malformed value"),
        ({"t": "pickle", "v": "..."}, "unknown value kind 'pickle'"),
        ({"t": "int", "v": "3"}, "malformed int"),
        ({"t": "int", "v": True}, "malformed int"),
        ({"t": "int", "v": 3.0}, "malformed int"),
        ({"t": "float", "v": "nan"}, "malformed float"),
        ({"t": "str", "v": 3}, "expected a string"),
        ({"t": "list", "items": {"0": {"t": "none"}}}, "malformed list"),
        ({"t": "list", "items": [{"t": "none"}] * (MAX_ITEMS + 1)}, "malformed list"),
        ({"t": "dict", "items": [["a", {"t": "none"}]]}, "malformed dict"),
        (
            {
                "t": "array",
                "origin": "torch",
                "dtype": "torch.float64",
                "type": "torch.Tensor",
                "npy": 5,
            },
            "expected a string",
        ),
    ],
)
def test_malformed_values_are_refused(obj, message):
    with pytest.raises(TransportError) as caught:
        decode_value(obj)
    assert str(caught.value) == message


def test_a_hostile_array_inside_a_value_is_refused_by_the_header_checks():
    obj = {
        "t": "array",
        "origin": "torch",
        "dtype": "torch.float64",
        "type": "torch.Tensor",
        "npy": base64.b64encode(npy("|O", (1,), bytes(8))).decode(),
    }
    with pytest.raises(TransportError, match="arrays of dtype object are not accepted"):
        decode_value(obj)


def test_hand_built_nesting_beyond_the_limit_is_refused():
    obj = {"t": "none"}
    for _ in range(MAX_DEPTH + 3):
        obj = {"t": "tuple", "items": [obj]}
    with pytest.raises(TransportError, match="malformed value"):
        decode_value(obj)


def test_the_labels_of_an_array_are_cut_to_length():
    obj = encode_value(torch.zeros(1))
    obj.update(origin="torch" * 10, dtype="d" * 100, type="t" * 500)
    back = decode_value(obj)
    assert (len(back.origin), len(back.dtype), len(back.type_name)) == (20, 40, 200)


# ---------------------------------------------------------------- hostile text


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("plain", "plain"),
        ("bad \udcff here", "bad \ufffd here"),
        ("\ud800\udfff", "\ufffd\ufffd"),  # a pair split into halves is two lone surrogates
        ("nul\x00byte", "nul\ufffdbyte"),
        ("emoji \U0001f600 stays", "emoji \U0001f600 stays"),
    ],
)
def test_text_is_made_valid_utf8_without_nul(text, clean):
    assert clean_text(text) == clean
    clean_text(text).encode("utf-8")


def test_text_is_cut_to_length_before_it_is_scanned():
    assert clean_text("\x00" * 50, 10) == "\ufffd" * 10


def test_every_string_decoded_is_clean():
    """What json.loads makes of "\\udcff" escapes, in every place a string can hide."""
    hostile = "\udcff\x00"
    obj = {
        "t": "dict",
        "items": {
            hostile: {"t": "str", "v": hostile},
            "list": {"t": "list", "items": [{"t": "str", "v": hostile}]},
            "object": {"t": "object", "type": hostile},
            "array": dict(
                encode_value(torch.zeros(1)), origin=hostile, dtype=hostile, type=hostile
            ),
        },
    }
    back = decode_value(obj)
    bad = "\ufffd\ufffd"
    assert back[bad] == bad and back["list"] == (bad,)
    assert back["object"].type_name == bad
    assert (back["array"].origin, back["array"].dtype, back["array"].type_name) == (bad,) * 3


# ---------------------------------------------------------------- the byte cap on encoding


def test_a_tensor_over_the_cap_is_refused_before_it_is_copied():
    big = torch.zeros(50_000_000)  # 200 MB
    started = time.perf_counter()
    with pytest.raises(ResultTooLarge, match="returned more than 8 MB of data"):
        encode_value(big, max_bytes=8 * 2**20)
    assert time.perf_counter() - started < 0.1


def test_the_cap_counts_a_whole_structure():
    parts = {"a": np.zeros(2**18), "b": np.zeros(2**18)}  # 2 MB each, 5.3 MB once in base64
    encode_value(parts, max_bytes=6 * 2**20)
    with pytest.raises(ResultTooLarge):
        encode_value(parts | {"c": np.zeros(2**18)}, max_bytes=6 * 2**20)
    with pytest.raises(ResultTooLarge):
        encode_value(["x" * MAX_STRING] * 40, max_bytes=6 * 2**20)


def test_half_precision_is_counted_at_the_width_it_travels_in():
    with pytest.raises(ResultTooLarge):
        encode_value(torch.zeros(2**20, dtype=torch.float16), max_bytes=4 * 2**20)
    encode_value(torch.zeros(2**20, dtype=torch.float16), max_bytes=6 * 2**20)


def test_without_a_cap_nothing_is_refused():
    assert encode_value(np.zeros(2**20))["t"] == "array"
