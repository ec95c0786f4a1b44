"""``/validation`` names the file of each result relative to its source folder
(``{source}/{file}``), never by a path of the server's machine, in every representation."""

from __future__ import annotations

import re
import shutil

import pytest
import requests
from helpers import BROWSER, ROOT, TINY

from bench.servers import Server

SUFFIXES = ("html", "ttl", "nt", "rdf", "jsonld", "nq", "trig")
#: A path starting at the root of a file system: ``/`` after a quote, space, bracket or line
#: start, then path parts ending in a Turtle file (URLs have a host before their path).
ABSOLUTE = re.compile(r'(?:^|[\s"\'(>\[])(/(?:[^\s/"<>]+/)+[^\s/"<>]+\.ttl)', re.M)


def problems(body: str, machine_paths: list[str]) -> list[str]:
    found = [path for path in machine_paths if path in body]
    return found + ABSOLUTE.findall(body)


def test_the_page_shows_relative_files(tiny_app):
    """The tiny graph's warnings each name ``north-korea-opportunity/{file}.ttl`` (the curated
    graph has none to show)."""
    client = tiny_app.test_client()
    page = client.get("/validation", headers={"Accept": BROWSER}).get_data(as_text=True)
    assert "Warning" in page, "the tiny graph has warnings, each with its file"
    files = re.findall(r"<td>(north-korea-opportunity/[a-z-]+\.ttl)</td>", page)
    assert files, "each result names its file relative to the source folder"


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("lang", ["en", "zh-Hant"])
def test_no_machine_path_in_any_representation(client, suffix, lang):
    body = client.get(f"/validation.{suffix}", headers={"Accept-Language": lang})
    assert body.status_code == 200
    text = body.get_data(as_text=True)
    assert not problems(text, [str(ROOT), str(ROOT.parent)])


@pytest.mark.server
def test_a_server_with_an_on_disk_store_and_its_saved_report(tmp_path):
    """Sources given by absolute path (the tiny graph, which has warnings), a report saved beside
    an on-disk store and read back at a warm restart: still no path of the machine in any
    representation."""
    source = tmp_path / "sources" / "north-korea-opportunity"
    shutil.copytree(TINY, source)
    store = tmp_path / "store"
    machine = [str(tmp_path), str(ROOT)]
    for start in ("cold", "warm"):
        server = Server.serving(tmp_path, [source], precompute="false", store=f"oxigraph:{store}")
        try:
            server.wait(120)
            if start == "warm":
                saved = (tmp_path / "store.validation.json").read_text(encoding="utf-8")
                assert str(source) in saved, "the saved report keeps the machine's paths"
            for suffix in SUFFIXES:
                response = requests.get(f"{server.base}validation.{suffix}", timeout=30)
                assert response.status_code == 200
                found = problems(response.text, machine)
                assert not found, f"{start} start, .{suffix}: {found[:3]}"
            page = requests.get(f"{server.base}validation.html", timeout=30).text
            assert "<td>north-korea-opportunity/things.ttl</td>" in page
        finally:
            server.stop()
