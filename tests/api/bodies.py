"""Request bodies for the tests of the API's limits."""

from __future__ import annotations

from collections.abc import Iterator


def login_in_chunks(total: int, size: int = 1 << 16) -> Iterator[bytes]:
    """A JSON login body of ``total`` bytes, sent in chunks (no ``Content-Length``): its
    length is whitespace, which JSON allows between its tokens."""
    head = b'{"username": "nobody", "password": "x"'
    yield head
    left = total - len(head) - 1
    while left > 0:
        yield b" " * min(size, left)
        left -= size
    yield b"}"
