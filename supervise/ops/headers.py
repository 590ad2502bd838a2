"""Security headers on every answer: pages may run only the service's own scripts and styles and
may not be framed (the decision form cannot be clickjacked); nothing is MIME-sniffed; referrers
stay on the site; and HSTS once the request came over HTTPS."""
from __future__ import annotations

from flask import Flask, request

PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
               "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
               "frame-ancestors 'none'")
# JSON, photos and track pictures are never documents to run anything in.
OTHER_POLICY = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; frame-ancestors 'none'"
HSTS = "max-age=31536000; includeSubDomains"


def init_headers(app: Flask) -> None:
    """Add the headers to every response of the app."""
    app.after_request(add_security_headers)


def add_security_headers(response):
    """The headers for this response (kept where a view already set its own)."""
    headers = response.headers
    is_page = response.mimetype == "text/html"
    headers.setdefault("Content-Security-Policy", PAGE_POLICY if is_page else OTHER_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()")
    if is_page:
        # Pages show personal data: the browser keeps no copy to show after logout.
        headers.setdefault("Cache-Control", "no-store")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response
