"""What the explorer's tests share: an in-process client that carries the page token, uvicorn in
a thread, `hiddenlens serve` in a subprocess, and the browser helpers (launch, watch, wait, shot).
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import warnings
from pathlib import Path

import pytest

import hiddenlens as hl
from hiddenlens.server._middleware import TOKEN_HEADER

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx`")  # starlette prefers httpx2 now
    from starlette.testclient import TestClient

LOCAL = "http://127.0.0.1"
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
SRC = Path(hl.__file__).resolve().parents[1]


# ------------------------------------------------------------------ HTTP
def client(app, base_url: str = LOCAL, **kwargs) -> TestClient:
    """A TestClient that sends the app's token, as the explorer's page does."""
    return TestClient(app, base_url=base_url, headers={TOKEN_HEADER: app.state.token}, **kwargs)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_thread(app):
    """Run `app` with uvicorn on a free local port in a thread; yield its base URL."""
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    end = time.monotonic() + 30
    while not server.started:  # a server that cannot start fails the test, never hangs it
        assert thread.is_alive() and time.monotonic() < end, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(5)


def page_token(url: str) -> str:
    """The token in the explorer's page at `url`, read as the page's own script reads it."""
    html = urllib.request.urlopen(url + "/", timeout=5).read().decode()
    return re.search(r'<meta name="hiddenlens-token" content="([^"]+)">', html).group(1)


@contextlib.contextmanager
def serve_process(model: Path, *args: str, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                  timeout: float = 90):
    """`hiddenlens serve MODEL --port N ARGS` in a subprocess, as a user runs it; yields
    (url, process) once the page answers, and stops it (SIGTERM) afterwards."""
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(SRC), COLUMNS="300")
    proc = subprocess.Popen([sys.executable, "-m", "hiddenlens", "serve", str(model),
                             "--port", str(port), *args], env=env,
                            stdout=stdout, stderr=stderr)
    url = f"http://127.0.0.1:{port}"
    try:
        end = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(url + "/", timeout=1).read()
                break
            except OSError:
                assert proc.poll() is None, f"hiddenlens serve exited with {proc.returncode}"
                assert time.monotonic() < end, "hiddenlens serve did not answer"
                time.sleep(0.1)
        yield url, proc
    finally:
        proc.terminate()
        proc.wait(15)


# ------------------------------------------------------------------ browser
@contextlib.contextmanager
def chromium():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is missing at {CHROMIUM}; `make test` installs it, or run "
                    "`apt-get install chromium`. The browser tests are not skipped.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        b.close()


def watch(page) -> list[str]:
    """Collect what would show as a problem in the browser's console: uncaught exceptions,
    console errors and any answer of 400 or more."""
    errors = []
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return errors


@contextlib.contextmanager
def new_page(browser, width: int = 1400, height: int = 1000):
    """A page in a fresh context; on leaving, no error may have shown in its console."""
    context = browser.new_context(viewport={"width": width, "height": height})
    pg = context.new_page()
    errors = watch(pg)
    yield pg
    context.close()
    assert not errors, f"The page reported errors: {errors}"


def wait(page, expression: str, timeout: float = 15.0) -> None:
    """Poll `expression` from Python: the page's CSP forbids the eval that
    Playwright's wait_for_function polls with."""
    end = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > end:
            raise AssertionError(f"{expression} was still false after {timeout} s")
        page.wait_for_timeout(20)


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


def draw_seven(page) -> None:
    """Draw a 7 with the mouse on the explorer's canvas (#draw): five points, eight steps
    between each."""
    box = page.locator("#draw").bounding_box()
    pts = [(70, 60), (210, 60), (200, 110), (170, 170), (140, 240)]
    page.mouse.move(box["x"] + pts[0][0], box["y"] + pts[0][1])
    page.mouse.down()
    for x, y in pts[1:]:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=8)
    page.mouse.up()
