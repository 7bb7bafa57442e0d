"""A training run's events on the terminal: a progress bar with figures, a line per evaluation."""

from __future__ import annotations

import sys


def follow(events, description: str, figures, line, board=None, quiet: bool = False):
    """A tqdm bar over an engine's events, with `figures(event)` beside it every 20 steps, and `line(event)`
    printed at each evaluation or sample grid (to stderr when `quiet`: --json keeps stdout for the summary);
    TensorBoard gets every event when `board`. Returns the final event (None if there was none)."""
    from tqdm import tqdm

    bar = tqdm(total=None, unit="step", disable=quiet and not sys.stderr.isatty(), file=sys.stderr)
    bar.set_description(description)
    final = None
    for event in events:
        if board:
            board.add(event)
        if bar.total is None:
            bar.reset(total=event.total_steps)
        if event.kind == "step":
            bar.update(1)
            if event.step % 20 == 0:
                bar.set_postfix(**figures(event), refresh=False)
        elif event.kind in ("eval", "sample"):
            bar.write(line(event), file=sys.stderr if quiet else sys.stdout)
        else:
            final = event
    bar.close()
    return final


def train_printing_epochs(events, with_test: bool):
    """Run a training run's events, printing a line per evaluation: its final event with a model, or None
    (said on stderr)."""
    final = None
    for event in events:
        if event.kind == "eval":
            test = f"test {event.test_acc:.2f}%  " if with_test else ""
            print(
                f"epoch {event.epoch:4.1f}  train loss {event.train_loss:.4f}  val {event.val_acc:.2f}%  "
                f"{test}{event.elapsed_s:.1f}s"
            )
        elif event.kind in ("done", "stopped"):
            final = event
    if final is None or final.model is None:
        print(f"error: {final.message if final else 'training produced no model'}", file=sys.stderr)
        return None
    return final
