"""Which web pages may read the dashboard and change state through it.

Without a token the dashboard trusts whoever can reach a loopback port, and every page
the operator opens in a browser can reach it. So the browser's own rules do the work:

- no CORS header by default, so a page of another origin cannot read any reply; only
  origins given in ``allow_origins`` (``--allow-origin``) get
  ``Access-Control-Allow-Origin`` and have their preflight answered;
- a state-changing request (POST, DELETE, PUT, PATCH) whose ``Origin`` (or, without
  one, ``Referer``) is neither the dashboard's own origin nor an allowed one is refused
  (403), and it must say ``Content-Type: application/json`` (415 otherwise), which a
  cross-site HTML form or a ``no-cors`` fetch cannot send;
- a server bound to loopback answers only requests whose ``Host`` is a loopback name or
  address (or the host of an allowed origin), so a DNS name rebound to 127.0.0.1 gets
  nothing (DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from email.message import Message
from urllib.parse import urlsplit

from taskito.errors import QueueError

UNSAFE_METHODS = frozenset({"POST", "DELETE", "PUT", "PATCH"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?"
_ORIGIN = re.compile(
    rf"(?P<scheme>https?)://(?P<host>\[[0-9a-f:.]+\]|{_LABEL}(?:\.{_LABEL})*)(?::(?P<port>\d{{1,5}}))?",
    re.IGNORECASE,
)

# (scheme, host, port) with the port always given: ("http", "127.0.0.1", 8080).
Origin = tuple[str, str, int]


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _split(text: str) -> Origin | None:
    """``scheme://host[:port]`` as (scheme, host, port), or None when it is not one."""
    match = _ORIGIN.fullmatch(text.strip())
    if match is None:
        return None
    scheme, host = match["scheme"].lower(), match["host"].lower()
    if host.startswith("["):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return None
    port = int(match["port"]) if match["port"] else _DEFAULT_PORTS[scheme]
    if not 1 <= port <= 65535:
        return None
    return scheme, host, port


def _text(origin: Origin) -> str:
    scheme, host, port = origin
    return f"{scheme}://{host}" if port == _DEFAULT_PORTS[scheme] else f"{scheme}://{host}:{port}"


def parse_origin(text: str) -> str:
    """``text`` written the way browsers send an origin (lowercase, no default port).

    Raises :class:`~taskito.errors.QueueError` with one sentence when ``text`` is not
    ``http(s)://host[:port]`` with no path, e.g. ``https://ops.example.com``.
    """
    origin = _split(text) if isinstance(text, str) else None
    if origin is None:
        raise QueueError(
            f"{text!r} is not an origin like https://ops.example.com or "
            "http://localhost:3000 (http or https, a host and an optional port, no path)"
        )
    return _text(origin)


def _host_header(value: str) -> tuple[str, int | None] | None:
    """A ``Host`` header as (lowercase host name without brackets, port or None)."""
    try:
        parts = urlsplit(f"//{value.strip()}")
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host or parts.username is not None or parts.path:
        return None
    return host, port


def _referer_origin(value: str) -> Origin | None:
    try:
        parts = urlsplit(value.strip())
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not host:
        return None
    shown = f"[{host}]" if ":" in host else host
    return _split(f"{parts.scheme}://{shown}" + (f":{port}" if port is not None else ""))


class OriginPolicy:
    """The cross-origin rules of one dashboard, with its allow-list of origins."""

    def __init__(self, allow_origins: Iterable[str] = ()) -> None:
        if isinstance(allow_origins, str):
            raise QueueError(
                "allow_origins takes a list of origins such as ['https://ops.example.com'], "
                f"not the string {allow_origins!r}"
            )
        parsed = {_split(parse_origin(text)) for text in allow_origins}
        self.allowed: frozenset[Origin] = frozenset(o for o in parsed if o is not None)
        self._allowed_hosts = frozenset(host.strip("[]") for _, host, _ in self.allowed)

    def allows(self, origin_header: str | None) -> bool:
        """True when ``Origin: origin_header`` is on the allow-list."""
        return origin_header is not None and _split(origin_header) in self.allowed

    def host_refusal(self, host_header: str | None, bound_host: str) -> str | None:
        """Why a request for ``Host: host_header`` is refused, or None (DNS-rebinding guard).

        Only a server bound to loopback checks: it answers for loopback names and
        addresses, its bound address and the hosts of allowed origins.
        """
        if host_header is None or not is_loopback(bound_host):
            return None
        parsed = _host_header(host_header)
        name = parsed[0] if parsed else ""
        known = {bound_host.strip("[]").lower(), *self._allowed_hosts}
        if name and (is_loopback(name) or name in known):
            return None
        return (
            f"this dashboard listens on loopback and answers only for hosts such as "
            f"127.0.0.1 or localhost, not {host_header!r} (a guard against DNS rebinding)"
        )

    def _is_own(self, origin: Origin, host_header: str | None) -> bool:
        parsed = _host_header(host_header) if host_header else None
        if parsed is None:
            return False
        scheme, host, port = origin
        want_host, want_port = parsed
        return host.strip("[]") == want_host and port == (want_port or _DEFAULT_PORTS[scheme])

    def cross_site_refusal(self, headers: Message) -> str | None:
        """Why a state-changing request is refused as cross-site, or None.

        Its ``Origin`` (or, without one, the origin of its ``Referer``) must be the
        dashboard's own (the ``Host`` it was reached at, over http or https) or an
        allowed one; a request with neither header (curl, scripts) passes this check.
        """
        sent = headers.get("Origin")
        source = "Origin"
        if sent is None:
            sent, source = headers.get("Referer"), "Referer"
            if sent is None:
                return None
            origin = _referer_origin(sent)
        else:
            origin = _split(sent)
        if origin is not None and (
            origin in self.allowed or self._is_own(origin, headers.get("Host"))
        ):
            return None
        shown = _text(origin) if origin is not None else sent
        return (
            f"refused a cross-site request from {shown!r} ({source} header): only the "
            "dashboard's own page and origins given with --allow-origin may make changes"
        )

    def preflight_headers(self, origin_header: str | None) -> list[tuple[str, str]] | None:
        """The headers answering a CORS preflight from an allowed origin, or None."""
        if origin_header is None or not self.allows(origin_header):
            return None
        return [
            *self.cors_headers(origin_header),
            ("Access-Control-Allow-Methods", "GET, POST, DELETE"),
            ("Access-Control-Allow-Headers", "Authorization, Content-Type"),
            ("Access-Control-Max-Age", "600"),
        ]

    def cors_headers(self, origin_header: str | None) -> list[tuple[str, str]]:
        """``Access-Control-Allow-Origin`` and ``Vary`` for an allowed origin; else none."""
        if origin_header is None or not self.allows(origin_header):
            return []
        return [("Access-Control-Allow-Origin", origin_header.strip()), ("Vary", "Origin")]


def content_type_refusal(headers: Message) -> str | None:
    """Why a state-changing request's content type is refused (415), or None.

    Only ``application/json`` (parameters allowed) passes: HTML forms and ``no-cors``
    fetches can only send ``text/plain``, form and multipart bodies. One exception, for
    scripts written against the original taskito (``urllib`` labels an empty POST as a
    form): a request with no body and neither ``Origin`` nor ``Referer``. Browsers send
    ``Origin`` on every POST and DELETE (the Fetch standard), so this is never a page.
    """
    sent = headers.get("Content-Type")
    if sent is not None and sent.split(";", 1)[0].strip().lower() == "application/json":
        return None
    bodiless = headers.get("Content-Length", "0").strip() in ("", "0")
    urllib_default = sent is None or sent.strip().lower() == "application/x-www-form-urlencoded"
    if (
        bodiless
        and urllib_default
        and headers.get("Origin") is None
        and headers.get("Referer") is None
    ):
        return None
    got = f"got {sent!r}" if sent else "it sent none"
    return f"requests that change state must send Content-Type: application/json ({got})"
