"""The panel pages and their static files (from `ui_extensions/`), and plotly.js from the
installed plotly package: nothing is fetched from outside the machine."""

from __future__ import annotations

import os

from flask import Blueprint, Response, abort, send_file

import ui_extensions
from mlflow_plugins import _files

pages = Blueprint("tracklab_pages", __name__)

PAGES = {"": "index.html", "workspace": "workspace.html", "sweep": "sweep.html", "artifacts": "artifacts.html",
         "run.html": "run.html"}
STATIC_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png",
                ".html": "text/html"}

# Our own pages: scripts only from this server; plotly needs eval and inline styles.
PAGE_CSP = ("default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data: blob:; media-src 'self' blob:; font-src 'self' data:; connect-src 'self'; "
            "frame-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "
            "frame-ancestors 'self'; form-action 'self'")


def _plotly_js() -> str:
    import plotly

    return os.path.join(os.path.dirname(plotly.__file__), "package_data", "plotly.min.js")


def _send(path: str, mime: str) -> Response:
    response = send_file(path, mimetype=mime, max_age=0)
    response.headers["Content-Security-Policy"] = PAGE_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@pages.route("/", defaults={"name": ""})
@pages.route("/<name>")
def page(name: str) -> Response:
    if name not in PAGES:
        abort(404)
    return _send(os.path.join(ui_extensions.ROOT, PAGES[name]), "text/html")


@pages.route("/static/vendor/plotly.min.js")
def plotly_js() -> Response:
    response = send_file(_plotly_js(), mimetype="text/javascript", max_age=86400)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@pages.route("/static/<path:relative>")
def static(relative: str) -> Response:
    try:
        target = _files.local_file(ui_extensions.ROOT, relative)
    except _files.UnsafePath:
        abort(404)
    mime = STATIC_TYPES.get(os.path.splitext(target)[1])
    if mime is None or not os.path.isfile(target):
        abort(404)
    return _send(target, mime)
