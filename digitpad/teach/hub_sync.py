"""An optional, periodic push of the exported corrections to a Hugging Face dataset repository.

A Space's disk is wiped on restart unless it has persistent storage; this keeps a copy of the
corrections elsewhere. Off unless DIGITPAD_HUB_REPO names a dataset repository ("user/name");
it then needs a token with write access in HF_TOKEN (a Space secret). Every
DIGITPAD_HUB_PUSH_MINUTES (60 by default) the whole store is exported as an image folder
(`CorrectionStore.export`) and uploaded with `huggingface_hub` in one commit; a dataset
repository's history keeps what earlier pushes held.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from dataclasses import dataclass

from digitpad.config import settings
from digitpad.teach.store import CorrectionStore

log = logging.getLogger("digitpad")
DEFAULT_MINUTES = 60.0


class HubSyncError(RuntimeError):
    """The push is asked for but cannot happen; the message says what to set."""


@dataclass
class HubTarget:
    repo: str
    token: str
    minutes: float


def hub_target() -> HubTarget | None:
    """The configured dataset repository, or None when pushing is off (DIGITPAD_HUB_REPO unset).
    HubSyncError when it is asked for but the token or the interval is missing or wrong."""
    try:
        config = settings()
    except ValueError as e:  # DIGITPAD_HUB_PUSH_MINUTES that is not a number
        raise HubSyncError(f"{e}.") from None
    repo = config.hub_repo.strip()
    if not repo:
        return None
    if repo.count("/") != 1 or not all(repo.split("/")):
        raise HubSyncError(f"DIGITPAD_HUB_REPO must be a dataset repository as user/name, not {repo!r}.")
    token = config.hf_token.strip()
    if not token:
        raise HubSyncError(
            f"DIGITPAD_HUB_REPO is {repo!r} but HF_TOKEN is not set: add a token with write access "
            "(a Space secret) to push the corrections there."
        )
    minutes = config.hub_push_minutes
    if not minutes >= 1:
        raise HubSyncError("DIGITPAD_HUB_PUSH_MINUTES must be a number of minutes, at least 1.")
    return HubTarget(repo, token, minutes)


def push_corrections(store: CorrectionStore, target: HubTarget) -> int:
    """Export every correction and upload the folder to the dataset repository; returns how many."""
    from huggingface_hub import HfApi

    api = HfApi(token=target.token)
    with tempfile.TemporaryDirectory(prefix="digitpad-export-") as folder:
        count = store.export(folder)
        api.create_repo(target.repo, repo_type="dataset", private=True, exist_ok=True)
        api.upload_folder(
            repo_id=target.repo,
            repo_type="dataset",
            folder_path=folder,
            commit_message=f"digitpad: {count} corrections",
        )
    return count


def start_periodic_push(store: CorrectionStore) -> threading.Thread | None:
    """Push every N minutes in a daemon thread, if configured; logs why not when misconfigured."""
    try:
        target = hub_target()
    except HubSyncError as e:
        log.warning("corrections are not pushed to the Hub: %s", e)
        return None
    if target is None:
        return None

    def loop() -> None:
        stop = threading.Event()
        while not stop.wait(target.minutes * 60):
            try:
                count = push_corrections(store, target)
                log.info("pushed %d corrections to %s", count, target.repo)
            except Exception as e:  # the Hub may be down: try again next time, keep serving
                log.warning("pushing corrections to %s failed: %s", target.repo, e)

    thread = threading.Thread(target=loop, name="digitpad-hub-push", daemon=True)
    thread.start()
    log.info("corrections are pushed to the dataset %s every %g minutes", target.repo, target.minutes)
    return thread
