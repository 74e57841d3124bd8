"""`hiddenlens serve` as a user runs it, fed the requests that used to crash an endpoint: every
answer is one sentence with a 4xx status, and the console shows no traceback and no 500."""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time

import pytest

import hiddenlens as hl
from _explorer import SRC, page_token, serve_process
from test_cli import assert_one_sentence_error, run

NESTED = b"[" * 100_000 + b"]" * 100_000
BAD_BODIES = [  # (path, body, status, start of the sentence)
    ("/api/trace", b'{"x": [' + b"9" * 400 + b", 1, 2, 3]}", 400,
     "Numbers in the request body must have at most 50 digits. Got one of 400 digits"),
    ("/api/units/0/1/contribution", b'{"x": [' + b"9" * 5000 + b", 1, 2, 3]}", 400,
     "Numbers in the request body must have at most 50 digits. Got one of 5000 digits"),
    ("/api/trace", NESTED, 400, "The request body's JSON must be nested at most 32 levels"),
    ("/api/units/1/0/contribution", b'{"x": ' + NESTED + b"}", 400,
     "The request body's JSON must be nested at most 32 levels"),
    ("/api/trace", b'{"x": [3e38, 3e38, 3e38, 3e38]}', 400, "This input (its largest number"),
    ("/api/trace", b'{"x": [1, 2, 3, 1e39]}', 400, "`x[3]` must be a finite number within"),
    ("/api/units/0/1/contribution", b'{"x": [NaN, 2, 3, 4]}', 400, "`x[0]` must be a finite"),
    ("/api/trace", b"\xff\xfe{", 400, "The request body must be JSON"),
    ("/api/trace", b'{"x": [' + b"0.5, " * 60_000 + b"1]}", 413, "The request body is"),
]


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    iris = hl.load_dataset("iris")
    net = hl.train(hl.DenseNet([4, 5, 3], "tanh", random_state=0), iris, epochs=3, progress=False)
    path = tmp_path_factory.mktemp("serve") / "iris.safetensors"
    hl.save_model(net, path)
    return path


def _post(url: str, path: str, body: bytes, token: str) -> tuple[int, dict]:
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.request("POST", path, body=body, headers={"X-Hiddenlens-Token": token,
                                                   "Content-Type": "application/json"})
    r = conn.getresponse()
    status, data = r.status, json.loads(r.read())
    conn.close()
    return status, data


def _hang_up_mid_body(url: str, path: str, token: str) -> None:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nX-Hiddenlens-Token: {token}"
                  "\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
                  '{"x": [0.1, 0.2, '.encode())


def test_bad_requests_get_one_sentence_and_the_console_stays_clean(model, tmp_path):
    err = tmp_path / "stderr.txt"
    with open(err, "w") as stderr, serve_process(model, "--data", "iris",
                                                 stderr=stderr) as (url, proc):
        token = page_token(url)
        for path, body, status, start in BAD_BODIES:
            got, data = _post(url, path, body, token)
            assert (got, list(data)) == (status, ["error"]), (path, body[:40], data)
            assert data["error"].startswith(start), data["error"]
            assert "sys." not in data["error"] and "JSON compliant" not in data["error"]
        for _ in range(3):
            _hang_up_mid_body(url, "/api/trace", token)
        got, data = _post(url, "/api/units/0/" + "9" * 400 + "/contribution", b"{}", token)
        assert got == 404 and data["error"].startswith("There is no unit 999999999999…")
        got, _ = _post(url, "/api/trace", b'{"x": [5.1, 3.5, 1.4, 0.2]}', token)
        assert got == 200  # still serving
        proc.terminate()
        proc.wait(15)
    console = err.read_text()
    assert "Traceback" not in console, console
    assert "failed:" not in console and "ClientDisconnect" not in console, console


@pytest.mark.parametrize("port, message", [
    ("-1", "The port must be in 0..65535 (0 picks a free one). Got -1 instead."),
    ("99999", "The port must be in 0..65535 (0 picks a free one). Got 99999 instead."),
])
def test_a_port_out_of_range_is_one_sentence(model, port, message):
    assert_one_sentence_error(run("serve", model, "--port", port), message)


def test_a_busy_port_is_one_sentence_before_the_url(model):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("serve", model, "--port", port)
    assert_one_sentence_error(result, f"Port {port} is in use on 127.0.0.1; pass --port N")
    assert "Serving" not in result.stdout and "http://" not in result.stdout


def test_serve_command_warns_when_it_leaves_the_loopback_names(tmp_path, model):
    """The real command, in a subprocess: the default host is 127.0.0.1; any other address
    (127.0.0.2 here, which stays on this machine) is served with a warning on stderr."""
    from typer.testing import CliRunner

    from hiddenlens.cli._app import app

    assert "[default: 127.0.0.1]" in CliRunner().invoke(app, ["serve", "--help"],
                                                        env={"COLUMNS": "200"}).output
    env = dict(os.environ, PYTHONPATH=str(SRC), COLUMNS="300")
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    with open(out, "w") as o, open(err, "w") as e:
        proc = subprocess.Popen([sys.executable, "-m", "hiddenlens", "serve",
                                 str(model), "--host", "127.0.0.2",
                                 "--port", "0"], stdout=o, stderr=e, env=env)
    try:
        end = time.monotonic() + 60
        while "warning" not in err.read_text() and proc.poll() is None:
            assert time.monotonic() < end, out.read_text() + err.read_text()
            time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(10)
    port = re.search(r"at http://127\.0\.0\.2:(\d+)  ", out.read_text()).group(1)
    assert port != "0"  # --port 0: the port it picked is printed
    assert (f"warning: Serving on 127.0.0.2: anyone who can reach this machine on port {port} "
            "can use the explorer. Use --host 127.0.0.1 to keep it local.") in err.read_text()


def test_the_listening_socket_says_tcp_so_asyncio_turns_nagle_off():
    """asyncio sets TCP_NODELAY only on sockets whose proto is IPPROTO_TCP; with a proto of 0
    every small answer to the page waited ~40 ms for the browser's delayed ACK."""
    import asyncio
    import socket

    from hiddenlens.server import listen

    sock = listen("127.0.0.1", 0)

    async def accepted_nodelay() -> int:
        seen = asyncio.get_running_loop().create_future()

        def on_connect(reader, writer):
            s = writer.get_extra_info("socket")
            seen.set_result(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(on_connect, sock=sock)
        _, writer = await asyncio.open_connection(*sock.getsockname())
        value = await asyncio.wait_for(seen, 10)
        writer.close()
        server.close()
        return value

    assert sock.proto == socket.IPPROTO_TCP
    assert asyncio.run(accepted_nodelay()) == 1
