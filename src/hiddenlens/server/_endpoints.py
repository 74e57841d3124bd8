"""The explorer's JSON endpoints: module-level functions over ``request.app.state.explorer``.

Each parses what the request names (path integers, a bounded JSON body), asks the `Explorer`
and returns its dict as JSON. They raise, never answer errors themselves: `_errors` maps
`UnknownItem` to 404, `BadRequest` to its status and ValueError/TypeError to 400.
"""

from __future__ import annotations

import json

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hiddenlens.server._errors import BadRequest
from hiddenlens.server._payloads import Explorer, UnknownItem
from hiddenlens.server._static import favicon, page


# ------------------------------------------------------------------ parsing a request
def _explorer(request: Request) -> Explorer:
    return request.app.state.explorer


def _int_param(request: Request, name: str, what: str) -> int:
    text = request.path_params[name]
    try:
        return int(text)
    except ValueError:
        raise UnknownItem(f"There is no {what} {text!r}: {what}s are integers.") from None


def _unit(request: Request) -> tuple[int, int]:
    """The (layer, unit) the path names; the layer already checked (a 404 otherwise)."""
    l = _explorer(request).layer(_int_param(request, "layer", "layer"))
    return l, _int_param(request, "unit", "unit")


async def read_json(request: Request) -> dict:
    """The request's JSON object, refusing bodies over the app's limit before reading them all."""
    limit = request.app.state.max_body_bytes
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


async def read_input(request: Request) -> list:
    """The body's `x`: a list of exactly n_inputs numbers (booleans refused)."""
    x, n_inputs = (await read_json(request)).get("x"), _explorer(request).net.n_inputs
    if not isinstance(x, list) or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in x
    ):
        raise BadRequest(f"`x` must be a list of {n_inputs} numbers.")
    if len(x) != n_inputs:
        raise BadRequest(f"`x` must be a list of {n_inputs} numbers. Got {len(x)} instead.")
    return x


# ------------------------------------------------------------------ endpoints
async def model(request: Request) -> JSONResponse:
    return JSONResponse(_explorer(request).model_info())


async def weights(request: Request) -> JSONResponse:
    return JSONResponse(_explorer(request).weights())


async def trace(request: Request) -> JSONResponse:
    x = await read_input(request)
    return JSONResponse(await run_in_threadpool(_explorer(request).trace, x))


async def examples(request: Request) -> JSONResponse:
    return JSONResponse(_explorer(request).examples())


async def example(request: Request) -> JSONResponse:
    index = _int_param(request, "index", "example")
    return JSONResponse(_explorer(request).example(index))


async def card(request: Request) -> JSONResponse:
    return JSONResponse(await run_in_threadpool(_explorer(request).card, *_unit(request)))


async def field(request: Request) -> JSONResponse:
    return JSONResponse(_explorer(request).field(*_unit(request)))


async def contribution(request: Request) -> JSONResponse:
    explorer, (l, j) = _explorer(request), _unit(request)
    explorer.unit(l, j)  # a 404 comes before reading the body
    x = await read_input(request)
    return JSONResponse(await run_in_threadpool(explorer.contribution, l, j, x))


async def top_units(request: Request) -> JSONResponse:
    output = _int_param(request, "output", "output")
    return JSONResponse(_explorer(request).top_units(output))


async def importance(request: Request) -> JSONResponse:
    return JSONResponse(await run_in_threadpool(_explorer(request).importance))


ROUTES = [
    Route("/", page),
    Route("/static/{path:path}", page),
    Route("/favicon.ico", favicon),
    Route("/api/model", model),
    Route("/api/weights", weights),
    Route("/api/trace", trace, methods=["POST"]),
    Route("/api/examples", examples),
    Route("/api/examples/{index}", example),
    Route("/api/units/{layer}/{unit}", card),
    Route("/api/units/{layer}/{unit}/field", field),
    Route("/api/units/{layer}/{unit}/contribution", contribution, methods=["POST"]),
    Route("/api/outputs/{output}/top-units", top_units),
    Route("/api/importance", importance),
]
