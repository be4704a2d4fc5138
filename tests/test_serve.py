"""The live preview: errors in the browser, recovery, and reload on edit."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import jinja2
import pytest

from generator.config import Project
from generator.errors import Diagnostic, error
from generator.serve import OVERLAY_ID, Preview

ROOT = Path(__file__).resolve().parent.parent


def _get(preview: Preview, path: str) -> tuple[str, str]:
    seen: dict[str, str] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen["status"] = status

    body = b"".join(preview.app({"PATH_INFO": path}, start_response))
    return seen["status"], body.decode("utf-8")


def _project(tmp_path: Path) -> Project:
    for name in ("transcripts", "content", "templates", "static", "site"):
        (tmp_path / name).mkdir()
    (tmp_path / "site" / "index.html").write_text(
        "<!doctype html><html><head><title>t</title></head><body><p>home</p></body></html>")
    return Project(root=tmp_path)


def test_a_failed_build_shows_file_line_and_message_on_every_page_until_a_good_build(
        tmp_path: Path):
    project = _project(tmp_path)
    problems: list[Diagnostic] = [error("speaker label not recognised", "transcripts/x.txt", 42,
                                        "Mevrouw Karabulut (SP:")]
    preview = Preview(project, build=lambda _: list(problems))
    preview.rebuild()
    status, page = _get(preview, "/")
    assert status.startswith("200")
    assert f'id="{OVERLAY_ID}"' in page and "<p>home</p>" in page
    assert "speaker label not recognised" in page
    assert "File &quot;transcripts/x.txt&quot;, line 42" in page

    problems.clear()
    (tmp_path / "transcripts" / "x.txt").write_text("fixed")
    assert preview.rebuild()
    assert OVERLAY_ID not in _get(preview, "/")[1]


def test_a_template_syntax_error_raised_by_the_build_names_the_template_and_line(
        tmp_path: Path):
    project = _project(tmp_path)
    (tmp_path / "templates" / "meeting.html").write_text("<h1>{{ title }}</h1>\n{% if %}\n")

    def build(project: Project) -> list[Diagnostic]:
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(project.templates_dir))
        env.get_template("meeting.html")
        return []

    preview = Preview(project, build=build)
    preview.rebuild()
    [problem] = preview.errors
    assert problem.file == "templates/meeting.html" and problem.line == 2
    assert "{% if %}" in problem.text
    assert "templates/meeting.html" in _get(preview, "/")[1]


def test_a_build_that_crashes_is_reported_and_the_preview_keeps_serving(tmp_path: Path):
    preview = Preview(_project(tmp_path), build=lambda _: 1 / 0)
    preview.rebuild()
    assert "ZeroDivisionError" in preview.errors[0].message
    assert _get(preview, "/")[0].startswith("200")


def test_rebuild_runs_only_when_a_watched_input_changed(tmp_path: Path):
    project = _project(tmp_path)
    calls: list[int] = []

    def build(project: Project) -> list[Diagnostic]:
        calls.append(1)
        (project.content_dir / "out.md").write_text(f"written by build {len(calls)}")
        return []

    preview = Preview(project, build=build)
    assert preview.rebuild()
    assert not preview.rebuild()  # the build's own write to content/ is not a change
    (project.templates_dir / "base.html").write_text("changed")
    assert preview.rebuild()
    (project.site_dir / "other.html").write_text("output is not watched")
    assert not preview.rebuild()
    assert len(calls) == 2


def test_the_preview_serves_only_files_inside_the_site_folder(tmp_path: Path):
    project = _project(tmp_path)
    (tmp_path / "secret.txt").write_text("secret")
    preview = Preview(project, build=lambda _: [])
    status, body = _get(preview, "/../secret.txt")
    assert status.startswith("404") and "secret" not in body
    assert _get(preview, "/missing.html")[0].startswith("404")


# --- end to end: build.py serve in a real browser ------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_server(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited early: {proc.stderr.read() if proc.stderr else ''}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("serve did not start in time")


@pytest.fixture
def served_copy(tmp_path: Path):
    pytest.importorskip("generator.sitebuild")
    pytest.importorskip("generator.content")
    for name in ("transcripts", "templates", "static"):
        shutil.copytree(ROOT / name, tmp_path / name)
    for name in ("plenum.toml", "people.yaml"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, tmp_path / name)
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "--root", str(tmp_path),
                             "serve", "--port", str(port)], stdout=log, stderr=log, cwd=tmp_path)
    try:
        _wait_for_server(f"http://127.0.0.1:{port}/", proc)
        yield tmp_path, f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.mark.browser
@pytest.mark.slow
def test_editing_a_transcript_or_breaking_a_template_updates_the_open_page_by_itself(
        served_copy: tuple[Path, str], chromium: object):
    root, base = served_copy
    meeting = next(p for p in sorted((root / "site" / "vergaderingen").glob("*.html"))
                   if p.name != "index.html")
    transcript = next((root / "transcripts").glob("*.txt"))
    page = chromium.new_page()  # type: ignore[attr-defined]
    try:
        page.goto(f"{base}/vergaderingen/{meeting.name}")
        page.wait_for_function("() => window.LiveReload !== undefined", timeout=15_000)
        assert "Kwispelstaart" not in page.inner_text("body")

        text = transcript.read_text(encoding="utf-8")
        transcript.write_text(text.replace("Goedemiddag. Ik open", "Kwispelstaart. Ik open", 1),
                              encoding="utf-8")
        # The page reloads by itself: between two documents there is no body yet.
        page.wait_for_function(
            "() => !!document.body && document.body.innerText.includes('Kwispelstaart')",
            timeout=60_000)

        template = _page_template(root)
        good = template.read_text(encoding="utf-8")
        template.write_text(good + "\n{% if %}\n", encoding="utf-8")
        overlay = page.wait_for_selector(f"#{OVERLAY_ID}", timeout=60_000)
        assert f"templates/{template.name}" in overlay.inner_text()
        assert "line" in overlay.inner_text()

        template.write_text(good, encoding="utf-8")
        page.wait_for_selector(f"#{OVERLAY_ID}", state="detached", timeout=60_000)
        assert "Kwispelstaart" in page.inner_text("body")
    finally:
        page.close()


def _page_template(root: Path) -> Path:
    """The template every page is built on (the base layout)."""
    for name in ("base.html", "_base.html", "layout.html", "_layout.html"):
        if (root / "templates" / name).exists():
            return root / "templates" / name
    return sorted((root / "templates").glob("*.html"))[0]


def test_a_save_made_while_it_built_calls_for_another_build(tmp_path: Path):
    """The inputs are looked at before the build (and ``content/``, which the
    build writes, after it): a template saved meanwhile is a change."""
    project = _project(tmp_path)
    calls: list[int] = []

    def build(project: Project) -> list[Diagnostic]:
        calls.append(1)
        if len(calls) == 1:
            (project.templates_dir / "base.html").write_text("saved while it built")
        (project.content_dir / "out.md").write_text(f"written by build {len(calls)}")
        return []

    preview = Preview(project, build=build)
    assert preview.rebuild()
    assert preview.rebuild()
    assert not preview.rebuild()
    assert len(calls) == 2


def test_the_terminal_shows_each_warning_once_and_every_error_after_every_build(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    from generator.errors import warning

    project = _project(tmp_path)
    old = warning("speaker label not in the registry", "content/a.md", 3)
    new = warning("motion without submitters", "content/b.md", 9)
    broken = error("unclosed block", "templates/meeting.html", 12)
    results = iter([[old], [old, new], [old, new, broken], [old, new, broken]])

    def build(project: Project) -> list[Diagnostic]:
        return next(results)

    preview = Preview(project, build=build)
    shown = []
    for k in range(4):
        (project.templates_dir / "base.html").write_text(f"edit {k}")
        assert preview.rebuild()
        shown.append(capsys.readouterr().err)
    a, b, template = '"content/a.md", line 3', '"content/b.md", line 9', \
        '"templates/meeting.html", line 12'
    assert a in shown[0] and shown[0].rstrip().endswith("built")
    assert a not in shown[1] and b in shown[1]
    assert "0 error(s), 2 warning(s) (1 shown after an earlier build, not repeated)" in shown[1]
    for later in shown[2:]:
        assert template in later  # an error is shown after every build
        assert a not in later and b not in later
        assert "build failed" in later
    assert "1 error(s), 2 warning(s) (2 shown after an earlier build, not repeated)" in shown[3]
