"""deploy/serve-replicas: two replicas behind nginx, sticky sessions, one corrections database.

Starts the real script (2 replicas of demo.py, nginx on a free port, a temporary DIGITPAD_HOME)
and talks to it over plain HTTP and through `gradio_client`, as visitors with their own cookie.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from digitpad.app.visitor_cookie import COOKIE
from digitpad.synth.segment_writer import segment_pad_value
from digitpad.teach.store import DATABASE_NAME, CorrectionStore

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
pytestmark = pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is missing: apt-get install -y nginx")
ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 300  # two replicas loading torch, the models and Gradio on 2 busy cores
VISITORS = 32  # random cookies: all on one of 2 replicas with probability 2^-31


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def get(url: str, cookie: str | None = None) -> tuple[str, str | None]:
    """GET url as a visitor: (the replica that answered, the cookie it set, if any)."""
    request = urllib.request.Request(url, headers={"Cookie": f"{COOKIE}={cookie}"} if cookie else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        set_cookie = response.headers.get("Set-Cookie")
        return response.headers["X-Digitpad-Replica"], set_cookie


def refused(port: int) -> bool:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)
    except urllib.error.URLError as e:
        return isinstance(e.reason, ConnectionRefusedError)
    except OSError:  # reset: it is going away, not gone
        return False
    return False


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """serve-replicas with 2 replicas: (public URL, DIGITPAD_HOME). Stopped with SIGTERM at the end,
    which must leave no replica serving."""
    folder = tmp_path_factory.mktemp("deploy")
    public, *ports = free_ports(3)
    home = folder / "home"
    command = [
        sys.executable,
        "deploy/serve-replicas",
        "--port",
        str(public),
        "--replica-ports",
        ",".join(map(str, ports)),
        "--home",
        str(home),
        "--python",
        sys.executable,
        "--workdir",
        str(folder / "run"),
    ]
    with open(folder / "serve-replicas.log", "w") as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{public}/"
    try:
        deadline = time.monotonic() + START_SECONDS
        while "serve-replicas: http://" not in (folder / "serve-replicas.log").read_text():
            assert process.poll() is None, (folder / "serve-replicas.log").read_text()
            assert time.monotonic() < deadline, "serve-replicas did not start within the time limit"
            time.sleep(0.5)
        yield url, home
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode == 0, (folder / "serve-replicas.log").read_text()
    assert all(refused(port) for port in [public, *ports])  # nginx and both replicas are gone


def test_the_nginx_config_is_written_with_absolute_paths_and_passes_nginx_t(tmp_path):
    """serve-replicas --check writes the config, runs `nginx -t` on it (check=True) and stops there."""
    script = str(ROOT / "deploy" / "serve-replicas")
    command = [sys.executable, script, "--check", "-n", "3", "--port", "8000", "--workdir", "run"]
    printed = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    config = (tmp_path / "run" / "nginx.conf").read_text()
    assert printed.strip() == str(tmp_path / "run" / "nginx.conf")
    assert f"pid {tmp_path}/run/nginx.pid;" in config and "listen 127.0.0.1:8000;" in config
    assert [f"server 127.0.0.1:{p} max_fails=0;" in config for p in (8001, 8002, 8003)] == [True] * 3
    assert "hash $digitpad_visitor consistent;" in config and "proxy_buffering off;" in config


# A stand-in for demo.py that starts in seconds: a Starlette app with the VisitorCookie middleware,
# an event stream that sends one event, then a second once told to, and a WebSocket that echoes.
STAND_IN = """
import argparse, asyncio, importlib.util, os
import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse, StreamingResponse
from starlette.routing import Route, WebSocketRoute

# the middleware's file alone (serve-replicas runs this from the repository root): importing the
# digitpad package would load torch and Gradio, seconds of a test that needs neither
spec = importlib.util.spec_from_file_location("visitor_cookie", "digitpad/app/visitor_cookie.py")
visitor_cookie = importlib.util.module_from_spec(spec)
spec.loader.exec_module(visitor_cookie)
VisitorCookie = visitor_cookie.VisitorCookie

parser = argparse.ArgumentParser()
parser.add_argument("--host")
parser.add_argument("--port", type=int)
args = parser.parse_args()
go_on = asyncio.Event()

async def page(request):
    return PlainTextResponse("page")

async def events(request):
    async def stream():
        yield "data: first\\n\\n"
        await asyncio.wait_for(go_on.wait(), 60)
        yield "data: second\\n\\n"
    return StreamingResponse(stream(), media_type="text/event-stream")

async def release(request):
    go_on.set()
    return PlainTextResponse("released")

async def echo(websocket):
    await websocket.accept()
    async for text in websocket.iter_text():
        await websocket.send_text(os.environ["DIGITPAD_REPLICA"] + ": " + text)

routes = [Route("/", page), Route("/events", events), Route("/release", release), WebSocketRoute("/live", echo)]
app = Starlette(routes=routes, middleware=[Middleware(VisitorCookie, replica=os.environ["DIGITPAD_REPLICA"])])
uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
"""


@contextmanager
def stand_in_deployment(folder: Path):
    """serve-replicas with 2 stand-in replicas: (its process, the public port, the replicas' ports)."""
    (folder / "stand_in.py").write_text(STAND_IN)
    public, *ports = free_ports(3)
    command = [
        sys.executable,
        str(ROOT / "deploy" / "serve-replicas"),
        "--port",
        str(public),
        "--replica-ports",
        ",".join(map(str, ports)),
        "--home",
        str(folder / "home"),
        "--python",
        sys.executable,
        "--app",
        str(folder / "stand_in.py"),
        "--workdir",
        str(folder / "run"),
        "--no-pin",
    ]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = process.stdout.readline()  # the script prints once everything serves, or its error
        assert line.startswith(f"serve-replicas: http://127.0.0.1:{public}/ -> 2 replicas"), line
        yield process, public, ports
    finally:
        process.kill()
        process.wait(10)


def test_event_streams_and_websockets_pass_through_nginx_to_the_visitors_replica(tmp_path):
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    with stand_in_deployment(tmp_path) as (_, public, _):
        url = f"http://127.0.0.1:{public}/"
        cookie = get(url)[1].split(";")[0].split("=", 1)[1]  # the first page, on any replica, sets it
        replica = get(url, cookie)[0]  # from now on, this visitor's
        headers = {"Cookie": f"{COOKIE}={cookie}"}
        with httpx.stream("GET", url + "events", headers=headers, timeout=20) as stream:
            assert stream.headers["x-digitpad-replica"] == replica
            lines = stream.iter_lines()
            assert next(lines) == "data: first"  # nginx passed it on at once: the stream is still open
            assert get(url + "release", cookie)[0] == replica  # the same visitor, the same replica
            assert [line for line in lines if line] == ["data: second"]
        with connect(f"ws://127.0.0.1:{public}/live", additional_headers=headers, open_timeout=20) as websocket:
            websocket.send("7")
            assert websocket.recv(timeout=20) == f"{replica}: 7"
        same_site = {**headers, "Origin": f"http://127.0.0.1:{public}"}
        with connect(f"ws://127.0.0.1:{public}/live", additional_headers=same_site, open_timeout=20) as websocket:
            websocket.send("8")
            assert websocket.recv(timeout=20) == f"{replica}: 8"
        other_site = {**headers, "Origin": "https://evil.example"}
        with pytest.raises(InvalidStatus) as refused:  # nginx refuses the handshake: no replica sees it
            connect(f"ws://127.0.0.1:{public}/live", additional_headers=other_site, open_timeout=20)
        assert refused.value.response.status_code == 403


def test_nginx_limits_one_address_requests_per_second(tmp_path):
    """A burst far over `limit_req` from one address gets 429s while it lasts, never an unanswered request."""
    with stand_in_deployment(tmp_path) as (_, public, _):
        url = f"http://127.0.0.1:{public}/"
        with httpx.Client(timeout=20, limits=httpx.Limits(max_connections=16)) as client:
            with ThreadPoolExecutor(16) as pool:
                codes = list(pool.map(lambda _: client.get(url).status_code, range(1500)))
        assert set(codes) <= {200, 429} and codes.count(429) > 0 and codes.count(200) >= 400


def test_a_killed_script_takes_nginx_and_its_replicas_with_it(tmp_path):
    with stand_in_deployment(tmp_path) as (process, public, ports):
        assert get(f"http://127.0.0.1:{public}/")[0] in ("1", "2")
        process.kill()  # SIGKILL: no handler runs; the kernel tells the children (PR_SET_PDEATHSIG)
        process.wait(10)
    deadline = time.monotonic() + 30
    while not all(refused(port) for port in [public, *ports]):
        assert time.monotonic() < deadline, "a replica or nginx outlived the killed script"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def visitors(deployment) -> dict[str, str]:
    """VISITORS random cookies -> the replica each one's first request reached."""
    url, _ = deployment
    cookies = [uuid.uuid4().hex for _ in range(VISITORS)]
    return {cookie: get(url + "gradio_api/app_id", cookie)[0] for cookie in cookies}


@pytest.mark.slow
def test_a_first_visit_gets_a_cookie_and_visitors_spread_over_both_replicas(deployment, visitors):
    url, _ = deployment
    replica, set_cookie = get(url)
    assert replica in ("1", "2") and set_cookie.startswith(f"{COOKIE}=")
    assert sorted(set(visitors.values())) == ["1", "2"]


@pytest.mark.slow
def test_each_visitor_stays_on_their_replica(deployment, visitors):
    url, _ = deployment
    for cookie, replica in visitors.items():
        for path in ("", "config", "gradio_api/app_id"):
            assert get(url + path, cookie) == (replica, None)


@pytest.mark.slow
def test_corrections_go_through_the_visitors_replica_into_one_database(deployment, visitors, monkeypatch):
    """Two visitors on different replicas correct 3 drawings each through `/correct`: every request
    (queue join, event stream) of each reaches their own replica, each count goes 1, 2, 3 (their
    session stays put), and both replicas wrote into the one database. Corrections belong to the visitor's
    cookie, not to a page's session: a new session of the same visitor (a reload) still has them."""
    from gradio_client import Client

    url, home = deployment
    answered: list[tuple[str, str]] = []  # (the request's cookie, the replica that answered)
    send = httpx.Client.send

    def recording_send(self, request, **kwargs):
        response = send(self, request, **kwargs)
        if str(request.url).startswith(url):
            answered.append((request.headers.get("cookie", ""), response.headers.get("x-digitpad-replica", "")))
        return response

    monkeypatch.setattr(httpx.Client, "send", recording_send)
    by_replica = {replica: cookie for cookie, replica in visitors.items()}
    clients = {r: Client(url, headers={"Cookie": f"{COOKIE}={by_replica[r]}"}, verbose=False) for r in ("1", "2")}
    for client in clients.values():
        for k in range(1, 4):
            status = client.predict(segment_pad_value(6, k), 6, api_name="/correct")
            assert status.startswith(f"Saved as a 6: you have taught {k} drawing"), status
    for replica, cookie in by_replica.items():
        mine = {r for c, r in answered if cookie in c}
        assert mine == {replica}
    assert len(answered) >= 12  # at least a config, a join and an event stream per visitor
    store = CorrectionStore(home / DATABASE_NAME)
    assert [store.count(by_replica[r]) for r in ("1", "2")] == [3, 3] and store.count() == 6
    reloaded = Client(url, headers={"Cookie": f"{COOKIE}={by_replica['1']}"}, verbose=False)  # a new session
    status = reloaded.predict(segment_pad_value(6, 4), 6, api_name="/correct")
    assert status.startswith("Saved as a 6: you have taught 4 drawings"), status
