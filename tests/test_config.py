"""The settings: one place reads the environment; each limit a named setting; all documented."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from digitpad.config import PublicLimits, Settings, env_name

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "docs" / "deploy.md"  # the configuration table and the limits


def test_each_setting_is_read_from_its_variable():
    config = Settings.from_env(
        {
            "DIGITPAD_LIVE_IDLE_S": "12.5",
            "DIGITPAD_QUEUE_SIZE": "7",
            "DIGITPAD_HOME": "",
            "DIGITPAD_TRAINING": "off",
            "GRADIO_SERVER_PORT": "7861",
            "OTHER": "x",
        }
    )
    assert config.limits.live_idle_s == 12.5 and config.limits.queue_size == 7
    assert config.home is None and config.training is False and config.port == 7861
    assert Settings.from_env({}) == Settings() and Settings().home == Path("digitpad-home")
    assert Settings.from_env({"DIGITPAD_QUEUE_SIZE": " "}) == Settings()  # blank: the default


@pytest.mark.parametrize(
    "name, value",
    [
        ("DIGITPAD_QUEUE_SIZE", "many"),
        ("DIGITPAD_QUEUE_SIZE", "1.5"),
        ("DIGITPAD_LIVE_IDLE_S", "-3"),
        ("DIGITPAD_TRAINING", "maybe"),
        ("DIGITPAD_POOL_CORRECTIONS", "perhaps"),
    ],
)
def test_a_wrong_value_stops_the_server_with_its_name(name, value):
    """One yes/no parser: an unknown word is neither on nor off, it is an error that names the variable."""
    with pytest.raises(ValueError, match=name):
        Settings.from_env({name: value})


def test_the_environment_is_read_in_one_place():
    readers = [
        path.relative_to(ROOT).as_posix()
        for path in [*ROOT.joinpath("digitpad").rglob("*.py"), ROOT / "demo.py"]
        if re.search(r"os\.environ|os\.getenv", path.read_text()) and "bench" not in path.parts
    ]
    assert readers == ["digitpad/config.py"] or sorted(readers) == ["digitpad/app/served.py", "digitpad/config.py"]


def test_the_docs_list_every_variable_and_every_limit():
    text = DEPLOY.read_text()
    first_cells = re.findall(r"^\| ([^|]*`[A-Z_]+`[^|]*) \|", text, re.M)
    table = {name for cell in first_cells for name in re.findall(r"`([A-Z_]+)`", cell)}
    variables = [env_name(Settings, f.name) for f in fields(Settings) if env_name(Settings, f.name)]
    undocumented = set(variables) - set(table) - {"DIGITPAD_REPLICA"}  # serve-replicas sets that one itself
    assert not undocumented, f"docs/deploy.md's configuration table lacks {undocumented}"
    missing = [f.name for f in fields(PublicLimits) if f"`{f.name}`" not in text]
    assert not missing, f"docs/deploy.md's 'Running it in public' lacks {missing}"
    assert "`DIGITPAD_TRUSTED_PROXIES`" in text
