"""HTTP request/response heads as WARC wants them: what went over the wire, minus hop-by-hop.

The stored payload is the body as received (still Content-Encoded, de-chunked by the client), so
the head must say exactly that: Content-Encoding kept, Content-Length set to the stored length,
Transfer-Encoding dropped. A replay tool then serves bytes that match their headers.
"""

from __future__ import annotations

from http import HTTPStatus
from urllib.parse import quote, urlsplit

from warcio.statusandheaders import StatusAndHeaders

# RFC 9110 §7.6.1 connection-specific fields, plus proxy credentials that must never be archived.
HOP_BY_HOP = frozenset(
    name.lower()
    for name in (
        "Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "TE", "Trailer",
        "Upgrade", "Proxy-Authenticate", "Proxy-Authorization",
    )
)


def _keep(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP]


def response_head(
    status: int, headers: list[tuple[str, str]], payload_length: int, protocol: str = "HTTP/1.1"
) -> StatusAndHeaders:
    """Status line and headers for a response record whose payload is `payload_length` bytes."""
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Unknown"
    kept = [(k, v) for k, v in _keep(headers) if k.lower() != "content-length"]
    kept.append(("Content-Length", str(payload_length)))
    return StatusAndHeaders(f"{status} {reason}", kept, protocol=protocol or "HTTP/1.1")


def request_head(method: str, url: str, headers: list[tuple[str, str]], protocol: str = "HTTP/1.1") -> StatusAndHeaders:
    """Request line in origin form (as sent to an origin server) with a Host header."""
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    # On the wire a request line is ASCII: an IRI's path is percent-encoded, its host punycode.
    target = quote(target, safe="/?&=%:;@+$,!~*'()[]#")
    kept = _keep(headers)
    if not any(k.lower() == "host" for k, _ in kept):
        host = parts.hostname or ""
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            host = quote(host)
        kept.insert(0, ("Host", host + (f":{parts.port}" if parts.port else "")))
    return StatusAndHeaders(f"{method} {target} {protocol or 'HTTP/1.1'}", kept, is_http_request=True)
