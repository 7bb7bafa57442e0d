"""The sticky-session middleware: a visitor cookie when there is none, and which replica answered."""

from __future__ import annotations

import re

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse, StreamingResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from digitpad.app.visitor_cookie import COOKIE, VisitorCookie


def client(replica: str) -> TestClient:
    async def page(request):
        return PlainTextResponse("page")

    async def stream(request):
        async def events():
            for i in range(3):
                yield f"data: {i}\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    routes = [Route("/", page), Route("/stream", stream)]
    return TestClient(Starlette(routes=routes, middleware=[Middleware(VisitorCookie, replica=replica)]))


def test_a_visitor_without_the_cookie_gets_one_and_keeps_it():
    browser = client("2")
    first = browser.get("/")
    assert first.text == "page" and first.headers["x-digitpad-replica"] == "2"
    cookie = first.headers["set-cookie"]
    assert re.fullmatch(rf"{COOKIE}=[0-9a-f]{{32}}; Path=/; HttpOnly; SameSite=Lax", cookie)
    again = browser.get("/")  # the test client sends the cookie back, as a browser does
    assert "set-cookie" not in again.headers and again.headers["x-digitpad-replica"] == "2"
    assert client("2").get("/").headers["set-cookie"] != cookie  # another visitor, another cookie


def test_a_visitor_with_the_cookie_among_others_gets_no_new_one():
    cookie = "0123456789abcdef0123456789abcdef"
    response = client("1").get("/", headers={"Cookie": f"theme=dark; {COOKIE}={cookie}; other=x"})
    assert "set-cookie" not in response.headers and response.headers["x-digitpad-replica"] == "1"


def test_a_cookie_the_server_did_not_issue_is_replaced():
    for chosen in ("abc123", "../../etc", "A" * 32, "0123456789abcdef0123456789abcdef0"):
        response = client("1").get("/", headers={"Cookie": f"{COOKIE}={chosen}"})
        assert re.fullmatch(rf"{COOKIE}=[0-9a-f]{{32}}; Path=/; HttpOnly; SameSite=Lax", response.headers["set-cookie"])


def test_the_request_itself_carries_the_new_cookie_and_https_makes_it_secure():
    async def echo(request):
        return PlainTextResponse(request.cookies.get(COOKIE, ""))

    app = Starlette(routes=[Route("/", echo)], middleware=[Middleware(VisitorCookie, replica="")])
    response = TestClient(app).get("/", headers={"Cookie": "theme=dark"})
    assert response.headers["set-cookie"].startswith(f"{COOKIE}={response.text};")  # the handler saw it
    secure = TestClient(app).get("/", headers={"X-Forwarded-Proto": "https"}).headers["set-cookie"]
    assert secure.endswith("; Secure") and "x-digitpad-replica" not in response.headers


def test_event_streams_pass_through_and_get_the_headers_too():
    response = client("1").get("/stream")
    assert response.text == "data: 0\n\ndata: 1\n\ndata: 2\n\n"
    assert response.headers["x-digitpad-replica"] == "1" and COOKIE in response.headers["set-cookie"]


def test_without_a_replica_name_only_the_cookie_is_set():
    response = client("").get("/")
    assert COOKIE in response.headers["set-cookie"] and "x-digitpad-replica" not in response.headers


def test_the_app_passes_the_replica_name_from_the_settings(monkeypatch):
    from digitpad.app import launch_kwargs

    monkeypatch.setenv("DIGITPAD_REPLICA", "r7")
    demo = type("Demo", (), {"live_reader": type("Reader", (), {"route": lambda self: None})()})()
    cookie = next(m for m in launch_kwargs(demo)["app_kwargs"]["middleware"] if m.cls is VisitorCookie)
    assert cookie.kwargs == {"replica": "r7"}
