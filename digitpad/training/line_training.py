"""Training the line reader (`read.line_reader`) with CTC on lines composed from MNIST digits.

Data: `synth.number_lines` composes lines from MNIST's training split (validation lines from its
validation split), and every line goes through the number reader's own normalisation
(`number.find_line`, `number.line_strip`), so the network trains on the very strips it will read.
Drawing a line and normalising it costs ~25 ms, so the lines are made once, by `workers` processes,
and kept as uint8 strips (32 x W) with their texts; each epoch shows them in a new order, each a
little stretched or squeezed (+-10%) and shifted up or down (+-2 px).

The loop (the whole of it is `train_line_reader`): batches of strips of similar width (less padding),
padded with paper to the widest, `nn.CTCLoss(blank=10, zero_infinity=True)` in fp32 over each strip's
own frames, AdamW with a one-cycle learning rate. After each epoch: whole strings right on the
validation lines, by greedy decoding; the epoch reading most of them right is the one kept.

A run may start from a trained line reader (`ReaderRecipe.init`) instead of a new network: the bundled one is
a first run from scratch, then one more run on fresh lines (another seed) starting from it.
"""

from __future__ import annotations

import copy
import multiprocessing
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from digitpad.ink.strokes import Strokes, strokes_to_ink, strokes_to_mnist
from digitpad.read.classifier import load_classifier
from digitpad.read.line_decode import BLANK, greedy_decode
from digitpad.read.line_reader import (
    ARCHITECTURE,
    STRIP_HEIGHT,
    LineNet,
    LineReader,
    frames,
    line_net_config,
    load_line_reader,
)
from digitpad.read.number_line import find_line, line_strip
from digitpad.read.number_reader import read_line, read_number
from digitpad.synth.non_digits import non_digit_drawings
from digitpad.synth.number_lines import training_line
from digitpad.synth.number_set import KINDS, number_set
from digitpad.training.data import MNIST


@dataclass
class ReaderRecipe:
    lines: int = 45_000  # training lines
    val_lines: int = 1_000
    epochs: int = 10
    batch_size: int = 32
    lr: float = 3e-3
    weight_decay: float = 1e-4
    seed: int = 0
    workers: int = 2  # processes drawing the lines
    val_numbers: int = 200  # numbers of each `number_set` kind, from validation digits, to tune the reading (`tune`)
    init: str = ""  # a line reader's weights file to start from (its network and weights), "": a new network
    angular_zeros: float = 0.0  # the share of the lines' zeros drawn with straight sides instead (`angular_zero`)


WEIGHTS_TRIED = (0.0, 0.25, 0.5, 0.75, 1.0)  # the line reader's share when combined with the digit classifier
UNSURE_TRIED = tuple(round(0.6 + 0.01 * k, 2) for k in range(40))  # confidences under which digits are unsure
MARKED_WRONG = 0.85  # the share of wrong digits the unsure mark should catch, on validation numbers


@dataclass
class Lines:
    strips: list[np.ndarray]  # uint8 (32, W_i): ink x 255
    texts: list[str]


@dataclass
class ReaderEvent:
    kind: str  # "step": one batch; "eval": after each epoch; "done": the final event, with the model
    step: int = 0
    total_steps: int = 0
    epoch: int = 0
    train_loss: float = float("nan")
    val_strings: float = float("nan")  # % of validation lines read right, whole strings
    val_counts: float = float("nan")  # % with the right number of digits
    elapsed_s: float = 0.0
    model: LineNet | None = field(default=None, repr=False)
    metadata: dict = field(default_factory=dict, repr=False)


def mark_ink(height: int, rng: np.random.Generator) -> np.ndarray:
    """A mark that is no digit (a letter, a sign, a shape: `synth.non_digits`), drawn with a round pen like the
    pad's, its longer side up to `height` px: ink in [0, 1]. What `number_lines` puts among the digits."""
    _, drawing = non_digit_drawings(1, rng)[0]
    points = np.vstack(drawing)
    extent = max(float(np.ptp(points, 0).max()), 1e-6)
    size, pen = height * rng.uniform(0.5, 1.0), max(1.5, height * rng.uniform(0.08, 0.14))
    strokes = [(stroke - points.min(0)) / extent * size + pen for stroke in drawing]
    width, tall = np.ptp(points, 0) / extent * size + 2 * pen
    return strokes_to_ink(Strokes(strokes, float(width), float(tall)), 1.0, pen)


def angular_zero(rng: np.random.Generator) -> np.ndarray:
    """A zero written with straight sides, as MNIST frames a digit: uint8 (28, 28). A tall box, hexagon or octagon
    (MNIST's zeros are all round; people also write a box, and the line reader learned to pass over squares as
    marks), 0.45-0.8 as wide as high, a little crooked, in one stroke that may stop short of its start or pass it."""
    sides = int(rng.choice([4, 6, 8]))
    angles = np.pi / 2 + np.pi / sides + 2 * np.pi * np.arange(sides) / sides  # a flat top, starting top left
    corners = np.stack([np.cos(angles), -np.sin(angles)], 1) * [rng.uniform(0.45, 0.8), 1.0]
    corners += rng.normal(0, 0.03, corners.shape)
    turn = rng.normal(0, 0.08)  # radians
    corners = corners @ np.array([[np.cos(turn), np.sin(turn)], [-np.sin(turn), np.cos(turn)]])
    if rng.random() < 0.5:
        corners = corners[::-1]  # drawn the other way round
    end = corners[0] + (corners[1] - corners[0]) * rng.uniform(-0.15, 0.2)  # short of the start, or past it
    return strokes_to_mnist([np.vstack([corners, end]) * 100])


def draw_lines(job: tuple[np.ndarray, np.ndarray, int, int, float]) -> Lines:
    """`count` lines from (images, labels), seeded: as strips, with their texts (one worker's share); a share
    `angular_zeros` of their zeros drawn with straight sides."""
    images, labels, count, seed, angular_zeros = job
    rng = np.random.default_rng(seed)
    strips, texts = [], []
    zeros = (angular_zero, angular_zeros) if angular_zeros else None
    while len(strips) < count:
        picture, text = training_line(images, labels, rng, mark_ink, zeros)
        line = find_line(picture)
        if line is None:
            continue
        strips.append(np.round(line_strip(line) * 255).astype(np.uint8))
        texts.append(text)
    return Lines(strips, texts)


def make_lines(
    images: np.ndarray, labels: np.ndarray, count: int, seed: int, workers: int, angular_zeros: float = 0.0
) -> Lines:
    """`count` lines drawn by `workers` processes (each its own seed), in one list."""
    shares = [count // workers + (k < count % workers) for k in range(workers)]
    jobs = [(images, labels, share, seed * 1000 + k, angular_zeros) for k, share in enumerate(shares)]
    if workers == 1:
        parts = [draw_lines(jobs[0])]
    else:
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            parts = pool.map(draw_lines, jobs)
    return Lines([s for p in parts for s in p.strips], [t for p in parts for t in p.texts])


def batches(widths: np.ndarray, size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Indices in batches of similar width (sorted with a little noise, so batches differ each epoch), shuffled."""
    order = np.argsort(widths + rng.uniform(0, 8, len(widths)))
    chunks = [order[k : k + size] for k in range(0, len(order), size)]
    return [chunks[k] for k in rng.permutation(len(chunks))]


def jittered(strip: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A strip a little stretched or squeezed (+-10%) and shifted up or down (+-2 px)."""
    x = torch.from_numpy(strip)[None, None].float()
    width = max(4, round(strip.shape[1] * rng.uniform(0.9, 1.1)))
    x = F.interpolate(x, size=(STRIP_HEIGHT, width), mode="bilinear", align_corners=False)[0, 0]
    return torch.roll(x, int(rng.integers(-2, 3)), 0).numpy()


def collate(lines: Lines, index: np.ndarray, rng: np.random.Generator | None):
    """Strips (jittered when `rng` is given) -> (float (N, 1, 32, W) in [0, 1], targets, frames each, lengths)."""
    strips = [jittered(lines.strips[i], rng) if rng is not None else lines.strips[i].astype(np.float32) for i in index]
    width = max(s.shape[1] for s in strips)
    x = torch.zeros(len(strips), 1, STRIP_HEIGHT, width)
    for k, s in enumerate(strips):
        x[k, 0, :, : s.shape[1]] = torch.from_numpy(s) / 255
    texts = [lines.texts[i] for i in index]
    targets = torch.tensor([int(c) for t in texts for c in t], dtype=torch.long)
    input_lengths = torch.tensor([frames(s.shape[1]) for s in strips], dtype=torch.long)
    target_lengths = torch.tensor([len(t) for t in texts], dtype=torch.long)
    return x, targets, input_lengths, target_lengths


@torch.inference_mode()
def evaluate(model: LineNet, lines: Lines, batch_size: int = 64) -> tuple[float, float]:
    """(% of whole strings right, % with the right digit count), greedy decoding."""
    model.eval()
    right = counts = 0
    order = np.argsort([s.shape[1] for s in lines.strips])
    for k in range(0, len(order), batch_size):
        index = order[k : k + batch_size]
        x, _, lengths, _ = collate(lines, index, None)
        log_probs = model(x).numpy()
        for row, (i, n) in enumerate(zip(index, lengths.tolist(), strict=True)):
            read = "".join(str(d.digit) for d in greedy_decode(log_probs[row][:n]))
            right += read == lines.texts[i]
            counts += len(read) == len(lines.texts[i])
    model.train()
    return 100 * right / len(lines.texts), 100 * counts / len(lines.texts)


def train_line_reader(data: MNIST, recipe: ReaderRecipe, threads: int | None = None) -> Iterator[ReaderEvent]:
    """Draw the lines, then train; yields a "step" event per batch, an "eval" event per epoch, then "done"."""
    start = time.perf_counter()
    torch.manual_seed(recipe.seed)
    rng = np.random.default_rng(recipe.seed)
    train = data.train_images.numpy(), data.train_labels.numpy()
    train_lines = make_lines(*train, recipe.lines, recipe.seed, recipe.workers, recipe.angular_zeros)
    val = data.val_images.numpy(), data.val_labels.numpy()
    val_lines = make_lines(*val, recipe.val_lines, recipe.seed + 1, recipe.workers)  # as MNIST writes its zeros
    if threads:
        torch.set_num_threads(threads)
    start_from = load_line_reader(recipe.init) if recipe.init else None
    model = start_from.model.train() if start_from else LineNet()
    ctc = nn.CTCLoss(blank=BLANK, zero_infinity=True)
    optimizer = torch.optim.AdamW(model.parameters(), lr=recipe.lr, weight_decay=recipe.weight_decay)
    widths = np.array([s.shape[1] for s in train_lines.strips])
    steps = recipe.epochs * len(batches(widths, recipe.batch_size, np.random.default_rng(0)))
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=recipe.lr, total_steps=steps, pct_start=0.15)
    model.train()
    step, best = 0, (-1.0, 0.0, 0, None)  # (strings, counts, epoch, weights) of the best epoch on validation lines
    for epoch in range(1, recipe.epochs + 1):
        losses = []
        for index in batches(widths, recipe.batch_size, rng):
            losses.append(ctc_step(model, ctc, optimizer, collate(train_lines, index, rng)))
            schedule.step()
            step += 1
            yield ReaderEvent("step", step, steps, epoch, losses[-1], elapsed_s=time.perf_counter() - start)
        strings, counts = evaluate(model, val_lines)
        if (strings, counts) > best[:2]:
            best = (strings, counts, epoch, copy.deepcopy(model.state_dict()))
        elapsed = time.perf_counter() - start
        yield ReaderEvent("eval", step, steps, epoch, float(np.mean(losses)), strings, counts, elapsed)
    strings, counts, best_epoch, weights = best
    model.load_state_dict(weights)  # the epoch reading most validation lines right (the last, mostly)
    metadata = {
        "architecture": ARCHITECTURE,
        **tune(model, data, recipe.val_numbers),
        "config": line_net_config(model),
        "recipe": asdict(recipe),
        "val_strings_pct": round(strings, 2),
        "val_counts_pct": round(counts, 2),
        "best_epoch": best_epoch,
        "started_from": history(start_from.metadata) if start_from else None,  # the run it went on from
        "train_seconds": round(time.perf_counter() - start, 1),
        "task": "read a row of digits (CTC, blank = 10)",
    }
    ended = {"model": model.eval(), "metadata": metadata}
    elapsed = time.perf_counter() - start
    yield ReaderEvent("done", step, steps, recipe.epochs, float(np.mean(losses)), strings, counts, elapsed, **ended)


def ctc_step(model: LineNet, ctc: nn.CTCLoss, optimizer: torch.optim.Optimizer, batch: tuple) -> float:
    """One optimisation step on a batch from `collate` (strips, targets and their lengths) -> its CTC loss."""
    x, targets, input_lengths, target_lengths = batch
    log_probs = model(x).transpose(0, 1)  # (T, N, 11), as CTCLoss takes it
    loss = ctc(log_probs, targets, input_lengths, target_lengths)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 5.0)
    optimizer.step()
    return loss.item()


def history(metadata: dict) -> dict:
    """How a line reader was made (its recipe, time, validation figure, and what it started from in turn)."""
    return {k: metadata.get(k) for k in ("recipe", "train_seconds", "val_strings_pct", "started_from")}


def tune(model: LineNet, data: MNIST, per_kind: int) -> dict:
    """What reading with the line reader needs to know of it, measured on numbers composed from MNIST's validation
    digits (`number_set`'s three kinds, `per_kind` each), with the bundled digit classifier and guard:
    - `peak_at`: where across its digit a peak sits (the median over the digits of numbers it reads right whose
      ink boxes are known), so that touching digits are parted where one ends;
    - `ctc_weight`: its share in the combined reading (`number.combine`): the one of WEIGHTS_TRIED reading most
      whole strings right (ties go to the middle), and every weight's rate (%);
    - `unsure_below`: the lowest confidence (0.6, 0.61, ...) that marks MARKED_WRONG of the wrong digits (in
      numbers read with the right count) unsure, with those the two readers dispute, so most mistakes are marked."""
    classifier, reader = load_classifier(), LineReader(model.eval(), {})
    images, labels = data.val_images.numpy(), data.val_labels.numpy()
    numbers = [n for kind in KINDS for n in number_set(images, labels, kind, per_kind)]
    across = []
    for n in numbers:
        line = find_line(n.picture)
        found, peaks = read_line(line, reader) if line is not None else ([], [])
        if n.owner is not None and "".join(str(f.digit) for f in found) == n.text:
            across += [(p / line.scale - b[0]) / max(1, b[2] - b[0]) for p, b in zip(peaks, n.ink_boxes(), strict=True)]
    reader.peak_at = float(np.median(across)) if across else 0.5
    readings = {
        w: [read_number(classifier, n.picture, reader, classifier.is_digit, w) for n in numbers] for w in WEIGHTS_TRIED
    }
    right = {w: sum(r.text == n.text for r, n in zip(readings[w], numbers, strict=True)) for w in WEIGHTS_TRIED}
    weight = max(WEIGHTS_TRIED, key=lambda w: (right[w], -abs(w - 0.5)))
    wrong = [
        d
        for r, n in zip(readings[weight], numbers, strict=True)
        if len(r.text) == len(n.text)
        for d, char in zip(r.digits, n.text, strict=True)
        if str(d.digit) != char
    ]
    marked = [
        t for t in UNSURE_TRIED if wrong and np.mean([d.disputed or d.confidence < t for d in wrong]) >= MARKED_WRONG
    ]
    return {
        "peak_at": round(reader.peak_at, 3),
        "ctc_weight": weight,
        "ctc_weights_tried": {str(w): round(100 * right[w] / len(numbers), 2) for w in WEIGHTS_TRIED},
        "unsure_below": marked[0] if marked else UNSURE_TRIED[-1] if wrong else UNSURE_TRIED[0],
    }
