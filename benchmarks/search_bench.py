"""Search benchmark: Plenum's sharded index against Pagefind, on synthetic archives.

One command, prints a table::

    .venv/bin/python benchmarks/search_bench.py                 # 1,000 and 10,000 meetings
    .venv/bin/python benchmarks/search_bench.py --sizes 1000 --pagefind-max 1000

For each size: index build time (excluding making the meetings; CPU of the
builder and its worker processes, and of the builder alone), peak memory (the
PSS of the builder and its workers, sampled), index size and number of files, and for a
set of cold queries the bytes a browser downloads (each file counted at its gzip
size, or its raw size when that is smaller: what HTTP compression would send),
including the fixed files (our search.js + manifest; Pagefind's script, WebAssembly
and metadata) and the data of the first 10 results.

Synthetic meetings are model objects made from the real paragraphs that
`benchmarks/synth.py` harvests (its material, speaker rosters, dates and topics),
about 58 kB of text each, deterministic for (n, seed). They are built directly,
not by parsing synth's transcript text, so the benchmark times the search and not
the parser. Pagefind indexes minimal HTML pages of the same meetings (one
section with an id per speech, one page per motion); its cold queries run in
headless Chromium with Pagefind's own JavaScript API.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import synth  # noqa: E402
from generator.model import Meeting, Motion, Person, Source, Turn  # noqa: E402

OUT = ROOT / "benchmarks" / "out" / "search"
QUERIES = ("navalny", "sancties", "nord stream", "sancties belarus", "rusland",
           "rusland sancties", "navo oekraine")  # the last two: two common words
TARGET_TEXT = 58_000
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


# --- synthetic meetings ---------------------------------------------------------

def _person(speaker: synth.Speaker, role: str = "lid") -> Person:
    from generator.slugs import slugify

    return Person(slugify(speaker.surname), speaker.surname, speaker.party, role)


def synthetic_meeting(index: int, n: int, seed: int = 0) -> Meeting:
    """Meeting `index` of `n`: real paragraphs, made-up names, dates and order."""
    mat = synth.load_material()
    rng = random.Random(f"search-meeting:{seed}:{index}")
    date = synth._meeting_date(index, n, seed)
    roster = synth._roster((date.year - synth.FIRST_YEAR) // synth.TERM_YEARS, seed)
    members = rng.sample(roster, rng.randint(4, 10))
    chair = rng.choice([s for s in roster if s not in members])
    minister = synth.Speaker(rng.choice(synth.SURNAMES), None, rng.random() < 0.4)
    people = {p.id: p for p in [_person(s) for s in members]
              + [_person(chair, "voorzitter"), _person(minister, "minister")]}
    mid = f"synth-{index:05d}"
    turns: list[Turn] = []
    size = 0

    def say(speaker: synth.Speaker, paragraphs: list[str]) -> None:
        nonlocal size
        turns.append(Turn(f"t{len(turns) + 1:04d}", _person(speaker).id, speaker.surname,
                          tuple(paragraphs), Source(mid, len(turns) + 1)))
        size += sum(len(p) for p in paragraphs)

    while size < TARGET_TEXT * 0.9:
        speaker = rng.choice(members)
        say(chair, [f"Het woord is aan {speaker.reference} namens de {speaker.party}."])
        say(speaker, rng.sample(mat.member, rng.randint(3, 8)))
        if rng.random() < 0.5:
            say(rng.choice([s for s in members if s != speaker]), [rng.choice(mat.short)])
        if rng.random() < 0.35:
            say(minister, rng.sample(mat.minister, rng.randint(2, 6)))
    motions = []
    for k, speaker in enumerate(rng.sample(members, min(len(members), rng.randint(1, 4)))):
        clauses = rng.sample(mat.considerations, rng.randint(1, 3))
        request = rng.choice(mat.requests)
        text = "De Kamer,\ngehoord de beraadslaging,\n" + ";\n".join(clauses) + ";\n" + request
        motions.append(Motion(f"{mid}-m{k + 1}", str(k + 1), None, (speaker.surname,),
                              (_person(speaker).id,), text, tuple(clauses), (request,),
                              None, Source(mid)))
        size += len(text)
    return Meeting(
        id=mid, title=f"{rng.choice(synth.KINDS)} {rng.choice(synth.TOPICS)}",
        date=date.isoformat(), body="Tweede Kamer",
        kind=rng.choice(("commissie", "commissie", "plenair")),
        committee=None, dossier=None, chair=_person(chair).id, clerk=None, start=None,
        end=None, people=tuple(people.values()), present=tuple(people), turns=tuple(turns),
        motions=tuple(motions), source=Source(mid))


def synthetic_archive(n: int, seed: int = 0) -> Iterator[Meeting]:
    for i in range(n):
        yield synthetic_meeting(i, n, seed)


# --- building -----------------------------------------------------------------

def _tree_pss_kb() -> int:
    """Proportional set size of this process and its children (forked workers share
    pages copy-on-write, so summing their RSS would count those pages twice)."""
    pids = [str(os.getpid())]
    for task in Path("/proc/self/task").iterdir():
        pids += (task / "children").read_text().split()
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass  # a worker that just ended
    return total


class _PeakSampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_kb = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.25):
            self.peak_kb = max(self.peak_kb, _tree_pss_kb())


def worker_build_ours(n: int, out: Path) -> dict:
    """Runs in its own process, so its peak memory is the index build's."""
    from generator.search import CLIENT, default_splitter
    from generator.search.index import IndexWriter, default_workers, options_for
    from generator.search.records import build_records

    splitter = default_splitter()
    synth.load_material()
    making = making_cpu = 0.0  # wall and CPU seconds spent making the meetings
    sampler = _PeakSampler()
    sampler.start()
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_SELF)
    kids_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_before = before.ru_utime + before.ru_stime + kids_before.ru_utime + kids_before.ru_stime
    # About 70 records per synthetic meeting (69.5 measured at 1,000).
    options = options_for(n * 70)
    writer = IndexWriter(out, splitter, options)
    for i in range(n):
        t, c = time.perf_counter(), time.thread_time()
        meeting = synthetic_meeting(i, n)
        people = {p.id: p for p in meeting.people}
        making += time.perf_counter() - t
        making_cpu += time.thread_time() - c
        for record in build_records([meeting], people):
            writer.add(record)
    stats = writer.finish()
    shutil.copyfile(CLIENT, out / CLIENT.name)
    wall = time.perf_counter() - started
    seconds = wall - making
    sampler.stopped.set()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # The writer's worker processes (term counting, shard writing) have ended: their
    # CPU counts too. Peak memory: the sampled PSS of the whole process tree.
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    parent_cpu = (usage.ru_utime + usage.ru_stime - before.ru_utime - before.ru_stime
                  - making_cpu)
    return {"seconds": seconds, "wall": wall,
            "cpu": usage.ru_utime + usage.ru_stime + kids.ru_utime + kids.ru_stime
            - cpu_before - making_cpu, "parent_cpu": parent_cpu,
            "peak_mb": max(sampler.peak_kb, usage.ru_maxrss) / 1024,
            "parent_rss_mb": usage.ru_maxrss / 1024, "worker_rss_mb": kids.ru_maxrss / 1024,
            "records": stats.records, "per_shard": options.records_per_shard,
            "workers": default_workers()}


def build_ours(n: int, out: Path) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    done = subprocess.run([sys.executable, __file__, "--worker", str(n), str(out)],
                          capture_output=True, text=True, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result.update(_tree_size(out))
    return result


def write_pages(n: int, site: Path) -> None:
    """Minimal HTML pages of the synthetic meetings, for Pagefind."""
    shutil.rmtree(site, ignore_errors=True)
    (site / "vergaderingen").mkdir(parents=True)
    (site / "moties").mkdir()
    for meeting in synthetic_archive(n):
        names = {p.id: f"{p.name} ({p.party})" if p.party else p.name for p in meeting.people}
        parts = [f'<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"><title>'
                 f'{escape(meeting.title or "")}</title></head><body><main data-pagefind-body>'
                 f'<h1>{escape(meeting.title or "")}</h1><p>{meeting.date}</p>']
        for turn in meeting.turns:
            parts.append(f'<section><h2 id="{turn.id}">{escape(names.get(turn.speaker, ""))}'
                         f'</h2>' + "".join(f"<p>{escape(p)}</p>" for p in turn.paragraphs)
                         + "</section>")
        parts.append("</main></body></html>")
        (site / "vergaderingen" / f"{meeting.id}.html").write_text("".join(parts), "utf-8")
        for motion in meeting.motions:
            page = (f'<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"><title>Motie'
                    f'</title></head><body><main data-pagefind-body><h1>Motie {motion.number}'
                    f'</h1><p>{escape(motion.text)}</p></main></body></html>')
            (site / "moties" / f"{motion.id}.html").write_text(page, "utf-8")


def build_pagefind(site: Path) -> dict:
    wrapper = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
               "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
               "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
               "print(time.perf_counter() - t, u.ru_maxrss, u.ru_utime + u.ru_stime)")
    done = subprocess.run([sys.executable, "-c", wrapper, sys.executable, "-m", "pagefind",
                           "--site", str(site), "--force-language", "nl", "--quiet"],
                          capture_output=True, text=True, check=True)
    seconds, peak_kb, cpu = done.stdout.split()
    result = {"seconds": float(seconds), "peak_mb": int(peak_kb) / 1024, "cpu": float(cpu)}
    result.update(_tree_size(site / "pagefind"))
    return result


def _tree_size(folder: Path) -> dict:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return {"files": len(files), "bytes": sum(p.stat().st_size for p in files)}


def wire_size(data: bytes) -> int:
    """What a server with gzip would send for one file."""
    return min(len(data), len(gzip.compress(data, 6)))


# --- cold queries ---------------------------------------------------------------

def cold_query_ours(index: Path, query: str) -> dict:
    from generator.search.query import Engine, ShardLoader

    class Wire(ShardLoader):
        def load(self, rel: str) -> object:
            if rel not in self.cache:
                self.gzip_bytes += wire_size((self.dir / rel).read_bytes())
            return super().load(rel)

    loader = Wire(index)
    loader.gzip_bytes = wire_size((index / "search.js").read_bytes())
    engine = Engine(loader)
    result = engine.search(query, need=10)
    for hit in result.hits:
        engine.record(hit.doc)
    # super().load also added its own gzip count: keep only the wire sizes
    wire = loader.gzip_bytes - sum(len(gzip.compress((index / rel).read_bytes(), 6))
                                   for rel in loader.cache)
    return {"bytes": wire, "files": loader.files + 1, "hits": len(result.hits),
            "total": result.total}


BENCH_PAGE = """<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"></head><body>
<script type="module">
window.runQuery = async (q) => {
  const pf = await import("./pagefind/pagefind.js");
  const search = await pf.search(q);
  const data = await Promise.all(search.results.slice(0, 10).map(r => r.data()));
  return [search.results.length, data.length];
};
window.benchReady = true;
</script></body></html>"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def cold_queries_pagefind(site: Path, queries: tuple[str, ...]) -> dict[str, dict]:
    from playwright.sync_api import sync_playwright

    (site / "bench.html").write_text(BENCH_PAGE, "utf-8")
    handler = functools.partial(_Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/bench.html"
    out: dict[str, dict] = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium",
                                         args=CHROMIUM_ARGS, headless=True)
            for query in queries:
                context = browser.new_context()  # cold: empty cache
                page = context.new_page()
                page.goto(url)
                page.wait_for_function("window.benchReady === true")
                seen: list[str] = []
                page.on("requestfinished", lambda r, seen=seen: seen.append(r.url))
                results, shown = page.evaluate("q => window.runQuery(q)", query)
                page.wait_for_timeout(200)
                total = 0
                for u in seen:
                    rel = u.split("/", 3)[3].split("?")[0]
                    total += wire_size((site / rel).read_bytes())
                out[query] = {"bytes": total, "files": len(seen), "hits": shown,
                              "total": results}
                context.close()
            browser.close()
    finally:
        httpd.shutdown()
    return out


# --- the report -----------------------------------------------------------------

def kb(n: float) -> str:
    return f"{n / 1024:,.1f} kB"


def run(sizes: list[int], pagefind_max: int, out: Path) -> None:
    rows: list[tuple[str, ...]] = []
    for n in sizes:
        print(f"[{n} meetings] building our index ...", file=sys.stderr, flush=True)
        ours = build_ours(n, out / f"ours-{n}")
        queries_ours = {q: cold_query_ours(out / f"ours-{n}", q) for q in QUERIES}
        pf = None
        if n <= pagefind_max:
            print(f"[{n} meetings] writing pages, running Pagefind ...", file=sys.stderr,
                  flush=True)
            site = out / f"pagefind-{n}"
            write_pages(n, site)
            pf = build_pagefind(site)
            queries_pf = cold_queries_pagefind(site, QUERIES)
        rows.append((f"{n:,} meetings", "Plenum", "Pagefind" if pf else "(not run)"))
        rows.append(("  records (speeches+motions)", f"{ours['records']:,}", ""))
        rows.append(("  index build, wall", f"{ours['seconds']:.1f} s",
                     f"{pf['seconds']:.1f} s" if pf else ""))
        rows.append(("  ... wall incl. making meetings", f"{ours['wall']:.1f} s", ""))
        rows.append(("  index build, CPU", f"{ours['cpu']:.1f} s",
                     f"{pf['cpu']:.1f} s" if pf else ""))
        rows.append(("  ... of which the parent process", f"{ours['parent_cpu']:.1f} s", ""))
        rows.append(("  worker processes", f"{ours['workers']}", ""))
        rows.append(("  max RSS parent / a worker", f"{ours['parent_rss_mb']:,.0f} / "
                     f"{ours['worker_rss_mb']:,.0f} MB", ""))
        rows.append(("  peak memory (PSS, all processes)", f"{ours['peak_mb']:,.0f} MB",
                     f"{pf['peak_mb']:,.0f} MB" if pf else ""))
        rows.append(("  index size", f"{ours['bytes'] / 2**20:,.1f} MB",
                     f"{pf['bytes'] / 2**20:,.1f} MB" if pf else ""))
        rows.append(("  index files", f"{ours['files']:,}", f"{pf['files']:,}" if pf else ""))
        rows.append(("  records per record file", f"{ours['per_shard']}", ""))
        for q in QUERIES:
            a = queries_ours[q]
            b = queries_pf[q] if pf else None
            ratio = f"  ({a['bytes'] / b['bytes']:.2f}x)" if b else ""
            rows.append((f"  cold '{q}' (files)", f"{kb(a['bytes'])} ({a['files']}){ratio}",
                         f"{kb(b['bytes'])} ({b['files']})" if b else ""))
    width = max(len(r[0]) for r in rows) + 2
    print()
    for r in rows:
        print(f"{r[0]:<{width}}{r[1]:>28}  {r[2]:>22}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--pagefind-max", type=int, default=1000,
                        help="run Pagefind only up to this many meetings (10,000 takes it "
                             "about 4 minutes and 15 GB of memory)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker_build_ours(int(args.worker[0]), Path(args.worker[1]))))
        return 0
    run(args.sizes, args.pagefind_max, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
