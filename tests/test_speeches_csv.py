"""The speeches CSV is one file per year (``data/speeches/<year>.csv``, and
``undated.csv`` for meetings without a readable date): an edit rewrites the
file of its year alone, the other years' files are the previous build's,
linked; and the files are those a clean build writes."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from synthetic_project import ROOT, build, copy_built, edit_transcript, file_tree, recorded_calls

from generator import urls
from generator.output import verify_manifest

OTHER_YEAR = "2001-03-14"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five synthetic meetings of 1995, one moved to 2001 and one without a
    date (its sidecar's date is text, which the build shows as undated)."""
    from benchmarks.synth import generate_archive

    root = tmp_path_factory.mktemp("csv")
    for name in ("templates", "static"):
        shutil.copytree(ROOT / name, root / name)
    generate_archive(5, root / "transcripts", seed=7, target_bytes=12_000)
    sidecars = sorted((root / "transcripts").glob("*.meta.yaml"))
    _set_date(sidecars[-1], OTHER_YEAR)
    _set_date(sidecars[-2], "z.d.")
    assert build(root) == 0
    return root


@pytest.fixture
def project(built: Path, tmp_path: Path) -> Path:
    return copy_built(built, tmp_path / "project")


def _set_date(sidecar: Path, date: str) -> None:
    lines = sidecar.read_text(encoding="utf-8").splitlines()
    lines = [f"date: '{date}'" if ln.startswith("date:") else ln for ln in lines]
    sidecar.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _csvs(root: Path) -> dict[str, bytes]:
    folder = root / "site" / urls.SPEECHES_CSV_DIR
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_each_year_has_its_own_csv_with_the_header_and_the_rows_of_its_meetings(built: Path):
    files = _csvs(built)
    assert sorted(files) == ["1995.csv", "2001.csv", "undated.csv"]
    header = next(iter(files.values())).split(b"\r\n", 1)[0]
    for name, data in files.items():
        assert data.split(b"\r\n", 1)[0] == header
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
        assert rows, name
        years = {r["date"][:4] for r in rows}
        assert years == ({"1995"} if name == "1995.csv" else {"2001"} if name == "2001.csv"
                         else {""})
    page = (built / "site" / urls.DATA).read_text(encoding="utf-8")
    for name in files:  # the data page links each file
        assert f'href="speeches/{name}"' in page
    assert ">zonder datum</a>" in page


def test_an_edit_rewrites_the_csv_of_its_year_and_links_the_others(project: Path,
                                                                   monkeypatch):
    import generator.feeds as feeds

    folder = project / "site" / urls.SPEECHES_CSV_DIR
    before = _csvs(project)
    inodes = {p.name: p.stat().st_ino for p in folder.iterdir()}
    rows = recorded_calls(monkeypatch, feeds, "write_speech_rows")
    edit_transcript(project, 0)  # a meeting of 1995
    assert build(project) == 0
    after = _csvs(project)
    assert len(rows) == 1
    assert after["1995.csv"] != before["1995.csv"]
    assert after["1995.csv"].replace(b"Goedemorgen. Ik open", b"Goedemiddag. Ik open", 1) \
        == before["1995.csv"]
    assert {n: after[n] for n in after if n != "1995.csv"} == \
        {n: before[n] for n in before if n != "1995.csv"}
    now = {p.name: p.stat().st_ino for p in folder.iterdir()}
    assert now["2001.csv"] == inodes["2001.csv"] and now["undated.csv"] == inodes["undated.csv"]
    assert now["1995.csv"] != inodes["1995.csv"]
    assert verify_manifest(project / "site") == []


def test_a_meeting_moved_to_another_year_moves_its_rows(project: Path, tmp_path: Path):
    sidecar = sorted((project / "transcripts").glob("*.meta.yaml"))[0]
    _set_date(sidecar, "2001-01-02")
    assert build(project) == 0
    moved = _csvs(project)
    clean = copy_built(project, tmp_path / "clean")
    shutil.rmtree(clean / "site")
    assert build(clean, "--clean") == 0
    assert file_tree(project / "site") == file_tree(clean / "site")
    dates = [r["date"] for r in csv.DictReader(io.StringIO(moved["2001.csv"].decode("utf-8"),
                                                           newline=""))]
    assert "2001-01-02" in dates and OTHER_YEAR in dates
    assert dates == sorted(dates)  # in archive order


def test_csv_files_of_years_no_longer_in_the_archive_are_gone(project: Path):
    sidecar = sorted((project / "transcripts").glob("*.meta.yaml"))[-1]
    _set_date(sidecar, "1995-12-30")  # the only meeting of 2001
    assert build(project) == 0
    assert sorted(_csvs(project)) == ["1995.csv", "undated.csv"]
    assert verify_manifest(project / "site") == []


def test_a_template_of_before_the_split_links_the_list_of_the_csvs():
    assert urls.Urls(urls.HOME).speeches_csv() == "data/index.html#csv"
    assert urls.Urls(urls.DATA).speeches_csv("2019-05-01") == "speeches/2019.csv"


def test_a_date_never_becomes_a_path():
    assert urls.speeches_csv_path("2019-05-01") == "data/speeches/2019.csv"
    for date in (None, "", "../..", "19/5", "２０１９-01-01", "abcd-01-01", "201"):
        assert urls.speeches_csv_path(date) == "data/speeches/undated.csv"


def test_blocks_the_cache_kept_in_an_older_layout_are_left_out():
    from generator.feeds import CsvBlock, stored_csv_blocks

    stored = {"old": ["key", 10, 5, ["p1"]],  # one speeches.csv: no file
              "new": ["key", 10, 5, ["p1"], "data/speeches/1995.csv"],
              "odd": "key"}
    assert stored_csv_blocks(stored) == {
        "new": CsvBlock("key", 10, 5, ("p1",), "data/speeches/1995.csv")}
