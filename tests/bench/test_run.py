import json

import pytest

import digitpad.bench.run as bench_run


class FakeServer:
    """Stands in for `app.served.Server`: counts the demos started and stopped."""

    started = stopped = 0

    def __init__(self, log=None):
        pass

    def __enter__(self):
        FakeServer.started += 1
        return self

    def __exit__(self, *exc):
        FakeServer.stopped += 1


@pytest.fixture
def sections(monkeypatch):
    """Three sections that only say which server they were given; no MNIST, no demo."""
    given = {}

    def section(name):
        def rows(data, options):
            given[name] = options.shared
            return [{"what": name}]

        return rows

    monkeypatch.setattr(bench_run, "SECTIONS", {name: section(name) for name in ("training", "browser", "teach")})
    monkeypatch.setattr(bench_run, "load_mnist", lambda log: None)
    monkeypatch.setattr(bench_run, "Server", FakeServer)
    monkeypatch.setattr(FakeServer, "started", 0)
    monkeypatch.setattr(FakeServer, "stopped", 0)
    return given


def test_one_server_is_started_for_the_served_sections_only_when_one_is_asked(sections, tmp_path, capsys):
    out = str(tmp_path / "bench.json")
    assert bench_run.main(["--sections", "training", "--one-server", "--out", out]) == 0
    assert FakeServer.started == 0 and sections == {"training": None}

    assert bench_run.main(["--sections", "training,browser,teach", "--one-server", "--out", out]) == 0
    assert FakeServer.started == FakeServer.stopped == 1
    assert sections["training"] is None and sections["browser"] is sections["teach"] is not None
    report = json.loads((tmp_path / "bench.json").read_text())
    assert [row["what"] for row in (report["browser"] + report["teach"])] == ["browser", "teach"]
    assert "## browser" in capsys.readouterr().out


def test_without_one_server_each_served_section_starts_its_own(sections, tmp_path):
    assert bench_run.main(["--sections", "browser,teach", "--out", str(tmp_path / "bench.json")]) == 0
    assert FakeServer.started == 0 and sections == {"browser": None, "teach": None}  # each section serves its own
