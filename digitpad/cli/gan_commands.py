"""The GAN's commands: `train-gan` (the bundled recipe, or a benchmark anchor's) and `generate`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from digitpad.cli.options import shared_options
from digitpad.cli.progress import follow


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


def cmd_train_gan(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from PIL import Image

    from digitpad.gan.generator import save_generator
    from digitpad.gan.trainer import GAN_RECIPES, train_gan
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
