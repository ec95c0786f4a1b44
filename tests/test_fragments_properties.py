"""Property-based checks (hypothesis) of the fragments' selectors: Hydra's ExplicitRepresentation
round-trips every literal, and no query string makes ``/fragments`` fail with a 5xx."""

from __future__ import annotations

from urllib.parse import quote

import pyoxigraph as ox
import pytest
from helpers import BASE, TINY
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.app import create_app
from server.errors import BadRequest
from server.publish.fragments import explicit, parse_term

XSD = "http://www.w3.org/2001/XMLSchema#"
#: Lexical forms: any text, quotes, ``@`` and ``^^`` included (they are not escaped).
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40) | st.sampled_from(
    ['"', '""', 'a"@en', 'x"^^http://e/d', "@en", "^^", '"@en"', "\n", "\\"]
)
LANGUAGES = st.from_regex(r"[a-z]{2,3}(-[a-z]{4})?(-[a-z]{2})?", fullmatch=True)
DATATYPES = st.sampled_from(
    [XSD + "integer", XSD + "date", XSD + "gYearMonth", 'http://e/d#"x', "urn:x:y"]
)


@st.composite
def literals(draw) -> ox.Literal:
    value = draw(TEXT)
    kind = draw(st.sampled_from(["plain", "language", "typed"]))
    if kind == "language":
        return ox.Literal(value, language=draw(LANGUAGES))
    if kind == "typed":
        datatype = draw(DATATYPES)
        if '"' in datatype:
            datatype = XSD + "string"
        return ox.Literal(value, datatype=ox.NamedNode(datatype))
    return ox.Literal(value)


@given(literals())
def test_every_literal_round_trips_through_its_explicit_representation(literal):
    assert parse_term(explicit(literal), "object") == literal


@given(st.text(max_size=60))
def test_any_object_text_is_a_term_a_variable_or_a_400(text):
    try:
        term = parse_term(text, "object")
    except BadRequest:
        return
    assert term is None or isinstance(term, ox.NamedNode | ox.Literal)


@pytest.fixture(scope="module")
def http(tmp_path_factory):
    app = create_app(
        {
            "base": BASE,
            "data": [str(TINY)],
            "dumps_dir": str(tmp_path_factory.mktemp("dumps")),
            "fragments_page_size": 5,
        }
    )
    return app.test_client()


VALUES = TEXT | st.sampled_from(
    [f"{BASE}id/actor/china", f"{BASE}sparql#default-graph", "?x", "", "_:b", "0", "99999999999"]
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["subject", "predicate", "object", "graph", "page", "x"]), VALUES
        ),
        max_size=5,
    )
)
def test_no_query_string_makes_the_fragments_fail(http, pairs):
    """Whatever the parameters, the answer is a page (200) or a client error in the one shape."""
    query = "&".join(f"{name}={quote(value, safe='')}" for name, value in pairs)
    response = http.get(f"/fragments?{query}", headers={"Accept": "application/n-quads"})
    assert response.status_code in (200, 400), response.data
    if response.status_code == 400:
        assert response.get_json()["error"]["status"] == 400
    assert response.headers["Access-Control-Allow-Origin"] == "*"
