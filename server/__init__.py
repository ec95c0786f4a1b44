"""policygraph's publisher: a Flask app serving the curated graph as linked data and SPARQL.

The app is built by :func:`server.app.create_app`; the layers, top to bottom: ``cli``, ``run``,
``app``, ``views``, ``sparql``, ``publish``, ``render``, then ``settings`` and ``errors``.
"""

__version__ = "0.1.0"
