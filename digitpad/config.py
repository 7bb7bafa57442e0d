"""digitpad's settings: the one place that reads the environment.

Every setting is an environment variable (on a Space: Settings -> Variables and secrets); `settings()` reads
them all, checked, each time it is called (tests and operators may change them), and `LIMITS` holds the
public link's limits as the server started with them. The table in docs/deploy.md lists the same variables
(tests/test_config.py checks it).

The limits keep a public link safe to share. The demo is served to anyone with its link: one anonymous
visitor must not be able to stall the class (CPU), exhaust the server's memory, fill its disk or hog the
training slot, so the cost of every request is bounded before the work is done. The defaults suit one small
server (2 cores, a class of ~30 drawing at once); an operator changes one with `DIGITPAD_<NAME>` (`env_name`).

A *client* is the server-issued visitor cookie (`app.visitor_cookie`) and the address the request came from.
Behind a proxy the address is the one the proxy saw, read from `X-Forwarded-For`, but only for the number of
proxy hops the operator says to trust (`DIGITPAD_TRUSTED_PROXIES`, 0 by default: a header anyone can set is not
trusted unless a proxy of the operator's own sets it).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

YES, NO = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


@dataclass(frozen=True)
class PublicLimits:
    # the live socket (`app.live`): one page holds one connection and sends ~16 messages a second while drawing
    live_message_bytes: int = 512_000  # a drawing of 20,000 points; uvicorn refuses larger frames itself
    live_messages_per_s: float = 40.0  # per connection; more are answered later, not refused
    live_bytes_per_s: float = 128_000.0  # per connection, the same way (a page drawing a digit sends ~50 KB a second)
    live_address_bytes_per_s: float = 4_000_000.0  # all the connections of one address together
    live_connections_per_address: int = 64  # a class behind one school router shares an address
    live_connections: int = 2_000  # on this server, all clients together
    live_idle_s: float = 300.0  # a connection with no message for this long is closed; the page reconnects
    # requests through Gradio
    queue_size: int = 200  # events waiting in Gradio's queue, all clients together; more get "queue is full"
    picture_events_at_once: int = 2  # photos decoded and read at the same time (each may take ~200 MB)
    # Gradio sessions whose state the server keeps: a visitor's retrained model, and every input's last value
    # (Gradio's own, for links to a page's state: ~3.5 MB for the largest drawing); the least recently used go
    sessions_kept: int = 200
    picture_pixels: int = 16_000_000  # a photo larger than this is refused before it is decoded (16 MP)
    shown_pixels: int = 1_000_000  # a picture shown back (the Number tab's boxes) is drawn at most this big
    # the training slot and the corrections database
    training_runs_per_visitor: int = 1  # runs waiting or running, per visitor cookie
    training_runs_per_address: int = 1  # and per address (a class behind one router may want more)
    corrections_per_visitor: int = 500
    corrections_per_address: int = 2_000  # all the cookies of one address together
    corrections_total: int = 100_000  # in the database (~2 KB each: ~200 MB at most)
    pooled_corrections_per_visitor: int = 50  # with DIGITPAD_POOL_CORRECTIONS=1: one visitor's share of everyone's
    # who the client is
    trusted_proxies: int = 0  # proxy hops in front of the server whose X-Forwarded-For is believed


@dataclass(frozen=True)
class Settings:
    """Everything else an operator sets; `env` names each field's variable where it is not DIGITPAD_<FIELD>."""

    data: Path = Path("data")  # the MNIST folder
    home: Path | None = Path("digitpad-home")  # corrections database and training slot; "" (None): in memory
    training: bool = True  # the Train tab's Retrain and Teach it (False: serve only)
    max_train_seconds: float = 600.0  # wall-clock cap on one run from the browser
    pool_corrections: bool = False  # Retrain's "Include corrections" may use everyone's
    hub_repo: str = ""  # push the corrections to this dataset repository (user/name); off when empty
    hf_token: str = field(default="", metadata={"env": "HF_TOKEN"})
    hub_push_minutes: float = 60.0
    replica: str = ""  # this process's name behind deploy/serve-replicas (the X-Digitpad-Replica header)
    host: str = field(default="127.0.0.1", metadata={"env": "GRADIO_SERVER_NAME"})
    port: int = field(default=7860, metadata={"env": "GRADIO_SERVER_PORT"})
    limits: PublicLimits = field(default_factory=PublicLimits, metadata={"env": None})

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """The defaults, each replaced by its variable when set; a value that does not parse raises ValueError
        naming the variable, so a typo stops the server instead of being ignored."""
        values = parsed(cls, environ)
        return cls(**values, limits=PublicLimits(**parsed(PublicLimits, environ)))


def env_name(cls: type, name: str) -> str | None:
    """A setting's variable: `live_idle_s` -> `DIGITPAD_LIVE_IDLE_S`, unless the field names another."""
    for f in fields(cls):
        if f.name == name:
            return f.metadata.get("env", f"DIGITPAD_{name.upper()}")
    raise KeyError(name)


def parsed(cls: type, environ: Mapping[str, str]) -> dict:
    """The fields of `cls` whose variables are set in `environ`, parsed to the fields' types."""
    values = {}
    for f in fields(cls):
        name = env_name(cls, f.name)
        text = environ.get(name) if name else None
        if text is None or (not text.strip() and f.name != "home"):
            continue
        kind = Path if f.name == "home" or isinstance(f.default, Path) else type(f.default)
        values[f.name] = parse(name, text, kind)
    return values


def parse(name: str, text: str, kind: type) -> object:
    """One variable's text as `kind`: a yes/no, a whole or decimal number (not negative), a path or text."""
    text = text.strip()
    if kind is bool:
        if text.lower() in YES + NO:
            return text.lower() in YES
        raise ValueError(f"{name} must be 1 or 0 (yes or no), got {text!r}")
    if kind in (int, float):
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"{name} must be a number, got {text!r}") from None
        if value < 0 or (kind is int and not value.is_integer()):
            raise ValueError(f"{name} must be a {'whole ' if kind is int else ''}number, at least 0, got {text!r}")
        return kind(value)
    if kind is Path:
        return Path(text) if text else None  # an empty path: none (DIGITPAD_HOME=: in memory)
    return text


def settings() -> Settings:
    """The settings now, from the environment (see the module's docstring)."""
    return Settings.from_env(os.environ)


def offline_defaults() -> None:
    """What Gradio and the Hub's client would otherwise phone home or wait for, turned off unless set."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


LIMITS = settings().limits  # as the server started
