"""The data-only value format: JSON with header-checked .npy arrays, never pickle.

It carries what the sandbox returns and what a public bundle ships; decoding trusts nothing.
"""

from __future__ import annotations

import base64
import io
import math
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


def encode_value(value: Any, depth: int = 0) -> dict[str, Any]:
    """Turn a Python value into JSON-able data (runs next to untrusted code, so it trusts nothing)."""
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
            if tensor.dtype in (torch.bfloat16, torch.float16):
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
        return {"t": "str", "v": value[:MAX_STRING]}
    if type(value) in (list, tuple):
        items = [encode_value(item, depth + 1) for item in value[:MAX_ITEMS]]
        return {"t": "tuple" if type(value) is tuple else "list", "items": items}
    if type(value) is dict or _is_ordered_dict(value):
        entries: dict[str, Any] = {}
        for key in list(value)[:MAX_ITEMS]:
            if type(key) is not str:
                return {"t": "object", "type": "dict with non-string keys"}
            entries[key] = encode_value(value[key], depth + 1)
        return {"t": "dict", "items": entries}
    if _is_sympy(value):
        return {"t": "str", "v": str(value)[:MAX_STRING], "from": "sympy"}
    return {"t": "object", "type": _qualname(type(value))}


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
            origin=_string(obj.get("origin"))[:20],
            dtype=_string(obj.get("dtype"))[:40],
            type_name=_string(obj.get("type"))[:200],
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
        return _string(obj.get("v"))[:MAX_STRING]
    if kind in ("list", "tuple"):
        items = obj.get("items")
        if not isinstance(items, list) or len(items) > MAX_ITEMS:
            raise TransportError("malformed list")
        return tuple(decode_value(item, depth + 1) for item in items)
    if kind == "dict":
        items = obj.get("items")
        if not isinstance(items, dict) or len(items) > MAX_ITEMS:
            raise TransportError("malformed dict")
        return {str(k): decode_value(v, depth + 1) for k, v in items.items()}
    if kind == "object":
        return OpaqueValue(type_name=_string(obj.get("type"))[:200])
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
