"""The per-client query limit of an app (CLIENT_QUERIES): its counter (`server.admission.ClientLimit`) and its 429 answer."""

from __future__ import annotations

import math

from flask import Flask, Response

from .admission import CLIENT_LIMIT, ClientBusy, ClientLimit
from .errors import respond


def init_app(app: Flask) -> None:
    """Give the app its per-client query limit and the bilingual 429 answer, with Retry-After, of a client past it."""
    retry = max(1, math.ceil(float(app.config["FAST_LANE_SECONDS"])))
    app.extensions[CLIENT_LIMIT] = ClientLimit(int(app.config["CLIENT_QUERIES"]), retry, float(app.config["CLIENT_WAIT"]))
    app.register_error_handler(ClientBusy, too_many)


def too_many(error: ClientBusy) -> Response:
    response = respond(429, error.description or "too many queries")
    response.headers["Retry-After"] = str(error.retry_after)
    return response
