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


def test_a_project_with_only_transcripts_builds_with_plenums_own_templates(tmp_path):
    (tmp_path / "transcripts").mkdir()
    for name in ("000_80043238be0c1716.txt", "000_80043238be0c1716.meta.yaml"):
        (tmp_path / "transcripts" / name).write_bytes((ROOT / "transcripts" / name).read_bytes())
    result = run("--root", str(tmp_path), "build")
    assert result.returncode == 0, result.stderr
    page = tmp_path / "site" / "vergaderingen" / "2020-09-28-notaoverleg-ruslandstrategie.html"
    assert "Notaoverleg Ruslandstrategie" in page.read_text(encoding="utf-8")
    assert (tmp_path / "site" / "static" / "style.css").exists()


def test_import_takes_the_same_worker_option_as_build(tmp_path):
    for command in ("import", "build"):
        assert "--jobs" in run(command, "--help").stdout
    (tmp_path / "transcripts").mkdir()
    for name in ("000_80043238be0c1716.txt", "000_80043238be0c1716.meta.yaml"):
        (tmp_path / "transcripts" / name).write_bytes((ROOT / "transcripts" / name).read_bytes())
    result = run("--root", str(tmp_path), "import", "--jobs", "1")
    assert result.returncode == 0, result.stderr
    assert [p.name for p in (tmp_path / "content").glob("*.md")] == [
        "2020-09-28-notaoverleg-ruslandstrategie.md"]
