"""Who sent a request: the server-issued cookie and the address, X-Forwarded-For only from trusted proxies."""

from __future__ import annotations

from dataclasses import replace

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from digitpad.app import clients
from digitpad.app.clients import Client, connection_client, forwarded_address
from digitpad.app.visitor_cookie import COOKIE, VisitorCookie
from digitpad.config import LIMITS


@pytest.mark.parametrize(
    "forwarded, hops, address",
    [
        (None, 1, "10.0.0.5"),  # no header: the peer
        ("198.51.100.7", 0, "10.0.0.5"),  # nobody trusted: a header anyone can set is not believed
        ("203.0.113.1, 198.51.100.7", 1, "198.51.100.7"),  # one proxy of ours: what it saw, not what came before
        ("203.0.113.1, 198.51.100.7", 2, "203.0.113.1"),
        ("198.51.100.7", 3, "198.51.100.7"),  # fewer hops than trusted: the farthest one there is
    ],
)
def test_the_address_is_believed_only_as_far_as_trusted_proxies(forwarded, hops, address):
    assert forwarded_address("10.0.0.5", forwarded, hops) == address


def test_a_request_is_its_server_issued_cookie_and_its_address(monkeypatch):
    async def who(request):
        client = connection_client(request)
        return JSONResponse({"visitor": client.visitor, "address": client.address})

    app = TestClient(Starlette(routes=[Route("/", who)], middleware=[Middleware(VisitorCookie, replica="")]))
    first = app.get("/", headers={"X-Forwarded-For": "198.51.100.7"}).json()
    assert len(first["visitor"]) == 32 and first["address"] == "testclient"  # the header is not trusted
    assert app.get("/").json()["visitor"] == first["visitor"]  # the cookie came back: the same visitor
    chosen = app.get("/", headers={"Cookie": f"{COOKIE}=../../etc/passwd"}).json()
    assert chosen["visitor"] != "../../etc/passwd" and len(chosen["visitor"]) == 32
    monkeypatch.setattr(clients, "LIMITS", replace(LIMITS, trusted_proxies=1))
    assert app.get("/", headers={"X-Forwarded-For": "198.51.100.7"}).json()["address"] == "198.51.100.7"


def test_keys_are_hashes_never_the_values():
    keys = Client("0123456789abcdef0123456789abcdef", "198.51.100.7").keys()
    assert all(len(k) == 24 and k.isalnum() for k in keys)
    assert "198.51.100.7" not in "".join(keys) and keys != Client("other", "198.51.100.7").keys()
