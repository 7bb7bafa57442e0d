"""The options several commands share, declared once so that they mean the same everywhere."""

from __future__ import annotations

import argparse


class DefaultOnceHelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Each option's default after its help, unless the help already says it or there is none to say (no value,
    or a flag's False)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        help_text = action.help or ""
        if action.default is None or action.default is False or "default" in help_text:  # `is`: 0 == False
            return help_text
        return super()._get_help_string(action)


def shared_options(*names: str, threads: int | None = None) -> argparse.ArgumentParser:
    """A parent parser with the options several commands share, declared here once so that they mean the same
    everywhere: "data-dir", "device", "seed", "threads", "val-images" (`threads`: this command's default; None:
    one per physical core). Built anew for each command: argparse shares a parent's actions, defaults included."""
    parent = argparse.ArgumentParser(add_help=False)
    if "data-dir" in names:
        parent.add_argument("--data-dir", default=None, help="MNIST folder (default: $DIGITPAD_DATA or ./data)")
    if "device" in names:
        parent.add_argument("--device", default="auto", help="auto (cuda > mps > cpu), cpu, cuda, cuda:1, mps")
    if "seed" in names:
        parent.add_argument("--seed", type=int, default=0, help="random seed; the same seed repeats a run")
    if "threads" in names:
        why = "None: one per physical core; small batches train as fast on one, and far faster on a busy machine"
        parent.add_argument("--threads", type=int, default=threads, help=f"torch threads on a CPU ({why})")
    if "val-images" in names:
        why = "a quick try: drawing all 5,000 as strokes takes most of a short run"
        parent.add_argument("--val-images", type=int, default=None, help=f"validate on the first N digits ({why})")
    return parent
