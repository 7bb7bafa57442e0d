"""Serving the demo: the options and the launch that `demo.py` (the Space's entry point) and `digitpad demo` share."""

from __future__ import annotations

import argparse

import gradio as gr

from digitpad.app.blocks import build_demo, launch_kwargs, queue_kwargs
from digitpad.checkpoint import WeightsError
from digitpad.config import settings
from digitpad.teach.hub_sync import start_periodic_push
from digitpad.teach.store import default_store

DESCRIPTION = "digitpad's web demo: draw a digit, a convolutional network reads it live."


def parse_args(argv: list[str] | None = None, prog: str | None = None) -> argparse.Namespace:
    """--host, --port, --share, --weights from `argv` (None: the command line)."""
    parser = argparse.ArgumentParser(
        prog=prog, description=DESCRIPTION, formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    config = settings()
    parser.add_argument("--host", default=config.host, help="address to bind")
    parser.add_argument("--port", type=int, default=config.port, help="port")
    parser.add_argument("--share", action="store_true", help="also serve on a public *.gradio.live link")
    parser.add_argument("--weights", default=None, help="safetensors file to serve; None: the bundled weights")
    return parser.parse_args(argv)


def build(weights: str | None = None) -> gr.Blocks:
    """The app for these weights; exits with a sentence on a file that does not fit, rather than serve nonsense."""
    try:
        return build_demo(weights)
    except WeightsError as e:
        raise SystemExit(f"error: cannot serve these weights: {e}") from None


def serve(demo: gr.Blocks, args: argparse.Namespace) -> None:
    """Serve `demo` until interrupted, pushing corrections to the Hub meanwhile when DIGITPAD_HUB_REPO is set."""
    start_periodic_push(default_store())
    demo.queue(**queue_kwargs()).launch(
        server_name=args.host, server_port=args.port, share=args.share, **launch_kwargs(demo)
    )


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    """`digitpad demo [options]`: parse, build, serve."""
    args = parse_args(argv, prog)
    serve(build(args.weights), args)
    return 0
