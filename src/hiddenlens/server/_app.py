"""The explorer's Starlette app: JSON endpoints, the page and its ES modules.

Security: static files are read once from this package and looked up by a fixed name (no path
from a request ever reaches the file system); request bodies are bounded (413); a malformed
body is a 400, an unknown layer, unit or example a 404, each with one sentence; a request that
another web site's page makes (its Origin is not this server) is a 403, and so is an ``/api/``
call without this run's token (the page carries it, another site cannot read it: an <img> or
<script> tag elsewhere cannot make the explorer work); every response carries a
Content-Security-Policy that allows nothing from outside this server.

The pieces: `_endpoints` (routes, module-level functions), `_errors` (exception handlers),
`_middleware` (headers, origin check, page token, catch-all), `_static` (the allow-list of files).
"""

from __future__ import annotations

import secrets

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware

from hiddenlens.server._endpoints import ROUTES
from hiddenlens.server._errors import EXCEPTION_HANDLERS
from hiddenlens.server._middleware import CatchAll, PageToken, SameOrigin, SecurityHeaders
from hiddenlens.server._payloads import Explorer
from hiddenlens.server._static import static_files, with_token

MAX_BODY_BYTES = 256 * 1024  # a 784-pixel input is ~16 kB of JSON
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


def create_app(net, data=None, *, allowed_hosts=LOCAL_HOSTS,
               max_body_bytes: int = MAX_BODY_BYTES, token: str | None = None) -> Starlette:
    """The explorer app for `net` (and its data set, for examples and unit cards).

    Parameters
    ----------
    net : DenseNet
    data : Dataset or str, optional
        A data set or its name, for examples and unit cards.
    allowed_hosts : sequence of str, default=("127.0.0.1", "localhost", "::1", "[::1]")
        Host headers accepted (guards against DNS rebinding); ("*",) accepts any.
    max_body_bytes : int, default=262144
    token : str, optional
        The token every ``/api/`` call must carry (``X-Hiddenlens-Token``); default: a fresh
        random one per app, also in ``app.state.token``.
    """
    token = token or secrets.token_urlsafe(32)
    middleware = [  # outermost first: every answer, a 500 included, gets the headers
        Middleware(SecurityHeaders),
        Middleware(CatchAll),
        Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts)),
        Middleware(SameOrigin),
        Middleware(PageToken, token=token),
    ]
    app = Starlette(routes=ROUTES, middleware=middleware, exception_handlers=EXCEPTION_HANDLERS)
    app.state.explorer = Explorer(net, data)
    app.state.token = token
    app.state.static = with_token(static_files(), token)
    app.state.max_body_bytes = max_body_bytes
    return app
