"""Every limit that keeps a public link safe to share, each a named setting, in one place.

The demo is served to anyone with its link. One anonymous visitor must not be able to stall the class
(CPU), exhaust the server's memory, fill its disk or hog the training slot, so the cost of every request is
bounded before the work is done. The defaults suit one small server (2 cores, a class of ~30 drawing at
once); an operator changes one with the environment variable named beside it (`PublicLimits.from_env`).

A *client* is the server-issued visitor cookie (`app.visitor`) and the address the request came from. Behind
a proxy the address is the one the proxy saw, read from `X-Forwarded-For`, but only for the number of proxy
hops the operator says to trust (`DIGITPAD_TRUSTED_PROXIES`, 0 by default: a header anyone can set is not
trusted unless a proxy of the operator's own sets it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class PublicLimits:
    # the live socket (`app.live`): one page holds one connection and sends ~16 messages a second while drawing
    live_message_bytes: int = 512_000  # a drawing of 20,000 points; uvicorn refuses larger frames itself
    live_messages_per_s: float = 40.0  # per connection; more are answered later, not refused
    live_bytes_per_s: float = 256_000.0  # per connection, the same way (a page drawing sends ~100 KB a second)
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

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> PublicLimits:
        """The defaults, each replaced by its environment variable when set (see `env_name`); a value that is
        not a number raises ValueError naming the variable, so a typo stops the server instead of being ignored."""
        environ = os.environ if environ is None else environ
        values = {}
        for field in fields(cls):
            text = environ.get(env_name(field.name), "").strip()
            if not text:
                continue
            kind = type(field.default)
            try:
                value = kind(float(text)) if kind is int and float(text).is_integer() else kind(text)
            except ValueError:
                raise ValueError(f"{env_name(field.name)} must be a number, got {text!r}") from None
            if value < 0:
                raise ValueError(f"{env_name(field.name)} must not be negative, got {text!r}")
            values[field.name] = value
        return cls(**values)


def env_name(setting: str) -> str:
    """The environment variable of a setting: `live_idle_s` -> `DIGITPAD_LIVE_IDLE_S`."""
    return f"DIGITPAD_{setting.upper()}"


LIMITS = PublicLimits.from_env()
