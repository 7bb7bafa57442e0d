"""The package as pip installs it: `pip install .` into a fresh virtual environment outside the checkout gives
`import digitpad` with its weights and a `digitpad` command; pyproject's dependency ranges hold requirements.txt's
pins (what the Space runs)."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def pins(path: Path) -> dict[str, str]:
    """requirements.txt's `name==version` lines, by canonical name."""
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            found[canonicalize_name(name)] = version.strip()
    return found


def test_the_dependency_ranges_hold_the_spaces_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    ranges = {canonicalize_name(r.name): r.specifier for r in map(Requirement, project["dependencies"])}
    pinned = pins(ROOT / "requirements.txt")
    assert set(ranges) == set(pinned)
    for name, version in pinned.items():
        assert ranges[name].contains(version), f"{name}=={version} is outside pyproject's {ranges[name]}"
    assert project["scripts"]["digitpad"] == "digitpad.cli:main"


@pytest.mark.slow  # builds the wheel and installs it (about a minute)
def test_pip_install_gives_the_package_its_weights_and_the_command(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python, bin_dir = venv / "bin" / "python", venv / "bin"
    # pip, hatchling and the dependencies (torch alone is gigabytes) come from this environment through a .pth file:
    # nothing is fetched, and no older setuptools of the new environment's own shadows this one's
    where = [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
    site = subprocess.run(where, capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "outer-environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    install = [python, "-m", "pip", "install", "--quiet", "--no-index", "--no-build-isolation", str(ROOT)]
    result = subprocess.run(install, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)
    assert result.returncode == 0, result.stderr

    def run(*command: str | Path) -> str:
        result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert "demo" in run(bin_dir / "digitpad", "--help") and "--share" in run(bin_dir / "digitpad", "demo", "--help")
    loaded = run(python, "-c", "import digitpad; c = digitpad.load_classifier(); print(digitpad.__file__, c.name)")
    from_package, name = loaded.split()
    assert Path(from_package).is_relative_to(venv) and name == "digitnet"  # the installed package, not the checkout
    weights = run(python, "-c", "from digitpad.checkpoint import BUNDLED_WEIGHTS as w; print(w, w.is_file())")
    assert weights.split() == [str(Path(site, "digitpad", "weights", "digitnet.safetensors")), "True"]
    front_end = run(python, "-c", "from digitpad.app.assets import STATIC, asset; print(STATIC, len(asset('app.css')))")
    assert front_end.split()[0] == str(Path(site, "digitpad", "app", "static")) and int(front_end.split()[1]) > 100
