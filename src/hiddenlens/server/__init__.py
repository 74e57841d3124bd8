"""The local explorer: `create_app(net, data)` and `serve(net, data, host=, port=)`."""

from __future__ import annotations

import errno
import socket
import warnings

from hiddenlens.server._app import LOCAL_HOSTS, create_app

__all__ = ["LOCAL_HOSTS", "create_app", "host_warning", "listen", "serve"]


def host_warning(host: str, port: int) -> str | None:
    """The warning to give before listening on `host`, or None for a local address."""
    if host in LOCAL_HOSTS:
        return None
    return (f"Serving on {host}: anyone who can reach this machine on port {port} can use the "
            "explorer. Use --host 127.0.0.1 to keep it local.")


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to (host, port), as uvicorn binds it; ValueError with one sentence when
    the port is out of range, taken or not ours to take. Port 0 picks a free one."""
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError(f"The port must be in 0..65535 (0 picks a free one). Got {port!r} "
                         "instead.")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio turns Nagle off (TCP_NODELAY) only on sockets that say TCP,
    # and with Nagle on every small answer waits ~40 ms for the browser's delayed ACK
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: not a port in use
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ValueError(f"Port {port} is in use on {host}; pass --port N (another port, "
                             "or 0 for a free one).") from None
        reason = exc.strerror or str(exc)
        raise ValueError(f"Cannot listen on {host} port {port} ({reason}); pass another --host "
                         "or --port.") from None
    return sock


def serve(net, data=None, *, host: str = "127.0.0.1", port: int = 8000,
          log_level: str = "warning", warn: bool = True,
          sock: socket.socket | None = None) -> None:
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
    sock : socket, optional
        A socket `listen(host, port)` bound already (the command binds before printing its
        URL); default: bind here, with the same errors.
    """
    import uvicorn

    message = host_warning(host, port)
    if message and warn:
        warnings.warn(message, UserWarning, stacklevel=2)
    sock = sock or listen(host, port)
    app = create_app(net, data, allowed_hosts=("*",) if message else LOCAL_HOSTS)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=sock.getsockname()[1],
                                           log_level=log_level))
    server.run(sockets=[sock])
