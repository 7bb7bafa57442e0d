"""The classifier's commands: `train`, `eval`, `predict`, `read` (a whole number) and `attack` (PGD)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from digitpad.cli.options import shared_options
from digitpad.cli.progress import follow
from digitpad.mnist_format import NUM_CLASSES


def add_classifier_commands(sub, fmt) -> None:
    """train, eval, predict, read, attack."""
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
    print(
        f"{clf.name} ({args.weights or 'bundled'}): PGD-{args.steps}, step {args.step_size}, random start, "
        f"{args.restarts} restart(s), L∞ on [0, 1] pixels, test images {first}-{last - 1}"
    )
    header = "| ε | accuracy under PGD |" + (" transferred from the other model |" if source else "")
    print(header + "\n|---|---|" + ("---|" if source else ""))
    rows = []
    for eps in args.eps:
        acc = robust_accuracy(clf.model, images, labels, eps, *norm, args.steps, args.step_size, args.restarts)
        row = {"eps": eps, "accuracy": round(acc, 2)}
        line = f"| {eps:g} | {acc:.2f}% |"
        if source:
            row["transfer"] = round(
                transfer_accuracy(
                    source.model,
                    (source.mean, source.std),
                    clf.model,
                    norm,
                    images,
                    labels,
                    eps,
                    args.steps,
                    args.step_size,
                ),
                2,
            )
            line += f" {row['transfer']:.2f}% |"
        rows.append(row)
        print(line, flush=True)
    if args.json:
        print(json.dumps({"weights": args.weights, "steps": args.steps, "restarts": args.restarts, "rows": rows}))
    return 0
