"""Who the rate limit counts (server/views/client.py): the peer, or behind trusted proxies the
first untrusted address of ``X-Forwarded-For`` / ``Forwarded`` (RFC 7239) from the right; never
a name a client can choose to get a fresh budget."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.views.client import ClientAddress, parse_forwarded, parse_node

PROXY = "10.0.0.2"
TRUSTED = ClientAddress(["10.0.0.0/24", "::1", "2001:db8:ffff::/48"])


def environ(peer: str, xff: str | None = None, forwarded: str | None = None) -> dict:
    found = {"REMOTE_ADDR": peer}
    if xff is not None:
        found["HTTP_X_FORWARDED_FOR"] = xff
    if forwarded is not None:
        found["HTTP_FORWARDED"] = forwarded
    return found


CASES = [
    # (peer, X-Forwarded-For, Forwarded, client counted)
    # an untrusted peer: its headers are never read
    ("198.51.100.1", "203.0.113.7", None, "198.51.100.1"),
    ("198.51.100.1", None, "for=203.0.113.7", "198.51.100.1"),
    ("198.51.100.1", "10.0.0.5", None, "198.51.100.1"),
    # a trusted peer: the first untrusted address from the right
    (PROXY, "203.0.113.7", None, "203.0.113.7"),
    (PROXY, "203.0.113.7, 10.0.0.9", None, "203.0.113.7"),
    (PROXY, "1.1.1.1, 203.0.113.7", None, "203.0.113.7"),  # the client wrote 1.1.1.1
    (PROXY, "203.0.113.7:51234", None, "203.0.113.7"),
    (PROXY, "[2001:db8:1:2::7]:443", None, "2001:db8:1:2::/64"),
    (PROXY, "2001:db8:1:2::7", None, "2001:db8:1:2::/64"),
    (PROXY, "::ffff:203.0.113.7", None, "203.0.113.7"),
    (PROXY, "10.0.0.7, 10.0.0.8", None, "10.0.0.7"),  # every hop trusted: the leftmost
    (PROXY, "", None, PROXY),
    (PROXY, " , ,203.0.113.7,, ", None, "203.0.113.7"),
    # a node that is no address stops at the proxy that wrote it
    (PROXY, "203.0.113.7, unknown", None, PROXY),
    (PROXY, "203.0.113.7, garbage", None, PROXY),
    (PROXY, "203.0.113.7, unknown, 10.0.0.9", None, "10.0.0.9"),
    (PROXY, "203.0.113.7:99999999", None, PROXY),
    # RFC 7239 Forwarded: case-insensitive names, quoted values, IPv6 in brackets, ports
    (PROXY, None, "for=203.0.113.7", "203.0.113.7"),
    (PROXY, None, "For=203.0.113.7;proto=https;by=10.0.0.2", "203.0.113.7"),
    (PROXY, None, 'for="203.0.113.7:4711"', "203.0.113.7"),
    (PROXY, None, 'for="[2001:db8:cafe::17]:4711"', "2001:db8:cafe::/64"),
    (PROXY, None, 'for="[2001:db8:cafe::17]"', "2001:db8:cafe::/64"),
    (PROXY, None, "for=198.51.100.17, for=203.0.113.7", "203.0.113.7"),
    (PROXY, None, "for=203.0.113.7, for=10.0.0.4;by=10.0.0.2", "203.0.113.7"),
    (PROXY, None, "for=203.0.113.7,,for=10.0.0.4", "203.0.113.7"),
    (PROXY, None, 'for="\\203.0.113.7"', "203.0.113.7"),  # a quoted-pair
    (PROXY, None, 'for="[2001:db8:ffff::1]:_port", for=unknown', PROXY),
    (PROXY, None, "for=_hidden", PROXY),
    (PROXY, None, "for=unknown", PROXY),
    (PROXY, None, "by=10.0.0.2;proto=https", PROXY),  # no for=
    (PROXY, None, "for=203.0.113.7;for=198.51.100.2", PROXY),  # twice in one element
    (PROXY, None, 'for="[2001:db8:ffff::1]", for="[2001:db8:cafe::17]:80"', "2001:db8:cafe::/64"),
    # a Forwarded header that does not parse: the peer
    (PROXY, None, 'for="203.0.113.7', PROXY),
    (PROXY, None, "for 203.0.113.7", PROXY),
    (PROXY, None, "for=203.0.113.7 x", PROXY),
    (PROXY, None, "=203.0.113.7", PROXY),
    # both headers: believed when they agree, else neither
    (PROXY, "203.0.113.7", "for=203.0.113.7", "203.0.113.7"),
    (PROXY, "203.0.113.7", "for=198.51.100.9", PROXY),
    (PROXY, "203.0.113.7", "for=garbage", PROXY),
    (PROXY, "203.0.113.7", 'for="broken', PROXY),
    # the peer itself
    ("::1", "203.0.113.7", None, "203.0.113.7"),
    ("::ffff:10.0.0.2", "203.0.113.7", None, "203.0.113.7"),
    ("2001:db8:5:6::1", None, None, "2001:db8:5:6::/64"),
    ("", "203.0.113.7", None, "unknown"),
]


@pytest.mark.parametrize(("peer", "xff", "forwarded", "expected"), CASES)
def test_the_client_counted(peer, xff, forwarded, expected):
    assert TRUSTED(environ(peer, xff, forwarded)) == expected


def test_no_trusted_proxy_by_default():
    assert ClientAddress()(environ("127.0.0.1", "203.0.113.7", "for=203.0.113.8")) == "127.0.0.1"


@pytest.mark.parametrize(
    ("node", "address"),
    [
        ("192.0.2.43", "192.0.2.43"),
        ("192.0.2.43:47011", "192.0.2.43"),
        ("[2001:db8:cafe::17]:4711", "2001:db8:cafe::17"),
        ("[2001:db8:cafe::17]:_obf", "2001:db8:cafe::17"),
        ("fe80::1%eth0", "fe80::1"),
        ("unknown", None),
        ("_gazonk", None),
        ("[2001:db8:cafe::17", None),
        ("[2001:db8:cafe::17]x", None),
        ("192.0.2.43:port", None),
        ("999.0.2.43", None),
        ("", None),
    ],
)
def test_nodes(node, address):
    found = parse_node(node)
    assert (str(found) if found else None) == address


def test_forwarded_elements():
    header = 'for=192.0.2.60;proto=http;by=203.0.113.43, For="[2001:db8:cafe::17]:4711",by=x'
    assert parse_forwarded(header) == ["192.0.2.60", "[2001:db8:cafe::17]:4711", None]
    assert parse_forwarded('for="a,b";by=c, for=d') == ["a,b", "d"]
    assert parse_forwarded('for="unterminated') is None


HEADER = st.text(
    alphabet=st.sampled_from(list('0123456789abcdef.:,;="[]_ \\unknowfrFOR') + ["\t", "é"]),
    max_size=60,
)


@settings(max_examples=500, deadline=None)
@given(HEADER, HEADER, st.sampled_from(["10.0.0.2", "198.51.100.1", "::1"]))
def test_any_header_gives_an_address_never_an_error(xff, forwarded, peer):
    """Whatever the headers, the answer is an address or a /64 network (a header cannot invent
    a new name), and an untrusted peer is always counted as itself."""
    client = TRUSTED(environ(peer, xff, forwarded))
    ipaddress.ip_network(client)  # raises if the key is not an address or network
    if peer == "198.51.100.1":
        assert client == peer
