"""digitpad's web demo: `python demo.py` (or `make demo`) serves it; a Hugging Face Space runs this file."""

from __future__ import annotations

import argparse
import os
import sys

from digitpad.app import build_demo, launch_kwargs, queue_kwargs
from digitpad.checkpoint import WeightsError
from digitpad.teach.hub_sync import start_periodic_push
from digitpad.teach.store import default_store


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"), help="address to bind")
    parser.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", 7860)), help="port")
    parser.add_argument("--share", action="store_true", help="also serve on a public *.gradio.live link")
    parser.add_argument("--weights", default=None, help="safetensors file to serve (default: the bundled weights)")
    return parser.parse_args(argv)


args = parse_args() if __name__ == "__main__" else parse_args([])
try:
    demo = build_demo(args.weights)
except WeightsError as e:  # refuse to start rather than serve nonsense
    sys.exit(f"error: cannot serve these weights: {e}")

if __name__ == "__main__":
    start_periodic_push(default_store())  # only when DIGITPAD_HUB_REPO is set
    demo.queue(**queue_kwargs()).launch(
        server_name=args.host, server_port=args.port, share=args.share, **launch_kwargs(demo)
    )
