"""The optional push of the corrections to a Hugging Face dataset repository."""

from __future__ import annotations

import numpy as np
import pytest

from digitpad.teach import hub_sync
from digitpad.teach.hub_sync import HubSyncError, hub_target, push_corrections, start_periodic_push
from digitpad.teach.store import CorrectionStore


def test_off_unless_a_repository_is_named(monkeypatch):
    monkeypatch.delenv("DIGITPAD_HUB_REPO", raising=False)
    assert hub_target() is None
    assert start_periodic_push(CorrectionStore(None)) is None


def test_a_repository_without_a_token_gets_a_clear_message(monkeypatch, caplog):
    monkeypatch.setenv("DIGITPAD_HUB_REPO", "someone/digitpad-corrections")
    monkeypatch.delenv("HF_TOKEN", raising=False)
    with pytest.raises(HubSyncError, match="HF_TOKEN is not set"):
        hub_target()
    assert start_periodic_push(CorrectionStore(None)) is None
    assert "HF_TOKEN is not set" in caplog.text


@pytest.mark.parametrize("repo", ["digitpad-corrections", "a/b/c", "/name"])
def test_a_malformed_repository_gets_a_clear_message(monkeypatch, repo):
    monkeypatch.setenv("DIGITPAD_HUB_REPO", repo)
    monkeypatch.setenv("HF_TOKEN", "hf_x")
    with pytest.raises(HubSyncError, match="user/name"):
        hub_target()


def test_push_uploads_the_exported_image_folder(monkeypatch, tmp_path):
    uploads = []

    class FakeApi:
        def __init__(self, token):
            self.token = token

        def create_repo(self, repo_id, repo_type, private, exist_ok):
            uploads.append(("create", repo_id, repo_type))

        def upload_folder(self, repo_id, repo_type, folder_path, commit_message):
            from pathlib import Path

            files = sorted(str(p.relative_to(folder_path)) for p in Path(folder_path).rglob("*") if p.is_file())
            uploads.append(("upload", repo_id, repo_type, files, commit_message, self.token))

    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "HfApi", FakeApi)
    monkeypatch.setenv("DIGITPAD_HUB_REPO", "someone/corrections")
    monkeypatch.setenv("HF_TOKEN", "hf_secret")
    store = CorrectionStore(tmp_path / "db.sqlite")
    store.add("a", np.zeros((28, 28), np.uint8), 4, np.eye(10)[4], "m")
    assert push_corrections(store, hub_sync.hub_target()) == 1
    assert uploads[0] == ("create", "someone/corrections", "dataset")
    _, repo, kind, files, message, token = uploads[1]
    assert (repo, kind, token) == ("someone/corrections", "dataset", "hf_secret")
    assert files == ["4/1.png", "metadata.csv"] and message == "digitpad: 1 corrections"
