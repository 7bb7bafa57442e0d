"""Scratch files the server hands to visitors (weights to download, preview images).

They live in temporary folders removed when the server exits; `keep_newest` stops many
visitors from filling the disk in between.
"""

from __future__ import annotations

from pathlib import Path


def keep_newest(folder: Path | str, pattern: str, keep: int) -> None:
    """Delete all but the `keep` most recently modified files matching `pattern` in `folder`."""
    files = sorted(Path(folder).glob(pattern), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[keep:]:
        old.unlink(missing_ok=True)
