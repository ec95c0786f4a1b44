"""The servers a user would pick instead, and the HTTP limit, as systems under test.

- ``oxigraph``: Oxigraph's own server (PyPI ``oxigraph``, the Rust binary), the corpus loaded
  with ``oxigraph load`` into a temporary folder, served by ``oxigraph serve-read-only
  --union-default-graph`` (the default graph is the union of the named graphs, as the
  publisher's is); skipped with a message when the package is absent;
- ``nginx-site``: Debian's nginx with the configuration ``policygraph export-site`` writes, over
  the corpus's exported site (:mod:`bench.site`), in front of policygraph (``bench.pgserve``),
  which answers what nginx passes on;
- ``nginx-files``: the same nginx serving the same files plainly (a file per URL and Accept,
  no validators of ours, no fallback): the limit the exported site is measured against.

Each nginx runs one worker per CPU, in the foreground, with its temporary folders in the run's
log folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import site as bench_site
from bench.servers import Server, free_port
from bench.systems import System, Unavailable, start_policygraph

NGINX_TEMP = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def oxigraph_binary() -> str | None:
    """The ``oxigraph`` command of the running Python's environment, else on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.is_file() else shutil.which("oxigraph")


def start_oxigraph(logdir: Path, corpus: Path, timeout: float = 1800) -> System:
    """Oxigraph server over the corpus: ``load`` (its startup time includes the load), then
    ``serve-read-only --union-default-graph``; SPARQL at ``/query``."""
    binary = oxigraph_binary()
    if binary is None:
        raise Unavailable(
            "Oxigraph server is not installed (pip install 'policygraph[bench]': package oxigraph)"
        )
    workdir = Path(tempfile.mkdtemp(prefix="bench-oxigraph-"))
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [binary, "load", "--location", str(workdir / "db"), "--lenient", "--file",
             str(corpus / "corpus.nq")],
            capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"oxigraph load failed:\n{done.stderr[-3000:]}")
        loaded = time.perf_counter() - started
        port = free_port()
        command = [binary, "serve-read-only", "--location", str(workdir / "db"), "--bind",
                   f"127.0.0.1:{port}", "--union-default-graph"]  # fmt: skip
        server = Server(
            command,
            logdir,
            port=port,
            name="oxigraph",
            probe="query?query=ASK%7B%7D",
            accept="application/sparql-results+json",
        )
        system = System.started(server, "/query", False, timeout, load_seconds=loaded)
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    system.startup_seconds += loaded
    system.cleanup.append(lambda: shutil.rmtree(workdir, ignore_errors=True))
    return system


def nginx_binary() -> str:
    for candidate in ("/usr/sbin/nginx", shutil.which("nginx")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise Unavailable("nginx is not installed (apt-get install nginx)")


def start_nginx(logdir: Path, name: str, http: str, port: int) -> Server:
    """nginx in the foreground with ``http`` as its http block's content (one worker per CPU)."""
    binary = nginx_binary()
    folder = Path(tempfile.mkdtemp(prefix=f"bench-{name}-", dir=logdir))
    temp = "\n".join(f"{kind}_temp_path {folder}/{kind};" for kind in NGINX_TEMP)
    config = folder / "nginx.conf"
    config.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"worker_processes {os.cpu_count() or 2};\npid {folder}/nginx.pid;\n"
        + f"error_log {folder}/error.log;\nevents {{ worker_connections 4096; }}\n"
        + f"http {{\naccess_log off;\nkeepalive_requests 100000;\n{temp}\n{http}\n}}\n",
        encoding="utf-8",
    )
    command = [binary, "-p", str(folder), "-c", str(config), "-e", f"{folder}/error.log"]
    return Server([*command, "-g", "daemon off;"], logdir, port=port, name=name, probe="")


def exported(corpus: Path, base: str, timeout: float) -> Path:
    """The corpus's exported site (:mod:`bench.site`), made in a child process when absent."""
    folder = bench_site.cached(corpus, base)
    if folder is None:
        command = [sys.executable, "-m", "bench.site", "--corpus", str(corpus), "--base", base]
        done = subprocess.run(command, cwd=bench_site.ROOT, timeout=timeout)
        folder = bench_site.cached(corpus, base)
        if done.returncode != 0 or folder is None:
            raise RuntimeError(f"exporting the site of {corpus} failed ({done.returncode})")
    return folder


def start_nginx_site(
    logdir: Path, settings: dict, corpus: Path, base: str, timeout: float = 3600
) -> System:
    """nginx over the exported site, passing the rest to a policygraph of its own."""
    folder = exported(corpus, base, timeout)
    upstream = start_policygraph(logdir, settings, corpus, base, timeout=timeout)
    try:
        port = free_port()
        text = (folder / bench_site.CONFIG).read_text(encoding="utf-8")
        text = text.replace(bench_site.UPSTREAM, f"127.0.0.1:{upstream.server.port}")
        text = text.replace(bench_site.LISTEN, f"127.0.0.1:{port}")
        server = start_nginx(logdir, "nginx-site", text, port)
        system = System.started(server, None, True, 120, upstream=upstream.url)
    except BaseException:
        upstream.stop()
        raise
    system.cleanup.append(upstream.stop)
    return system


#: Plain files by Accept: the exported Turtle, JSON-LD and English HTML, nothing else.
PLAIN = """
map $http_accept $plain_file {{
    default '';
    'text/turtle' '/data$uri.ttl';
    'application/ld+json' '/data$uri.jsonld';
    'text/html' '/en$uri.html';
}}
server {{
    listen 127.0.0.1:{port};
    root {root};
    types {{ text/turtle ttl; application/ld+json jsonld; text/html html; }}
    location /doc/ {{ try_files $plain_file =404; }}
    location = / {{ return 200 ''; }}
}}
"""


def start_nginx_files(logdir: Path, corpus: Path, base: str, timeout: float = 3600) -> System:
    """nginx serving the exported files plainly: the limit of dereferencing."""
    folder = exported(corpus, base, timeout)
    port = free_port()
    http = PLAIN.format(port=port, root=folder / "files")
    server = start_nginx(logdir, "nginx-files", http, port)
    return System.started(server, None, True, 120)
