"""`.ci/run`: it installs whichever of Chromium and its driver is missing, and under CI=true a
missing browser fails the run (and the browser test) instead of skipping it silently.

The script runs for real with stand-ins for `apt-get`, `id` and `make` on PATH, so nothing is
installed and the suite is not run recursively.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def run_ci(tmp_path: Path, *, chromium: bool, driver: bool, ci: bool) -> tuple[int, str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    for name, body in {
        "apt-get": f'echo "apt-get $*" >> {log}',
        "id": "echo 0",
        "make": f'echo "make $*" >> {log}',
    }.items():
        stub = bin_dir / name
        stub.write_text(f"#!/bin/sh\n{body}\n")
        stub.chmod(0o755)
    present = tmp_path / "present"
    present.write_text("#!/bin/sh\n")
    present.chmod(0o755)
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "CHROMIUM": str(present if chromium else tmp_path / "no-chromium"),
        "CHROMEDRIVER": str(present if driver else tmp_path / "no-chromedriver"),
    }
    if ci:
        env["CI"] = "true"
    done = subprocess.run(
        ["bash", str(REPO / ".ci" / "run")], env=env, capture_output=True, text=True, timeout=60
    )
    return done.returncode, log.read_text() if log.exists() else "", done.stderr


def test_chromium_without_its_driver_gets_the_driver_installed(tmp_path):
    code, calls, _ = run_ci(tmp_path, chromium=True, driver=False, ci=False)
    assert code == 0
    (install,) = [c for c in calls.splitlines() if " install " in c]
    assert install.split()[-1] == "chromium-driver" and " chromium " not in install
    assert "make test" in calls


def test_both_missing_are_installed_together(tmp_path):
    _, calls, _ = run_ci(tmp_path, chromium=False, driver=False, ci=False)
    (install,) = [c for c in calls.splitlines() if " install " in c]
    assert install.split()[-2:] == ["chromium", "chromium-driver"]


def test_under_ci_a_driver_that_could_not_be_installed_fails_the_run(tmp_path):
    code, calls, stderr = run_ci(tmp_path, chromium=True, driver=False, ci=True)
    assert code == 1
    assert "CI=true" in stderr and "no-chromedriver" in stderr
    assert "make test" not in calls  # no run that would skip the browser test


def test_nothing_is_installed_when_both_are_there(tmp_path):
    code, calls, _ = run_ci(tmp_path, chromium=True, driver=True, ci=True)
    assert code == 0 and "apt-get" not in calls and "make test" in calls


@pytest.mark.parametrize("ci", [True, False])
def test_the_browser_test_fails_under_ci_instead_of_skipping(monkeypatch, ci):
    from tests import browser as headless
    from tests import test_ui_browser

    monkeypatch.setattr(headless, "missing_browser", lambda: "/usr/bin/chromedriver is missing")
    if ci:
        monkeypatch.setenv("CI", "true")
    else:
        monkeypatch.delenv("CI", raising=False)
    outcome = pytest.fail.Exception if ci else pytest.skip.Exception
    with pytest.raises(outcome, match="chromedriver is missing"):
        test_ui_browser.require_browser()
    assert os.environ.get("CI") == ("true" if ci else None)
