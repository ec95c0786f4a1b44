"""Documents rendered on demand: described on first request, cached within a byte budget, and
byte-identical (bodies and ETags) to the precomputed ones (setting ``precompute``)."""

from __future__ import annotations

import hashlib
import threading
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import pyoxigraph as ox
import pytest
import requests
from helpers import BASE, data_paths

from bench.servers import Server
from server import settings
from server.app import create_app
from server.publish.cache import ByteLRU
from server.publish.documents import find_things, thing_key
from server.publish.publication import AUTO_LIMIT, build, slots
from server.publish.store import open_store
from server.render.formats import BY_NAME

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """The curated graph parsed, validated and loaded once; each app below is built over it."""
    config = {
        "base": BASE,
        "data": data_paths(),
        "dumps_dir": str(tmp_path_factory.mktemp("lazy-dumps")),
    }
    store, validation = open_store(settings.resolve(config))
    return config, store, validation


def fresh_app(source, **overrides):
    """A new app (its own publication, caches and counters) over the shared store."""
    config, store, validation = source
    resolved = settings.resolve({**config, **overrides})
    pub = build(resolved, store=store, validation=validation)
    return create_app(resolved, publication=pub), pub


def every_representation(pub):
    """(URL path, headers) of every thing in every format, HTML in every language."""
    for key in pub.things.values():
        for name, lang in slots(pub.documents.formats(key)):
            suffix = BY_NAME[name].suffix
            yield f"/{key}.{suffix}", {"Accept-Language": lang} if lang else {}


def answer(client, path, headers):
    with client.get(path, headers=headers) as response:
        assert response.status_code == 200, path
        return (
            response.get_data(),
            response.headers["ETag"],
            response.headers["Content-Type"],
            response.headers["Content-Location"],
            response.headers["Link"],
        )


def test_precompute_setting_accepts_auto_and_booleans():
    assert settings.resolve({}, {}).precompute == "auto"
    assert settings.resolve({"precompute": "AUTO"}, {}).precompute == "auto"
    assert settings.resolve({"precompute": "true"}, {}).precompute is True
    assert settings.resolve({}, {"POLICYGRAPH_PRECOMPUTE": "off"}).precompute is False
    assert settings.resolve({"precompute": False}, {}).precompute is False
    with pytest.raises(ValueError, match="precompute"):
        settings.resolve({"precompute": "sometimes"}, {})
    assert f"{AUTO_LIMIT:,} things" in settings.BY_NAME["precompute"].help


def test_auto_precomputes_the_curated_graph(source):
    """A corpus of at most AUTO_LIMIT things is rendered whole at startup, as before."""
    app, pub = fresh_app(source)
    assert 0 < len(pub.things) <= AUTO_LIMIT and pub.precomputes
    expected = sum(len(slots(pub.documents.formats(key))) for key in pub.documents)
    assert len(pub.representations) == expected
    built = pub.documents.built
    for path, headers in list(every_representation(pub))[:20]:
        answer(app.test_client(), path, headers)
    assert pub.documents.built == built  # served from what was rendered at startup


def test_no_thing_is_described_before_it_is_requested(source):
    app, pub = fresh_app(source, precompute=False)
    client = app.test_client()
    assert not pub.precomputes
    assert pub.documents.built == 0 and len(pub.representations) == 0
    assert len(pub.documents) == len(pub.things) + len(pub.documents._fixed) + len(pub.data_graphs)
    key = next(iter(pub.things.values()))
    iri = pub.documents.iri(key)
    assert key in pub.documents and pub.things[iri] == key
    # Redirects, the sitemap, the home page and unknown documents describe nothing.
    assert client.get(iri[len(BASE) - 1 :]).status_code == 303
    assert client.get("/sitemap.xml").status_code == 200
    assert client.get("/", headers={"Accept": "text/html"}).status_code == 200
    assert client.get("/doc/actor/nobody-at-all").status_code == 404
    assert "doc/actor/nobody-at-all" not in pub.documents
    assert pub.documents.built == 0
    # The first request describes the thing once; its other formats reuse that description.
    answer(client, f"/{key}", {"Accept": "text/turtle"})
    assert pub.documents.built == 1
    answer(client, f"/{key}.jsonld", {})
    answer(client, f"/{key}", {"Accept": "text/html", "Accept-Language": "zh-Hant"})
    assert pub.documents.built == 1
    # Cached: a conditional request and HEAD need no rendering at all.
    etag = client.get(f"/{key}", headers={"Accept": "text/turtle"}).headers["ETag"]
    again = client.get(f"/{key}", headers={"Accept": "text/turtle", "If-None-Match": etag})
    assert again.status_code == 304 and again.headers["ETag"] == etag
    head = client.head(f"/{key}.ttl")
    assert head.status_code == 200 and head.get_data() == b"" and head.headers["ETag"] == etag
    assert pub.documents.built == 1 and len(pub.representations) == 3


def test_sitemap_lists_every_thing(source):
    app, pub = fresh_app(source, precompute=False)
    root = ET.fromstring(app.test_client().get("/sitemap.xml").get_data())
    listed = {loc.text for loc in root.iter(f"{SITEMAP}loc")}
    assert {pub.doc_url(key) for key in pub.things.values()} <= listed
    assert f"{BASE}ontology" in listed and f"{BASE}dataset" in listed
    assert len(listed) == len(pub.documents) + 1  # and the home page
    assert pub.documents.built == 0


def test_find_things_matches_every_quad_of_the_data_graphs(source):
    """Contract: a thing is every IRI under {base}id/ (fragment cut) named as the subject or
    object of a triple in a data graph; the engine's query finds what a full scan finds."""
    _, pub = fresh_app(source, precompute=False)
    scanned = {}
    for graph in pub.data_graphs:
        for quad in pub.store.quads_for_pattern(None, None, None, graph):
            for term in (quad.subject, quad.object):
                if isinstance(term, ox.NamedNode) and thing_key(BASE, term.value):
                    scanned[term.value.split("#", 1)[0]] = thing_key(BASE, term.value)
    assert find_things(pub) == scanned
    assert list(pub.things) == sorted(scanned)


@pytest.mark.parametrize("pack", [False, True], ids=["rendered", "packed"])
def test_on_demand_and_precomputed_are_byte_identical(source, pack):
    """Every thing in every format: same body, ETag (the digest of the uncompressed body),
    Content-Type, Content-Location and Link whether precomputed (kept as rendered or packed
    with zlib) or rendered on first request."""
    lazy, lazy_pub = fresh_app(source, precompute=False)
    eager, eager_pub = fresh_app(source, precompute=False)
    eager_pub.representations = ByteLRU(0)  # nothing cached: every answer is unpacked
    with eager.app_context():
        count = eager_pub.precompute(pack=pack)
    assert (eager_pub.packed is not None) == pack
    if pack:
        assert eager_pub.packed.packed_bytes < eager_pub.packed.raw_bytes / 3
    else:
        eager_pub.representations.budget = None
    cases = list(every_representation(lazy_pub))
    assert count >= len(cases) > 0
    built = eager_pub.documents.built
    for path, headers in cases:
        on_demand = answer(lazy.test_client(), path, headers)
        assert answer(eager.test_client(), path, headers) == on_demand, path
        assert on_demand[1] == f'"{hashlib.blake2b(on_demand[0], digest_size=16).hexdigest()}"'
    assert eager_pub.documents.built == built  # precomputed: nothing described again


def test_the_cache_never_exceeds_its_budget(source):
    budget = 40_000
    app, pub = fresh_app(source, precompute=False, cache_size=budget)
    client = app.test_client()
    first = {}
    cases = list(every_representation(pub))
    for path, headers in cases:
        first[path, tuple(headers.items())] = answer(client, path, headers)
        assert pub.representations.total <= budget
    assert 0 < len(pub.representations) < len(cases) / 4
    # What was evicted renders again, identically.
    for path, headers in cases[:10]:
        assert answer(client, path, headers) == first[path, tuple(headers.items())]
    assert pub.representations.total <= budget


def test_lru_evicts_the_least_recently_used_first():
    cache = ByteLRU(300)
    for key in "abc":
        cache.put(key, key.upper(), 100)
    assert cache.get("a") == "A"  # now b is the least recently used
    cache.put("d", "D", 100)
    assert cache.get("b") is None and [cache.get(k) for k in "acd"] == ["A", "C", "D"]
    cache.put("a", "A2", 250)  # replacing an entry counts its new size only
    assert cache.total <= 300 and cache.get("a") == "A2" and len(cache) == 1
    cache.put("huge", "H", 301)  # larger than the whole budget: not kept
    assert cache.get("huge") is None and cache.get("a") == "A2"


def test_threads_racing_on_a_small_cache_get_correct_bodies(source):
    """gthread workers: many threads rendering, evicting and serving at once never mix up
    bodies, and the cache stays within its budget."""
    app, pub = fresh_app(source, precompute=False, cache_size=50_000)
    eager_app, _ = fresh_app(source, precompute=True)
    eager = eager_app.test_client()
    cases = list(every_representation(pub))
    reference = {(path, tuple(h.items())): answer(eager, path, h) for path, h in cases}
    errors = []

    def worker(offset: int) -> None:
        client = app.test_client()
        for index in range(len(cases) // 3):
            path, headers = cases[(index * 7 + offset) % len(cases)]
            if answer(client, path, headers) != reference[path, tuple(headers.items())]:
                errors.append(path)
            if pub.representations.total > 50_000:
                errors.append("over budget")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert pub.representations.total <= 50_000


@pytest.mark.slow
def test_a_gunicorn_server_renders_on_demand_correctly_under_load(tmp_path, source):
    """The real deployment (2 gthread workers of 4 threads, a 64 KiB cache each) answers many
    concurrent first requests with the bodies and ETags the precomputed publisher sends."""
    server = Server.serving(
        tmp_path, data_paths(), precompute="false", cache_size=65536, threads=4
    ).wait()
    try:
        config = {**source[0], "base": server.base}
        store, validation = open_store(settings.resolve(config))
        reference_app, reference_pub = fresh_app((config, store, validation), precompute=True)
        reference = reference_app.test_client()
        cases = list(every_representation(reference_pub)) * 3

        def fetch(case):
            path, headers = case
            response = requests.get(server.base + path[1:], headers=headers, timeout=30)
            expected = answer(reference, path, headers)
            return path, (response.content, response.headers["ETag"]) == expected[:2]

        with ThreadPoolExecutor(16) as pool:
            wrong = [path for path, ok in pool.map(fetch, cases) if not ok]
        assert wrong == []
    finally:
        server.stop()
