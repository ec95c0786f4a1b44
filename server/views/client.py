"""Who sent a request: the connecting address, or behind trusted proxies the client they name.

A request's peer is the address that connected (``REMOTE_ADDR``). Only when the peer is one of
the trusted proxies (setting ``trusted_proxies``) are its forwarding headers read:
``X-Forwarded-For`` (a de facto list of addresses, each proxy appending its peer) and
``Forwarded`` (RFC 7239 §4: elements of ``for=``/``by=``/``proto=``/``host=`` pairs, a value a
token or a quoted string; §6: a node is an IPv4 address, a bracketed IPv6 address, ``unknown``
or an obfuscated ``_identifier``, with an optional port). Either list is walked from the right
(the entry the nearest proxy wrote) past the trusted proxies; the first address that is not one
is the client (RFC 7239 §7.5: only the proxies one trusts can be believed, and each believes
only its own peer).

What is never believed, so that a header can never buy a fresh budget:

- headers from a peer that is not a trusted proxy;
- a node that is not an address (``unknown``, an obfuscated identifier, an element without
  ``for=``, a malformed entry): the client is then the trusted proxy that reported it;
- a ``Forwarded`` header that does not parse: the client is the peer;
- two headers that name different clients (a client can write the one its proxies do not):
  the client is the peer.

IPv4-mapped IPv6 addresses count as IPv4; other IPv6 clients by their /64 network, the block
one subscriber is usually given (RFC 6177), so that cycling through the addresses of one
network does not make many clients.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: RFC 9110 §5.6.2 token, §5.6.4 quoted-string.
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_QUOTED = r'"(?:[^"\\]|\\[\t !-~])*"'
_PAIR = re.compile(rf"({_TOKEN})=({_TOKEN}|{_QUOTED})")
#: RFC 7239 §6: node-port = port / obfport.
_PORT = re.compile(r"[0-9]{1,5}|_[A-Za-z0-9._-]+")
#: IPv6 clients are counted by this prefix.
IPV6_PREFIX = 64


def parse_node(text: str) -> Address | None:
    """The address of an RFC 7239 node (``192.0.2.43``, ``[2001:db8::17]:4711``, …) or of an
    ``X-Forwarded-For`` entry, or None for ``unknown``, an obfuscated identifier or garbage."""
    text = text.strip()
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not (rest[:1] == ":" and _PORT.fullmatch(rest[1:]))):
            return None
    elif text.count(":") == 1:
        host, _, port = text.partition(":")
        if not _PORT.fullmatch(port):
            return None
    else:
        host = text
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None


def parse_forwarded(header: str) -> list[str | None] | None:
    """The ``for=`` value of each element of a ``Forwarded`` header, left to right (None for an
    element without one, or with two), or None if the header does not parse (RFC 7239 §4)."""
    elements: list[dict[str, list[str]]] = [{}]
    position, end = 0, len(header)
    while position < end:
        char = header[position]
        if char in " \t;":
            position += 1
        elif char == ",":
            elements.append({})
            position += 1
        else:
            match = _PAIR.match(header, position)
            if match is None:
                return None
            name, value = match[1].lower(), match[2]
            if value.startswith('"'):
                value = re.sub(r"\\(.)", r"\1", value[1:-1])
            elements[-1].setdefault(name, []).append(value)
            position = match.end()
            if position < end and header[position] not in " \t;,":
                return None
    found = []
    for element in elements:
        if element:  # RFC 9110 §5.6.1: empty list elements are ignored
            values = element.get("for", [])
            found.append(values[0] if len(values) == 1 else None)
    return found


def parse_x_forwarded_for(header: str) -> list[str]:
    """The entries of an ``X-Forwarded-For`` header, left to right (empty ones ignored)."""
    return [entry.strip() for entry in header.split(",") if entry.strip()]


def key(address: Address) -> str:
    """What the rate limit counts for an address (module docstring)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/{IPV6_PREFIX}", strict=False))
    return str(address)


class ClientAddress:
    """Finds the client of a request from its WSGI environ, believing only ``trusted`` proxies."""

    def __init__(self, trusted: Iterable[str] = ()):
        """``trusted``: addresses and CIDR networks (``10.0.0.0/8``), as the setting holds them."""
        self.trusted: tuple[Network, ...] = tuple(ipaddress.ip_network(value) for value in trusted)

    def trusts(self, address: Address) -> bool:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self.trusted)

    def _walk(self, nodes: list[str | None], peer: Address) -> Address:
        """The first untrusted address from the right; a node that is no address stops the walk
        at the trusted proxy that wrote it."""
        nearest = peer
        for node in reversed(nodes):
            address = parse_node(node) if node is not None else None
            if address is None:
                return nearest
            if not self.trusts(address):
                return address
            nearest = address
        return nearest

    def __call__(self, environ: Mapping[str, str]) -> str:
        remote = environ.get("REMOTE_ADDR") or ""
        peer = parse_node(remote)
        if peer is None:  # a UNIX socket, or no address: one client
            return remote or "unknown"
        if not self.trusted or not self.trusts(peer):
            return key(peer)
        found: set[Address] = set()
        forwarded = environ.get("HTTP_FORWARDED")
        if forwarded is not None:
            nodes = parse_forwarded(forwarded)
            found.add(peer if nodes is None else self._walk(nodes, peer))
        x_forwarded_for = environ.get("HTTP_X_FORWARDED_FOR")
        if x_forwarded_for is not None:
            found.add(self._walk(parse_x_forwarded_for(x_forwarded_for), peer))
        return key(found.pop()) if len(found) == 1 else key(peer)
