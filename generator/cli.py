"""Command line: subcommands and exit codes. The only orchestrator.

Exit codes:
  0  success
  1  input problems (errors in a transcript, content file or template; or
     warnings under --strict)
  2  usage error (bad arguments, missing file; or another Plenum process is
     using the project: `generator.project_lock`)
  3  refused to overwrite a hand-edited content file (use --force)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from generator.config import Project, load_project
from generator.errors import Diagnostic, Severity, format_diagnostics, summarise

EXIT_OK = 0
EXIT_INPUT = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3

EPILOG = """exit codes:
  0  success
  1  input problems (errors; or warnings with --strict)
  2  usage error (bad arguments, missing file), or the project is in use by
     another Plenum process (build, import or serve)
  3  refused to overwrite a hand-edited content file (rerun with --force)
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="build.py",
        description="Plenum: turn parliamentary transcripts into a static website.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--root", type=Path, default=Path("."),
                        help="project folder (default: the current folder)")
    sub = parser.add_subparsers(dest="command")

    p_parse = sub.add_parser("parse", help="parse one transcript and print it",
                             epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p_parse.add_argument("file", type=Path, help="transcript (.txt, .md, .xml or .pdf)")
    p_parse.add_argument("--json", action="store_true",
                         help="print the meeting as JSON (the open-data format, docs/data.md)")
    p_parse.add_argument("--markdown", action="store_true",
                         help="print the intermediate Markdown (docs/format.md)")
    p_parse.add_argument("--strict", action="store_true", help="treat warnings as errors")

    for name, text in (("import", "parse transcripts/ into content/"),
                       ("build", "import, then render site/ (the default command)")):
        p = sub.add_parser(name, help=text, epilog=EPILOG,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("--force", action="store_true",
                       help="overwrite content files even if they were edited by hand")
        p.add_argument("--strict", action="store_true", help="treat warnings as errors")
        p.add_argument("-v", "--verbose", action="store_true", help="print per-stage timings")
        p.add_argument("-j", "--jobs", type=int, default=0,
                       help="worker processes (default: one per core)")
        if name == "build":
            p.add_argument("--clean", action="store_true",
                           help="remove the build cache first and render everything")

    p_check = sub.add_parser("check", help="validate content/ and the speaker registry")
    p_check.add_argument("--strict", action="store_true", help="treat warnings as errors")

    p_serve = sub.add_parser("serve", help="build, serve site/ with live reload")
    p_serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p_serve.add_argument("--host", default="127.0.0.1",
                         help="address to bind (default 127.0.0.1: this machine only)")
    return parser


def report(diagnostics: list[Diagnostic], strict: bool) -> int:
    """Print diagnostics to stderr; the exit code they call for."""
    if diagnostics:
        print(format_diagnostics(diagnostics), file=sys.stderr)
        print(summarise(diagnostics), file=sys.stderr)
    failing = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
    return EXIT_INPUT if any(d.severity in failing for d in diagnostics) else EXIT_OK


@contextmanager
def stage(name: str, verbose: bool) -> Iterator[None]:
    """Time one build stage; print it with --verbose."""
    started = time.perf_counter()
    yield
    if verbose:
        print(f"  {name:<12} {time.perf_counter() - started:8.3f} s", file=sys.stderr)


def cmd_parse(project: Project, args: argparse.Namespace) -> int:
    if not args.file.exists():
        print(f"error: no such file: {args.file}", file=sys.stderr)
        return EXIT_USAGE
    from generator.export import meeting_to_dict
    from generator.ingest import read_transcript
    from generator.markdown_io import write_meeting

    result = read_transcript(args.file, project.display(args.file))
    code = report(list(result.diagnostics), args.strict)
    for meeting in result.meetings:
        if args.markdown:
            sys.stdout.write(write_meeting(meeting))
        else:
            data = meeting_to_dict(meeting)
            if not args.json:
                data = {k: data[k] for k in ("id", "title", "date", "chair", "start", "end")}
                data["turns"] = len(meeting.turns)
                data["motions"] = len(meeting.motions)
            print(json.dumps(data, ensure_ascii=False, indent=2))
    if not result.meetings:
        return code or EXIT_INPUT
    return code


def cmd_import(project: Project, args: argparse.Namespace) -> int:
    from generator.importer import import_transcripts
    from generator.sitebuild import collector_paused

    with collector_paused():  # (its record and listings: ~0.5 of 0.8 CPU-s of the
        # collector in a one-transcript rebuild at 10,000 meetings; a fresh import of
        # 1,000 peaked at 114 MB with the collector on or off)
        outcome = import_transcripts(project, force=args.force, jobs=args.jobs)
    for line in outcome.messages:
        print(line, file=sys.stderr)
    code = report(list(outcome.diagnostics), args.strict)
    if outcome.refused:
        return EXIT_REFUSED
    return code


def cmd_build(project: Project, args: argparse.Namespace) -> int:
    from generator.sitebuild import build_site

    code = cmd_import(project, args)
    if code == EXIT_REFUSED:
        return code
    diagnostics = build_site(project, verbose=args.verbose, clean=getattr(args, "clean", False),
                             jobs=getattr(args, "jobs", 0))
    return max(code, report(list(diagnostics), args.strict))


def cmd_check(project: Project, args: argparse.Namespace) -> int:
    from generator.content import check_content

    return report(list(check_content(project)), args.strict)


def cmd_serve(project: Project, args: argparse.Namespace) -> int:
    from generator.serve import serve

    return serve(project, host=args.host, port=args.port)


COMMANDS: dict[str, Callable[[Project, argparse.Namespace], int]] = {
    "parse": cmd_parse,
    "import": cmd_import,
    "build": cmd_build,
    "check": cmd_check,
    "serve": cmd_serve,
}
LOCKING = ("import", "build", "serve")  # the commands that write the project (one at a time)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    if args.command is None:
        args = parser.parse_args([*(argv or []), "build"])
    project = load_project(args.root)
    try:
        if args.command not in LOCKING:
            return COMMANDS[args.command](project, args)
        return _run_locked(project, args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _run_locked(project: Project, args: argparse.Namespace) -> int:
    """Run the command holding the project's lock (`generator.project_lock`):
    a second Plenum process on the same project stops at once, exit code 2."""
    from generator.project_lock import ProjectLocked, acquire, release

    try:
        acquire(project.root, args.command)
    except ProjectLocked as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"error: cannot lock the project {project.root}: "
              f"{exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return COMMANDS[args.command](project, args)
    finally:
        release(project.root)
