from __future__ import annotations

import threading
from typing import Any

import pytest
from taskito import CloudpickleSerializer, JsonSerializer, Serializer


def test_cloudpickle_round_trips_local_functions() -> None:
    serializer = CloudpickleSerializer()
    factor = 3

    def triple(x: int) -> int:
        return x * factor

    restored = serializer.loads(serializer.dumps(((triple, 2), {"k": {1, 2}})))
    (fn, value), kwargs = restored
    assert fn(value) == 6
    assert kwargs == {"k": {1, 2}}


def test_cloudpickle_refuses_locks() -> None:
    with pytest.raises(TypeError, match=r"_thread\.lock"):
        CloudpickleSerializer().dumps(threading.Lock())


def test_json_is_utf8_json_and_tuples_become_lists() -> None:
    serializer = JsonSerializer()
    data = serializer.dumps(((1, "é"), {"x": None}))
    assert data == '[[1,"é"],{"x":null}]'.encode()
    assert serializer.loads(data) == [[1, "é"], {"x": None}]


def test_json_refuses_what_json_cannot_hold() -> None:
    with pytest.raises(TypeError):
        JsonSerializer().dumps({1, 2})


def test_serializer_protocol_is_runtime_checkable() -> None:
    class Custom:
        def dumps(self, obj: Any) -> bytes:
            return repr(obj).encode()

        def loads(self, data: bytes) -> Any:
            return data

    assert isinstance(Custom(), Serializer)
    assert isinstance(JsonSerializer(), Serializer)
    assert isinstance(CloudpickleSerializer(), Serializer)
    assert not isinstance(object(), Serializer)
