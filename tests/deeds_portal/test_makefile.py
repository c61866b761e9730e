"""`make test` on a fresh machine: it installs the browser tests' Chromium where it can, and
otherwise still runs the suite (the browser tests skip themselves and say why)."""

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _fake(path: Path, body: str) -> None:
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)


def _make_test_without_chromium(tmp_path, *extra) -> subprocess.CompletedProcess:
    """`make test` as a user who is not root, has no sudo and no chromium on the PATH; the
    suite's own tools are stood in for (only what runs before them matters here)."""
    tools = tmp_path / "path"
    tools.mkdir()
    for tool in ("grep", "fc-list", "sh"):
        if found := shutil.which(tool):
            (tools / tool).symlink_to(found)
    _fake(tools / "id", "echo 1000")
    _fake(tools / "apt-get", "echo 'E: Could not open lock file (13: Permission denied)' >&2; exit 100")
    venv_bin = tmp_path / "bin"
    venv_bin.mkdir()
    for tool in ("ruff", "python", "pytest"):
        _fake(venv_bin / tool, "exit 0")
    stamp = tmp_path / "installed"
    stamp.touch()
    return subprocess.run(
        [shutil.which("make"), "-C", str(ROOT), "test", f"BIN={venv_bin}", f"STAMP={stamp}", *extra],
        env={"PATH": str(tools), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_make_test_runs_the_suite_where_chromium_cannot_be_installed(tmp_path):
    result = _make_test_without_chromium(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "sudo make browser-deps" in result.stderr  # says how to get the browser tests
    assert "pytest" in result.stdout  # the suite ran


def test_ci_refuses_to_go_on_without_the_browser(tmp_path):
    result = _make_test_without_chromium(tmp_path, "BROWSER_DEPS=required")
    assert result.returncode != 0 and "cannot install them" in result.stderr
