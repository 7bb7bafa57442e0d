"""Training the other bundled models: `train-reader` (the Number tab's line reader), `train-guard` (is it a digit
at all?) and `train-pen` (the classifier fine-tuned on digits drawn as pen strokes). Each writes into runs/ by
default, so a trial run never overwrites the shipped weights."""

from __future__ import annotations

import argparse
import json
import sys

from digitpad.cli.options import shared_options
from digitpad.cli.progress import follow, train_printing_epochs


def add_training_commands(sub, fmt) -> None:
    """train-reader, train-guard, train-pen."""
    options = shared_options("data-dir", "seed", "threads")
    n = sub.add_parser(
        "train-reader", help="train the Number tab's line reader (CTC)", formatter_class=fmt, parents=[options]
    )
    n.add_argument("--lines", type=int, default=None, help="training lines to compose (default: the recipe's, 45,000)")
    n.add_argument("--epochs", type=int, default=None, help="passes over the training lines (default: the recipe's)")
    n.add_argument("--val-lines", type=int, default=None, help="validation lines (default: the recipe's, 1,000)")
    tuned = "validation numbers of each kind to tune the reading on (the line reader's weight, the unsure"
    n.add_argument("--val-numbers", type=int, default=None, help=f"{tuned} mark; default: the recipe's, 200)")
    n.add_argument("--lr", type=float, default=None, help="peak learning rate (default: the recipe's, 3e-3)")
    n.add_argument("--init", default=None, help="a line reader's weights file to go on training (default: a new one)")
    n.add_argument(
        "--angular-zeros",
        type=float,
        default=None,
        help="the share of the training lines' zeros drawn with straight sides (default: none)",
    )
    n.add_argument("--workers", type=int, default=2, help="processes composing the lines")
    n.add_argument("--output", default="runs/line-reader.safetensors", help="weights file (the shipped one: weights/)")
    n.add_argument("--json", action="store_true", help="print a JSON summary as the last line (progress on stderr)")
    n.set_defaults(func=cmd_train_reader)

    options = shared_options("data-dir", "device", "seed", "threads", "val-images")
    g = sub.add_parser(
        "train-guard", help="train the guard: is a drawing a digit at all?", formatter_class=fmt, parents=[options]
    )
    # None: training/digit_guard.py's own figure (not imported here: the parser is built for every command)
    g.add_argument("--members", type=int, default=None, help="networks, trained apart and averaged (None: 2)")
    g.add_argument("--redrawn", type=int, default=None, help="MNIST training digits also re-drawn (None: 10,000)")
    g.add_argument(
        "--pen-drawn", type=int, default=None, help="MNIST training digits also drawn on the pad (None: 27,500)"
    )
    g.add_argument(
        "--non-digits", type=int, default=None, help="letters, signs, shapes drawn to train on (None: 48,000)"
    )
    g.add_argument("--epochs", type=float, default=None, help="override the recipe's epochs (a quick try)")
    g.add_argument("--output", default="runs/digit-guard.safetensors", help="weights file (the shipped one: weights/)")
    g.set_defaults(func=cmd_train_guard)

    options = shared_options("data-dir", "device", "seed", "threads", "val-images")
    p = sub.add_parser(
        "train-pen",
        help="the bundled model: best, then fine-tuned on MNIST and MNIST drawn as pen strokes",
        formatter_class=fmt,
        parents=[options],
    )
    p.add_argument("--init", default=None, help="start from these weights instead of training the recipe best first")
    p.add_argument("--epochs", type=float, default=None, help="override the fine-tuning's epochs (a quick try)")
    p.add_argument("--train-images", type=int, default=None, help="fine-tune on a fixed sample of N training digits")
    p.add_argument("--output", default="runs/digitnet-pen.safetensors", help="weights file (the shipped one: weights/)")
    p.set_defaults(func=cmd_train_pen)


def cmd_train_reader(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from digitpad.checkpoint import save_checkpoint
    from digitpad.read.line_reader import ARCHITECTURE, LineNet
    from digitpad.training.data import load_mnist
    from digitpad.training.device import physical_cores
    from digitpad.training.line_training import ReaderRecipe, train_line_reader

    given = {
        "lines": args.lines,
        "epochs": args.epochs,
        "val_lines": args.val_lines,
        "val_numbers": args.val_numbers,
        "lr": args.lr,
        "init": args.init,
        "angular_zeros": args.angular_zeros,
    }
    recipe = replace(ReaderRecipe(), seed=args.seed, workers=args.workers, **{k: v for k, v in given.items() if v})
    mnist = load_mnist(args.data_dir, log=(lambda *a: print(*a, file=sys.stderr)) if args.json else print)
    out = sys.stderr if args.json else sys.stdout
    minutes = recipe.lines // 40 // recipe.workers // 60 + 1  # ~25 ms a line
    print(
        f"drawing {recipe.lines:,} training lines and {recipe.val_lines:,} validation lines from MNIST digits "
        f"({recipe.workers} process{'' if recipe.workers == 1 else 'es'}, about {minutes} minutes)",
        file=out,
    )
    events = train_line_reader(mnist, recipe, threads=args.threads or physical_cores())
    final = follow(
        events,
        "line reader",
        lambda e: {"ctc loss": f"{e.train_loss:.3f}"},
        lambda e: (
            f"epoch {e.epoch}  ctc loss {e.train_loss:.4f}  validation lines: strings {e.val_strings:.2f}%  "
            f"digit counts {e.val_counts:.2f}%  {e.elapsed_s:.0f}s"
        ),
        quiet=args.json,
    )
    if final is None or final.model is None:
        print("error: training produced no model", file=sys.stderr)
        return 1
    save_checkpoint(final.model, args.output, architectures={ARCHITECTURE: LineNet}, **final.metadata)
    summary = {
        "val_strings": round(final.val_strings, 2),
        "val_counts": round(final.val_counts, 2),
        "train_seconds": round(final.elapsed_s, 1),
        "output": str(args.output),
    }
    if args.json:
        print(json.dumps(summary))
    else:
        print(
            f"line reader: {final.val_strings:.2f}% of validation lines read right ({final.val_counts:.2f}% digit "
            f"counts) after {final.elapsed_s:.0f}s; saved {args.output}"
        )
    return 0


def device_and_mnist(args: argparse.Namespace) -> tuple:
    """The device `--device` names and MNIST from `--data-dir`, as tensors (the first `--val-images` validation
    digits only, where given)."""
    from digitpad.training.data import load_mnist
    from digitpad.training.device import pick_device

    mnist = load_mnist(args.data_dir)
    if args.val_images is not None:
        mnist = mnist.head(len(mnist.train_images), args.val_images, len(mnist.test_images))
    return pick_device(args.device), mnist


def cmd_train_guard(args: argparse.Namespace) -> int:
    import time
    from dataclasses import replace

    from digitpad.checkpoint import save_checkpoint
    from digitpad.model import DigitNetEnsemble, model_config
    from digitpad.read.classifier import Classifier
    from digitpad.training import digit_guard
    from digitpad.training.device import physical_cores
    from digitpad.training.digit_guard import FALSE_REJECTIONS, RECIPE, guard_data, validation_threshold
    from digitpad.training.engine import train

    for option in ("members", "redrawn", "pen_drawn", "non_digits"):
        if getattr(args, option) is None:
            setattr(args, option, getattr(digit_guard, option.upper()))
    if args.members < 1:
        print("error: --members must be at least 1", file=sys.stderr)
        return 2
    start = time.perf_counter()
    device, mnist = device_and_mnist(args)
    print("drawing the training data: digits drawn as pen strokes, letters, signs, shapes (about 2 minutes)")
    workers = physical_cores()
    data = guard_data(mnist, args.redrawn, args.non_digits, args.seed, args.pen_drawn, workers)
    print(
        f"images: {len(data.train_labels):,} train, {len(data.val_labels):,} validation, {len(data.test_labels):,} test"
    )
    recipe = RECIPE if args.epochs is None else replace(RECIPE, epochs=args.epochs)
    members = []
    for k in range(args.members):  # the same data, each its own seed: its own initial weights and batches
        print(f"member {k + 1} of {args.members} (seed {args.seed + k})")
        events = train(recipe, data, device, seed=args.seed + k, threads=args.threads, eval_test=False)
        final = train_printing_epochs(events, with_test=False)
        if final is None:
            return 1
        members.append(final)
    guard = DigitNetEnsemble.of([member.model for member in members])
    metadata = {
        **members[0].metadata,
        "architecture": "digitnet-ensemble",
        "config": model_config(guard),
        "seed": args.seed,
        "val_acc": [member.metadata["val_acc"] for member in members],  # each member's, as are steps
        "steps": [member.metadata["steps"] for member in members],
        "train_seconds": round(sum(member.metadata["train_seconds"] for member in members), 2),
    }
    threshold, rejected = validation_threshold(Classifier(guard, metadata), data, mnist, args.seed, workers)
    seconds = time.perf_counter() - start
    save_checkpoint(
        guard,
        args.output,
        **metadata,
        task="a digit at all?",
        threshold=threshold,
        false_rejections=FALSE_REJECTIONS,
        redrawn=args.redrawn,
        pen_drawn=args.pen_drawn,
        non_digits=args.non_digits,
        seconds=round(seconds),
    )
    print(
        f"guard: threshold {threshold:.4f} (validation digits wrongly rejected at most {FALSE_REJECTIONS:.2%}); "
        f"validation non-digits rejected {rejected:.1%}; {seconds:.0f} s in all; saved {args.output}"
    )
    return 0


def cmd_train_pen(args: argparse.Namespace) -> int:
    import time
    from dataclasses import replace

    from digitpad.checkpoint import load_checkpoint, save_checkpoint
    from digitpad.read.classifier import Classifier
    from digitpad.training.data import fixed_sample
    from digitpad.training.device import physical_cores
    from digitpad.training.engine import train
    from digitpad.training.pen_data import RECIPE, pen_data, validation_on_pad
    from digitpad.training.recipes import get_recipe

    start = time.perf_counter()
    device, mnist = device_and_mnist(args)
    if args.init:
        print(f"starting from {args.init}")
        initial, started_from = load_checkpoint(args.init)[0].state_dict(), args.init
    else:
        print("first the recipe best on MNIST alone (as `train --recipe best`)")
        first = train_printing_epochs(train(get_recipe("best"), mnist, device, seed=args.seed), with_test=True)
        if first is None:
            return 1
        initial, started_from = first.model.state_dict(), f"recipe best, seed {args.seed}"
    if args.train_images:  # a quick try: a fixed random sample of the training digits
        keep = fixed_sample(len(mnist.train_images), args.train_images)
        mnist = replace(mnist, train_images=mnist.train_images[keep], train_labels=mnist.train_labels[keep])
    print("drawing every training and validation digit as pen strokes (about 2.5 minutes on one core)")
    workers = physical_cores()
    data = pen_data(mnist, seed=args.seed, workers=workers)
    recipe = RECIPE if args.epochs is None else replace(RECIPE, epochs=args.epochs)
    events = train(recipe, data, device, seed=args.seed, threads=args.threads, initial_state=initial)
    final = train_printing_epochs(events, with_test=True)
    if final is None:
        return 1
    val_raw = mnist.val_images.numpy()
    val_labels = mnist.val_labels.numpy()
    val_pad = validation_on_pad(mnist, args.seed, workers)  # the figure to choose on
    model = Classifier(final.model, final.metadata)
    figures = {
        "val_raw_acc": round(100 * float((model.predict_proba(val_raw).argmax(1) == val_labels).mean()), 2),
        "val_pad_acc": round(100 * float((model.predict_proba(val_pad).argmax(1) == val_labels).mean()), 2),
    }
    seconds = time.perf_counter() - start
    save_checkpoint(
        final.model,
        args.output,
        **final.metadata,
        started_from=started_from,
        pen_data="every training digit also redrawn as pen strokes (training.pen_data)",
        seconds=round(seconds),
        **figures,
    )
    print(
        f"pen: test {final.test_acc:.2f}% raw; validation {figures['val_raw_acc']:.2f}% raw, "
        f"{figures['val_pad_acc']:.2f}% drawn on the pad; {seconds:.0f} s in all; saved {args.output}"
    )
    return 0
