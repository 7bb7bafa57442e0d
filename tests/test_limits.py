"""The public link's limits: one named setting each, from the environment, all documented."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from digitpad.limits import PublicLimits, env_name

README = Path(__file__).resolve().parents[1] / "docs" / "deploy.md"  # where the limits are documented


def test_each_limit_is_set_by_its_variable():
    limits = PublicLimits.from_env({"DIGITPAD_LIVE_IDLE_S": "12.5", "DIGITPAD_QUEUE_SIZE": "7", "OTHER": "x"})
    assert limits.live_idle_s == 12.5 and limits.queue_size == 7 and isinstance(limits.queue_size, int)
    assert limits.corrections_total == PublicLimits().corrections_total  # unset: the default
    assert PublicLimits.from_env({"DIGITPAD_QUEUE_SIZE": " "}) == PublicLimits()  # blank: the default


@pytest.mark.parametrize("value", ["many", "1.5", "-3"])
def test_a_wrong_value_stops_the_server_with_its_name(value):
    with pytest.raises(ValueError, match="DIGITPAD_QUEUE_SIZE"):
        PublicLimits.from_env({"DIGITPAD_QUEUE_SIZE": value})


def test_the_readme_documents_every_limit():
    text = README.read_text()
    missing = [f.name for f in fields(PublicLimits) if f"`{f.name}`" not in text]
    assert not missing, f"docs/deploy.md's 'Running it in public' lacks {missing}"
    assert env_name("trusted_proxies") == "DIGITPAD_TRUSTED_PROXIES" and "`DIGITPAD_TRUSTED_PROXIES`" in text
