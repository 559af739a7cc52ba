"""Error answers, written in one place for every blueprint: one status, one sentence naming what was wrong.

`respond` writes the body in the format the request was being answered in
(``g.answer_format``, set by `server.negotiation.choose`, or ``"text"`` for the
SPARQL protocol): JSON ``{"ok": false, "status": ..., "error": ...}``, an HTML page
(templates looked up most specific first: ``<blueprint>_<status>.html``, then
``error.html``), else plain text. `register` gives a blueprint the handlers of the
errors every page can meet: a `Problem` it raised, a bad canned-query parameter
(400), a format not offered (406), no graph built yet (503), and the executor's
errors. A query stopped at the time limit and a server with every query process busy
are both 503 with ``Retry-After``, on /sparql as on every page.
"""

from __future__ import annotations

import json
import math

from flask import Blueprint, Response, current_app, g, render_template, request
from werkzeug.exceptions import BadRequest, HTTPException, MethodNotAllowed, NotAcceptable, NotFound

from graph_build.canned import ParameterError
from graph_build.store.access import StoreError

from .executor import QueryFailed, QueryTimeout, QueryTooLarge, QueryUnavailable

TITLES = {400: "请求有误 Bad request", 403: "禁止 Forbidden", 404: "未找到 Not found", 405: "方法不允许 Method not allowed",
          406: "无法提供该格式 Not acceptable",
          413: "请求过大 Too large", 429: "请求过多 Too many requests",
          500: "服务器错误 Server error", 501: "未提供 Not implemented", 503: "暂不可用 Unavailable"}
TIMEOUT = "查询超时，已停止。 The query took too long and was stopped ({reason})."
UNAVAILABLE = "服务器暂时无法执行查询，请稍后再试。 The server cannot run the query now; try again later ({reason})."
TOO_LARGE = "查询结果或所需内存超过上限。 The query was stopped: {reason}."
NO_GRAPH = "还没有构建图谱。 No graph is built yet ({reason})."
NO_PAGE = "这里没有页面：{path}。 There is no page at {path}."
HINTS = {  # what an HTML error page suggests next, in Chinese and English
    400: "请检查地址中的参数。 Check the parameters in the address.",
    404: "可以从首页、预设查询或 SPARQL 编辑器开始。 Start from the home page, the canned queries or the SPARQL editor.",
}


class Problem(Exception):
    """A request answered with an error status and a one-sentence message (and what an HTML page shows beside it)."""

    def __init__(self, status: int, message: str, **context: str) -> None:
        super().__init__(message)
        self.status, self.message, self.context = status, message, context


def respond(status: int, message: str, answer_format: str | None = None, **context: str) -> Response:
    """Write an error answer as JSON, HTML or text, in the format the request was being answered in."""
    answer_format = answer_format or g.get("answer_format") or "html"
    if answer_format == "json":
        body = json.dumps({"ok": False, "status": status, "error": message}, ensure_ascii=False)
        response = Response(body, status, mimetype="application/json")
    elif answer_format == "html":
        names = [f"{request.blueprint}_{status}.html", "error.html"] if request.blueprint else ["error.html"]
        html = render_template(names, status=status, title=TITLES.get(status, "Error"), message=message, hint=HINTS.get(status), **context)
        response = Response(html, status, mimetype="text/html")
    else:
        response = Response(message + "\n", status, mimetype="text/plain")
    if status == 503:
        response.headers["Retry-After"] = str(retry_after())
    return response


def retry_after() -> int:
    """Say in how many seconds to try again: one time limit, by when the running queries have ended."""
    return max(1, math.ceil(float(current_app.config.get("QUERY_TIMEOUT", 30.0))))


def answer_in(answer_format: str) -> None:
    """Write this request's errors in a format until a negotiated one replaces it (the SPARQL protocol: text)."""
    g.answer_format = answer_format


def register(blueprint: Blueprint) -> None:
    """Give a blueprint the error handlers every page shares."""
    blueprint.register_error_handler(Problem, lambda error: respond(error.status, error.message, **error.context))
    blueprint.register_error_handler(ParameterError, lambda error: respond(400, str(error)))
    blueprint.register_error_handler(NotAcceptable, lambda error: respond(406, error.description or "no format offered fits"))
    blueprint.register_error_handler(NotFound, lambda error: respond(404, error.description or "not found"))
    blueprint.register_error_handler(QueryTimeout, lambda error: respond(503, TIMEOUT.format(reason=error.message)))
    blueprint.register_error_handler(QueryUnavailable, lambda error: respond(503, UNAVAILABLE.format(reason=error.message)))
    blueprint.register_error_handler(QueryTooLarge, lambda error: respond(413, TOO_LARGE.format(reason=error.message)))
    blueprint.register_error_handler(QueryFailed, lambda error: respond(500, f"the query failed: {error.message}"))
    blueprint.register_error_handler(StoreError, lambda error: respond(503, NO_GRAPH.format(reason=error)))



def register_site(blueprint: Blueprint) -> None:
    """Answer requests no blueprint routes (a 404, a 405, a malformed request) with the same styled, bilingual error page."""
    blueprint.app_errorhandler(NotFound)(lambda error: respond(404, NO_PAGE.format(path=request.path), answer_format=site_format()))
    blueprint.app_errorhandler(MethodNotAllowed)(lambda error: respond(405, not_allowed(), answer_format=site_format()))
    blueprint.app_errorhandler(BadRequest)(lambda error: respond(400, bad_request(error), answer_format=site_format()))


def not_allowed() -> str:
    return f"{request.method} 不适用于 {request.path}。 {request.method} is not allowed on {request.path}."


def bad_request(error: HTTPException) -> str:
    return f"请求有误。 The request is malformed: {error.description or 'bad request'}"


def site_format() -> str:
    """Answer an unrouted request in HTML unless it asked for JSON and not HTML."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"], default="text/html")
    return g.get("answer_format") or ("json" if best == "application/json" and "text/html" not in request.accept_mimetypes else "html")
