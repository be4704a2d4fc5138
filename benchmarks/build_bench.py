"""Build benchmark: Plenum against Hugo (and a bare markdown-it-py + Jinja loop)
on deterministic synthetic archives. See benchmarks/README.md.

    .venv/bin/python benchmarks/build_bench.py [--sizes 100,1000,10000]

For every size: generate the archive (cached in benchmarks/out/<n>/), import it
from scratch, build from scratch (``build --clean --verbose``: per-stage times),
rebuild with nothing changed, after editing one transcript and after editing one
template; then render the same Markdown (``content/``) with Hugo and with the
bare loop. Every run is a subprocess; its peak memory is the sum of the
proportional set size (PSS) of its whole process tree, sampled as often as
costs the sampler at most a twentieth of a core (reading a process's PSS
walks its page tables), or the peak resident size of its largest process
where that is higher (see README.md).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.synth import VERSION as SYNTH_VERSION  # noqa: E402
from benchmarks.synth import generate_archive  # noqa: E402

OUT = ROOT / "benchmarks" / "out"
HUGO_LAYOUT = ROOT / "benchmarks" / "hugo"
PYTHON = sys.executable
SERVE_EDITS = 4  # one-transcript rebuilds timed in one `serve` process
# Runs get Python's default bytecode cache: a machine that sets
# PYTHONDONTWRITEBYTECODE would compile every module of every timed build again
# (~0.15 s of start-up), which no user's ``build.py`` pays twice.
RUN_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


# --- measuring a subprocess ---------------------------------------------------------

def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(b")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def process_tree(root: int) -> list[int]:
    """`root` and every process descended from it: from each thread's list of
    the children it forked (``/proc/<pid>/task/<tid>/children``: a few reads,
    not the whole of ``/proc``), else by every process's parent."""
    if not os.path.exists(f"/proc/{root}/task/{root}/children"):
        return _tree_by_parents(root)
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        with contextlib.suppress(OSError):
            for tid in os.listdir(f"/proc/{pid}/task"):
                with contextlib.suppress(OSError), \
                        open(f"/proc/{pid}/task/{tid}/children", "rb") as fh:
                    todo.extend(map(int, fh.read().split()))
    return tree


def _tree_by_parents(root: int) -> list[int]:
    tree, todo, children = [], [root], _children_map()
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, ()))
    return tree


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of one process (its own, not its children's)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
    except OSError:
        return None
    fields = stat[stat.rfind(b")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def _memory_kb(pid: int) -> int:
    """PSS of one process (shared pages counted once across the tree), else RSS."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


MEMORY_SPACING = 20  # memory is read again after 20 times what reading it took


class TreeSampler(threading.Thread):
    """Samples the CPU time used so far by a process and all its descendants
    every `interval` (`cpu_so_far`: a process's last sample counts after it
    ended, so a process that lived less than an interval may be missed), and
    their memory as often as keeps the sampler's share of a core under
    1/`MEMORY_SPACING` (`cpu_used` is what the sampler itself spent)."""

    def __init__(self, pid: int, interval: float = 0.1):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_kb = 0
        self.cpu_used = 0.0
        self._cpu_by_pid: dict[int, float] = {}
        self._halt = threading.Event()
        self._lock = threading.Lock()

    def run(self) -> None:
        memory_due = 0.0
        while not self._halt.is_set():
            started = time.thread_time()
            tree = self._sample_cpu()
            if time.monotonic() >= memory_due:
                read_from = time.thread_time()
                self.peak_kb = max(self.peak_kb, sum(_memory_kb(pid) for pid in tree))
                memory_due = time.monotonic() + MEMORY_SPACING * (time.thread_time() - read_from)
            self.cpu_used += time.thread_time() - started
            self._halt.wait(self.interval)

    def _sample_cpu(self) -> list[int]:
        tree = process_tree(self.pid)
        with self._lock:
            for pid in tree:
                cpu = _cpu_seconds(pid)
                if cpu is not None:
                    self._cpu_by_pid[pid] = max(cpu, self._cpu_by_pid.get(pid, 0.0))
        return tree

    def cpu_so_far(self) -> float:
        """The process tree's CPU seconds up to now (sampled now)."""
        with contextlib.suppress(OSError):
            self._sample_cpu()
        with self._lock:
            return sum(self._cpu_by_pid.values())

    def stop(self) -> None:
        self._halt.set()
        self.join()


@dataclass
class Run:
    wall: float
    cpu: float
    peak_mb: float
    code: int
    stderr: str = ""
    stages: dict[str, float] = field(default_factory=dict)
    stage_cpu: dict[str, float] = field(default_factory=dict)  # CPU-s of the tree per stage
    sampler_cpu: float = 0.0  # CPU-s the measuring thread spent (not in `cpu`)


def _stage_line(line: str) -> tuple[str, float] | None:
    """A ``--verbose`` stage timing (``  load   1.234 s``), else None."""
    parts = line.split()
    if line.startswith("  ") and len(parts) == 3 and parts[2] == "s":
        with contextlib.suppress(ValueError):
            return parts[0], float(parts[1])
    return None


def measure(cmd: list[str], cwd: Path | None = None) -> Run:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, env=RUN_ENV)
    sampler = TreeSampler(proc.pid)
    sampler.start()
    stages: dict[str, float] = {}
    stage_cpu: dict[str, float] = {}
    lines: list[str] = []
    cpu_at_last_stage = 0.0
    assert proc.stderr is not None
    for line in proc.stderr:  # stage lines come as each stage ends
        lines.append(line)
        stage = _stage_line(line)
        if stage is not None:
            cpu_now = sampler.cpu_so_far()
            stages[stage[0]] = stage[1]
            stage_cpu[stage[0]] = cpu_now - cpu_at_last_stage
            cpu_at_last_stage = cpu_now
    proc.wait()
    err = "".join(lines)
    wall = time.perf_counter() - started
    sampler.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    peak = sampler.peak_kb / 1024
    if after.ru_maxrss > before.ru_maxrss:  # a child set a new record: trust it if larger
        peak = max(peak, after.ru_maxrss / 1024)
    return Run(wall, cpu, peak, proc.returncode, err[-4000:], stages, stage_cpu,
               sampler.cpu_used)


# --- the archive and the project around it ------------------------------------------

def prepare_project(n: int, seed: int, jobs: int) -> Path:
    """benchmarks/out/<n>/: transcripts (generated once), a copy of the templates,
    static files and settings, and no content or site yet."""
    base = OUT / str(n)
    stamp = base / "transcripts" / ".synth"
    wanted = f"n={n} seed={seed} synth={SYNTH_VERSION}"
    if not stamp.exists() or stamp.read_text() != wanted:
        shutil.rmtree(base, ignore_errors=True)
        started = time.perf_counter()
        generate_archive(n, base / "transcripts", seed=seed, jobs=max(jobs, 1))
        stamp.write_text(wanted)
        print(f"[{n}] generated in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    for name in ("templates", "static", "locales"):
        if (ROOT / name).is_dir():
            shutil.rmtree(base / name, ignore_errors=True)
            shutil.copytree(ROOT / name, base / name)
    for name in ("plenum.toml", "people.yaml"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, base / name)
    for name in ("content", "site", ".plenum-cache", "hugo", "baseline"):
        shutil.rmtree(base / name, ignore_errors=True)
    return base


def transcript_bytes(base: Path) -> int:
    return sum(p.stat().st_size for p in (base / "transcripts").glob("*.txt"))


def warm_page_cache(folder: Path) -> None:
    """Read every file of `folder` once, so the timed import reads them from
    memory, not from a disk the previous size's run left cold."""
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        with path.open("rb") as fh:
            while fh.read(1 << 20):
                pass


def save_as_an_editor_does(path: Path, text: str) -> None:
    """Write `text` to a new file and rename it over `path`, as most editors
    save: a hard-linked copy of a benchmark project never changes its original."""
    fresh = path.with_name(path.name + ".saving")
    fresh.write_text(text, encoding="utf-8")
    fresh.replace(path)


def edit_one_transcript(base: Path) -> Path:
    """Change a word in the middle meeting's opening speech (toggles back and forth)."""
    paths = sorted((base / "transcripts").glob("*.txt"))
    path = paths[len(paths) // 2]
    text = path.read_text(encoding="utf-8")
    if "Goedemiddag. Ik open" in text:
        text = text.replace("Goedemiddag. Ik open", "Goedemorgen. Ik open", 1)
    else:
        text = text.replace("Goedemorgen. Ik open", "Goedemiddag. Ik open", 1)
    save_as_an_editor_does(path, text)
    return path


def add_one_word(base: Path) -> Path:
    """Add (or take back) a word in the middle meeting's opening speech: the
    usual edit, which changes the speech's length (a swapped word does not)."""
    paths = sorted((base / "transcripts").glob("*.txt"))
    path = paths[len(paths) // 2]
    text = path.read_text(encoding="utf-8")
    added, plain = ". Ik open hierbij", ". Ik open"
    text = text.replace(added, plain, 1) if added in text else text.replace(plain, added, 1)
    save_as_an_editor_does(path, text)
    return path


def edit_one_template(base: Path) -> Path:
    """Add (or remove) an HTML comment in the meeting page's template."""
    folder = base / "templates"
    candidates = [folder / n for n in ("meeting.html", "vergadering.html")]
    path = next((p for p in candidates if p.exists()), None) or sorted(folder.glob("*.html"))[0]
    text = path.read_text(encoding="utf-8")
    marker = "<!-- benchmark edit -->\n"
    save_as_an_editor_does(path, text.replace(marker, "") if marker in text else text + marker)
    return path


def plenum(base: Path, *args: str, jobs: int) -> list[str]:
    cmd = [PYTHON, str(ROOT / "build.py"), "--root", str(base), *args]
    if args[0] == "build":
        cmd += ["--jobs", str(jobs)]
    return cmd


# --- baselines ----------------------------------------------------------------------

def prepare_hugo(base: Path) -> Path:
    """A Hugo site whose content folder hard-links the Markdown Plenum rendered."""
    site = base / "hugo"
    shutil.rmtree(site, ignore_errors=True)
    shutil.copytree(HUGO_LAYOUT, site)
    pages = site / "content" / "vergaderingen"
    pages.mkdir(parents=True)
    for md in (base / "content").rglob("*.md"):
        os.link(md, pages / md.name)
    return site


def baseline_worker(task: tuple[list[str], str]) -> int:
    import jinja2
    import yaml
    from markdown_it import MarkdownIt

    paths, out_dir = task
    md = MarkdownIt("commonmark")
    template = jinja2.Environment(autoescape=True).from_string(
        "<!doctype html><html lang=nl><head><meta charset=utf-8><title>{{ title }}</title>"
        "</head><body><h1>{{ title }}</h1><p>{{ date }}</p>{{ body|safe }}</body></html>")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for path in paths:
        text = Path(path).read_text(encoding="utf-8")
        meta: dict = {}
        if text.startswith("---\n"):
            end = text.find("\n---\n", 4)
            meta = yaml.load(text[4:end], Loader=loader) or {}
            text = text[end + 5:]
        page = template.render(title=meta.get("title", ""), date=meta.get("date", ""),
                               body=md.render(text))
        Path(out_dir, Path(path).stem + ".html").write_text(page, encoding="utf-8")
    return len(paths)


def run_baseline(content: Path, out_dir: Path, jobs: int) -> int:
    """markdown-it-py + Jinja over every content file, on `jobs` processes."""
    from multiprocessing import Pool

    out_dir.mkdir(parents=True, exist_ok=True)
    files = sorted(str(p) for p in content.rglob("*.md"))
    chunks = [(files[i:i + 50], str(out_dir)) for i in range(0, len(files), 50)]
    with Pool(jobs) as pool:
        return sum(pool.imap_unordered(baseline_worker, chunks))


# --- the benchmark ------------------------------------------------------------------

def bench_size(n: int, seed: int, jobs: int, hugo: bool) -> dict:
    base = prepare_project(n, seed, jobs)
    cores = jobs or os.cpu_count() or 1
    mb = transcript_bytes(base) / 1e6
    result: dict = {"n": n, "transcripts_mb": mb, "jobs": cores}

    def step(name: str, cmd: list[str], cwd: Path | None = None) -> Run:
        run = measure(cmd, cwd)
        print(f"[{n}] {name}: {run.wall:.2f} s, cpu {run.cpu:.1f} s, peak {run.peak_mb:.0f} MB"
              f" (sampler {run.sampler_cpu:.1f} CPU-s)"
              + (f", exit {run.code}" if run.code else ""), file=sys.stderr)
        if run.code not in (0, 1):
            print(run.stderr, file=sys.stderr)
        result[name] = asdict(run) | {"stderr": run.stderr[-600:]}
        return run

    warm_page_cache(base / "transcripts")  # as Hugo's input is: the import just wrote it
    step("import", plenum(base, "import", jobs=jobs))
    result["content_mb"] = sum(p.stat().st_size for p in (base / "content").rglob("*.md")) / 1e6
    step("build", plenum(base, "build", "--clean", "--verbose", jobs=jobs))
    result["pages"] = sum(1 for _ in (base / "site").rglob("*.html"))
    result["site_files"] = sum(1 for p in (base / "site").rglob("*") if p.is_file())
    step("noop", plenum(base, "build", "--verbose", jobs=jobs))
    edit_one_transcript(base)
    step("one_transcript", plenum(base, "build", "--verbose", jobs=jobs))
    add_one_word(base)
    step("one_word_added", plenum(base, "build", "--verbose", jobs=jobs))
    step("serve_edits", [PYTHON, str(ROOT / "benchmarks" / "serve_rebuild.py"), str(base),
                         "--edits", str(SERVE_EDITS)])
    result["template"] = edit_one_template(base).name
    step("one_template", plenum(base, "build", "--verbose", jobs=jobs))
    edit_one_transcript(base)  # back to the generated archive
    add_one_word(base)
    edit_one_template(base)
    if hugo and shutil.which("hugo"):
        site = prepare_hugo(base)
        step("hugo", ["hugo", "--quiet", "-s", str(site), "-d", str(site / "public")])
        result["hugo_pages"] = sum(1 for _ in (site / "public").rglob("*.html"))
    step("baseline", [PYTHON, __file__, "--baseline", str(base / "content"),
                      str(base / "baseline"), "--jobs", str(cores)])
    result["cores"] = cores
    (OUT / f"result-{n}.json").write_text(json.dumps(result, indent=2))
    return result


def _row(label: str, results: list[dict], value) -> str:
    cells = []
    for r in results:
        try:
            v = value(r)
        except (KeyError, TypeError, ZeroDivisionError):
            v = None
        cells.append("–" if v is None else v if isinstance(v, str) else f"{v:,.2f}"
                     if isinstance(v, float) else f"{v:,}")
    return f"| {label} | " + " | ".join(cells) + " |"


def table(results: list[dict]) -> str:
    def wall(key):
        return lambda r: r[key]["wall"]

    def peak(key):
        return lambda r: r[key]["peak_mb"]

    stages = []
    for r in results:
        stages += [s for s in r["build"]["stages"] if s not in stages]
    whole = lambda r: r["import"]["wall"] + r["build"]["wall"]  # noqa: E731
    pages_only = lambda r: r["build"]["wall"] - r["build"]["stages"]["search"]  # noqa: E731
    lines = [
        "| meetings | " + " | ".join(f"{r['n']:,}" for r in results) + " |",
        "|---|" + "---:|" * len(results),
        _row("transcripts (MB)", results, lambda r: r["transcripts_mb"]),
        _row("content/ Markdown (MB)", results, lambda r: r["content_mb"]),
        _row("import from scratch (s)", results, wall("import")),
        _row("import MB/s per core (wall × cores)", results,
             lambda r: r["transcripts_mb"] / r["import"]["wall"] / r["cores"]),
        _row("import MB per CPU-second", results,
             lambda r: r["transcripts_mb"] / r["import"]["cpu"]),
        _row("import CPU (s)", results, lambda r: r["import"]["cpu"]),
        _row("full build from content/ (s)", results, wall("build")),
        _row("full build CPU (s)", results, lambda r: r["build"]["cpu"]),
        *[_row(f"  stage {s} (s)", results, lambda r, s=s: r["build"]["stages"][s])
          for s in stages],
        *[_row(f"  stage {s}: CPU (s), cores busy", results,
               lambda r, s=s: f"{r['build']['stage_cpu'][s]:,.1f}, "
                              f"{r['build']['stage_cpu'][s] / r['build']['stages'][s]:.2f}"
               if r["build"]["stages"][s] >= 0.5 else None)
          for s in stages],
        _row("pages (HTML files)", results, lambda r: r["pages"]),
        _row("pages/s", results, lambda r: r["pages"] / r["build"]["wall"]),
        _row("whole build: import + build (s)", results, whole),
        _row("peak memory, import (MB)", results, peak("import")),
        _row("peak memory, build (MB)", results, peak("build")),
        _row("no-op rebuild (s)", results, wall("noop")),
        _row("one-transcript rebuild (s)", results, wall("one_transcript")),
        _row("one-transcript rebuild, a word added (s)", results, wall("one_word_added")),
        _row("serve: one-transcript rebuild, first edit (s)", results,
             lambda r: r["serve_edits"]["stages"]["rebuild1"]),
        _row(f"serve: one-transcript rebuild, median of {SERVE_EDITS} edits (s)", results,
             lambda r: statistics.median(r["serve_edits"]["stages"].values())),
        _row("one-template rebuild (s)", results, wall("one_template")),
        _row("Hugo render (s)", results, wall("hugo")),
        _row("Hugo CPU (s)", results, lambda r: r["hugo"]["cpu"]),
        _row("Hugo pages", results, lambda r: r["hugo_pages"]),
        _row("Hugo peak memory (MB)", results, peak("hugo")),
        _row("markdown-it + Jinja loop (s)", results, wall("baseline")),
        _row("loop CPU (s)", results, lambda r: r["baseline"]["cpu"]),
        _row("loop peak memory (MB)", results, peak("baseline")),
        _row("Plenum build / Hugo", results, lambda r: r["build"]["wall"] / r["hugo"]["wall"]),
        _row("Plenum pages (build without its search stage) / Hugo", results,
             lambda r: pages_only(r) / r["hugo"]["wall"]),
        _row("Plenum whole build / Hugo", results, lambda r: whole(r) / r["hugo"]["wall"]),
        _row("loop / Hugo", results, lambda r: r["baseline"]["wall"] / r["hugo"]["wall"]),
        _row("Plenum build / Hugo, CPU time", results,
             lambda r: r["build"]["cpu"] / r["hugo"]["cpu"]),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000", help="comma-separated meeting counts")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-j", "--jobs", type=int, default=0,
                        help="worker processes for Plenum and the loop (default: all cores)")
    parser.add_argument("--no-hugo", action="store_true", help="skip the Hugo baseline")
    parser.add_argument("--baseline", nargs=2, metavar=("CONTENT", "OUT"),
                        help=argparse.SUPPRESS)  # internal: run the bare loop
    args = parser.parse_args(argv)
    if args.baseline:
        run_baseline(Path(args.baseline[0]), Path(args.baseline[1]), args.jobs or 2)
        return 0
    results = []
    for n in (int(s.replace("_", "")) for s in args.sizes.split(",")):
        results.append(bench_size(n, args.seed, args.jobs, not args.no_hugo))
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
