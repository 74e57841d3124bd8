"""The explorer's Starlette app: a handful of JSON endpoints and three static files.

Security: static files are read once from this package and looked up by a fixed name (no path
from a request ever reaches the file system); request bodies are bounded (413); a malformed
body is a 400, an unknown layer, unit or example a 404, each with one sentence; every response
carries a Content-Security-Policy that allows nothing from outside this server.
"""

from __future__ import annotations

import json
from importlib import resources

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hiddenlens.server._payloads import Explorer, UnknownItem

MAX_BODY_BYTES = 256 * 1024  # a 784-pixel input is ~16 kB of JSON
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
STATIC_TYPES = {
    "index.html": "text/html; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
}
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class BadRequest(ValueError):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def _static_files() -> dict[str, bytes]:
    folder = resources.files("hiddenlens.server") / "static"
    return {name: (folder / name).read_bytes() for name in STATIC_TYPES}


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=SECURITY_HEADERS)


def _ok(payload: dict) -> JSONResponse:
    return JSONResponse(payload, headers=SECURITY_HEADERS)


def _int_param(request: Request, name: str, what: str) -> int:
    text = request.path_params[name]
    try:
        return int(text)
    except ValueError:
        raise UnknownItem(f"There is no {what} {text!r}: {what}s are integers.") from None


async def read_json(request: Request, limit: int = MAX_BODY_BYTES) -> dict:
    """The request's JSON object, refusing bodies over `limit` bytes before reading them all."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BadRequest(f"The request body is {declared} bytes; the limit is {limit}.", 413)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BadRequest(f"The request body is over the limit of {limit} bytes.", 413)
        chunks.append(chunk)
    try:
        body = json.loads(b"".join(chunks))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadRequest("The request body must be JSON, like {\"x\": [0.0, 0.5, ...]}.") from None
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object, like {\"x\": [...]}.")
    return body


def _input(body: dict, n_inputs: int) -> list:
    x = body.get("x")
    if not isinstance(x, list) or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in x
    ):
        raise BadRequest(f"`x` must be a list of {n_inputs} numbers.")
    if len(x) != n_inputs:
        raise BadRequest(f"`x` must be a list of {n_inputs} numbers. Got {len(x)} instead.")
    return x


def create_app(net, dataset=None, *, allowed_hosts=LOCAL_HOSTS,
               max_body_bytes: int = MAX_BODY_BYTES) -> Starlette:
    """The explorer app for `net` (and its data set, for examples and unit cards).

    Parameters
    ----------
    net : DenseNet
    dataset : Dataset, optional
    allowed_hosts : sequence of str, default=("127.0.0.1", "localhost", "::1", "[::1]")
        Host headers accepted (guards against DNS rebinding); ("*",) accepts any.
    max_body_bytes : int, default=262144
    """
    explorer = Explorer(net, dataset)
    static = _static_files()

    def endpoint(compute):
        """Wrap `compute(request) -> dict` with the error mapping every endpoint shares."""
        async def handler(request: Request) -> Response:
            try:
                return _ok(await compute(request))
            except UnknownItem as exc:
                return _error(404, str(exc).strip("'\""))
            except BadRequest as exc:
                return _error(exc.status, str(exc))
            except (ValueError, TypeError) as exc:
                return _error(400, str(exc))
        return handler

    async def page(request: Request) -> Response:
        name = request.path_params.get("name", "index.html")
        if name not in static:
            return _error(404, f"There is no file {name!r}; this server has only "
                               f"{', '.join(sorted(static))}.")
        return Response(static[name], media_type=STATIC_TYPES[name], headers=SECURITY_HEADERS)

    async def favicon(request: Request) -> Response:
        return Response(status_code=204, headers=SECURITY_HEADERS)

    async def model(request):
        return explorer.model_info()

    async def weights(request):
        return explorer.weights()

    async def trace(request):
        x = _input(await read_json(request, max_body_bytes), net.n_inputs)
        return await run_in_threadpool(explorer.trace, x)

    async def examples(request):
        return explorer.examples()

    async def example(request):
        return explorer.example(_int_param(request, "index", "example"))

    def _unit(request) -> tuple[int, int]:
        l = explorer.layer(_int_param(request, "layer", "layer"))
        return l, _int_param(request, "unit", "unit")

    async def field(request):
        return explorer.field(*_unit(request))

    async def card(request):
        return await run_in_threadpool(explorer.card, *_unit(request))

    async def contribution(request):
        l, j = _unit(request)
        explorer.unit(l, j)  # a 404 comes before reading the body
        x = _input(await read_json(request, max_body_bytes), net.n_inputs)
        return await run_in_threadpool(explorer.contribution, l, j, x)

    async def top_units(request):
        return explorer.top_units(_int_param(request, "output", "output"))

    async def importance(request):
        return await run_in_threadpool(explorer.importance)

    routes = [
        Route("/", page),
        Route("/static/{name}", page),
        Route("/favicon.ico", favicon),
        Route("/api/model", endpoint(model)),
        Route("/api/weights", endpoint(weights)),
        Route("/api/trace", endpoint(trace), methods=["POST"]),
        Route("/api/examples", endpoint(examples)),
        Route("/api/examples/{index}", endpoint(example)),
        Route("/api/units/{layer}/{unit}", endpoint(card)),
        Route("/api/units/{layer}/{unit}/field", endpoint(field)),
        Route("/api/units/{layer}/{unit}/contribution", endpoint(contribution), methods=["POST"]),
        Route("/api/outputs/{output}/top-units", endpoint(top_units)),
        Route("/api/importance", endpoint(importance)),
    ]
    middleware = [Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))]

    async def not_found(request, exc):
        return _error(404, f"There is nothing at {request.url.path}; the page is at /.")

    async def wrong_method(request, exc):
        return _error(405, f"{request.method} is not accepted at {request.url.path}.")

    return Starlette(routes=routes, middleware=middleware,
                     exception_handlers={404: not_found, 405: wrong_method})
