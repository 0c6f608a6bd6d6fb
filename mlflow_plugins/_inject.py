"""A link from the stock MLflow UI to TrackLab's pages, and the ML view by default.

MLflow's UI has no extension point, so this is best-effort and kept tiny: the SPA's
`index.html` gets one classic script tag at the top of <head>. The script sets MLflow's
`workflowType` preference to "machine_learning" when the user never chose one (before the app
reads it), and adds a floating "TrackLab" link outside React's tree that follows the page's
experiment or run. Set TRACKLAB_UI_INJECT=0 to serve the stock page untouched.
"""

from __future__ import annotations

import os

from flask import Flask, Response

SCRIPT = '<script src="tracklab/static/js/stock-ui.js"></script>'


def enabled() -> bool:
    return os.environ.get("TRACKLAB_UI_INJECT", "1").lower() not in ("0", "false", "no", "off")


def install(app: Flask) -> None:
    """Wrap MLflow's `serve` view (the SPA's index.html) to add the script tag."""
    original = app.view_functions.get("serve")
    if original is None or getattr(original, "_tracklab", False) or not enabled():
        return
    index = os.path.join(app.static_folder or "", "index.html")

    def serve() -> Response:
        try:
            with open(index, encoding="utf-8") as handle:
                html = handle.read()
        except OSError:
            return original()
        if "<head>" in html:
            html = html.replace("<head>", "<head>" + SCRIPT, 1)
        return Response(html, mimetype="text/html", headers={"Cache-Control": "no-cache"})

    serve._tracklab = True  # type: ignore[attr-defined]
    app.view_functions["serve"] = serve
