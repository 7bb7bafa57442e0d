"""`digitpad demo|train|eval|predict|read|train-reader|train-guard|train-pen|attack|corrections|train-gan|generate`
(`python -m digitpad ...` in a checkout)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from digitpad.mnist_format import NUM_CLASSES


def cmd_train(args: argparse.Namespace) -> int:
    from digitpad.checkpoint import save_checkpoint
    from digitpad.training.data import load_mnist
    from digitpad.training.device import pick_device
    from digitpad.training.engine import train
    from digitpad.training.evaluation import confusion_matrix
    from digitpad.training.recipes import get_recipe

    recipe = get_recipe(args.recipe, model=args.model, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr)
    if args.no_augment:
        recipe.augment = False
    device = pick_device(args.device)
    log = (lambda msg: print(msg, file=sys.stderr)) if args.json else print
    data = load_mnist(args.data_dir, device=device, log=log)
    output = Path(args.output or f"runs/{recipe.model}-{recipe.name}.safetensors")
    board = None
    if args.tensorboard:
        from digitpad.training.tensorboard_log import TensorBoardLog

        board = TensorBoardLog(args.tensorboard)
    events = train(
        recipe,
        data,
        device,
        seed=args.seed,
        eval_test=True,
        max_seconds=args.max_seconds,
        torch_compile=args.compile,
        train_subset=args.train_images,
        threads=args.threads,
    )
    description = f"{recipe.name}: {recipe.model} on {device.type}"
    final = follow(events, description, train_figures, eval_line, board, quiet=args.json)
    if final is None or final.model is None:
        if board:
            board.close()  # the scalars so far stay readable
        print(f"error: {final.message if final else 'training produced no model'}", file=sys.stderr)
        return 1
    save_checkpoint(final.model, output, **final.metadata)
    if board:
        board.finish(final, confusion_matrix(data.test_labels, final.test_predictions))
    print_training_summary(final, recipe, output, args.json)
    return 0


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


def eval_line(event) -> str:
    return (
        f"epoch {event.epoch:5.2f}  train loss {event.train_loss:.4f} acc {event.train_acc:6.2f}%  "
        f"val {event.val_acc:6.2f}%  test {event.test_acc:6.2f}%  "
        f"{event.images_per_s:,.0f} img/s  {event.elapsed_s:.1f}s"
    )


def train_figures(event) -> dict:
    return {"loss": f"{event.train_loss:.3f}", "acc": f"{event.train_acc:.1f}%"}


def print_training_summary(final, recipe, output: Path, as_json: bool) -> None:
    """The finished run in a sentence, or (--json) as one JSON line."""
    summary = {
        "recipe": recipe.name,
        "model": recipe.model,
        "device": final.metadata["device"],
        "status": final.kind,
        "epochs": round(final.epoch, 3),
        "val_acc": round(final.val_acc, 2),
        "test_acc": round(final.test_acc, 2),
        "train_seconds": round(final.elapsed_s, 2),
        "time_to_99_s": None if final.time_to_99_s is None else round(final.time_to_99_s, 2),
        "images_per_s": round(final.images_per_s),
        "output": str(output),
    }
    if as_json:
        print(json.dumps(summary))
    else:
        print(
            f"{final.kind}: test accuracy {final.test_acc:.2f}% (val {final.val_acc:.2f}%) in {final.elapsed_s:.1f}s "
            f"of training; 99% reached after {summary['time_to_99_s']}s; saved {output}"
        )


def format_confusion(matrix: np.ndarray) -> str:
    lines = ["true\\pred " + "".join(f"{d:>6}" for d in range(NUM_CLASSES))]
    lines += [f"{t:>9} " + "".join(f"{n:>6}" for n in row) for t, row in enumerate(matrix)]
    return "\n".join(lines)


def cmd_eval(args: argparse.Namespace) -> int:
    from digitpad.read.classifier import load_classifier
    from digitpad.training.data import load_mnist
    from digitpad.training.evaluation import confusion_matrix, evaluate

    clf = load_classifier(args.weights)
    data = load_mnist(args.data_dir)
    acc, loss, preds = evaluate(clf.model, data.test_images, data.test_labels, clf.mean, clf.std)
    matrix = confusion_matrix(data.test_labels, preds)
    per_class = 100 * matrix.diagonal() / matrix.sum(1)
    print(f"weights: {args.weights or 'bundled'} ({clf.name}, recipe {clf.metadata.get('recipe')})")
    print(f"MNIST test: accuracy {acc:.2f}%  loss {loss:.4f}  errors {int((preds != data.test_labels).sum())}/10000")
    print("per-class accuracy: " + "  ".join(f"{d}: {a:.2f}%" for d, a in enumerate(per_class)))
    print(format_confusion(matrix))
    if args.plots:
        from digitpad.training.plots import save_confusion_png, save_mistakes_png

        out = Path(args.plots)
        out.mkdir(parents=True, exist_ok=True)
        save_confusion_png(matrix, out / "confusion.png")
        wrong = (preds != data.test_labels).nonzero().flatten()
        save_mistakes_png(data.test_images[wrong], data.test_labels[wrong], preds[wrong], out / "mistakes.png")
        print(f"plots: {out / 'confusion.png'}, {out / 'mistakes.png'}")
    if args.json:
        print(
            json.dumps(
                {"test_acc": round(acc, 2), "test_loss": round(loss, 4), "per_class": per_class.round(2).tolist()}
            )
        )
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    from digitpad.ink.preprocess import DrawingError
    from digitpad.read.classifier import load_classifier

    clf = load_classifier(args.weights)
    status = 0
    for file in args.files:
        try:
            probs, _ = clf.classify_drawing(file)
        except DrawingError as e:
            print(f"{file}: error: {e}")
            status = 1
            continue
        if probs is None:
            print(f"{file}: no digit found (blank image)")
            continue
        top = np.argsort(probs)[::-1][:3]
        others = ", ".join(f"{d} {probs[d]:.1%}" for d in top[1:])
        print(f"{file}: {top[0]} ({probs[top[0]]:.1%}; then {others})")
    return status


def cmd_read(args: argparse.Namespace) -> int:
    from digitpad.ink.preprocess import DrawingError
    from digitpad.read.classifier import load_classifier

    clf = load_classifier(args.weights)
    status = 0
    for file in args.files:
        try:
            reading = clf.read_number(file)
        except DrawingError as e:
            print(json.dumps({"file": file, "error": str(e)}) if args.json else f"{file}: error: {e}")
            status = 1
            continue
        if args.json:
            print(json.dumps({"file": file, **reading.as_dict()}))
            continue
        unsure = [f"{d.digit} at {i + 1} ({d.confidence:.0%})" for i, d in enumerate(reading.digits) if d.unsure]
        line = reading.text or "no digits found (blank image)"
        if unsure:
            line += f"  (unsure: {', '.join(unsure)})"
        print(f"{file}: {line}" + (f"  [{reading.note}]" if reading.note else ""))
    return status


def train_printing_epochs(events, with_test: bool):
    """Run a training run's events, printing a line per evaluation: its final event with a model, or None
    (said on stderr)."""
    final = None
    for event in events:
        if event.kind == "eval":
            test = f"test {event.test_acc:.2f}%  " if with_test else ""
            print(f"epoch {event.epoch:4.1f}  train loss {event.train_loss:.4f}  val {event.val_acc:.2f}%  "
                  f"{test}{event.elapsed_s:.1f}s")  # fmt: skip
        elif event.kind in ("done", "stopped"):
            final = event
    if final is None or final.model is None:
        print(f"error: {final.message if final else 'training produced no model'}", file=sys.stderr)
        return None
    return final


def cmd_train_reader(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from digitpad.checkpoint import save_checkpoint
    from digitpad.read.line_reader import ARCHITECTURE, LineNet
    from digitpad.training.data import load_mnist
    from digitpad.training.device import physical_cores
    from digitpad.training.line_reader import ReaderRecipe, train_line_reader

    given = {"lines": args.lines, "epochs": args.epochs, "val_lines": args.val_lines, "val_numbers": args.val_numbers,
             "lr": args.lr, "init": args.init, "angular_zeros": args.angular_zeros}  # fmt: skip
    recipe = replace(ReaderRecipe(), seed=args.seed, workers=args.workers, **{k: v for k, v in given.items() if v})
    mnist = load_mnist(args.data_dir, log=(lambda *a: print(*a, file=sys.stderr)) if args.json else print)
    out = sys.stderr if args.json else sys.stdout
    minutes = recipe.lines // 40 // recipe.workers // 60 + 1  # ~25 ms a line
    print(f"drawing {recipe.lines:,} training lines and {recipe.val_lines:,} validation lines from MNIST digits "
          f"({recipe.workers} processes, about {minutes} minutes)", file=out)  # fmt: skip
    events = train_line_reader(mnist, recipe, threads=args.threads or physical_cores())
    final = follow(
        events, "line reader", lambda e: {"ctc loss": f"{e.train_loss:.3f}"},
        lambda e: f"epoch {e.epoch}  ctc loss {e.train_loss:.4f}  validation lines: strings {e.val_strings:.2f}%  "
        f"digit counts {e.val_counts:.2f}%  {e.elapsed_s:.0f}s",
        quiet=args.json,
    )  # fmt: skip
    if final is None or final.model is None:
        print("error: training produced no model", file=sys.stderr)
        return 1
    save_checkpoint(final.model, args.output, architectures={ARCHITECTURE: LineNet}, **final.metadata)
    summary = {"val_strings": round(final.val_strings, 2), "val_counts": round(final.val_counts, 2),
               "train_seconds": round(final.elapsed_s, 1), "output": str(args.output)}  # fmt: skip
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"line reader: {final.val_strings:.2f}% of validation lines read right ({final.val_counts:.2f}% digit "
              f"counts) after {final.elapsed_s:.0f}s; saved {args.output}")  # fmt: skip
    return 0


def cmd_train_guard(args: argparse.Namespace) -> int:
    import time
    from dataclasses import replace

    from digitpad.checkpoint import save_checkpoint
    from digitpad.read.classifier import NOT_A_DIGIT, Classifier, likeness
    from digitpad.training.data import load_mnist
    from digitpad.training.device import pick_device
    from digitpad.training.digit_guard import FALSE_REJECTIONS, RECIPE, choose_threshold, guard_data
    from digitpad.training.engine import train

    start = time.perf_counter()
    device = pick_device(args.device)
    mnist = load_mnist(args.data_dir)
    print("drawing the training data: digits re-drawn as strokes, letters, signs, shapes (about 2 minutes)")
    data = guard_data(mnist, args.redrawn, args.non_digits, seed=args.seed)
    print(
        f"images: {len(data.train_labels):,} train, {len(data.val_labels):,} validation, {len(data.test_labels):,} test"
    )
    recipe = RECIPE if args.epochs is None else replace(RECIPE, epochs=args.epochs)
    final = train_printing_epochs(train(recipe, data, device, seed=args.seed, threads=args.threads), with_test=False)
    if final is None:
        return 1
    # the threshold, on validation digits: MNIST's validation images as they are, and re-drawn as strokes
    guard = Classifier(final.model, final.metadata)
    scores = likeness(guard.predict_proba(data.val_images.numpy()))
    raw = len(mnist.val_images)
    digits = data.val_labels.numpy() != NOT_A_DIGIT
    threshold = choose_threshold(scores[:raw], scores[raw:][digits[raw:]])
    rejected = (scores[~digits] < threshold).mean()
    seconds = time.perf_counter() - start
    save_checkpoint(
        final.model, args.output, **final.metadata, task="a digit at all?", threshold=threshold,
        false_rejections=FALSE_REJECTIONS, redrawn=args.redrawn, non_digits=args.non_digits, seconds=round(seconds),
    )  # fmt: skip
    print(
        f"guard: threshold {threshold:.4f} (validation digits wrongly rejected at most {FALSE_REJECTIONS:.1%}); "
        f"validation non-digits rejected {rejected:.1%}; {seconds:.0f} s in all; saved {args.output}"
    )
    return 0


def cmd_train_pen(args: argparse.Namespace) -> int:
    import time
    from dataclasses import replace

    from digitpad.checkpoint import load_checkpoint, save_checkpoint
    from digitpad.read.classifier import Classifier
    from digitpad.training.data import fixed_sample, load_mnist
    from digitpad.training.device import pick_device
    from digitpad.training.engine import train
    from digitpad.training.pen_data import RECIPE, pen_data, pen_images
    from digitpad.training.recipes import get_recipe

    start = time.perf_counter()
    device = pick_device(args.device)
    mnist = load_mnist(args.data_dir)
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
    print("drawing every training and validation digit as pen strokes (about 5 minutes on a free core)")
    data = pen_data(mnist, seed=args.seed)
    recipe = RECIPE if args.epochs is None else replace(RECIPE, epochs=args.epochs)
    events = train(recipe, data, device, seed=args.seed, threads=args.threads, initial_state=initial)
    final = train_printing_epochs(events, with_test=True)
    if final is None:
        return 1
    # validation digits drawn on the pad as the benchmark draws test digits (traced, no jitter): the figure to choose on
    val_raw = mnist.val_images.numpy()
    val_labels = mnist.val_labels.numpy()
    val_pad = pen_images(val_raw, seed=args.seed + 100, varied=False)
    model = Classifier(final.model, final.metadata)
    figures = {
        "val_raw_acc": round(100 * float((model.predict_proba(val_raw).argmax(1) == val_labels).mean()), 2),
        "val_pad_acc": round(100 * float((model.predict_proba(val_pad).argmax(1) == val_labels).mean()), 2),
    }
    seconds = time.perf_counter() - start
    save_checkpoint(
        final.model, args.output, **final.metadata, started_from=started_from,
        pen_data="every training digit also redrawn as pen strokes (training.pen_data)", seconds=round(seconds),
        **figures,
    )  # fmt: skip
    print(
        f"pen: test {final.test_acc:.2f}% raw; validation {figures['val_raw_acc']:.2f}% raw, "
        f"{figures['val_pad_acc']:.2f}% drawn on the pad; {seconds:.0f} s in all; saved {args.output}"
    )
    return 0


def cmd_corrections(args: argparse.Namespace) -> int:
    from digitpad.teach.store import CorrectionStore, default_store

    store = CorrectionStore(args.database) if args.database else default_store()
    if args.action == "list":
        rows = store.corrections()
        for row in rows:
            probs = f"{max(row.probs):.0%}"
            print(f"{row.id:6d}  {row.created}  it was {row.label}, read as {row.guess} ({probs})  {row.model}  "
                  f"visitor {row.visitor[:8]}")  # fmt: skip
        visitors = len({row.visitor for row in rows})
        print(f"{len(rows)} corrections from {visitors} visitor{'' if visitors == 1 else 's'} in {store.where}")
    elif args.action == "export":
        if not args.folder:
            print("error: export needs a folder: python -m digitpad corrections export DIR", file=sys.stderr)
            return 2
        count = store.export(args.folder)
        print(f'exported {count} corrections to {args.folder} (an image folder: datasets\' "imagefolder" loads it)')
    elif args.action == "clear":
        print(f"deleted {store.forget()} corrections from {store.where}")
    else:  # push
        from digitpad.teach.hub_sync import hub_target, push_corrections

        target = hub_target()
        if target is None:
            print("error: set DIGITPAD_HUB_REPO (a dataset repository, user/name) to push", file=sys.stderr)
            return 2
        print(f"pushed {push_corrections(store, target)} corrections to the dataset {target.repo}")
    return 0


def cmd_attack(args: argparse.Namespace) -> int:
    import torch

    from digitpad.read.attack import robust_accuracy, transfer_accuracy
    from digitpad.read.classifier import load_classifier
    from digitpad.training.data import load_mnist
    from digitpad.training.device import physical_cores, pick_device

    torch.set_num_threads(args.threads or physical_cores())
    device = pick_device(args.device)
    clf = load_classifier(args.weights, device=device)
    data = load_mnist(args.data_dir, log=lambda m: print(m, file=sys.stderr))
    first, last = args.images
    images, labels = data.test_images[first:last], data.test_labels[first:last]
    source = load_classifier(args.transfer_from, device=device) if args.transfer_from else None
    norm = (clf.mean, clf.std)
    print(f"{clf.name} ({args.weights or 'bundled'}): PGD-{args.steps}, step {args.step_size}, random start, "
          f"{args.restarts} restart(s), L∞ on [0, 1] pixels, test images {first}-{last - 1}")  # fmt: skip
    header = "| ε | accuracy under PGD |" + (" transferred from the other model |" if source else "")
    print(header + "\n|---|---|" + ("---|" if source else ""))
    rows = []
    for eps in args.eps:
        acc = robust_accuracy(clf.model, images, labels, eps, *norm, args.steps, args.step_size, args.restarts)
        row = {"eps": eps, "accuracy": round(acc, 2)}
        line = f"| {eps:g} | {acc:.2f}% |"
        if source:
            row["transfer"] = round(
                transfer_accuracy(source.model, (source.mean, source.std), clf.model, norm, images, labels, eps,
                                  args.steps, args.step_size), 2,
            )  # fmt: skip
            line += f" {row['transfer']:.2f}% |"
        rows.append(row)
        print(line, flush=True)
    if args.json:
        print(json.dumps({"weights": args.weights, "steps": args.steps, "restarts": args.restarts, "rows": rows}))
    return 0


def cmd_train_gan(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from PIL import Image

    from digitpad.gan.engine import GAN_RECIPES, train_gan
    from digitpad.gan.generator import save_generator
    from digitpad.training.data import load_mnist
    from digitpad.training.device import pick_device

    if args.recipe not in GAN_RECIPES:
        from digitpad.bench.gan_anchors import register

        register()  # the benchmark's anchors train from here too (`--recipe dcgan`), for comparison
    if args.recipe not in GAN_RECIPES:
        raise ValueError(f"no GAN recipe {args.recipe!r}: choose from {', '.join(GAN_RECIPES)}")
    recipe = GAN_RECIPES[args.recipe]
    recipe = replace(recipe, epochs=recipe.epochs if args.epochs is None else args.epochs)
    device = pick_device(args.device)
    data = load_mnist(args.data_dir, device=device)
    samples = Path(args.samples) if args.samples else None
    if samples:
        samples.mkdir(parents=True, exist_ok=True)

    def sample_line(event) -> str:
        line = f"epoch {event.epoch:5.2f}  critic {event.critic_loss:.3f}  generator {event.generator_loss:.3f}  "
        line += f"{event.images_per_s:,.0f} img/s  {event.elapsed_s:.1f}s"
        if samples:
            name = samples / f"epoch-{event.epoch:06.2f}.png"
            Image.fromarray(event.grid).save(name)
            line += f"  {name}"
        return line

    events = train_gan(recipe, data, device, seed=args.seed, max_seconds=args.max_seconds, threads=args.threads)
    final = follow(events, f"{recipe.name} on {device.type}", gan_figures, sample_line)
    if final is None or final.generator is None:
        print(f"error: {final.message if final else 'training produced no generator'}", file=sys.stderr)
        return 1
    output = save_generator(final.generator, args.output)
    print(f"{final.kind}: {final.step} steps ({final.epoch:.2f} epochs) in {final.elapsed_s:.1f}s; saved {output}")
    return 0


def gan_figures(event) -> dict:
    return {"d": f"{event.critic_loss:.3f}", "g": f"{event.generator_loss:.3f}"}


def cmd_generate(args: argparse.Namespace) -> int:
    from PIL import Image

    from digitpad.gan.generator import load_generator

    if not (args.digits.isascii() and args.digits.isdecimal()):
        raise ValueError(f"digits must be written with 0-9 only, e.g. 2026, not {args.digits!r}")
    generator = load_generator(args.weights)
    if not generator.metadata.get("conditional", True):
        print("note: this generator cannot be asked for a digit; it writes whatever digits it likes", file=sys.stderr)
    digits = [int(d) for d in args.digits]
    pictures = generator.sample(digits, seed=args.seed)
    strip = np.concatenate(list(pictures), axis=1)
    Image.fromarray(strip).save(args.output)
    print(f"{len(digits)} digits ({''.join(args.digits)}), seed {args.seed}: {args.output}")
    return 0


def shared_options(*names: str, threads: int | None = None) -> argparse.ArgumentParser:
    """A parent parser with the options several commands share, declared here once so that they mean the same
    everywhere: "data-dir", "device", "seed", "threads" (`threads`: this command's default; None: one per physical
    core). Built anew for each command: argparse shares a parent's actions, defaults included."""
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
    return parent


def build_parser() -> argparse.ArgumentParser:
    """Every command. Building it imports the recipes' registries (torch), never the benchmark or the app."""
    fmt = argparse.ArgumentDefaultsHelpFormatter
    parser = argparse.ArgumentParser(prog="digitpad", description=__doc__, formatter_class=fmt)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="serve the web demo, as demo.py does (digitpad demo --help)", add_help=False)
    demo.set_defaults(func=cmd_demo)  # its options are demo.py's, parsed by digitpad.app.serve
    add_model_commands(sub, fmt)
    add_corrections_command(sub, fmt)
    add_gan_commands(sub, fmt)
    return parser


def cmd_demo(args: argparse.Namespace) -> int:
    from digitpad.app.serve import main as serve_main

    return serve_main(args.serve_args, prog="digitpad demo")


def add_model_commands(sub, fmt) -> None:
    """train, eval, predict, read, train-reader, train-guard, attack: the classifier's commands."""
    from digitpad.model import MODELS
    from digitpad.training.recipes import RECIPES

    options = shared_options("data-dir", "device", "seed", "threads")
    t = sub.add_parser("train", help="train a model on MNIST", formatter_class=fmt, parents=[options])
    t.add_argument("--recipe", choices=list(RECIPES), default="quick", help="training recipe")
    t.add_argument("--model", choices=list(MODELS), default=None, help="network (default: the recipe's)")
    t.add_argument("--epochs", type=float, default=None, help="epochs, fractions allowed (default: the recipe's)")
    t.add_argument("--batch-size", type=int, default=None, help="batch size (default: the recipe's)")
    t.add_argument("--lr", type=float, default=None, help="peak learning rate (default: the recipe's)")
    t.add_argument("--no-augment", action="store_true", help="turn the recipe's augmentation off")
    t.add_argument("--compile", action="store_true", help="torch.compile the model (worth it on CUDA)")
    t.add_argument("--max-seconds", type=float, default=None, help="stop after this many training seconds")
    t.add_argument("--train-images", type=int, default=None, help="train on a fixed random subset of N training images")
    t.add_argument("--tensorboard", default=None, metavar="DIR", help="write TensorBoard logs to DIR (e.g. runs/NAME)")
    t.add_argument("--output", default=None, help="weights file (default: runs/MODEL-RECIPE.safetensors)")
    t.add_argument("--json", action="store_true", help="print a JSON summary as the last line")
    t.set_defaults(func=cmd_train)

    test_set = shared_options("data-dir")
    e = sub.add_parser("eval", help="evaluate weights on the MNIST test set", formatter_class=fmt, parents=[test_set])
    e.add_argument("--weights", default=None, help="safetensors file (default: the bundled weights)")
    e.add_argument("--plots", default=None, help="folder for confusion.png and mistakes.png")
    e.add_argument("--json", action="store_true", help="also print a JSON summary as the last line")
    e.set_defaults(func=cmd_eval)

    p = sub.add_parser("predict", help="read the digit in image files", formatter_class=fmt)
    p.add_argument("files", nargs="+", help="images of a single digit (PNG, JPEG, ...)")
    p.add_argument("--weights", default=None, help="safetensors file (default: the bundled weights)")
    p.set_defaults(func=cmd_predict)

    r = sub.add_parser("read", help="read the whole number in image files", formatter_class=fmt)
    r.add_argument("files", nargs="+", help="images of a row of handwritten digits (PNG, JPEG, ...)")
    r.add_argument("--weights", default=None, help="safetensors file (default: the bundled weights)")
    r.add_argument("--json", action="store_true", help="one JSON object per file: text, note and the digits")
    r.set_defaults(func=cmd_read)

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
    n.add_argument("--angular-zeros", type=float, default=None,
                   help="the share of the training lines' zeros drawn with straight sides (default: none)")  # fmt: skip
    n.add_argument("--workers", type=int, default=2, help="processes composing the lines")
    n.add_argument("--output", default="runs/line-reader.safetensors", help="weights file (the shipped one: weights/)")
    n.add_argument("--json", action="store_true", help="print a JSON summary as the last line (progress on stderr)")
    n.set_defaults(func=cmd_train_reader)

    options = shared_options("data-dir", "device", "seed", "threads", threads=1)
    g = sub.add_parser(
        "train-guard", help="train the guard: is a drawing a digit at all?", formatter_class=fmt, parents=[options]
    )
    g.add_argument("--redrawn", type=int, default=10_000, help="MNIST training digits also re-drawn as strokes")
    g.add_argument("--non-digits", type=int, default=24_000, help="letters, signs, shapes drawn to train on")
    g.add_argument("--epochs", type=float, default=None, help="override the recipe's epochs (a quick try)")
    g.add_argument("--output", default="runs/digit-guard.safetensors", help="weights file (the shipped one: weights/)")
    g.set_defaults(func=cmd_train_guard)

    options = shared_options("data-dir", "device", "seed", "threads")
    p = sub.add_parser(
        "train-pen", help="the bundled model: best, then fine-tuned on MNIST and MNIST drawn as pen strokes",
        formatter_class=fmt, parents=[options],
    )  # fmt: skip
    p.add_argument("--init", default=None, help="start from these weights instead of training the recipe best first")
    p.add_argument("--epochs", type=float, default=None, help="override the fine-tuning's epochs (a quick try)")
    p.add_argument("--train-images", type=int, default=None, help="fine-tune on a fixed sample of N training digits")
    p.add_argument("--output", default="runs/digitnet-pen.safetensors", help="weights file (the shipped one: weights/)")
    p.set_defaults(func=cmd_train_pen)

    options = shared_options("data-dir", "device", "threads")
    a = sub.add_parser(
        "attack", help="accuracy under PGD on the MNIST test set", formatter_class=fmt, parents=[options]
    )
    a.add_argument("--weights", default=None, help="safetensors file (default: the bundled weights)")
    a.add_argument("--eps", type=float, nargs="+", default=[0.1, 0.2, 0.3], help="L∞ budgets on [0, 1] pixels")
    a.add_argument("--steps", type=int, default=40, help="PGD steps")
    a.add_argument("--step-size", type=float, default=0.01, help="PGD step on [0, 1] pixels")
    a.add_argument("--restarts", type=int, default=1, help="random starts; an image counts if all of them fail")
    a.add_argument("--images", type=int, nargs=2, default=[0, 10_000], metavar=("FIRST", "END"), help="test images")
    a.add_argument("--transfer-from", default=None, help="also attack with PGD examples made on this model (black box)")
    a.add_argument("--json", action="store_true", help="also print a JSON summary as the last line")
    a.set_defaults(func=cmd_attack)


def add_corrections_command(sub, fmt) -> None:
    c = sub.add_parser("corrections", help="the stored corrections: list, export, clear, push", formatter_class=fmt)
    c.add_argument("action", choices=["list", "export", "clear", "push"], help="what to do")
    c.add_argument("folder", nargs="?", help="for export: the image folder to write")
    c.add_argument("--database", default=None, help="SQLite file (default: $DIGITPAD_HOME/digitpad.sqlite)")
    c.set_defaults(func=cmd_corrections)


def add_gan_commands(sub, fmt) -> None:
    """train-gan (the bundled recipe, or a benchmark anchor's) and generate."""
    options = shared_options("data-dir", "device", "seed", "threads", threads=1)
    g = sub.add_parser("train-gan", help="train the GAN that writes digits", formatter_class=fmt, parents=[options])
    anchors = "the benchmark's anchors (dcgan, keras-cgan, ...; digitpad.bench.gan_anchors), for comparison"
    g.add_argument("--recipe", default="cgan", help=f"cgan (the bundled generator's), or one of {anchors}")
    g.add_argument("--epochs", type=float, default=None, help="epochs, fractions allowed (default: the recipe's)")
    g.add_argument("--output", default="runs/generator.safetensors", help="weights file")
    g.add_argument("--samples", default=None, metavar="DIR", help="write a sample grid (a row per digit) per epoch")
    g.add_argument("--max-seconds", type=float, default=None, help="stop after this many training seconds")
    g.set_defaults(func=cmd_train_gan)

    w = sub.add_parser("generate", help="write digits with the GAN into a PNG strip", formatter_class=fmt)
    w.add_argument("digits", help="the digits to write, e.g. 2026")
    w.add_argument("--seed", type=int, default=0, help="the same seed gives the same pictures")
    w.add_argument("--weights", default=None, help="generator file (default: the bundled weights)")
    w.add_argument("--output", default="generated.png", help="PNG file to write")
    w.set_defaults(func=cmd_generate)


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
