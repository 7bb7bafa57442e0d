"""`python -m digitpad.bench`: the command line, the registry of sections (`SECTIONS`) and the report.

A section is a function (MNIST, the command line's options) -> rows (dicts); its rows go to the JSON
written to --out under its name, and to a markdown table. Adding one is a module here with its
function, and a line in `SECTIONS`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from digitpad.app.served import Server
from digitpad.bench.abuse import abuse_section
from digitpad.bench.browser import browser_section
from digitpad.bench.classroom import classroom_section
from digitpad.bench.crowd import server_section
from digitpad.bench.explanations import insight_section
from digitpad.bench.gan_quality import generate_section
from digitpad.bench.harness import machine, markdown_table
from digitpad.bench.latency import latency_section
from digitpad.bench.not_digit import not_digit_section
from digitpad.bench.numbers import number_section
from digitpad.bench.pen import pen_section
from digitpad.bench.teach import teach_section
from digitpad.bench.throughput import throughput_section
from digitpad.bench.train_tab import train_tab_overhead
from digitpad.bench.training import training_section
from digitpad.training.data import MNIST, load_mnist

Section = Callable[[MNIST, argparse.Namespace], list[dict]]
SMOKE_SECONDS = 2  # each crowd's measured seconds in the smoke run: it checks that the rows come, not their figures

# name -> what measures it, in the order they run; `--steps N` (smoke mode, for the tests) asks for small runs
SECTIONS: dict[str, Section] = {
    "training": lambda data, o: training_section(data, o.quick, o.steps),
    "latency": lambda data, o: latency_section(repeats=20 if o.steps else 200),
    "numbers": lambda data, o: number_section(data, per_kind=20 if o.steps else 300),
    "not_digit": lambda data, o: not_digit_section(data, *((100, 1, 20) if o.steps else (5000, 5, 300))),
    "pen": lambda data, o: pen_section(data, *((5, 20, 1, 0) if o.steps else (200, 300, 2, 10))),
    "throughput": lambda data, o: throughput_section(data, images=2_000 if o.steps else 10_000),
    "train_tab": lambda data, o: train_tab_overhead(data, epochs=0.1 if o.steps else None),
    "browser": lambda data, o: browser_section(4 if o.steps else 30, o.shared),
    "insight": lambda data, o: insight_section(data, *((5, 50) if o.steps else (50, 200))),
    "teach": lambda data, o: teach_section(3 if o.steps else 30, 2 if o.steps else 10, 2 if o.steps else 20, o.shared),
    "generate": lambda data, o: generate_section(
        data, o.anchor_seconds, o.steps, Path(o.out).with_name(Path(o.out).stem + "-grids")
    ),
    "server": lambda data, o: server_section(
        3 if o.steps else o.visitors, 2 if o.steps else o.drawings, 20 if o.steps else o.memory_drawings, o.shared
    ),
    "classroom": lambda data, o: classroom_section(
        o.quick or o.steps is not None, Path(o.out), o.steps is None, SMOKE_SECONDS if o.steps else None, o.shared
    ),
    "abuse": lambda data, o: abuse_section(
        o.quick or o.steps is not None, Path(o.out), SMOKE_SECONDS if o.steps else None, o.shared
    ),
}
# the sections that serve the demo: with --one-server they share one, started when the first of them runs
SERVED = ("browser", "teach", "server", "classroom", "abuse")
# the report's order (and the default --sections); a section not named here is reported after these
REPORT_ORDER = (
    "training",
    "train_tab",
    "latency",
    "numbers",
    "not_digit",
    "pen",
    "insight",
    "teach",
    "generate",
    "throughput",
    "server",
    "browser",
    "classroom",
    "abuse",
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m digitpad.bench", formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="finish in under 5 minutes on 2 CPU cores")
    parser.add_argument("--steps", type=int, default=None, help="smoke mode: this many training steps per recipe")
    parser.add_argument("--sections", default=",".join(REPORT_ORDER), help="comma-separated")
    parser.add_argument("--visitors", type=int, default=30, help="crowd size for the server section")
    parser.add_argument("--drawings", type=int, default=10, help="drawings per visitor")
    parser.add_argument("--memory-drawings", type=int, default=1000, help="drawings for the memory check")
    parser.add_argument(
        "--anchor-seconds",
        type=float,
        default=None,
        help="training seconds for each GAN anchor; None: the bundled generator's",
    )
    parser.add_argument("--out", default="bench.json", help="JSON file for the results")
    parser.add_argument(
        "--one-server",
        action="store_true",
        help=f"the sections that serve the demo ({', '.join(SERVED)}) share one, started when the first of them runs: "
        "quicker, for smoke runs; each section's figures then depend on the sections before it",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the sections asked for, print their tables, write the JSON; 0."""
    args = parse_args(argv)
    asked = set(args.sections.split(","))
    results: dict = {
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d"),
        "mode": "smoke" if args.steps else "quick" if args.quick else "full",
    }
    data = load_mnist(log=lambda m: print(m, file=sys.stderr))
    results["section_seconds"] = {}  # wall seconds each section took, to see where a run's time goes
    with ExitStack() as stack:
        log = Path(args.out).with_name(Path(args.out).stem + "-server.log")
        args.shared = None
        for name, section in SECTIONS.items():
            if name in asked:
                started = time.perf_counter()
                if args.one_server and name in SERVED and args.shared is None:
                    args.shared = stack.enter_context(Server(log=log))  # its start counts in this section's time
                results[name] = section(data, args)
                results["section_seconds"][name] = round(time.perf_counter() - started, 1)
                print(f"{name}: {results['section_seconds'][name]} s", file=sys.stderr)
    print(f"# digitpad benchmark ({results['mode']}): {results['machine']}, {results['date']}\n")
    for name in (*REPORT_ORDER, *(n for n in SECTIONS if n not in REPORT_ORDER)):
        if name in results:
            print(f"## {name}\n\n{markdown_table(results[name])}\n")
    Path(args.out).write_text(json.dumps(results, indent=2))
    print(f"written to {args.out}")
    return 0
