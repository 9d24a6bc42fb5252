"""The data-only value format: JSON with header-checked .npy arrays, never pickle.

It carries what the sandbox returns and what a public bundle ships; decoding trusts nothing.
"""

from __future__ import annotations

import base64
import io
import math
import re
import sys
import tokenize
from typing import Any

import numpy as np

from autograder.models.wire import ArrayValue, OpaqueValue

MAX_ARRAY_BYTES = 256 * 2**20
MAX_STRING = 200_000
MAX_ITEMS = 20_000
MAX_DEPTH = 8
ALLOWED_KINDS = "biufc"


class TransportError(Exception):
    """Bytes that are not well-formed data."""


class ResultTooLarge(TransportError):
    """A value whose encoding would pass the caller's byte cap; refused before it is encoded."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(too_large(max_bytes))
        self.max_bytes = max_bytes


def too_large(max_bytes: int) -> str:
    """The one wording of a result over the cap, whichever side of the pipe refuses it."""
    return f"returned more than {max_bytes / 2**20:g} MB of data"


# ---------------------------------------------------------------- text

# Lone surrogates cannot be encoded as UTF-8 (the gradebook, HTML and CSV writers raise on them),
# and NUL ends a string in PostgreSQL and in C; both become the replacement character.
_UNSAFE = re.compile("[\ud800-\udfff\x00]")


def clean_text(text: str, limit: int = MAX_STRING) -> str:
    """Any string from untrusted hands, made valid UTF-8 without NUL and cut to `limit` characters."""
    text = text[:limit]
    return _UNSAFE.sub("\ufffd", text) if _UNSAFE.search(text) else text


# ---------------------------------------------------------------- arrays


def encode_npy(array: np.ndarray) -> str:
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array), allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def decode_npy(data: bytes, max_bytes: int = MAX_ARRAY_BYTES) -> np.ndarray:
    """Read .npy bytes after checking the header: magic, dtype kind, shape and total size."""
    if not data.startswith(b"\x93NUMPY"):
        raise TransportError("not an .npy array")
    stream = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
        else:
            raise TransportError(f"unsupported .npy version {version}")
    except (
        ValueError,
        SyntaxError,
        tokenize.TokenError,
    ) as exc:  # numpy parses the header with tokenize
        raise TransportError(f"malformed .npy header: {exc}") from None
    if dtype.hasobject or dtype.fields is not None or dtype.kind not in ALLOWED_KINDS:
        raise TransportError(f"arrays of dtype {dtype} are not accepted")
    if any(not isinstance(n, int) or n < 0 for n in shape) or len(shape) > 32:
        raise TransportError(f"bad array shape {shape}")
    count = math.prod(shape)
    nbytes = count * dtype.itemsize
    if nbytes > max_bytes:
        raise TransportError(f"array of {nbytes} bytes is over the {max_bytes}-byte limit")
    body = data[stream.tell() :]
    if len(body) != nbytes:
        raise TransportError(f"array body has {len(body)} bytes, header says {nbytes}")
    array = np.frombuffer(body, dtype=dtype, count=count)
    return array.reshape(shape, order="F" if fortran else "C").copy()


# ---------------------------------------------------------------- values


class _Budget:
    """Bytes an encoding may still take; arrays and strings are counted before they are encoded."""

    def __init__(self, max_bytes: int | None) -> None:
        self.max_bytes = max_bytes
        self.left = max_bytes

    def spend(self, size: int) -> None:
        if self.max_bytes is None or self.left is None:
            return
        self.left -= size
        if self.left < 0:
            raise ResultTooLarge(self.max_bytes)


def encode_value(value: Any, depth: int = 0, *, max_bytes: int | None = None) -> dict[str, Any]:
    """Turn a Python value into JSON-able data (runs next to untrusted code, so it trusts nothing).

    With `max_bytes`, a value whose encoding would be larger raises `ResultTooLarge` before its
    arrays are copied, so that a 200 MB tensor costs a size check rather than 1 GB of base64.
    """
    return _encode(value, depth, _Budget(max_bytes))


def _encode(value: Any, depth: int, budget: _Budget) -> dict[str, Any]:
    import torch  # imported lazily: the parent decodes without needing torch here

    if depth > MAX_DEPTH:
        return {"t": "object", "type": "structure nested too deeply"}
    if value is None:
        return {"t": "none"}
    if isinstance(value, torch.Tensor):
        type_name = _qualname(type(value))
        with torch._C.DisableTorchFunctionSubclass():
            tensor = torch.Tensor.detach(value).cpu()
            dtype = str(tensor.dtype)
            half = tensor.dtype in (torch.bfloat16, torch.float16)
            budget.spend(_encoded_size(tensor.numel() * (4 if half else tensor.element_size())))
            if half:
                tensor = tensor.to(torch.float32)
            array = tensor.numpy()
        return {
            "t": "array",
            "origin": "torch",
            "dtype": dtype,
            "type": type_name,
            "npy": encode_npy(array),
        }
    if isinstance(value, np.ndarray):
        budget.spend(_encoded_size(np.ndarray.__getattribute__(value, "nbytes")))
        return {
            "t": "array",
            "origin": "numpy",
            "dtype": str(value.dtype),
            "type": _qualname(type(value)),
            "npy": encode_npy(np.asarray(value)),
        }
    if type(value) is bool or isinstance(value, np.bool_):
        return {"t": "bool", "v": bool(value)}
    if type(value) is int or isinstance(value, np.integer):
        return {"t": "int", "v": int(value)}
    if type(value) is float or isinstance(value, np.floating):
        return {"t": "float", "v": float(value)}
    if type(value) is str:
        budget.spend(min(len(value), MAX_STRING))
        return {"t": "str", "v": value[:MAX_STRING]}
    if type(value) in (list, tuple):
        items = [_encode(item, depth + 1, budget) for item in value[:MAX_ITEMS]]
        return {"t": "tuple" if type(value) is tuple else "list", "items": items}
    if type(value) is dict or _is_ordered_dict(value):
        entries: dict[str, Any] = {}
        for key in list(value)[:MAX_ITEMS]:
            if type(key) is not str:
                return {"t": "object", "type": "dict with non-string keys"}
            budget.spend(min(len(key), MAX_STRING))
            entries[key[:MAX_STRING]] = _encode(value[key], depth + 1, budget)
        return {"t": "dict", "items": entries}
    if _is_sympy(value):
        return {"t": "str", "v": str(value)[:MAX_STRING], "from": "sympy"}
    return {"t": "object", "type": _qualname(type(value))}


def _encoded_size(nbytes: int) -> int:
    """An array's size once base64-encoded, the form in which it travels."""
    return (nbytes + 2) // 3 * 4


def decode_value(obj: Any, depth: int = 0) -> Any:
    """Rebuild a value from JSON data; arrays become ArrayValue, unknown things OpaqueValue."""
    if depth > MAX_DEPTH + 1 or not isinstance(obj, dict):
        raise TransportError("malformed value")
    kind = obj.get("t")
    if kind == "none":
        return None
    if kind == "missing":
        return OpaqueValue(type_name="missing")
    if kind == "array":
        data = base64.b64decode(_string(obj.get("npy")), validate=True)
        return ArrayValue(
            array=decode_npy(data),
            origin=clean_text(_string(obj.get("origin")), 20),
            dtype=clean_text(_string(obj.get("dtype")), 40),
            type_name=clean_text(_string(obj.get("type")), 200),
        )
    if kind == "bool":
        return bool(obj.get("v"))
    if kind == "int":
        value = obj.get("v")
        if type(value) is not int:
            raise TransportError("malformed int")
        return value
    if kind == "float":
        number = obj.get("v")
        # Exact types, so a bool is refused; spelled out because a type checker cannot narrow `in`.
        if type(number) is not int and type(number) is not float:
            raise TransportError("malformed float")
        return float(number)
    if kind == "str":
        return clean_text(_string(obj.get("v")))
    if kind in ("list", "tuple"):
        items = obj.get("items")
        if not isinstance(items, list) or len(items) > MAX_ITEMS:
            raise TransportError("malformed list")
        return tuple(decode_value(item, depth + 1) for item in items)
    if kind == "dict":
        items = obj.get("items")
        if not isinstance(items, dict) or len(items) > MAX_ITEMS:
            raise TransportError("malformed dict")
        return {clean_text(str(k)): decode_value(v, depth + 1) for k, v in items.items()}
    if kind == "object":
        return OpaqueValue(type_name=clean_text(_string(obj.get("type")), 200))
    raise TransportError(f"unknown value kind {kind!r}")


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise TransportError("expected a string")
    return value


def _qualname(cls: type) -> str:
    try:
        module = type.__getattribute__(cls, "__module__")
        name = type.__getattribute__(cls, "__qualname__")
        return f"{module}.{name}" if module not in ("builtins",) else str(name)
    except Exception:
        return "<unknown type>"


def _is_ordered_dict(value: Any) -> bool:
    from collections import OrderedDict

    return type(value) is OrderedDict


def _is_sympy(value: Any) -> bool:
    sympy = sys.modules.get("sympy")  # not imported: the value cannot be a SymPy object
    try:
        return sympy is not None and isinstance(value, sympy.Basic)
    except Exception:
        return False
