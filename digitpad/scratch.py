"""Scratch files the server hands to visitors (weights to download, preview images).

They live in temporary folders removed when the server exits; `keep_newest` stops many
visitors from filling the disk in between.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

_folders: dict[str, tempfile.TemporaryDirectory] = {}
_folders_lock = threading.Lock()


def scratch_folder(name: str) -> str:
    """This process's temporary folder for `name` ("weights", "stops", "previews"): made on first use, not at
    import, and removed when the process exits."""
    with _folders_lock:
        if name not in _folders:
            _folders[name] = tempfile.TemporaryDirectory(prefix=f"digitpad-{name}-")
        return _folders[name].name


def keep_newest(folder: Path | str, pattern: str, keep: int) -> None:
    """Delete all but the `keep` most recently modified files matching `pattern` in `folder`."""
    files = sorted(Path(folder).glob(pattern), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[keep:]:
        old.unlink(missing_ok=True)
