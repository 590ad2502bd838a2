"""Security headers on every answer: pages may run only the service's own scripts and styles and
may not be framed (the decision form cannot be clickjacked); nothing is MIME-sniffed; referrers
stay on the site; and HSTS once the request came over HTTPS."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, request

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
    is_page = response.mimetype == "text/html"
    present = {name.lower() for name, _ in response.headers}
    wanted = PAGE_HEADERS if is_page else OTHER_HEADERS
    tiles = tile_origin(current_app.config.get("TILE_URL")) if is_page else None
    if tiles:
        wanted = (("Content-Security-Policy", PAGE_POLICY.replace("img-src 'self'", f"img-src 'self' {tiles}")),
                  *wanted[1:])
    if request.is_secure:
        wanted = (*wanted, HSTS_HEADER)
    for name, value in wanted:
        if name.lower() not in present:
            response.headers.add(name, value)
    return response


def tile_origin(url: str | None) -> str | None:
    """The CSP source of a configured tile URL (`https://t{s}.tianditu.gov.cn/…` →
    `https://*.tianditu.gov.cn`), or None when no tiles are configured."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    labels = parts.netloc.split(".")
    host = ".".join(["*"] + labels[1:] if "{" in labels[0] else labels)
    return f"{parts.scheme}://{host}"


_COMMON = (("X-Frame-Options", "DENY"), ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin"),
           ("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()"))
# Pages show personal data: the browser keeps no copy of them to show after logout.
PAGE_HEADERS = (("Content-Security-Policy", PAGE_POLICY), *_COMMON, ("Cache-Control", "no-store"))
OTHER_HEADERS = (("Content-Security-Policy", OTHER_POLICY), *_COMMON)
HSTS_HEADER = ("Strict-Transport-Security", HSTS)


def api_headers(*, secure: bool) -> tuple[tuple[str, str], ...]:
    """The headers add_security_headers gives an answer that is not a page (for answers made
    outside Flask's response, as the OsmAnd door's)."""
    return (*OTHER_HEADERS, HSTS_HEADER) if secure else OTHER_HEADERS
