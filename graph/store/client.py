"""The HTTP side of the remote store: one request to a SPARQL 1.1 endpoint, over ``http.client``.

One keep-alive connection per thread and origin (a forked child starts afresh: sockets must not be
shared with the parent). Credentials come from ``POLICYGRAPH_SPARQL_USER`` /
``POLICYGRAPH_SPARQL_PASSWORD`` and are sent the way the endpoint asks for them (RFC 7616 Digest,
MD5 or SHA-256 with ``qop=auth``, or RFC 7617 Basic, by its ``WWW-Authenticate`` challenge), then
up front with the remembered challenge. It is written on the standard library, not on an HTTP
library such as httpx: every remote lookup is one request, and this client costs the least CPU
for one.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import os
import re
import secrets
import threading
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass

from graph.store.base import StoreError, StoreTimeout

ENV_USER = "POLICYGRAPH_SPARQL_USER"
ENV_PASSWORD = "POLICYGRAPH_SPARQL_PASSWORD"
FORM = "application/x-www-form-urlencoded"


class RemoteError(StoreError):
    """The endpoint failed or could not be reached; ``status`` is its HTTP status, if any."""

    def __init__(self, message: str, status: int | None = None, body: str = ""):
        super().__init__(message)
        self.status = status
        self.body = body


class RemoteTimeout(RemoteError, StoreTimeout):
    """The endpoint did not answer within the timeout (or said up front it would not)."""

    def __init__(self, message: str, *, estimated: bool = False, **kw):
        super().__init__(message, **kw)
        self.estimated = estimated


class RemoteSyntaxError(RemoteError, SyntaxError):
    """The endpoint refused the query text (HTTP 400), like pyoxigraph's ``SyntaxError``; the
    message is the engine's own first line."""


def engine_message(body: str) -> str:
    """The engine's own error line, without the query it echoes (Virtuoso repeats it)."""
    line = next((line.strip() for line in body.splitlines() if line.strip()), "")
    return line[:300] or "the SPARQL engine refused it"


@dataclass(frozen=True)
class Credentials:
    user: str
    password: str


def credentials_from_env(environ=None) -> Credentials | None:
    environ = os.environ if environ is None else environ
    user = environ.get(ENV_USER)
    return Credentials(user, environ.get(ENV_PASSWORD, "")) if user else None


def _digest(auth: Credentials, method: str, path: str, challenge: dict, count: int) -> str:
    """An ``Authorization: Digest`` header (RFC 7616 §3.4, MD5 and ``qop=auth``)."""
    algorithm = challenge.get("algorithm", "MD5")
    hasher = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}.get(algorithm.upper())
    if hasher is None:
        raise RemoteError(f"unsupported HTTP Digest algorithm {algorithm}")

    def h(text: str) -> str:
        return hasher(text.encode("utf-8")).hexdigest()

    realm, nonce = challenge.get("realm", ""), challenge.get("nonce", "")
    ha1 = h(f"{auth.user}:{realm}:{auth.password}")
    ha2 = h(f"{method}:{path}")
    fields = {"username": auth.user, "realm": realm, "nonce": nonce, "uri": path}
    if "auth" in [q.strip() for q in challenge.get("qop", "").split(",")]:
        cnonce, nc = secrets.token_hex(8), f"{count:08x}"
        fields["response"] = h(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
        header = ", ".join(f'{k}="{v}"' for k, v in fields.items())
        header += f', qop=auth, nc={nc}, cnonce="{cnonce}", algorithm={algorithm}'
    else:
        fields["response"] = h(f"{ha1}:{nonce}:{ha2}")
        header = ", ".join(f'{k}="{v}"' for k, v in fields.items())
    if "opaque" in challenge:
        header += f', opaque="{challenge["opaque"]}"'
    return "Digest " + header


_CHALLENGE = re.compile(r'(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


def _challenge(header: str) -> tuple[str, dict]:
    scheme, _, rest = header.strip().partition(" ")
    return scheme.lower(), {
        m[1].lower(): m[2] if m[2] is not None else m[3] for m in _CHALLENGE.finditer(rest)
    }


class _Open(dict):
    """One thread's connections by origin, closed when the thread ends (its locals go)."""

    def __del__(self) -> None:
        for connection in self.values():
            connection.close()


class _Connections(threading.local):
    """Keep-alive connections of this thread, per origin (a fork starts afresh)."""

    def __init__(self):
        self.pid = os.getpid()
        self.open: dict[tuple[str, str, int], http.client.HTTPConnection] = _Open()
        self.challenges: dict[tuple[str, str, int], tuple[str, dict, int]] = {}


_local = _Connections()


def _connection(origin: tuple[str, str, int], timeout: float) -> http.client.HTTPConnection:
    if _local.pid != os.getpid():
        _local.open = _Open()
        _local.challenges.clear()
        _local.pid = os.getpid()
    found = _local.open.get(origin)
    if found is None:
        scheme, host, port = origin
        kind = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
        found = _local.open[origin] = kind(host, port, timeout=timeout)
    found.timeout = timeout
    if found.sock is not None:
        found.sock.settimeout(timeout)
    return found


def close_connections() -> None:
    """Close this thread's keep-alive connections."""
    for origin in list(_local.open):
        _drop(origin)


def _drop(origin) -> None:
    found = _local.open.pop(origin, None)
    if found is not None:
        found.close()


def send(
    method: str,
    url: str,
    *,
    accept: str,
    body: bytes | None = None,
    content_type: str | None = None,
    timeout: float = 30.0,
    auth: Credentials | None = None,
    max_bytes: int | None = None,
) -> tuple[int, dict, bytes]:
    """One request on a keep-alive connection; returns (status, headers, body).

    Raises :class:`RemoteTimeout` past ``timeout`` seconds without progress,
    :class:`RemoteSyntaxError` on 400 and :class:`RemoteError` on anything else but 2xx.
    HTTP Basic or Digest credentials are sent when the server asks (401), then up front.
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RemoteError(f"not an http(s) URL: {url}")
    origin = (parts.scheme, parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    headers = {"Accept": accept, "User-Agent": "policygraph", "Connection": "keep-alive"}
    if content_type:
        headers["Content-Type"] = content_type
    for attempt in range(3):
        remembered = _local.challenges.get(origin) if auth is not None else None
        if auth is not None and remembered is not None:
            scheme, challenge, count = remembered
            _local.challenges[origin] = (scheme, challenge, count + 1)
            headers["Authorization"] = (
                _digest(auth, method, path, challenge, count + 1)
                if scheme == "digest"
                else "Basic "
                + base64.b64encode(f"{auth.user}:{auth.password}".encode()).decode("ascii")
            )
        connection = _connection(origin, timeout)
        reused = connection.sock is not None
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read(max_bytes + 1 if max_bytes else None)
            if max_bytes and len(data) > max_bytes:
                _drop(origin)
                raise RemoteError(f"the endpoint's answer is larger than {max_bytes} bytes")
        except TimeoutError as error:
            _drop(origin)
            raise RemoteTimeout(
                f"the SPARQL endpoint did not answer within {timeout:g} s"
            ) from error
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as error:
            _drop(origin)
            if reused and attempt == 0:
                continue  # the server closed an idle keep-alive connection: resend once
            raise RemoteError(f"the SPARQL endpoint closed the connection: {error}") from None
        except (OSError, http.client.HTTPException) as error:
            _drop(origin)
            raise RemoteError(f"the SPARQL endpoint cannot be reached: {error}") from None
        if response.will_close:
            _drop(origin)
        status = response.status
        if status == 401 and auth is not None and attempt < 2:
            scheme, challenge = _challenge(response.headers.get("WWW-Authenticate", ""))
            if scheme in ("digest", "basic") and (
                remembered is None or challenge.get("stale") or remembered[1] != challenge
            ):
                _local.challenges[origin] = (scheme, challenge, 0)
                continue
        if 200 <= status < 300:
            return status, dict(response.headers.items()), data
        text = data[:4096].decode("utf-8", "replace")
        if status == 400:
            raise RemoteSyntaxError(engine_message(text), status, text)
        raise RemoteError(
            f"the SPARQL endpoint answered {status}: {text.strip()[:500]}", status, text
        )
    raise RemoteError("the SPARQL endpoint refused the credentials", 401)


def form_body(pairs: Iterable[tuple[str, str]]) -> bytes:
    return urllib.parse.urlencode(list(pairs)).encode("ascii")
