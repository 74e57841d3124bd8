"""The local explorer: `create_app(net, data)` and `serve(net, data, host=, port=)`."""

from __future__ import annotations

import warnings

from hiddenlens.server._app import LOCAL_HOSTS, create_app

__all__ = ["LOCAL_HOSTS", "create_app", "host_warning", "serve"]


def host_warning(host: str, port: int) -> str | None:
    """The warning to give before listening on `host`, or None for a local address."""
    if host in LOCAL_HOSTS:
        return None
    return (f"Serving on {host}: anyone who can reach this machine on port {port} can use the "
            "explorer. Use --host 127.0.0.1 to keep it local.")


def serve(net, data=None, *, host: str = "127.0.0.1", port: int = 8000,
          log_level: str = "warning", warn: bool = True) -> None:
    """Run the explorer for `net` until interrupted (Ctrl+C).

    Parameters
    ----------
    net : DenseNet
    data : Dataset or str, optional
        A data set or its name (see `hiddenlens.data.for_model`): gives examples, unit
        cards' top examples and slider ranges.
    host : str, default="127.0.0.1"
        Any other address exposes the explorer to the network: a warning says so.
    port : int, default=8000
    log_level : str, default="warning"
        uvicorn's log level.
    warn : bool, default=True
        Warn (UserWarning) when `host` is not a local address.
    """
    import uvicorn

    message = host_warning(host, port)
    if message and warn:
        warnings.warn(message, UserWarning, stacklevel=2)
    app = create_app(net, data, allowed_hosts=("*",) if message else LOCAL_HOSTS)
    uvicorn.run(app, host=host, port=port, log_level=log_level)
