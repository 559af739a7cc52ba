"""Headers and checks that apply to every response and request, whatever blueprint answers it.

Every response carries a Content-Security-Policy that allows only this site's own
scripts, styles, images and fetches (the pages have no inline scripts: the editor
reads its configuration from a JSON block, see server/static/sparql.js), and
forbids framing, plugins and ``<base>``; ``X-Frame-Options: DENY`` says the same to
old browsers, ``X-Content-Type-Options: nosniff`` stops a browser from running a
result as something it is not, and ``Referrer-Policy`` keeps query URLs from leaking
to other sites. The result table's column resizer in YASGUI writes ``<style>``
elements from script (measured: the only violation under ``style-src 'self'``), so
styles allow ``'unsafe-inline'``; scripts never do, nor ``eval``.

A malformed ``Accept`` header (RFC 9110 §12.5.1: ``type/subtype`` ranges with
parameters and a ``q`` weight between 0 and 1) gets 406 naming the bad element,
instead of being read as "anything" by a lenient parser.
"""

from __future__ import annotations

import re

from flask import Flask, Response, request

from . import errors

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
PARAMETER = rf"\s*;\s*(?:[qQ]\s*=\s*(?:0(?:\.\d{{0,3}})?|1(?:\.0{{0,3}})?)|(?![qQ]\s*=){TOKEN}\s*=\s*(?:{TOKEN}|\"(?:[^\"\\\\]|\\\\.)*\"))"
ELEMENT = re.compile(r'(?:[^,"]|"(?:[^"\\]|\\.)*+"?)++')  # a list element; a comma inside a quoted string does not split
MEDIA_RANGE = re.compile(rf"\s*(?:\*/\*|{TOKEN}/\*|{TOKEN}/{TOKEN})(?:{PARAMETER})*\s*")


def init_app(app: Flask) -> None:
    """Check every request's Accept header and add the security headers to every response."""
    app.before_request(refuse_malformed_accept)
    app.after_request(add_headers)


def add_headers(response: Response) -> Response:
    """Set each security header the view did not set itself (one pass over the headers: each setdefault would scan them all)."""
    present = {name.lower() for name, _ in response.headers}
    response.headers.extend([(name, value) for name, value in HEADERS.items() if name.lower() not in present])
    return response


def malformed_accept(header: str) -> str | None:
    """Return the first element of an Accept header that is not a media range with valid parameters, or None.

    >>> [malformed_accept(h) for h in ("text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", "", " , text/csv ;charset=utf-8", 'a/b;x="1,2"')]
    [None, None, None, None]
    >>> [malformed_accept(h) for h in (";;;", "text/html;q=abc", "text/html;q=2", "a/b/c", "text")]
    [';;;', 'text/html;q=abc', 'text/html;q=2', 'a/b/c', 'text']
    """
    for element in ELEMENT.findall(header):
        if element.strip() and not MEDIA_RANGE.fullmatch(element):
            return element.strip()
    return None


def refuse_malformed_accept() -> Response | None:
    """Answer 406 to a request whose Accept header cannot be read, naming the bad element."""
    element = malformed_accept(request.headers.get("Accept", ""))
    if element is None:
        return None
    message = f"the Accept header is malformed at {element[:100]!r}: give media types such as text/html, text/csv or */*, each with an optional ;q=0…1"
    return errors.respond(406, message, "text")
