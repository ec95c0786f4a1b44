"""Soak test: many concurrent clients on a mixed workload against the gunicorn deployment.

Starts ``python -m server.cli.serve`` (the real deployment: gunicorn, preloaded app, gthread
workers, SPARQL query children) on a free loopback port with the curated essay graph and a short
``sparql_timeout``, then drives it for a fixed time with N closed-loop clients (several processes,
each with threads holding one keep-alive HTTP/1.1 connection) on a mix drawn at random per request:
dereferencing ``/id/…`` (303) and ``/doc/…`` in every RDF format and in HTML in several languages,
conditional GETs (304), the home page, search, VoID, the ontology, the SPARQL example queries and
parameterised ones, and about 1% of deliberately explosive queries that must be stopped (503).
With ``--crash-mix N``, 1 request in N is a query that crashes the engine (nested thousands of
levels deep, or chaining thousands of operators): refused with 400 by the structural limits, or,
with ``--lift-limits``, sent past them to kill its query process (400, the process replaced; 503
when its deadline comes first).

Every response is classified: expected (2xx, 3xx, 304; 503 only for the explosive queries, 400
only for the crash-inducing ones) or an error (any other status, a connection failure, a client
timeout). The server's memory (RSS summed over the gunicorn master, its workers and their query
children; PSS from ``smaps_rollup``) is sampled every half second. RSS at rest after the run is
compared with RSS right after warm-up (with every process present); no runaway or crashing query
is sent in the few seconds before either, since a query child running one grows by hundreds of
MB until it is killed or dies.

    python -m bench.soak                                      # 64 clients, 60 s, 10 s warm-up
    python -m bench.soak --clients 64 --seconds 10 --warmup 3 # the short form (tests/test_soak.py)
    python -m bench.soak --crash-mix 200                      # 1 request in 200 crash-inducing

The package, by concern: :mod:`bench.soak.load` (the mix and the clients),
:mod:`bench.soak.checks` (memory, the server's log, the verdict), :mod:`bench.soak.report` (the
figures as text), :mod:`bench.soak.run` (one soak, start to end) and :mod:`bench.soak.__main__`
(the command line).

Exit status: 0 when every response was expected and RSS grew at most 10%, 1 otherwise, 2 when the
harness itself failed (the server did not start).
"""
