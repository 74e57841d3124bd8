"""The local explorer: `create_app(net, dataset)` and `serve(net, dataset, host, port)`."""

from __future__ import annotations

import warnings

from hiddenlens.server._app import LOCAL_HOSTS, create_app

__all__ = ["LOCAL_HOSTS", "create_app", "serve"]


def serve(net, dataset=None, *, host: str = "127.0.0.1", port: int = 8000,
          log_level: str = "warning", warn: bool = True) -> None:
    """Run the explorer for `net` until interrupted (Ctrl+C).

    Parameters
    ----------
    net : DenseNet
    dataset : Dataset, optional
        Gives dataset examples, unit cards' top examples and slider ranges.
    host : str, default="127.0.0.1"
        Any other address exposes the explorer to the network: a warning says so.
    port : int, default=8000
    warn : bool, default=True
        Warn when `host` is not a local address.
    """
    import uvicorn

    local = host in LOCAL_HOSTS
    if not local and warn:
        warnings.warn(
            f"Serving on {host}: anyone who can reach this machine on port {port} can use the "
            "explorer. Use --host 127.0.0.1 to keep it local.", UserWarning, stacklevel=2)
    app = create_app(net, dataset, allowed_hosts=LOCAL_HOSTS if local else ("*",))
    uvicorn.run(app, host=host, port=port, log_level=log_level)
