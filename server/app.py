"""The app factory: a Flask app serving the curated graph as linked data and SPARQL."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import Flask

from server import errors
from server.publish import sitemap
from server.publish.publication import EXTENSION, Publication, build, save_indexes
from server.render import html
from server.render.jsonld import context_document
from server.render.languages import LANGUAGES
from server.settings import CONFIG_KEY, Settings
from server.views import (
    fragments,
    http,
    memento,
    meta,
    pages,
    reader,
    releases,
    resources,
    sparql,
)
from server.views import network as network_page
from server.views import stances as stances_page
from server.views import timeline as timeline_page
from server.views.fastpath import FastPath


def create_app(
    config: Settings | Mapping[str, Any] | None = None, *, publication: Publication | None = None
) -> Flask:
    """Build the app (never at import): resolve settings, load the data, register blueprints.

    ``config`` is resolved settings, or overrides of them (see :mod:`server.settings`);
    ``publication`` a prebuilt :class:`server.publish.publication.Publication` (tests, a reload).
    """
    resolved = config if isinstance(config, Settings) else Settings.resolve(config)
    app = Flask(__name__)
    app.config[CONFIG_KEY] = resolved
    app.json.ensure_ascii = False
    errors.register(app)
    http.register(app)
    html.register(app)
    app.register_blueprint(resources.blueprint)
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(meta.blueprint)
    app.register_blueprint(sparql.blueprint)
    app.register_blueprint(fragments.blueprint)
    app.register_blueprint(reader.blueprint)
    app.register_blueprint(releases.blueprint)
    app.register_blueprint(memento.blueprint)
    app.register_blueprint(timeline_page.blueprint)
    app.register_blueprint(network_page.blueprint)
    app.register_blueprint(stances_page.blueprint)

    pub = build(resolved) if publication is None else publication
    app.extensions[EXTENSION] = pub
    with app.app_context():
        prepare(pub)
    app.wsgi_app = FastPath(app, pub)
    return app


def prepare(pub: Publication) -> None:
    """Render the fixed resources, save the indexes of an on-disk store
    (:func:`server.publish.publication.save_indexes`) and, if the ``precompute`` setting says so,
    render every document (:attr:`server.publish.publication.Publication.precomputes`)."""
    if "context.jsonld" in pub.fixed:
        return
    context = json.dumps(context_document(pub.base), ensure_ascii=False, indent=2) + "\n"
    pub.add_fixed("context.jsonld", context.encode("utf-8"), "application/ld+json")
    for name, body in sitemap.sitemaps(pub).items():
        pub.add_fixed(name, body, "application/xml")
    pub.add_fixed("robots.txt", sitemap.robots_txt(pub), "text/plain; charset=utf-8")
    if not all(f"home:{lang}" in pub.fixed for lang in LANGUAGES):  # else restored
        pages.precompute_home(pub)
    save_indexes(pub)
    if pub.precomputes:
        pub.precompute()
