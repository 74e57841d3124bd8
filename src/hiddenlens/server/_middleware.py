"""The explorer's ASGI middleware: security headers, the cross-origin check, the page token,
the catch-all.

All four are pure ASGI (no BaseHTTPMiddleware), so streamed request bodies pass untouched.
Starlette hands an `Exception` handler to its ServerErrorMiddleware, which re-raises after
answering (a traceback on the console, and in the test client); `CatchAll` answers through
`unexpected_error` instead and re-raises nothing.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import ClientDisconnect, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hiddenlens.server._errors import error_response, unexpected_error

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
CROSS_SITE = ("Requests from other web sites are refused; open the explorer's own page "
              "instead.")
TOKEN_HEADER = "X-Hiddenlens-Token"
NO_TOKEN = (f"API calls need the {TOKEN_HEADER} header that the explorer's page sends; open the "
            "page at / instead.")
WRONG_TOKEN = (f"The {TOKEN_HEADER} header is not this explorer's; reload the page at / (the "
               "server may have restarted).")


class SecurityHeaders:
    """Put `SECURITY_HEADERS` (the CSP first) on every HTTP response, errors included."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).update(SECURITY_HEADERS)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def same_origin(scope: Scope) -> bool:
    """False when a browser says the request comes from another site's page (Origin header)."""
    headers = Headers(scope=scope)
    origin = headers.get("origin")
    if origin is None:
        return True  # not a cross-site browser request (curl, the test client, a GET)
    return urlsplit(origin).netloc == headers.get("host", "")


class SameOrigin:
    """Refuse (403) any request another web site's page makes, before it reaches a route."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not same_origin(scope):
            return await error_response(403, CROSS_SITE)(scope, receive, send)
        await self.app(scope, receive, send)


class PageToken:
    """Refuse (403) an ``/api/`` call without this run's token, before it reaches a route.

    The token is in the page the server serves (a <meta>) and goes back as a header. Another
    web site cannot read the page, and an <img>, <script> or form it plants cannot set a
    header, so a request without it never runs the endpoints' work. The page and its modules
    need no token.
    """

    def __init__(self, app: ASGIApp, token: str):
        self.app = app
        self.token = token.encode("ascii")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/"):
            given = Headers(scope=scope).get(TOKEN_HEADER)
            if given is None or not hmac.compare_digest(given.encode("latin-1"), self.token):
                message = NO_TOKEN if given is None else WRONG_TOKEN
                return await error_response(403, message)(scope, receive, send)
        await self.app(scope, receive, send)


class CatchAll:
    """Answer any exception no handler took with `unexpected_error`'s 500, and swallow it. A
    client that hung up mid-body (ClientDisconnect) is owed nothing: dropped without a word."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except ClientDisconnect:
            return
        except Exception as exc:
            response = unexpected_error(Request(scope), exc)
            if not started:  # else the client sees a cut-off response; the log says why
                await response(scope, receive, send)
