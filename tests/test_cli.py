"""The command line documents itself and refuses bad usage with exit code 2."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "build.py", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_help_lists_every_subcommand_and_the_exit_codes():
    out = run("--help").stdout
    for word in ("parse", "import", "build", "check", "serve", "exit codes"):
        assert word in out


def test_parse_of_a_missing_file_exits_with_usage_error():
    result = run("parse", "does/not/exist.txt", "--json")
    assert result.returncode == 2
    assert "does/not/exist.txt" in result.stderr
