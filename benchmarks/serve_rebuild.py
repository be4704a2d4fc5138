"""One-transcript rebuilds as `build.py serve` runs them: in one process, one
after another (what the live preview does after each save).

    .venv/bin/python benchmarks/serve_rebuild.py PROJECT [--edits N]

Runs serve's build once (the project is expected to be built: a no-op), then
`--edits` times edits one transcript (alternately a word swapped and a word
added, as `build_bench.py` does; every edit is undone by the next edit of its
kind, so an even count leaves the archive as it was) and times serve's build
after each. Prints ``  rebuildK  SECONDS s`` lines on standard error, the
format `build_bench.measure` reads as stages. Holds the project's lock
throughout, as serve does (`generator.project_lock`).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.build_bench import add_one_word, edit_one_transcript  # noqa: E402
from generator.config import load_project  # noqa: E402
from generator.project_lock import project_lock  # noqa: E402
from generator.serve import build_project  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--edits", type=int, default=4)
    args = parser.parse_args(argv)
    project = load_project(args.project.resolve())
    with project_lock(project.root, "serve"):  # as `build.py serve` holds it
        build_project(project)  # serve's first build
        for k in range(args.edits):
            (edit_one_transcript if k % 2 == 0 else add_one_word)(project.root)
            started = time.perf_counter()
            build_project(project)
            print(f"  rebuild{k + 1}  {time.perf_counter() - started:.3f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
