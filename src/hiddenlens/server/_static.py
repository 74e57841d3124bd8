"""The page and its modules, read once from this package: no request path reaches the disk.

`static_files()` walks the package's ``static/`` folder at startup and keeps every file of a
known kind under its relative path (``"main.js"``, ``"panels/layers.js"``); a request names a
key of that dict or gets a 404. `with_token` writes the run's API token into the page's
``<meta name="hiddenlens-token">``, where api.js reads it.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import PurePosixPath

from starlette.requests import Request
from starlette.responses import Response

from hiddenlens.server._errors import error_response

MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",  # ES modules must be served as JavaScript
    ".css": "text/css; charset=utf-8",
}


def _walk(folder: Traversable, prefix: str = ""):
    for item in folder.iterdir():
        if item.is_dir():
            yield from _walk(item, f"{prefix}{item.name}/")
        else:
            yield f"{prefix}{item.name}", item


def static_files() -> dict[str, tuple[bytes, str]]:
    """Every servable file of ``static/``: relative path -> (content, media type)."""
    files = {}
    for name, item in _walk(resources.files("hiddenlens.server") / "static"):
        kind = MEDIA_TYPES.get(PurePosixPath(name).suffix)
        if kind is not None:
            files[name] = (item.read_bytes(), kind)
    return files


TOKEN_SLOT = b'<meta name="hiddenlens-token" content="">'


def with_token(files: dict[str, tuple[bytes, str]], token: str) -> dict[str, tuple[bytes, str]]:
    """`files` with `token` (URL-safe characters only) in index.html's token <meta>."""
    if not token.replace("-", "").replace("_", "").isalnum() or not token.isascii():
        raise ValueError(f"`token` must hold only letters, digits, - and _. Got {token!r} instead.")
    content, kind = files["index.html"]
    slot = TOKEN_SLOT.replace(b'""', b'"' + token.encode("ascii") + b'"')
    return files | {"index.html": (content.replace(TOKEN_SLOT, slot, 1), kind)}


async def page(request: Request) -> Response:
    """``/`` is index.html; ``/static/<path>`` is a file of the allow-list, else a 404."""
    static = request.app.state.static
    name = request.path_params.get("path", "index.html")
    if name not in static:
        return error_response(404, f"There is no file {name!r}; this server has only the "
                                   f"explorer's page (at /) and its {len(static) - 1} files.")
    content, kind = static[name]
    return Response(content, media_type=kind)


async def favicon(request: Request) -> Response:
    return Response(status_code=204)
