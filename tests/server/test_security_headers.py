"""Security headers on every response, and the pages (the YASGUI editor too) working under the Content-Security-Policy in Chromium."""

from __future__ import annotations

import json

import pytest
from flask import Response
from flask.testing import FlaskClient
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from server import security

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
DOC = "/page/doc/yunzhengfa-2020-36"
# Records every CSP violation of a page, installed before any of the page's own scripts run.
RECORD_VIOLATIONS = """window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI + " " + (e.sourceFile || "") + ":" + e.lineNumber);
});"""

# fmt: off
RESPONSES = [
    ("/", BROWSER, "text/html"),
    ("/sparql", BROWSER, "text/html"),
    ("/sparql?query=ASK%7B%7D", "*/*", "application/sparql-results+json"),
    ("/queries/documents", BROWSER, "text/html"),
    ("/queries/documents.csv", "*/*", "text/csv"),
    (DOC, BROWSER, "text/html"),
    (DOC + ".ttl", "*/*", "text/turtle"),
    ("/ontology", BROWSER, "text/html"),
    ("/dumps/", BROWSER, "text/html"),
    ("/static/site.css", "*/*", "text/css"),
    ("/id/doc/no-such-document", BROWSER, "text/html"),
    ("/queries/no-such-query", BROWSER, "text/html"),
]
# fmt: on


def directives(policy: str) -> dict[str, list[str]]:
    """Split a Content-Security-Policy into its directives and their sources."""
    parts = [part.split() for part in policy.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


@pytest.mark.parametrize(("path", "accept", "media_type"), RESPONSES)
def test_every_response_carries_the_security_headers(client: FlaskClient, path: str, accept: str, media_type: str) -> None:
    response = client.get(path, headers={"Accept": accept})
    assert response.mimetype == media_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]


def test_a_header_the_view_set_itself_is_kept_and_the_others_added_once() -> None:
    response = security.add_headers(Response("x", headers={"x-frame-options": "SAMEORIGIN"}))
    assert response.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert all(len(response.headers.getlist(name)) == 1 for name in security.HEADERS)


def test_scripts_are_this_sites_files_only() -> None:
    policy = directives(security.CONTENT_SECURITY_POLICY)
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no other host
    assert policy["default-src"] == ["'self'"] and policy["connect-src"] == ["'self'"]


@pytest.mark.parametrize("path", ["/", "/queries", "/queries/documents", DOC, "/ontology", "/dumps/", "/id/doc/no-such-document"])
def test_html_pages_have_no_inline_script_or_handler(client: FlaskClient, path: str) -> None:
    page = client.get(path, headers={"Accept": BROWSER}, follow_redirects=True).get_data(as_text=True)
    assert "<script>" not in page and " onload=" not in page and " onclick=" not in page and "javascript:" not in page


def violations_on(browser, url: str, ready: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Open a page with a CSP-violation recorder installed first; return what it recorded once `ready` holds."""
    script = browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_VIOLATIONS})
    try:
        browser.get(url)
        WebDriverWait(browser, 30).until(lambda d: d.execute_script(f"return !!({ready})"))
        return browser.execute_script("return window.__cspViolations")
    finally:
        browser.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": script["identifier"]})


# fmt: off
@pytest.mark.parametrize(("path", "ready"), [
    ("/", "document.querySelector('.counts .count-value')"),
    ("/queries/amounts-by-province", "document.querySelector('figure.chart svg rect.bar')"),
    (DOC, "document.querySelector('h1')"),
    ("/ontology", "document.querySelector('h1')"),
])
# fmt: on
def test_pages_raise_no_csp_violation_in_chromium(browser, live_server: str, path: str, ready: str) -> None:  # type: ignore[no-untyped-def]
    assert violations_on(browser, live_server + path, ready) == []


def test_the_editor_runs_a_query_under_the_policy_in_chromium(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    ready = "window.gaoxinYasgui && window.gaoxinYasgui.getTab()"
    assert violations_on(browser, live_server + "/sparql", ready) == []
    browser.find_element(By.CSS_SELECTOR, ".yasqe_queryButton").click()
    WebDriverWait(browser, 30).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".yasr table tbody tr")) > 0)
    assert browser.execute_script("return window.__cspViolations") == []
    header = browser.execute_script("return fetch('/sparql').then(r => r.headers.get('Content-Security-Policy'))")
    assert json.dumps(header) and "script-src 'self'" in header


def test_doctests() -> None:
    import doctest

    assert doctest.testmod(security).failed == 0
