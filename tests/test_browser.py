"""Headless Chromium renders our pages from a real server: text, links, Chinese labels."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from browser import render

pytestmark = [pytest.mark.browser, pytest.mark.server]


class Dom(HTMLParser):
    def __init__(self, text: str):
        super().__init__()
        self.links, self.text, self.title, self._title = [], [], "", False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self._title = tag == "title"
        if tag == "a":
            self.links.append(dict(attrs).get("href"))

    def handle_endtag(self, tag):
        self._title = False

    def handle_data(self, data):
        self.text.append(data)
        if self._title:
            self.title += data

    @property
    def body(self) -> str:
        return " ".join(" ".join(self.text).split())


def test_resource_page_in_chromium(live_server, tmp_path):
    dom = Dom(render(live_server.base + "id/actor/china", tmp_path / "profile"))
    assert dom.title.startswith("China")
    assert live_server.base + "doc/actor/china.ttl" in dom.links
    assert live_server.base + "doc/actor/china?lang=zh-Hans" in dom.links
    assert any(
        link and link.startswith(live_server.base + "doc/") and "china" not in link
        for link in dom.links
    ), "links to other things"


def test_resource_page_in_simplified_chinese(live_server, tmp_path):
    dom = Dom(render(live_server.base + "doc/actor/china?lang=zh-Hans", tmp_path / "profile"))
    assert dom.title.startswith("中国")
    assert "中国" in dom.body and "简体" in dom.body
    assert live_server.base + "doc/actor/china?lang=zh-Hant" in dom.links


def test_home_page_in_chromium(live_server, tmp_path):
    dom = Dom(render(live_server.base, tmp_path / "profile"))
    assert "policygraph" in dom.title
    assert "linked data" in dom.body
    assert live_server.base + "dataset?lang=en" in dom.links
    zh = Dom(render(live_server.base + "?lang=zh-Hans", tmp_path / "profile"))
    assert "关联数据" in zh.body and "中国" in zh.body
