"""One-transcript rebuilds as `build.py serve` runs them: in one process, one
after another (what the live preview does after each save).

    .venv/bin/python benchmarks/serve_rebuild.py PROJECT [--edits N] [--build-only]

Runs serve's first rebuild (the project is expected to be built: a no-op),
then `--edits` times edits one transcript (alternately a word swapped and a
word added, as `build_bench.py` does; every edit is undone by the next edit
of its kind, so an even count leaves the archive as it was) and times what
serve does after a save: `Preview.rebuild`, which looks for the change, then
builds (`build_project`) and looks at ``content/`` again. `--build-only`
times the build alone. Prints ``  rebuildK  SECONDS s`` lines on standard
error, the format `build_bench.measure` reads as stages, and each rebuild's
CPU seconds (user + system, with any workers') on a ``  cpuK  SECONDS s CPU``
line (not a stage). Holds the project's lock throughout, as serve does
(`generator.project_lock`).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.build_bench import add_one_word, edit_one_transcript  # noqa: E402
from generator.config import load_project  # noqa: E402
from generator.project_lock import project_lock  # noqa: E402
from generator.serve import Preview, build_project  # noqa: E402


def cpu_seconds() -> float:
    """User and system time of this process and its finished children."""
    own, children = (resource.getrusage(who)
                     for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--edits", type=int, default=4)
    parser.add_argument("--build-only", action="store_true",
                        help="time build_project alone (not the change detection)")
    args = parser.parse_args(argv)
    project = load_project(args.project.resolve())
    preview = Preview(project)
    with project_lock(project.root, "serve"):  # as `build.py serve` holds it
        preview.rebuild()  # serve's first build
        for k in range(args.edits):
            (edit_one_transcript if k % 2 == 0 else add_one_word)(project.root)
            started, cpu = time.perf_counter(), cpu_seconds()
            if args.build_only:
                build_project(project)
            elif not preview.rebuild():
                raise SystemExit(f"edit {k + 1} was not seen as a change")
            wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu
            print(f"  rebuild{k + 1}  {wall:.3f} s", file=sys.stderr)
            print(f"  cpu{k + 1}  {cpu:.3f} s CPU", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
