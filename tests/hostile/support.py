"""Helpers for the hostile-input tests: a shared server, raw HTTP, the error shape, a listener."""

from __future__ import annotations

import json
import os
import socket
import threading
import tomllib
from dataclasses import dataclass
from pathlib import Path

from bench.servers import Server

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
XSS_DATA = TESTS / "data" / "xss" / "hostile-essay"
TINY_DATA = TESTS / "data" / "tiny" / "north-korea-opportunity"

#: The documented error shape (server/errors.py): these keys, with these types.
ERROR_KEYS = {"status": int, "title": str, "message": str}


def corpus(name: str) -> dict:
    """A TOML corpus file of tests/hostile/."""
    with open(HERE / name, "rb") as handle:
        return tomllib.load(handle)


_shared: dict[str, Server] = {}


def shared_server(request, tmp_path_factory) -> Server:
    """One server over tests/data/xss for every hostile module that needs no special settings
    (started on first use, stopped when the test session ends): saves a start per module."""
    if "server" not in _shared:
        server = Server.serving(
            tmp_path_factory.mktemp("hostile"), XSS_DATA, precompute="false"
        ).wait()
        _shared["server"] = server
        request.config.add_cleanup(server.stop)
    return _shared["server"]


def error_problems(status: int, content_type: str, body: bytes) -> list[str]:
    """What is wrong with an error response's body, judged against the documented shape.

    JSON: ``{"error": {"status": N, "title": "...", "message": "..."}}`` with N the HTTP status
    and a non-empty message; ``text/plain``: ``"N Title: message"``; HTML: a page naming N.
    """
    mimetype = content_type.split(";")[0].strip().lower()
    text = body.decode("utf-8", "replace")
    if mimetype == "application/json":
        try:
            payload = json.loads(body)
        except ValueError as error:
            return [f"the JSON body does not parse: {error}: {text[:200]!r}"]
        inner = payload.get("error") if isinstance(payload, dict) else None
        if not isinstance(inner, dict):
            return [f"no 'error' object in {text[:200]!r}"]
        problems = [
            f"error.{key} is not a {kind.__name__}: {inner.get(key)!r}"
            for key, kind in ERROR_KEYS.items()
            if not isinstance(inner.get(key), kind)
        ]
        if inner.get("status") != status:
            problems.append(f"error.status {inner.get('status')!r} is not the HTTP status {status}")
        if not str(inner.get("message", "")).strip():
            problems.append("error.message is empty")
        return problems
    if mimetype == "text/plain":
        return (
            []
            if text.startswith(f"{status} ") and ": " in text
            else [f"the plain-text body is not '{status} Title: message': {text[:200]!r}"]
        )
    if mimetype == "text/html":
        return (
            []
            if str(status) in text and "<html" in text.lower()
            else [f"the HTML error page does not name {status}: {text[:200]!r}"]
        )
    return [f"an error answered as {content_type!r}, not JSON, HTML or plain text"]


def http_request(
    method: str,
    target: str,
    headers: dict | None = None,
    body: bytes = b"",
    version: str = "HTTP/1.1",
    close: bool = True,
) -> bytes:
    """The bytes of one HTTP/1.1 request to 127.0.0.1, as written (latin-1), for ``raw_request``.

    ``Host`` first, then ``Connection: close`` unless ``close=False``, then ``headers`` in order;
    a ``Content-Length`` is added for a body unless the headers frame it themselves.
    """
    lines = [f"{method} {target} {version}", "Host: 127.0.0.1"]
    if close:
        lines.append("Connection: close")
    headers = dict(headers or {})
    if body and "Content-Length" not in headers and "Transfer-Encoding" not in headers:
        headers["Content-Length"] = str(len(body))
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


@dataclass
class RawResponse:
    status: int
    reason: str
    headers: dict[str, str]  # lower-cased names; repeated headers joined with ", "
    body: bytes
    raw: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


def raw_request(
    port: int, data: bytes, timeout: float = 10.0, source: str | None = None
) -> RawResponse:
    """Send bytes as they are (no client normalisation) and read the first response.

    ``source``: the local address to connect from (any 127.x.y.z is loopback on Linux), so a
    test can be a second client.
    """
    with socket.create_connection(
        ("127.0.0.1", port), timeout=timeout, source_address=(source, 0) if source else None
    ) as sock:
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before reading a huge request
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
            if _complete(b"".join(chunks)):
                break
    raw = b"".join(chunks)
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if not lines or not lines[0].startswith("HTTP/"):
        raise AssertionError(f"no HTTP response: {raw[:300]!r}")
    _, status, *reason = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        key = name.strip().lower()
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    if "content-length" in headers:
        body = body[: int(headers["content-length"])]
    return RawResponse(int(status), " ".join(reason), headers, body, raw)


def _complete(raw: bytes) -> bool:
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value.strip())
    return False


class Listener:
    """A TCP listener on 127.0.0.1 that records every connection made to it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections: list[tuple[str, bytes]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, addr = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            peer = f"{addr[0]}:{addr[1]}"
            self.connections.append((peer, b""))  # seen at once, whatever it sends
            index = len(self.connections) - 1
            conn.settimeout(0.5)
            try:
                first = conn.recv(2048)
            except OSError:
                first = b""
            self.connections[index] = (peer, first)
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


class FileWatch:
    """inotify (Linux, via ctypes) on one file: did any process open or read it?"""

    IN_ACCESS, IN_OPEN, IN_NONBLOCK = 0x1, 0x20, os.O_NONBLOCK

    def __init__(self, path: Path):
        import ctypes
        import ctypes.util

        self.libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        self.fd = self.libc.inotify_init1(self.IN_NONBLOCK)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1 failed")
        wd = self.libc.inotify_add_watch(self.fd, os.fsencode(path), self.IN_ACCESS | self.IN_OPEN)
        if wd < 0:
            raise OSError(ctypes.get_errno(), f"inotify_add_watch failed on {path}")

    def events(self) -> int:
        """How many open/access events happened since the watch started (drains them)."""
        count = 0
        while True:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                return count
            offset = 0
            while offset + 16 <= len(data):
                name_len = int.from_bytes(data[offset + 12 : offset + 16], "little")
                offset += 16 + name_len
                count += 1

    def close(self) -> None:
        os.close(self.fd)
