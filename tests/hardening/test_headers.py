"""Security headers and cookie flags, directly and behind a TLS-terminating proxy (TRUSTED_PROXIES, HTTPS)."""

import re

import pytest

from app import create_app
from extensions import db
from tests.conftest import login, make_user

PAGES = ["/", "/login", "/statutes/", "/glossary", "/healthz", "/no-such-page"]


def _csp(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("path", PAGES)
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    csp = _csp(response)
    assert csp["default-src"] == "default-src 'self'"
    assert csp["script-src"] == "script-src 'self'"  # no 'unsafe-inline', no 'unsafe-eval', no other host
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    assert csp["style-src"] == "style-src 'self'"
    assert csp["object-src"] == "object-src 'none'"
    assert csp["frame-ancestors"] == "frame-ancestors 'none'"
    assert csp["base-uri"] == "base-uri 'self'" and csp["form-action"] == "form-action 'self'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert re.fullmatch(r"[A-Za-z0-9._-]{8,64}", response.headers["X-Request-ID"])
    # Served over plain HTTP (no proxy in front): no HSTS, which would pin a name to HTTPS that has none.
    assert "Strict-Transport-Security" not in response.headers


def test_pages_have_no_inline_scripts_or_styles(client, users):
    """The CSP forbids them; a page that had one would break in the browser, so none may exist."""
    login(client, "learner@example.jp")
    for path in ("/", "/dashboard", "/statutes/", "/glossary"):
        page = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), path
        assert "<style" not in page and " style=" not in page, path
        assert not re.search(r"\son[a-z]+=", page), path  # no onclick= and the like
        for url in re.findall(r'(?:src|href)="([^"]+)"', page):
            assert not url.startswith(("http://", "https://", "//")) or "e-gov.go.jp" in url, (path, url)


def test_session_cookie_is_httponly_and_samesite_without_tls(client):
    make_user("hanako@example.jp")
    response = client.post("/login", data={"email": "hanako@example.jp", "password": "kanazawa-2027-dx",
                                           "remember": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("session="))
    remember = next(c for c in cookies if c.startswith("remember_token="))
    for cookie in (session, remember):
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Secure" not in cookie  # plain HTTP: a Secure cookie would never come back


def test_request_ids_from_outside_are_used_only_when_they_look_like_ids(client):
    assert client.get("/healthz", headers={"X-Request-ID": "abcdef0123456789"}).headers["X-Request-ID"] == \
        "abcdef0123456789"
    forged = client.get("/healthz", headers={"X-Request-ID": "x rid=admin " * 20}).headers["X-Request-ID"]
    assert forged != "x rid=admin " * 20 and re.fullmatch(r"[0-9a-f]{16}", forged)


@pytest.fixture
def proxied(app):
    """The same database, served the way docs/deploy.md sets it up: nginx in front, TLS, one trusted proxy."""
    settings = {key: app.config[key] for key in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "WTF_CSRF_ENABLED",
                                                   "LOGIN_RATE_LIMIT", "STATUTES_AS_OF")}
    behind = create_app({**settings, "TESTING": True, "TRUSTED_PROXIES": 1, "HTTPS": True})
    with behind.app_context():
        yield behind
        db.session.remove()
        db.engine.dispose()


def test_behind_a_tls_proxy_hsts_is_sent_and_cookies_are_secure(proxied):
    make_user("hanako@example.jp")
    client = proxied.test_client()
    tls = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Host": "jichiho.example.jp"}
    response = client.get("/login", headers=tls)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    response = client.post("/login", headers=tls, data={"email": "hanako@example.jp",
                                                         "password": "kanazawa-2027-dx", "remember": "y"})
    assert response.status_code == 302
    assert response.headers["Location"] in ("/dashboard", "https://jichiho.example.jp/dashboard")
    for cookie in response.headers.getlist("Set-Cookie"):
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_forwarded_headers_are_believed_only_from_a_trusted_proxy(app, proxied):
    from flask import request

    seen = {}

    def record():
        seen["addr"], seen["secure"] = request.remote_addr, request.is_secure

    forged = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    for application in (app, proxied):
        application.before_request_funcs.setdefault(None, []).append(record)
    # Without TRUSTED_PROXIES (the default), a client cannot claim another address or TLS: no HSTS either.
    response = app.test_client().get("/healthz", headers=forged, environ_base={"REMOTE_ADDR": "198.51.100.1"})
    assert seen == {"addr": "198.51.100.1", "secure": False}
    assert "Strict-Transport-Security" not in response.headers
    # With one trusted proxy, its X-Forwarded-For is the client (used by the per-address sign-in limit).
    proxied.test_client().get("/healthz", headers=forged, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert seen == {"addr": "203.0.113.9", "secure": True}
