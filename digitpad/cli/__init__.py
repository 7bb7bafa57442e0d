"""`digitpad demo|train|eval|predict|read|train-reader|train-guard|train-pen|attack|corrections|train-gan|generate`
(`python -m digitpad ...` in a checkout).

One module per group of commands, each with its parsers (`add_...`)
and its `cmd_...` functions; the commands import what they need when they run, so `--help` stays quick."""

from __future__ import annotations

import argparse
import sys

from digitpad.cli.classifier_commands import add_classifier_commands
from digitpad.cli.corrections_command import add_corrections_command
from digitpad.cli.gan_commands import add_gan_commands
from digitpad.cli.options import DefaultOnceHelpFormatter
from digitpad.cli.training_commands import add_training_commands


def build_parser() -> argparse.ArgumentParser:
    """Every command. Building it imports the recipes' registries (torch), never the benchmark or the app."""
    fmt = DefaultOnceHelpFormatter
    parser = argparse.ArgumentParser(prog="digitpad", description=__doc__.split("\n\n")[0], formatter_class=fmt)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="serve the web demo, as demo.py does (digitpad demo --help)", add_help=False)
    demo.set_defaults(func=cmd_demo)  # its options are demo.py's, parsed by digitpad.app.serve
    add_classifier_commands(sub, fmt)
    add_training_commands(sub, fmt)
    add_corrections_command(sub, fmt)
    add_gan_commands(sub, fmt)
    return parser


def cmd_demo(args: argparse.Namespace) -> int:
    from digitpad.app.serve import main as serve_main

    return serve_main(args.serve_args, prog="digitpad demo")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if args.command == "demo":
        args.serve_args = rest  # demo.py's own options, --help included
    elif rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    try:
        return args.func(args)
    except (ValueError, RuntimeError, OSError) as e:  # our errors say what is wrong: show them plainly
        print(f"error: {e}", file=sys.stderr)
        return 2
