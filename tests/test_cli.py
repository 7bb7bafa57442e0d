import contextlib
import io
import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from digitpad.checkpoint import load_checkpoint
from digitpad.cli import main
from digitpad.read.line_reader import load_line_reader
from digitpad.training.recipes import RECIPES


def cli(*args, check=True) -> subprocess.CompletedProcess:
    """`digitpad *args` run in this process (a new `python -m digitpad` costs ~2.5 s of imports per call; one
    test below starts the real thing): its exit status and what it printed. Torch's thread count and random
    state, which commands set, are put back for the tests that follow."""
    threads, rng = torch.get_num_threads(), torch.random.get_rng_state()
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    except SystemExit as e:  # argparse's errors and --help
        code = e.code if isinstance(e.code, int) else 1
    finally:
        torch.set_num_threads(threads)
        torch.random.set_rng_state(rng)
    result = subprocess.CompletedProcess(["digitpad", *args], code, out.getvalue(), err.getvalue())
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.mark.slow
def test_train_json_and_tensorboard(tmp_path):
    from digitpad.training.tensorboard_log import read_scalars

    out, board = tmp_path / "w.safetensors", tmp_path / "runs" / "quick"
    result = cli(
        "train",
        "--recipe",
        "quick",
        "--epochs",
        "0.5",
        "--train-images",
        "4096",
        "--output",
        str(out),
        "--json",
        "--tensorboard",
        str(board),
    )
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    for key in ("recipe", "model", "test_acc", "train_seconds", "time_to_99_s"):
        assert key in summary
    assert summary["recipe"] == "quick" and summary["model"] == "digitnet" and summary["test_acc"] > 80
    assert summary["time_to_99_s"] is None  # a 2,048-image run does not reach 99%
    _, meta = load_checkpoint(out)
    assert meta["recipe"] == "quick" and meta["train_images"] == 4096
    scalars = read_scalars(board)
    for tag in ("loss/train", "loss/validation", "loss/test", "accuracy/train", "accuracy/test", "learning_rate"):
        assert len(scalars[tag]) == RECIPES["quick"].evals_per_epoch // 2, tag  # half an epoch
    assert 80 < scalars["accuracy/test"][-1][1] <= 100 and scalars["loss/test"][-1][1] < scalars["loss/test"][0][1]
    events = EventAccumulator(str(board), size_guidance={"images": 0})
    events.Reload()
    assert set(events.Tags()["images"]) == {"confusion_matrix", "filters/first_layer"}
    filters = events.Images("filters/first_layer")[-1]
    assert filters.width > 40 and filters.height > 40  # 16 kernels of 5x5, 8x, in a grid


@pytest.mark.slow
def test_train_guard_saves_weights_with_their_threshold(tmp_path):
    """A tiny run: the recipe, the data drawn (500 validation digits re-drawn), two members, a threshold."""
    out = tmp_path / "guard.safetensors"
    args = "--redrawn 20 --pen-drawn 20 --non-digits 120 --epochs 0.05 --val-images 500 --output"
    result = cli("train-guard", *args.split(), str(out))
    assert "member 2 of 2 (seed 1)" in result.stdout and "validation non-digits rejected" in result.stdout
    model, meta = load_checkpoint(out)
    assert meta["task"] == "a digit at all?" and meta["config"]["classes"] == 11 and meta["recipe"] == "guard"
    assert meta["architecture"] == "digitnet-ensemble" and len(model.members) == meta["config"]["members"] == 2
    assert 0 <= meta["threshold"] <= 1 and meta["false_rejections"] == 0.0015 and meta["non_digits"] == 120
    assert meta["pen_drawn"] == 20 and len(meta["val_acc"]) == 2


def test_train_guard_refuses_an_ensemble_of_no_networks(capsys):
    assert main(["train-guard", "--members", "0"]) == 2
    assert "--members must be at least 1" in capsys.readouterr().err


@pytest.mark.slow
def test_train_pen_fine_tunes_given_weights_on_mnist_and_its_pen_drawn_look(tmp_path):
    """A tiny run from the bundled weights: 500 training and 500 validation digits, each also drawn as strokes."""
    out = tmp_path / "pen.safetensors"
    args = "--init weights/digitnet.safetensors --train-images 500 --val-images 500 --epochs 0.5 --output"
    result = cli("train-pen", *args.split(), str(out))
    assert "drawn on the pad" in result.stdout
    _, meta = load_checkpoint(out)
    assert meta["recipe"] == "pen" and meta["started_from"] == "weights/digitnet.safetensors"
    assert meta["train_images"] == 1000  # 500 digits, each also drawn as strokes
    assert meta["val_pad_acc"] > 95 and meta["val_raw_acc"] > 98


@pytest.mark.slow
def test_train_reader_saves_weights_with_the_weight_of_its_opinion(tmp_path):
    """A tiny run: 64 lines, one epoch; the weights file says what it is and how much to trust it."""
    out = tmp_path / "reader.safetensors"
    result = cli(
        *"train-reader --lines 64 --epochs 1 --val-lines 16 --val-numbers 2 --workers 1 --output".split(),
        str(out),
        "--json",
    )
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["output"] == str(out) and 0 <= summary["val_strings"] <= 100
    reader = load_line_reader(out)
    assert reader.metadata["recipe"]["lines"] == 64 and 0 <= reader.weight <= 1


def test_train_rejects_bad_arguments():
    result = cli("train", "--recipe", "nope", check=False)
    assert result.returncode == 2 and "invalid choice: 'nope'" in result.stderr


@pytest.mark.slow
def test_python_dash_m_digitpad_runs_the_command_line():
    """The real entry point, in a process of its own: its exit status and messages."""
    argv = [sys.executable, "-m", "digitpad", "predict", "x.png", "--share"]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "unrecognized arguments: --share" in result.stderr
    assert result.stderr.startswith("usage: digitpad ")


@pytest.mark.slow
def test_eval_bundled_with_plots(tmp_path):
    result = cli("eval", "--plots", str(tmp_path))
    line = next(l for l in result.stdout.splitlines() if l.startswith("MNIST test:"))
    assert float(line.split("accuracy ")[1].split("%")[0]) >= 99.60
    assert "per-class accuracy: 0:" in result.stdout and "true\\pred" in result.stdout
    for name in ("confusion.png", "mistakes.png"):
        assert Image.open(tmp_path / name).size[0] > 100


@pytest.mark.slow
def test_eval_bad_weights_file(tmp_path):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not weights")
    result = cli("eval", "--weights", str(bad), check=False)
    assert result.returncode == 2 and "bad.safetensors: not a readable safetensors file" in result.stderr


def test_predict_files(tmp_path, mnist):
    paths = []
    for i in range(3):
        path = tmp_path / f"digit{i}.png"
        Image.fromarray(mnist.test_images[i].numpy()).save(path)
        paths.append(str(path))
    blank = tmp_path / "blank.png"
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(blank)
    result = cli("predict", *paths, str(blank))
    lines = result.stdout.strip().splitlines()
    for i, line in enumerate(lines[:3]):
        assert line.startswith(f"{paths[i]}: {int(mnist.test_labels[i])} (")
    assert lines[3] == f"{blank}: no digit found (blank image)"


@pytest.mark.slow
def test_predict_unreadable_file(tmp_path):
    fake = tmp_path / "fake.png"
    fake.write_text("hello")
    result = cli("predict", str(fake), check=False)
    assert result.returncode == 1 and "fake.png: error: fake.png: not a readable image" in result.stdout


@pytest.mark.slow
def test_read_numbers_from_files(tmp_path, mnist):
    from digitpad.synth.number_set import number_set

    numbers = number_set(mnist.test_images[:5000].numpy(), mnist.test_labels[:5000].numpy(), "separate", 3, seed=5)
    files = []
    for k, n in enumerate(numbers):
        files.append(str(tmp_path / f"n{k}.png"))
        Image.fromarray(n.picture).save(files[-1])
    blank = tmp_path / "blank.png"
    Image.fromarray(np.full((60, 200), 255, np.uint8)).save(blank)
    lines = cli("read", *files, str(blank)).stdout.strip().splitlines()
    assert [line.split(": ")[1].split()[0] for line in lines[:3]] == [n.text for n in numbers]
    assert lines[3] == f"{blank}: no digits found (blank image)"

    objects = [json.loads(line) for line in cli("read", "--json", *files).stdout.strip().splitlines()]
    assert [o["text"] for o in objects] == [n.text for n in numbers]
    first = objects[0]["digits"][0]
    assert (
        set(first) == {"box", "digit", "confidence", "probs"} and len(first["box"]) == 4 and len(first["probs"]) == 10
    )


@pytest.mark.slow
def test_read_unreadable_file(tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_text("not an image")
    result = cli("read", str(bad), check=False)
    assert result.returncode == 1 and "not a readable image" in result.stdout


@pytest.mark.slow
def test_corrections_list_export_clear(tmp_path):
    from digitpad.teach.store import CorrectionStore

    database = tmp_path / "home" / "digitpad.sqlite"
    store = CorrectionStore(database)
    for k in range(3):
        store.add(f"visitor-{k % 2}", np.full((28, 28), k, np.uint8), 6, np.eye(10)[5], "bundled digitnet (best)")
    listed = cli("corrections", "list", "--database", str(database))
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.strip().splitlines()
    assert len(lines) == 4 and "it was 6, read as 5 (100%)" in lines[0] and "bundled digitnet (best)" in lines[0]
    assert lines[-1] == f"3 corrections from 2 visitors in {database}"
    exported = cli("corrections", "export", str(tmp_path / "out"), "--database", str(database))
    assert exported.returncode == 0 and exported.stdout.startswith("exported 3 corrections to")
    assert sorted(p.name for p in (tmp_path / "out" / "6").iterdir()) == ["1.png", "2.png", "3.png"]
    assert (tmp_path / "out" / "metadata.csv").read_text().startswith("file_name,label,")
    cleared = cli("corrections", "clear", "--database", str(database))
    assert cleared.stdout.strip() == f"deleted 3 corrections from {database}" and store.count() == 0


@pytest.mark.slow
def test_corrections_bad_uses_say_what_to_do(tmp_path):
    database = str(tmp_path / "digitpad.sqlite")
    missing = cli("corrections", "export", "--database", database, check=False)
    assert missing.returncode == 2 and "export needs a folder" in missing.stderr
    push = cli("corrections", "push", "--database", database, check=False)
    assert push.returncode == 2 and "set DIGITPAD_HUB_REPO" in push.stderr
    (tmp_path / "bad.sqlite").write_bytes(b"garbage" * 500)
    damaged = cli("corrections", "list", "--database", str(tmp_path / "bad.sqlite"), check=False)
    assert damaged.returncode == 2 and "is damaged" in damaged.stderr and "Traceback" not in damaged.stderr


def test_the_shared_options_mean_the_same_in_every_command():
    from digitpad.cli import build_parser

    commands = build_parser()._subparsers._group_actions[0].choices
    seen = {}
    for name, parser in commands.items():
        if name == "generate":  # its --seed picks the pictures: its own option
            continue
        for action in parser._actions:
            if action.dest in ("data_dir", "device", "seed", "threads"):
                seen.setdefault(action.dest, {})[name] = action.help
    assert set(seen["data_dir"]) == {"train", "eval", "train-reader", "train-guard", "train-pen", "attack", "train-gan"}
    assert set(seen["threads"]) == {"train", "train-reader", "train-guard", "train-pen", "attack", "train-gan"}
    for dest, helps in seen.items():
        assert len(set(helps.values())) == 1, f"--{dest} is described {len(set(helps.values()))} ways"


def test_every_options_help_says_its_default_once_and_never_none():
    from digitpad.cli import build_parser

    for name, parser in build_parser()._subparsers._group_actions[0].choices.items():
        text = " ".join(parser.format_help().split())
        assert "(default: None)" not in text and "(default: False)" not in text, name
        if name in ("train", "train-reader", "generate"):
            assert "(default: 0)" in text, name  # --seed's 0 is a default to say, not a flag's False
        for action in parser._actions:
            shown = parser.formatter_class(name)._get_help_string(action) or ""
            assert shown.count("(default:") <= 1, (name, action.dest, shown)


def test_training_commands_write_into_runs_unless_told():
    from digitpad.cli import build_parser

    parser = build_parser()
    for command in ("train-reader", "train-guard", "train-pen", "train-gan"):
        args = parser.parse_args([command])
        assert args.output.startswith("runs/"), f"{command} would write {args.output}"
    # train-gan's small batches train as fast on one thread; the guard's two networks train on every core
    assert parser.parse_args(["train-gan"]).threads == 1 and parser.parse_args(["train-guard"]).threads is None
    assert parser.parse_args(["train-gan", "--threads", "3"]).threads == 3


def test_train_gan_hands_its_threads_to_the_engine(monkeypatch, capsys):
    import digitpad.gan.trainer
    import digitpad.training.data

    given = {}

    def engine(recipe, data, device, **options):
        given.update(options, recipe=recipe.name)
        return iter([])  # no events: the command says training produced nothing

    monkeypatch.setattr(digitpad.gan.trainer, "train_gan", engine)
    monkeypatch.setattr(digitpad.training.data, "load_mnist", lambda *a, **k: None)
    assert main(["train-gan", "--threads", "2", "--device", "cpu", "--max-seconds", "5"]) == 1
    assert given == {"seed": 0, "max_seconds": 5.0, "threads": 2, "recipe": "cgan"}
    assert "training produced no generator" in capsys.readouterr().err
    assert main(["train-gan", "--recipe", "nope", "--device", "cpu"]) == 2
    assert "no GAN recipe 'nope': choose from cgan, " in capsys.readouterr().err


def test_building_the_parser_imports_neither_the_benchmark_nor_the_app():
    code = (
        "import sys; from digitpad.cli import build_parser; build_parser(); "
        "print(sorted(m for m in sys.modules if m.startswith(('digitpad.bench', 'digitpad.app', 'gradio'))))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "[]", result.stdout + result.stderr


@pytest.mark.slow
def test_demo_takes_demo_py_options_and_others_refuse_unknown_ones():
    result = cli("demo", "--help")
    assert (
        result.stdout.startswith("usage: digitpad demo") and "--share" in result.stdout and "--weights" in result.stdout
    )
    wrong = cli("predict", "x.png", "--share", check=False)
    assert wrong.returncode == 2 and "unrecognized arguments: --share" in wrong.stderr
