"""The HTTP floor: a Flask hello-world served under the same gunicorn settings as policygraph."""

from flask import Flask

app = Flask(__name__)


@app.get("/", defaults={"path": ""})
@app.get("/<path:path>")
def hello(path: str):
    return "Hello, world!\n", 200, {"Content-Type": "text/plain; charset=utf-8"}
