"""The explorer's JSON endpoints: module-level functions over ``request.app.state.explorer``.

Each parses what the request names (path integers, a bounded JSON body), asks the `Explorer`
and returns its dict as JSON. They raise, never answer errors themselves: `_errors` maps
`UnknownItem` to 404, `BadRequest` to its status and ValueError/TypeError to 400. Bodies are
read by `_body`; answers are encoded by `JSON`, which never writes NaN or infinity.
"""

from __future__ import annotations

import json
import re

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hiddenlens.server._body import read_input, read_json
from hiddenlens.server._payloads import Explorer, UnknownItem
from hiddenlens.server._static import favicon, page


# ------------------------------------------------------------------ parsing a request
def _explorer(request: Request) -> Explorer:
    return request.app.state.explorer


def _int_param(request: Request, name: str, what: str) -> int:
    text = request.path_params[name]
    if not re.fullmatch(r"-?[0-9]+", text):
        raise UnknownItem(f"There is no {what} {text!r}: {what}s are integers.")
    if len(text.lstrip("-")) > 9:  # before int(): Python refuses 4,300 digits, slowly
        raise UnknownItem(f"There is no {what} {text[:12]}… ({len(text)} characters): this "
                          f"explorer's {what}s have at most 9 digits.")
    return int(text)


def _unit(request: Request) -> tuple[int, int]:
    """The (layer, unit) the path names; the layer already checked (a 404 otherwise)."""
    l = _explorer(request).layer(_int_param(request, "layer", "layer"))
    return l, _int_param(request, "unit", "unit")


class NotFinite(RuntimeError):
    """An answer held NaN or infinity: a bug (the payloads check what an input can overflow)."""


class JSON(JSONResponse):
    """Strict JSON. A non-finite number is a 500 that names the bug, not a ValueError that the
    400 handler would show the user as "Out of range float values are not JSON compliant"."""

    def render(self, content) -> bytes:
        try:
            return json.dumps(content, ensure_ascii=False, allow_nan=False,
                              separators=(",", ":")).encode("utf-8")
        except ValueError:
            raise NotFinite("an answer held NaN or infinity") from None


# ------------------------------------------------------------------ endpoints
async def model(request: Request) -> JSON:
    return JSON(_explorer(request).model_info())


async def weights(request: Request) -> JSON:
    return JSON(_explorer(request).weights())


async def trace(request: Request) -> JSON:
    x = await read_input(request)
    return JSON(await run_in_threadpool(_explorer(request).trace, x))


async def examples(request: Request) -> JSON:
    return JSON(_explorer(request).examples())


async def example(request: Request) -> JSON:
    index = _int_param(request, "index", "example")
    return JSON(_explorer(request).example(index))


async def card(request: Request) -> JSON:
    return JSON(await run_in_threadpool(_explorer(request).card, *_unit(request)))


async def field(request: Request) -> JSON:
    return JSON(_explorer(request).field(*_unit(request)))


async def contribution(request: Request) -> JSON:
    explorer, (l, j) = _explorer(request), _unit(request)
    explorer.unit(l, j)  # a 404 comes before reading the body
    x = await read_input(request)
    return JSON(await run_in_threadpool(explorer.contribution, l, j, x))


async def top_units(request: Request) -> JSON:
    """GET: ranked by weight; POST {"x": [...]}: by this input's contributions too."""
    explorer, output = _explorer(request), _int_param(request, "output", "output")
    if request.method == "GET":
        return JSON(explorer.top_units(output))
    explorer.unit(explorer.net.n_layers - 1, output)  # a 404 comes before reading the body
    x = await read_input(request)
    return JSON(await run_in_threadpool(explorer.top_units, output, x=x))


async def importance(request: Request) -> JSON:
    return JSON(await run_in_threadpool(_explorer(request).importance))


async def unit_ablation(request: Request) -> JSON:
    """The unit's ablation effect per class; ?value=zero (default) or mean."""
    causal, (l, j) = _explorer(request).causal, _unit(request)
    value = request.query_params.get("value", "zero")
    return JSON(await run_in_threadpool(causal.ablation, l, j, value))


async def layer_means(request: Request) -> JSON:
    causal, l = _explorer(request).causal, _int_param(request, "layer", "layer")
    return JSON(await run_in_threadpool(causal.means, l))


async def patch(request: Request) -> JSON:
    body = await read_json(request)
    return JSON(await run_in_threadpool(_explorer(request).causal.patch, body))


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
    Route("/api/outputs/{output}/top-units", top_units, methods=["GET", "POST"]),
    Route("/api/importance", importance),
    Route("/api/units/{layer}/{unit}/ablation", unit_ablation),
    Route("/api/layers/{layer}/means", layer_means),
    Route("/api/patch", patch, methods=["POST"]),
]
