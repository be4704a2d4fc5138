"""Project settings, loaded once: folders and site options from ``plenum.toml``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

CONFIG_FILE = "plenum.toml"
# Plenum's own checkout: its templates/ and static/ serve a project without any.
PLENUM_HOME = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Project:
    """Where everything lives, and the site's settings."""

    root: Path
    title: str = "Plenum"
    language: str = "nl"
    base_url: str = ""  # absolute URL of the deployed site, for feeds and sitemaps
    transcripts_dir_name: str = "transcripts"
    content_dir_name: str = "content"
    site_dir_name: str = "site"

    @property
    def transcripts_dir(self) -> Path:
        return self.root / self.transcripts_dir_name

    @property
    def content_dir(self) -> Path:
        return self.root / self.content_dir_name

    @property
    def site_dir(self) -> Path:
        return self.root / self.site_dir_name

    @property
    def templates_dir(self) -> Path:
        """The project's templates/, or Plenum's own when the project has none."""
        own = self.root / "templates"
        return own if own.is_dir() else PLENUM_HOME / "templates"

    @property
    def static_dir(self) -> Path:
        """The project's static/, or Plenum's own when the project has none."""
        own = self.root / "static"
        return own if own.is_dir() else PLENUM_HOME / "static"

    def display(self, path: Path) -> str:
        """A path as shown to the user: relative to the project when inside it."""
        if path.is_absolute() and ".." not in path.parts and path.is_relative_to(self.root):
            return str(path.relative_to(self.root))  # a path made from the root, as most are
        try:
            return str(path.resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(path)


def load_project(root: Path) -> Project:
    """Settings from ``<root>/plenum.toml`` (all optional)."""
    root = root.resolve()
    path = root / CONFIG_FILE
    if not path.exists():
        return Project(root=root)
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    site = data.get("site", {})
    folders = data.get("folders", {})
    return Project(
        root=root,
        title=str(site.get("title", "Plenum")),
        language=str(site.get("language", "nl")),
        base_url=str(site.get("base_url", "")).rstrip("/"),
        transcripts_dir_name=str(folders.get("transcripts", "transcripts")),
        content_dir_name=str(folders.get("content", "content")),
        site_dir_name=str(folders.get("site", "site")),
    )
