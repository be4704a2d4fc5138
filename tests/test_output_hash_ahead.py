"""Files hashed ahead while a staged site is still being written
(`generator.output.hash_ahead`) get the manifest line a fresh hash gives,
and a file replaced after it was hashed is hashed again."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from generator import output
from generator.output import MANIFEST_NAME, hash_ahead, staged_site, verify_manifest


def _lines(site: Path) -> dict[str, str]:
    text = (site / MANIFEST_NAME).read_text(encoding="utf-8")
    return {line.partition("  ")[2]: line.partition("  ")[0] for line in text.splitlines()}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_file_hashed_ahead_gets_its_line(tmp_path: Path) -> None:
    site = tmp_path / "site"
    with staged_site(site) as out:
        (out / "a.txt").write_bytes(b"first")
        (out / "big.csv").write_bytes(b"x" * 100_000)
        hash_ahead(out)
        build = output._ACTIVE
        assert build is not None
        build.join_hashing()
        assert set(build.hashed) == {"a.txt", "big.csv"}
        (out / "later.txt").write_bytes(b"written after")
    assert _lines(site) == {"a.txt": _sha(b"first"), "big.csv": _sha(b"x" * 100_000),
                            "later.txt": _sha(b"written after")}
    assert verify_manifest(site) == []


def test_a_file_replaced_after_it_was_hashed_is_hashed_again(tmp_path: Path) -> None:
    site = tmp_path / "site"
    with staged_site(site) as out:
        (out / "a.txt").write_bytes(b"first")
        hash_ahead(out)
        output._ACTIVE.join_hashing()  # type: ignore[union-attr]
        tmp = out / ".a.tmp"
        tmp.write_bytes(b"second, longer")
        os.replace(tmp, out / "a.txt")  # a new inode
    assert _lines(site) == {"a.txt": _sha(b"second, longer")}
    assert verify_manifest(site) == []


def test_files_of_the_previous_site_are_not_hashed_ahead(tmp_path: Path) -> None:
    site = tmp_path / "site"
    with staged_site(site) as out:
        (out / "kept.txt").write_bytes(b"kept")
        (out / "changed.txt").write_bytes(b"one")
    with staged_site(site) as out:
        os.link(site / "kept.txt", out / "kept.txt")  # a file linked from the previous site
        (out / "changed.txt").write_bytes(b"two")
        hash_ahead(out)
        build = output._ACTIVE
        assert build is not None
        build.join_hashing()
        assert set(build.hashed) == {"changed.txt"}
    assert _lines(site) == {"kept.txt": _sha(b"kept"), "changed.txt": _sha(b"two")}
    assert verify_manifest(site) == []


def test_hash_ahead_outside_a_staged_site_does_nothing(tmp_path: Path) -> None:
    hash_ahead(tmp_path)
    assert output._ACTIVE is None
