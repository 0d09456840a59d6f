"""Requests and typed results as bytes for the HTTP hop to the Serve application.

An `.npz` archive: the numpy arrays (an image, a depth map, masks) as they are, and a JSON
description of the rest. Decoding rebuilds only the dataclasses listed here and never unpickles
(`allow_pickle=False`), so a server cannot make the app run code.
"""

from __future__ import annotations

import dataclasses
import io
import json
import typing
from typing import Any

import numpy as np

from core.models.registry import TASKS


def _dataclasses_in(cls: type) -> set[type]:
    """`cls` and every dataclass its fields hold, however nested (tuples, optionals)."""
    found, todo = set(), [cls]
    while todo:
        item = todo.pop()
        if not (isinstance(item, type) and dataclasses.is_dataclass(item)) or item in found:
            todo += [arg for arg in typing.get_args(item)]
            continue
        found.add(item)
        todo += list(typing.get_type_hints(item).values())
    return found


# The typed results the tasks declare (`TaskSpec.result`), with what they are made of.
_TYPES = {cls.__name__: cls for task in TASKS.values() for cls in _dataclasses_in(task.result)}
_META = "__meta__"


def encode(value: Any) -> bytes:
    """A typed result, a request (dict of JSON values and arrays), or any mix, as bytes."""
    arrays: dict[str, np.ndarray] = {}

    def walk(item: Any) -> Any:
        if dataclasses.is_dataclass(item) and not isinstance(item, type):
            name = type(item).__name__
            if name not in _TYPES:
                raise TypeError(f"{name} is not a result the app exchanges")
            fields = {f.name: walk(getattr(item, f.name)) for f in dataclasses.fields(item)}
            return {"type": name, "fields": fields}
        if isinstance(item, np.ndarray):
            key = f"a{len(arrays)}"
            arrays[key] = item
            return {"array": key}
        if isinstance(item, np.generic):
            return item.item()
        if isinstance(item, tuple):
            return {"tuple": [walk(x) for x in item]}
        if isinstance(item, list):
            return [walk(x) for x in item]
        if isinstance(item, dict):
            return {"dict": {str(k): walk(v) for k, v in item.items()}}
        if item is None or isinstance(item, (bool, int, float, str)):
            return item
        raise TypeError(f"cannot send a {type(item).__name__}")

    meta = json.dumps(walk(value)).encode("utf-8")
    buffer = io.BytesIO()
    np.savez(buffer, **{_META: np.frombuffer(meta, dtype=np.uint8)}, **arrays)
    return buffer.getvalue()


def decode(data: bytes) -> Any:
    """What `encode` made; raises ValueError for anything else."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        meta = json.loads(arrays.pop(_META).tobytes().decode("utf-8"))
    except (OSError, KeyError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not a payload of the app ({type(exc).__name__})") from None

    def build(item: Any) -> Any:
        if isinstance(item, list):
            return [build(x) for x in item]
        if not isinstance(item, dict):
            return item
        if "array" in item:
            return arrays[item["array"]]
        if "tuple" in item:
            return tuple(build(x) for x in item["tuple"])
        if "dict" in item:
            return {k: build(v) for k, v in item["dict"].items()}
        cls = _TYPES.get(item.get("type", ""))
        if cls is None:
            raise ValueError(f"unknown type in payload: {item.get('type')!r}")
        return cls(**{k: build(v) for k, v in item["fields"].items()})

    return build(meta)
