"""Where a server keeps what lasts between requests and processes: $DIGITPAD_HOME.

The corrections database (`teach.store`) and the host's training slot (`training.slot`) live there, so that
several server processes on one host (`deploy/serve-replicas`) share them.
"""

from __future__ import annotations

from pathlib import Path

from digitpad.config import settings

DEFAULT_HOME = "digitpad-home"


def home_dir() -> Path | None:
    """$DIGITPAD_HOME, ./digitpad-home by default; None when it is set empty (corrections kept in memory)."""
    return settings().home
