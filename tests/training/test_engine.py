import math
import threading

import pytest
import torch

from digitpad.training.data import fixed_sample
from digitpad.training.device import pick_device
from digitpad.training.engine import MAX_EVALS, Selection, learning_rate, train
from digitpad.training.recipes import RECIPES, get_recipe


def run(recipe, mnist, **kwargs):
    events = list(train(recipe, mnist, "cpu", **kwargs))
    return events, events[-1]


@pytest.mark.slow
def test_short_run_really_learns(mnist):
    recipe = get_recipe("quick", epochs=1, batch_size=128)
    events, final = run(recipe, mnist, train_subset=4096)
    assert final.kind == "done" and final.model is not None
    assert final.test_acc > 90.0  # chance is 10%
    assert [e.kind for e in events].count("eval") == recipe.evals_per_epoch
    steps = [e for e in events if e.kind == "step"]
    assert [e.step for e in steps] == list(range(1, final.total_steps + 1))
    assert steps[-1].elapsed_s >= steps[0].elapsed_s > 0 and steps[-1].images_per_s > 0
    meta = final.metadata
    assert meta["recipe"] == "quick" and meta["normalization"] == {"mean": recipe.mean, "std": recipe.std}
    assert meta["train_images"] == 4096 and meta["seed"] == 0 and len(meta["data_md5"]) == 4
    # the selected model is scored on the whole test set, and every evaluation on all three sets
    assert final.test_predictions.shape == (10_000,) and final.val_acc > 90.0
    assert all(e.train_eval_acc is not None and e.val_loss is not None for e in events if e.kind == "eval")


@pytest.mark.slow
def test_live_evaluation_and_watched_digits(mnist):
    """Live curves score fixed samples; the watched digits get probabilities at every evaluation."""
    recipe = get_recipe("quick", epochs=0.5)
    events, final = run(recipe, mnist, train_subset=4096, live_eval=500, watch=mnist.test_images[:20])
    evals = [e for e in events if e.kind == "eval"]
    assert evals and all(e.watch_probs.shape == (20, 10) for e in evals)
    assert torch.allclose(evals[-1].watch_probs.sum(1), torch.ones(20), atol=1e-3)
    # a live accuracy on 500 images is a multiple of 0.2%; the final one is on all 10,000
    assert all(abs(e.test_acc * 5 - round(e.test_acc * 5)) < 1e-3 for e in evals)
    assert final.test_predictions.shape == (10_000,)


def test_training_subset_is_a_fixed_random_sample():
    first, again = fixed_sample(55_000, 500), fixed_sample(55_000, 500)
    assert torch.equal(first, again) and len(first.unique()) == 500
    assert first.max() > 50_000 and first.min() < 1_000  # spread over the whole set, not the first 500
    assert torch.equal(fixed_sample(100, None), torch.arange(100))


@pytest.mark.slow
def test_small_set_overfits_and_evaluations_are_capped(mnist):
    """500 images, many epochs, no dropout: the network learns its training set by heart."""
    recipe = get_recipe("quick", epochs=40, batch_size=25)
    recipe.model_config = {**recipe.model_config, "dropout": 0.0}
    events, final = run(recipe, mnist, train_subset=500, live_eval=1000, eval_test=False)
    assert [e.kind for e in events].count("eval") <= MAX_EVALS + 1
    assert final.train_eval_acc >= 99.0 and final.train_eval_acc - final.val_acc >= 3.0


@pytest.mark.slow
def test_same_seed_same_run(mnist):
    recipe = get_recipe("quick", epochs=0.25)
    losses = [[e.train_loss for e in train(recipe, mnist, seed=3, train_subset=2048) if e.kind == "step"] for _ in "ab"]
    assert losses[0] == losses[1]


@pytest.mark.slow
def test_stop_between_steps(mnist):
    stop = threading.Event()
    events = []
    for event in train(get_recipe("quick"), mnist, train_subset=8192):
        events.append(event)
        if event.step == 3:
            stop.set()
            break
    # the generator honours the event too
    stop = threading.Event()
    gen = train(get_recipe("quick"), mnist, stop=stop, train_subset=8192)
    kinds = []
    for event in gen:
        kinds.append(event.kind)
        if event.step == 2:
            stop.set()
    assert kinds[-1] == "stopped" and kinds.count("step") == 2


@pytest.mark.slow
def test_divergence_is_reported(mnist):
    recipe = get_recipe("seed", lr=1e6, epochs=0.2)
    final = list(train(recipe, mnist, train_subset=2048))[-1]
    assert final.kind == "failed" and "diverged" in final.message and final.model is None


def test_seed_recipe_is_what_the_seed_code_does():
    seed = RECIPES["seed"]
    assert (seed.model, seed.optimizer, seed.lr, seed.momentum, seed.batch_size, seed.epochs) == (
        "lenet5",
        "sgd",
        0.01,
        0.5,
        64,
        9,
    )
    assert (seed.mean, seed.std, seed.schedule) == (0.5, 0.5, "constant")
    assert learning_rate(seed, 10_000, 10_000) == 0.01


def test_onecycle_schedule_shape():
    recipe = get_recipe("quick")
    lrs = [learning_rate(recipe, s, 1000) for s in range(1000)]
    assert lrs[0] < lrs[200] and math.isclose(max(lrs), recipe.lr, rel_tol=0.01) and lrs[-1] < recipe.lr * 0.01


def test_device_choice():
    assert pick_device("cpu") == torch.device("cpu")
    if not torch.cuda.is_available():
        assert pick_device("auto").type in ("cpu", "mps")
        with pytest.raises(ValueError, match="no CUDA device"):
            pick_device("cuda")


def test_unknown_recipe():
    with pytest.raises(ValueError, match="unknown recipe 'fast'"):
        get_recipe("fast")


@pytest.mark.slow
def test_adversarial_training_runs_through_the_engine(mnist):
    recipe = get_recipe("robust", epochs=1, batch_size=128)
    events = list(train(recipe, mnist, "cpu", train_subset=512, live_eval=256, eval_test=False))
    final = events[-1]
    assert final.kind == "done" and final.model is not None and final.step == 4
    assert final.metadata["hyperparameters"]["attack_eps"] == 0.3 and final.metadata["hyperparameters"]["keep_last"]


def test_weights_chosen_on_a_sample_give_way_to_better_final_ones_on_the_whole_split():
    model = torch.nn.Linear(1, 1, bias=False)
    whole_val_loss = lambda: float(model.weight.abs().sum())  # noqa: E731 - the whole split's loss of the weights
    for earlier, final, kept in [(1.0, 0.5, 0.5), (0.25, 0.5, 0.25)]:
        chosen = Selection(sampled=True)
        torch.nn.init.constant_(model.weight, earlier)
        chosen.note({"val_loss": 0.01, "test_acc": None}, model, 1.0)  # lowest on the sample
        torch.nn.init.constant_(model.weight, final)
        chosen.note({"val_loss": 0.02, "test_acc": None}, model, 2.0, last_step=True)
        assert not chosen.final
        chosen.restore(model, whole_val_loss)
        assert float(model.weight) == kept
    chosen = Selection(sampled=False)  # scored on the whole split already: its choice stands
    torch.nn.init.constant_(model.weight, 1.0)
    chosen.note({"val_loss": 0.01, "test_acc": None}, model, 1.0)
    torch.nn.init.constant_(model.weight, 0.5)
    chosen.note({"val_loss": 0.02, "test_acc": None}, model, 2.0, last_step=True)
    chosen.restore(model, whole_val_loss)
    assert float(model.weight) == 1.0
