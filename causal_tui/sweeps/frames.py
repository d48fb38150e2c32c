"""Messages between a sweep and its worker processes: pickled objects, each
preceded by its length (8 bytes, big-endian), over pipes the sweep made. The streams are unbuffered: a reader that waits
with select() never leaves a message behind in a buffer."""

from __future__ import annotations

import pickle
import struct

_HEADER = struct.Struct(">Q")


def write(stream, message) -> None:
    """Write one message whole (an unbuffered stream may take part of it at a time)."""
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    data = memoryview(_HEADER.pack(len(body)) + body)
    while len(data):
        written = stream.write(data)
        data = data[written if written is not None else len(data):]


def _exactly(stream, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = stream.read(left)
        if not chunk:
            raise EOFError("the other end closed the pipe")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read(stream):
    (length,) = _HEADER.unpack(_exactly(stream, _HEADER.size))
    return pickle.loads(_exactly(stream, length))
