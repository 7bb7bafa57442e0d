"""digitpad's web demo: `python demo.py` (or `make demo`, or `digitpad demo`) serves it; a Hugging Face Space runs
this file, and finds the app in `demo`."""

from __future__ import annotations

from digitpad.app.serve import build, parse_args, serve

args = parse_args() if __name__ == "__main__" else parse_args([])
demo = build(args.weights)

if __name__ == "__main__":
    serve(demo, args)
