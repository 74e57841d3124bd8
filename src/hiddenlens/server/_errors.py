"""What the explorer answers when a request fails: Starlette exception handlers, one sentence each.

Every error body is ``{"error": "<one sentence>"}``. A layer, unit, example or route that does
not exist is a 404; a malformed request a 400 (or the `BadRequest`'s own status, 413 for a body
over the limit); a wrong method a 405. Anything else is a bug: `unexpected_error` logs one line
and answers a 500 that shows no traceback.
"""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from hiddenlens.server._payloads import UnknownItem

logger = logging.getLogger("hiddenlens.server")


class BadRequest(ValueError):
    """A request the explorer cannot use: a 400 unless `status` says otherwise (413)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def error_response(status: int, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


async def unknown_item(request: Request, exc: UnknownItem) -> JSONResponse:
    return error_response(404, str(exc))


async def bad_request(request: Request, exc: BadRequest) -> JSONResponse:
    return error_response(exc.status, str(exc))


async def invalid_value(request: Request, exc: ValueError | TypeError) -> JSONResponse:
    return error_response(400, str(exc))  # the public API's one-sentence errors


async def not_found(request: Request, exc: HTTPException) -> JSONResponse:
    return error_response(404, f"There is nothing at {request.url.path}; the page is at /.")


async def wrong_method(request: Request, exc: HTTPException) -> JSONResponse:
    return error_response(405, f"{request.method} is not accepted at {request.url.path}.",
                          headers=exc.headers)  # keeps the Allow header


async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
    return error_response(exc.status_code, exc.detail, headers=exc.headers)


def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """Log one line (no traceback) and answer a 500 that says where to look."""
    text = " ".join(str(exc).split())[:200]  # one line, however the exception reads
    logger.error("%s %s failed: %s: %s", request.method, request.url.path,
                 type(exc).__name__, text)
    return error_response(500, f"The explorer failed to answer {request.method} "
                               f"{request.url.path}; its console says why.")


EXCEPTION_HANDLERS = {
    UnknownItem: unknown_item,
    BadRequest: bad_request,
    ValueError: invalid_value,
    TypeError: invalid_value,
    HTTPException: http_error,
    404: not_found,
    405: wrong_method,
}
