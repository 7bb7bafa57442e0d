"""The Train tab: retrain from the browser and watch the network learn.

Wiring only: `digitpad.training.retrain.retrain` does the work and yields updates; this module turns
them into two live charts (accuracy, loss), live guesses on 20 test digits, and at the end
the confusion matrix, the first layer's filters, the most confident mistakes and the file.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import gradio as gr

from digitpad.app.clients import client_of
from digitpad.app.gallery import confusion_html, filters_html, guesses_html, mistakes_html
from digitpad.config import settings
from digitpad.model import MODELS
from digitpad.teach.store import CorrectionsError, CorrectionStore, pooled
from digitpad.training.retrain import TRAINING_WAITERS, retrain, warm_up
from digitpad.training.run_report import RunUpdate
from digitpad.training.run_settings import TAB_RECIPES, TRAIN_IMAGES, RunSettings, defaults_for

SETS = {"train": "#2563eb", "validation": "#f59e0b", "test": "#dc2626"}  # one colour per curve, in both charts
GUESSES_HINT = "<p>Live guesses on 20 test digits appear here while the network trains.</p>"


def curve_plot(y: str, title: str, elem_id: str) -> gr.LinePlot:
    # no `height`: in Gradio 6.31 a LinePlot given a height renders both axes as categories
    return gr.LinePlot(
        x="epoch",
        y=y,
        color="set",
        color_map=SETS,
        title=title,
        x_title="epoch",
        y_title=title,
        elem_id=elem_id,
        show_label=False,
        min_width=300,
        x_axis_format="~g",  # 0.25, not 0.250
    )


def guesses_view(update: RunUpdate) -> str:
    g = update.guesses
    return GUESSES_HINT if g is None else guesses_html(g.images, g.labels, g.probs)


def final_views(update: RunUpdate) -> tuple[str, str, str]:
    """The finished run's confusion matrix, first-layer filters and most confident mistakes, as HTML."""
    m = update.mistakes
    return (
        confusion_html(update.confusion),
        filters_html(update.filters),
        mistakes_html(m.images, m.labels, m.guesses, m.confidence),
    )


def corrections_label(count: int) -> str:
    return f"Include {'everyone' if pooled() else 'my'} corrections ({count})"


@dataclass
class TrainTab:
    tab: gr.Tab
    model_name: gr.Dropdown
    recipe: gr.Radio
    train_images: gr.Dropdown
    device: gr.Radio
    epochs: gr.Number
    batch_size: gr.Number
    lr: gr.Number
    dropout: gr.Number
    weight_decay: gr.Number
    augment: gr.Checkbox
    include: gr.Checkbox
    retrain: gr.Button
    stop: gr.Button
    status: gr.Textbox
    accuracy_plot: gr.LinePlot
    loss_plot: gr.LinePlot
    guesses: gr.HTML
    confusion: gr.HTML
    download: gr.File
    filters: gr.HTML
    mistakes: gr.HTML

    def settings(self) -> list:
        """The inputs of a run, in `RunSettings`' order (the recipe's fields, then the device and the images)."""
        return [
            self.model_name,
            self.recipe,
            self.epochs,
            self.batch_size,
            self.lr,
            self.augment,
            self.device,
            self.train_images,
            self.dropout,
            self.weight_decay,
        ]

    def outputs(self) -> list:
        """What a run's updates fill: the status, the charts and guesses, the final views and the file."""
        return [
            self.status,
            self.accuracy_plot,
            self.loss_plot,
            self.guesses,
            self.confusion,
            self.filters,
            self.mistakes,
            self.download,
        ]


def build_train_tab(my_model: gr.State, model_choice: gr.Radio, store: CorrectionStore) -> None:
    enabled = settings().training
    view = train_tab_layout(enabled)
    wire_train_tab(view, my_model, model_choice, store)
    if enabled:  # load MNIST and warm the engine up while the visitor reads the page, not after the click
        threading.Thread(target=warm_up, daemon=True).start()


def train_tab_layout(enabled: bool) -> TrainTab:
    """The tab's components, placed; `wire_train_tab` connects them."""
    with gr.Tab("Train", id="train") as tab:
        gr.Markdown(
            "Retrain the network from scratch on MNIST and watch it learn: accuracy and loss on the training, "
            "validation and test images, and its guesses on 20 test digits. Try 500 training images to see it "
            "overfit. When it is done, your drawings are read by your new model (other visitors keep the bundled one)."
            if enabled
            else "**Training is disabled on this deployment.** Run digitpad yourself to retrain it."
        )
        form = run_form(enabled)
        with gr.Row():
            retrain_button = gr.Button("Retrain", variant="primary", elem_id="retrain", interactive=enabled)
            stop_button = gr.Button("Stop", variant="stop", elem_id="stop", interactive=enabled)
        ready = "Ready." if enabled else "Training is disabled on this deployment."
        status = gr.Textbox(label="Status", elem_id="train-status", interactive=False, value=ready)
        results = run_results()
    return TrainTab(tab, *form, retrain_button, stop_button, status, *results)


def run_form(enabled: bool) -> tuple:
    """A run's fields, in `TrainTab`'s order: model, recipe, training images, device; then epochs, batch size,
    learning rate, dropout, weight decay, augmentation, and whether to include the visitor's corrections."""
    defaults = defaults_for("quick")
    with gr.Row():
        model_name = gr.Dropdown(list(MODELS), value=defaults["model"], label="Model", interactive=enabled)
        recipe = gr.Radio(list(TAB_RECIPES), value="quick", label="Recipe preset", interactive=enabled)
        sizes = [(f"{n:,}" + (" (all)" if n == TRAIN_IMAGES[0] else ""), n) for n in TRAIN_IMAGES]
        train_images = gr.Dropdown(
            sizes, value=TRAIN_IMAGES[0], label="Training images", elem_id="train-images", interactive=enabled
        )
        device = gr.Radio(["auto", "cpu", "cuda"], value="auto", label="Device", interactive=enabled)
    with gr.Row():
        # ranges are checked by RunSettings.check(), which says what is wrong in the status box
        epochs = gr.Number(defaults["epochs"], label="Epochs", step=0.5, elem_id="epochs", interactive=enabled)
        batch_size = gr.Number(defaults["batch_size"], label="Batch size", precision=0, interactive=enabled)
        lr = gr.Number(defaults["lr"], label="Learning rate", interactive=enabled)
        dropout = gr.Number(defaults["dropout"], label="Dropout", step=0.05, interactive=enabled)
        weight_decay = gr.Number(defaults["weight_decay"], label="Weight decay", interactive=enabled)
        augment = gr.Checkbox(defaults["augment"], label="Augmentation", interactive=enabled)
        include = gr.Checkbox(
            False,
            label=corrections_label(0),
            elem_id="include-corrections",
            interactive=enabled,
            info="the drawings corrected in the Draw tab, mixed into the training images",
        )
    return model_name, recipe, train_images, device, epochs, batch_size, lr, dropout, weight_decay, augment, include


def run_results() -> tuple:
    """What a run shows, in `TrainTab`'s order: the two charts, the live guesses, the confusion matrix, the
    weights file, the first-layer filters and the most confident mistakes."""
    with gr.Row():
        accuracy_plot = curve_plot("accuracy", "accuracy (%)", "acc-curves")
        loss_plot = curve_plot("loss", "loss (cross-entropy)", "loss-curves")
    gr.Markdown("**Live guesses** on 20 test digits (✗: wrong), refreshed at every evaluation")
    guesses = gr.HTML(GUESSES_HINT, elem_id="live-guesses")
    with gr.Row():
        with gr.Column(min_width=320):
            confusion = gr.HTML(elem_id="confusion")
            download = gr.File(label="Trained weights (safetensors)", elem_id="weights-download", interactive=False)
        with gr.Column(min_width=320):
            gr.Markdown("**First-layer filters** (white: positive weights, black: negative)")
            filters = gr.HTML(elem_id="filters")
            gr.Markdown("**Most confident mistakes** on the test set (true → read)")
            mistakes = gr.HTML(elem_id="mistakes")
    return accuracy_plot, loss_plot, guesses, confusion, download, filters, mistakes


def wire_train_tab(view: TrainTab, my_model: gr.State, model_choice: gr.Radio, store: CorrectionStore) -> None:
    """The presets fill the fields, opening the tab counts the corrections, Retrain runs (`/train`), Stop stops."""
    stop_events: dict[str, threading.Event] = {}  # session -> its run's Stop switch

    def fill_recipe(recipe_name: str, images: int) -> tuple:
        d = defaults_for(recipe_name, images)
        return d["model"], d["epochs"], d["batch_size"], d["lr"], d["augment"], d["dropout"], d["weight_decay"]

    def fill_size(recipe_name: str, images: int) -> tuple:
        """A new training-set size changes only what depends on it: epochs, batch size, dropout."""
        d = defaults_for(recipe_name, images)
        return d["epochs"], d["batch_size"], d["dropout"]

    every_field = [
        view.model_name,
        view.epochs,
        view.batch_size,
        view.lr,
        view.augment,
        view.dropout,
        view.weight_decay,
    ]
    sized = [view.epochs, view.batch_size, view.dropout]
    view.recipe.change(fill_recipe, [view.recipe, view.train_images], every_field, api_visibility="private")
    view.train_images.change(fill_size, [view.recipe, view.train_images], sized, api_visibility="private")

    def count_corrections(request: gr.Request) -> dict:
        """The checkbox's label, refreshed when the visitor opens this tab: how many corrections it adds."""
        try:
            count = store.count(None if pooled() else client_of(request).visitor)
        except CorrectionsError:
            count = 0
        return gr.update(label=corrections_label(count))

    view.tab.select(count_corrections, None, view.include, api_visibility="private", show_progress="hidden")

    def stop_training(request: gr.Request) -> str:
        stop = stop_events.get(client_of(request).visitor)  # the cookie's: no one else can stop this run
        if stop is None:
            return "Nothing to stop."
        stop.set()
        return "Stopping..."

    view.retrain.click(
        training_handler(store, stop_events),
        [*view.settings(), view.include, my_model],
        [*view.outputs(), my_model, model_choice],
        api_name="train",
        concurrency_limit=TRAINING_WAITERS,  # the rest wait in the training slot's line and see their place
        concurrency_id="train",
        show_progress="hidden",  # the status line says how far it is; a spinner would cost the browser CPU
    )
    view.stop.click(stop_training, None, view.status, api_name="stop", concurrency_limit=None, show_progress="hidden")


def training_handler(store: CorrectionStore, stop_events: dict[str, threading.Event]):
    """`/train`: (the settings, include corrections, the visitor's model) -> a stream of the tab's outputs, then
    the visitor's model and the model choice ("mine" once a run is done)."""

    def run_training(
        model_,
        recipe_,
        epochs_,
        batch_,
        lr_,
        augment_,
        device_,
        images_,
        dropout_,
        weight_decay_,
        include_,
        mine,
        request: gr.Request,
    ):
        client = client_of(request)
        session = client.visitor
        keep = gr.skip()
        try:
            corrections = store.examples(None if pooled() else session) if include_ else None
        except CorrectionsError as e:
            yield f"Cannot include the corrections: {e}", *[keep] * 9
            return
        if corrections is not None and len(corrections[1]) == 0:
            corrections = None  # nothing to include: a plain retrain
        stop = threading.Event()  # this visitor's Stop reaches it once the run has its place (not if refused)
        run = RunSettings(model_, recipe_, epochs_, batch_, lr_, augment_, device_, images_, dropout_, weight_decay_)
        ended = ("", "", "", None)  # the previous run's confusion matrix, filters, mistakes, file: cleared
        points_sent = 0
        try:
            for update in retrain(run, stop, client.keys(), corrections=corrections):
                stop_events[session] = stop
                # Charts and guesses are sent only when an evaluation added points: the browser rebuilds
                # a chart for every value it gets. And no chart before its first point: Gradio 6.31
                # fixes the colour legend on the first value it gets.
                if len(update.accuracy) > points_sent:
                    points_sent = len(update.accuracy)
                    charts = (update.status, update.accuracy, update.loss, guesses_view(update))
                else:
                    charts = (update.status, keep, keep, keep)
                if not update.done or update.classifier is None:  # running, or failed: the previous model stays
                    yield *charts, *ended, mine, keep
                    ended = (keep, keep, keep, keep)
                else:
                    yield *charts, *final_views(update), str(update.weights_file), update.classifier, "mine"
        except ValueError as e:
            yield str(e), keep, keep, keep, keep, keep, keep, keep, mine, keep
        finally:
            if stop_events.get(session) is stop:  # not a newer run's switch
                stop_events.pop(session)

    return run_training
