"""Deterministic synthetic archives built from the real transcripts' paragraphs.

Each synthetic meeting is a committee debate written in the seed's format (the
text extracted from the official PDF: line-wrapped at about 72 characters with a
trailing space, words hyphenated at line ends, page footers between turns,
labels on a line of their own, motions read out in full), so that a benchmark
measures the import as well as the rendering. Every paragraph, motion clause and
chair's line is a real one, harvested from ``transcripts/`` (the seed) and
``/work/shared/corpus/tk-pdftxt-*.txt``; only names, dates, numbers and the order
are made up. The same ``(n, seed)`` always gives the same bytes.

Library use (stable API)::

    from benchmarks.synth import generate_archive
    paths = generate_archive(1000, Path("out/transcripts"), seed=1)

Command line::

    .venv/bin/python benchmarks/synth.py 100 /tmp/archive/transcripts --seed 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED_FILES = (ROOT / "transcripts" / "000_80043238be0c1716.txt",)
CORPUS_DIR = Path("/work/shared/corpus")
TARGET_BYTES = 58_000
VERSION = 4  # bump when the output changes (benchmarks regenerate their archives)
LINE_WIDTH = 72

__all__ = ["TARGET_BYTES", "VERSION", "Material", "generate_archive", "generate_transcript",
           "load_material"]

# --- harvesting -----------------------------------------------------------------

_LABEL_LINE = re.compile(
    r"^(?:(?:De heer|Mevrouw) [A-Z][\w'’ .-]{1,40} \([\w -]{2,30}\)"
    r"|De voorzitter|Minister [A-Z][\w'’ .-]{1,30}|Staatssecretaris [A-Z][\w'’ .-]{1,30}):$"
)
_LABEL_INLINE = re.compile(
    r"(?:(?:De heer|Mevrouw) [A-Z][\w'’.-]*(?: [\w'’.-]+){0,3} \([\w -]{2,30}\)"
    r"|De voorzitter|Minister [A-Z][\w'’-]+(?: [A-Z][\w'’-]+)?"
    r"|Staatssecretaris [A-Z][\w'’-]+(?: [A-Z][\w'’-]+)?): ?"
)
_FOOTER = re.compile(r"^Tweede Kamer, vergaderjaar .*nr\. \d+ \d+$")
_SENTENCE = re.compile(r"(?<=[.?!])\s+(?=[A-Z\"“‘'«(])")
_MOTION = re.compile(
    r"Motie\s+De Kamer,\s+gehoord de beraadslaging,\s+(.*?)\s*,?\s*"
    r"en gaat over tot de orde van de dag\.?",
    re.S,
)
_CLAUSE = re.compile(
    r"((?:constaterende|overwegende|van mening|verzoekt|roept|spreekt uit|draagt)\b.*?)"
    r"(?=\s*(?:;|$)|\s+(?:constaterende|overwegende|van mening dat|verzoekt|roept|spreekt uit)\b)",
    re.S,
)
_PARTY = re.compile(r"\(([\w -]+)\):?$")


@dataclass(frozen=True)
class Material:
    """What the real transcripts give: paragraphs by kind of speaker, motion
    clauses, and the parties seen in labels."""

    member: tuple[str, ...]  # paragraphs spoken by members
    minister: tuple[str, ...]  # paragraphs spoken by government members
    chair: tuple[str, ...]  # short chair's lines
    short: tuple[str, ...]  # short interruptions and replies
    considerations: tuple[str, ...]  # "constaterende dat ...", "overwegende dat ..."
    requests: tuple[str, ...]  # "verzoekt de regering ..."
    parties: tuple[str, ...]


def _dehyphenate(lines: list[str]) -> str:
    out = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if out.endswith("-") and line[:1].islower() and out[-2:-1].islower():
            out = out[:-1] + line
        else:
            out = f"{out} {line}" if out else line
    return out


def _turns_from_lines(text: str) -> list[tuple[str, str]]:
    """(label, text) pairs from a line-wrapped transcript like the seed."""
    turns: list[tuple[str, str]] = []
    label, body = "", []
    for raw in text.splitlines():
        line = raw.strip()
        if _FOOTER.match(line):
            continue
        if _LABEL_LINE.match(line):
            if label:
                turns.append((label, _dehyphenate(body)))
            label, body = line[:-1], []
        elif label:
            body.append(line)
    if label:
        turns.append((label, _dehyphenate(body)))
    return turns


def _turns_inline(text: str) -> list[tuple[str, str]]:
    """(label, text) pairs from a one-line PDF extraction (labels inline)."""
    marks = list(_LABEL_INLINE.finditer(text))
    turns = []
    for mark, following in zip(marks, [*marks[1:], None], strict=False):
        end = following.start() if following else len(text)
        turns.append((mark.group(0).strip().rstrip(":"), text[mark.end():end].strip()))
    return turns


def _paragraphs(text: str, rng: random.Random) -> list[str]:
    sentences = [s.strip() for s in _SENTENCE.split(text) if s.strip()]
    out, i = [], 0
    while i < len(sentences):
        size = rng.randint(2, 6)
        out.append(" ".join(sentences[i:i + size]))
        i += size
    return out


def _split_motions(text: str) -> tuple[str, list[str]]:
    motions = [m.group(1) for m in _MOTION.finditer(text)]
    return _MOTION.sub(" ", text), motions


def _clauses(motion: str) -> Iterable[str]:
    flat = re.sub(r"\s+", " ", motion)
    for part in re.split(r";\s*", flat):
        part = part.strip().rstrip(",").strip()
        if part and len(part) > 20:
            yield part


def _source_texts() -> list[tuple[str, bool]]:
    texts = [(p.read_text(encoding="utf-8"), False) for p in SEED_FILES if p.exists()]
    for path in sorted(CORPUS_DIR.glob("tk-pdftxt-*.txt")):
        texts.append((path.read_text(encoding="utf-8"), True))
    if not texts:
        raise FileNotFoundError("no real transcripts found to harvest from")
    return texts


@lru_cache(maxsize=1)
def load_material() -> Material:
    """Harvest the real transcripts once per process."""
    rng = random.Random(0)
    member, minister, chair, short = [], [], [], []
    considerations, requests, parties = [], [], set()
    for text, inline in _source_texts():
        for label, body in (_turns_inline(text) if inline else _turns_from_lines(text)):
            body, motions = _split_motions(body)
            for motion in motions:
                for clause in _clauses(motion):
                    if clause.startswith(("verzoekt", "roept", "spreekt", "draagt")):
                        requests.append(clause)
                    else:
                        considerations.append(clause)
            body = re.sub(r"\s+", " ", body).strip()
            if "Motie" in body or len(body) < 8:
                continue
            if party := _PARTY.search(label):
                parties.add(party.group(1).strip())
            if label == "De voorzitter":
                if len(body) < 400 and "motie" not in body.lower():
                    chair.append(body)
                continue
            if len(body) < 300:
                short.append(body)
                continue
            pool = minister if label.startswith(("Minister", "Staatssecretaris")) else member
            pool.extend(p for p in _paragraphs(body, rng) if len(p) > 40)
    return Material(tuple(member), tuple(minister), tuple(chair), tuple(short),
                    tuple(considerations), tuple(requests), tuple(sorted(parties)))


# --- people -------------------------------------------------------------------------

SURNAMES = (
    "De Jong", "Jansen", "De Vries", "Van den Berg", "Van Dijk", "Bakker", "Janssen",
    "Visser", "Smit", "Meijer", "De Boer", "Mulder", "De Groot", "Bos", "Vos", "Peters",
    "Hendriks", "Van Leeuwen", "Dekker", "Brouwer", "De Wit", "Dijkstra", "Smits",
    "De Graaf", "Van der Meer", "Van der Linden", "Kok", "Jacobs", "De Haan", "Vermeulen",
    "Van den Heuvel", "Van der Veen", "Van den Broek", "De Bruijn", "Van der Heijden",
    "Schouten", "Van Beek", "Willems", "Van Vliet", "Van de Ven", "Hoekstra", "Maas",
    "Verhoeven", "Koster", "Van Dam", "Van der Wal", "Prins", "Blom", "Huisman", "Peeters",
    "Kuipers", "Van Veen", "Post", "Kuiper", "Veenstra", "Kramer", "Van den Brink",
    "Scholten", "Van Wijk", "Postma", "Martens", "Vink", "De Ridder", "Van Loon", "Timmermans",
    "Groen", "Boer", "Gerritsen", "Van der Laan", "Jonker", "Van Doorn", "Kramers", "Evers",
    "Van Rijn", "Wouters", "Koning", "Dijkman", "Hermans", "Van der Berg", "Terpstra",
    "Bosma", "Wijnberg", "Oosterhuis", "Van Gent", "Nijboer", "Lammers", "Sterk", "Agema",
    "Omtzigt", "Klaver", "Segers", "Azarkan", "Kuzu", "Thijssen", "Van Haga", "Eerdmans",
    "Wassenberg", "Teunissen", "Kröger", "Hammelburg", "Stultiens", "Kathmann", "Mutluer",
    "Bikker", "Ceder", "Grinwis", "Bisschop", "Van der Molen", "Amhaouch", "Palland",
    "Boswijk", "Heerma", "Tielen", "Michon", "Erkens", "Rajkowski", "Van Wijngaarden",
    "Hagen", "Sneller", "Podt", "Van Weerdenburg", "Helder", "Beertema", "Markuszower",
    "Dassen", "Gündoğan", "Simons", "Leijten", "Dijk", "Van Kent", "Alkaya", "Maeijer",
)
MINISTRIES = (
    "Buitenlandse Zaken", "Financiën", "Binnenlandse Zaken en Koninkrijksrelaties",
    "Landbouw, Natuur en Voedselkwaliteit", "Volksgezondheid, Welzijn en Sport",
    "Economische Zaken en Klimaat", "Infrastructuur en Waterstaat", "Justitie en Veiligheid",
    "Onderwijs, Cultuur en Wetenschap", "Sociale Zaken en Werkgelegenheid", "Defensie",
)
TOPICS = (
    "Ruslandstrategie", "Staat van de Volkshuisvesting", "Begroting", "Gaswinning",
    "Stikstof en natuur", "Europese Top", "Pensioenen", "Arbeidsmarkt", "Zorgverzekering",
    "Cybersecurity", "Sanctiebeleid", "Mestbeleid", "Huurbeleid", "Energietransitie",
    "Ontwikkelingssamenwerking", "Financiële markten", "Jeugdzorg", "Politie",
    "Onderwijsachterstanden", "Klimaatakkoord", "Asielbeleid", "NAVO-top",
)
KINDS = ("Notaoverleg", "Commissiedebat", "Algemeen overleg", "Wetgevingsoverleg")
MEMBERS_PER_TERM = 150
TERM_YEARS = 4
FIRST_YEAR = 1995


@dataclass(frozen=True)
class Speaker:
    surname: str
    party: str | None
    female: bool

    @property
    def label(self) -> str:
        title = "Mevrouw" if self.female else "De heer"
        return f"{title} {self.surname} ({self.party})"

    @property
    def reference(self) -> str:
        return f"{'mevrouw' if self.female else 'de heer'} {self.surname}"


@lru_cache(maxsize=64)
def _roster(term: int, seed: int) -> tuple[Speaker, ...]:
    """The members of one parliamentary term: most come back from the previous
    term, so a speaker's page spans several terms as real ones do."""
    rng = random.Random(f"roster:{seed}:{term}")
    parties = load_material().parties
    kept = list(_roster(term - 1, seed)) if term > 0 else []
    rng.shuffle(kept)
    kept = kept[: int(MEMBERS_PER_TERM * 0.6)]
    # A name once used belongs to one person for ever (no namesakes across terms).
    taken = {s.surname for t in range(term) for s in _roster(t, seed)}
    while len(kept) < MEMBERS_PER_TERM:
        name = rng.choice(SURNAMES)
        if name in taken:  # disambiguate as the Kamer does: with a first name or initial
            # a tussenvoegsel after a first name or initial is lower case: "Jan van Dijk"
            name = name[0].lower() + name[1:] if name.startswith(("Van ", "De ")) else name
            # (attendance lists disambiguate with a first name: "Pia Dijkstra")
            first = rng.choice(("Jan", "Anne", "Tjeerd", "Peter", "Pia", "Sophie", "Kees",
                                "Fleur", "Joost", "Lisa", "Bart", "Henk", "Marieke", "Sander"))
            name = f"{first} {name}"
            if name in taken:
                continue
        taken.add(name)
        kept.append(Speaker(name, rng.choice(parties), rng.random() < 0.45))
    return tuple(kept)


# --- writing ------------------------------------------------------------------------

def _syllable_break(word: str, i: int) -> bool:
    """Roughly where Dutch hyphenates: "verho-ging" (V|CV), "huur-verhoging" (VC|CV)."""
    v = "aeiouyë"
    a, b, c = word[i - 1], word[i], word[i + 1]
    return (a in v and b not in v and c in v) or (
        a not in v and b not in v and c in v and word[i - 2] in v)


def _wrap(text: str, rng: random.Random) -> list[str]:
    """Wrap like the PDF extraction: lines of at most LINE_WIDTH characters with a
    trailing space, and now and then a long word hyphenated across the break."""
    lines, current = [], ""
    for word in text.split():
        if len(current) + 1 + len(word) <= LINE_WIDTH or not current:
            current = f"{current} {word}" if current else word
            continue
        room = LINE_WIDTH - len(current) - 2
        if (len(word) >= 10 and room >= 4 and word.isalpha() and word.islower()
                and rng.random() < 0.35):
            cut = min(room, len(word) - 4)
            while cut > 3 and not _syllable_break(word, cut):
                cut -= 1
            lines.append(f"{current} {word[:cut]}-")
            current = word[cut:]
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return [line if line.endswith("-") else line + " " for line in lines]


class _Writer:
    def __init__(self, rng: random.Random, footer: str):
        self.rng = rng
        self.footer = footer
        self.parts: list[str] = []
        self.size = 0
        self.page = 1
        self.since_footer = 0

    def raw(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text.encode("utf-8"))

    def turn(self, label: str, paragraphs: Iterable[str]) -> None:
        if self.since_footer > 3500:
            self.page += 1
            self.raw(f"\n{self.footer} {self.page}\n\n\n")
            self.since_footer = 0
        lines = [f"{label}: "]
        for paragraph in paragraphs:
            lines.extend(_wrap(paragraph, self.rng))
        text = "\n".join(lines) + "\n\n"
        self.since_footer += len(text)
        self.raw(text)


def _number_words(n: int) -> str:
    words = ["nul", "een", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen",
             "tien", "elf", "twaalf", "dertien", "veertien", "vijftien", "zestien"]
    return words[n] if n < len(words) else str(n)


def _names_list(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " en " + names[-1]


def _sort_key(name: str) -> str:
    """Sort as the Kamer does: by surname without tussenvoegsel or first name."""
    words = [w for w in name.split() if w[:1].isupper()]
    return (words[-1] if words else name).lower()


def _meeting_date(index: int, n: int, seed: int) -> dt.date:
    """Spread n meetings over the years since 1995 (about three a working day at
    archive scale), in index order so later files are later meetings."""
    span_days = max(365, min(30 * 365, n // 2))
    start = dt.date(FIRST_YEAR, 1, 9)
    day = start + dt.timedelta(days=index * span_days // max(n, 1))
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def generate_transcript(index: int, n: int = 1, seed: int = 0,
                        target_bytes: int = TARGET_BYTES) -> tuple[str, dict[str, str]]:
    """Meeting number `index` of an archive of `n`: the transcript text and its
    metadata sidecar (id, title, date, committee, kind). Pure and deterministic."""
    mat = load_material()
    rng = random.Random(f"meeting:{seed}:{index}")
    date = _meeting_date(index, n, seed)
    term = (date.year - FIRST_YEAR) // TERM_YEARS
    roster = _roster(term, seed)
    ministry = rng.choice(MINISTRIES)
    members = rng.sample(roster, rng.randint(4, 10))
    chair = rng.choice([s for s in roster if s not in members])
    in_roster = {s.surname for s in roster}
    minister = Speaker(rng.choice([s for s in SURNAMES if s not in in_roster] or SURNAMES),
                       None, rng.random() < 0.4)
    dossier = f"{rng.randint(21, 36)} {rng.randint(100, 999)}"
    year = date.year if date.month >= 9 else date.year - 1
    footer = f"Tweede Kamer, vergaderjaar {year}–{year + 1}, {dossier}, nr. {rng.randint(1, 400)}"
    topic = rng.choice(TOPICS)
    title = f"{rng.choice(KINDS)} {topic}"
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    meta = {
        "id": f"{date.isoformat()}-{slug}-{index:05d}",  # unique, even for same-day namesakes
        "title": title,
        "date": date.isoformat(),
        "committee": f"vaste commissie voor {ministry}",
        "kind": "commissie",
    }
    w = _Writer(rng, footer)
    start_h = rng.choice((10, 13, 14, 16))
    w.raw(f" Voorzitter: {chair.surname} \nGriffier: {rng.choice(SURNAMES)} \n\n")
    present = sorted([*members, chair], key=lambda s: _sort_key(s.surname))  # chair included
    attendance = (f"Aanwezig zijn {_number_words(len(present))} leden der Kamer, te weten: "
                  f"{_names_list([s.surname for s in present])}, ")
    w.raw("\n".join(_wrap(attendance, rng)) + "\n\n")
    who = "mevrouw" if minister.female else "de heer"
    w.raw(f"en {who} {minister.surname}, Minister van {ministry}. \n\n")
    w.raw(f"Aanvang {start_h}.{rng.choice(('00', '01', '30', '02'))} uur. \n\n")
    w.turn("De voorzitter", [f"Goedemiddag. Ik open de vergadering van de vaste commissie voor "
                             f"{ministry} met de Minister van {ministry}. We houden vandaag een "
                             f"{meta['title'][0].lower()}{meta['title'][1:]}.",
                             *rng.sample(mat.chair, 2)])
    motion_no = rng.randint(1, 40)
    minister_label = f"Minister {minister.surname}"
    # First term: members speak, with interruptions; then the minister answers.
    budget = target_bytes * 0.93
    while w.size < budget:
        speaker = rng.choice(members)
        w.turn("De voorzitter", [f"Het woord is aan {speaker.reference} namens de "
                                 f"{speaker.party}."])
        w.turn(speaker.label, rng.sample(mat.member, rng.randint(3, 8)))
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            other = rng.choice([s for s in members if s != speaker])
            w.turn("De voorzitter", [f"Er is een vraag van {other.reference}."])
            w.turn(other.label, [rng.choice(mat.short)])
            w.turn(speaker.label, rng.sample(mat.member, rng.randint(1, 2)))
        if rng.random() < 0.35:
            w.turn(minister_label, rng.sample(mat.minister, rng.randint(2, 6)))
    # Second term: motions, then the verdicts and the closing.
    numbers = []
    for speaker in rng.sample(members, min(len(members), rng.randint(1, 4))):
        w.turn(speaker.label, [rng.choice(mat.short), "Ik heb de volgende motie."])
        considerations = rng.sample(mat.considerations, rng.randint(1, 3))
        body = ["Motie\n \n\nDe Kamer, \n\ngehoord de beraadslaging, \n"]
        body += ["\n".join(_wrap(c + ";", rng)) + "\n" for c in considerations]
        body.append("\n".join(_wrap(rng.choice(mat.requests) + ",", rng)))
        w.raw("\n".join(body) + "\n en gaat over tot de orde van de dag. \n\n")
        cosigners = [speaker.surname] + [s.surname for s in rng.sample(members, 1)
                                         if s != speaker]
        who = (f"de leden {_names_list(cosigners)}" if len(cosigners) > 1
               else f"het lid {speaker.surname}")
        w.turn("De voorzitter", [f"Deze motie is voorgesteld door {who}. Naar mij blijkt, "
                                 f"wordt de indiening ervan voldoende ondersteund.",
                                 f"Zij krijgt nr. {motion_no} ({dossier})."])
        numbers.append(motion_no)
        motion_no += 1
    verdicts = ("oordeel Kamer", "ontraden", "oordeel Kamer", "ontraden")
    w.turn(minister_label, [rng.choice(mat.minister)] + [
        f"De motie op stuk nr. {no}: {rng.choice(verdicts)}." for no in numbers])
    w.turn("De voorzitter", [rng.choice(mat.chair), "Ik dank u allen hartelijk."])
    w.raw(f"Sluiting {min(start_h + 4, 23)}.{rng.randint(10, 59)} uur.\n\n{footer} {w.page + 1}\n")
    return "".join(w.parts), meta


def transcript_name(index: int, seed: int = 0) -> str:
    """File stem of meeting `index`, in the seed's style (``00042_<16 hex>``)."""
    digest = hashlib.sha1(f"{seed}:{index}".encode()).hexdigest()[:16]
    return f"{index:05d}_{digest}"


def _write_one(args: tuple[int, int, int, str, int]) -> str:
    index, n, seed, out_dir, target = args
    text, meta = generate_transcript(index, n, seed, target)
    stem = Path(out_dir) / transcript_name(index, seed)
    stem.with_suffix(".txt").write_text(text, encoding="utf-8")
    sidecar = "".join(f"{key}: {value}\n" for key, value in meta.items())
    stem.with_name(stem.name + ".meta.yaml").write_text(sidecar, encoding="utf-8")
    return str(stem.with_suffix(".txt"))


def generate_archive(n: int, out_dir: Path, seed: int = 0, *, target_bytes: int = TARGET_BYTES,
                     jobs: int = 1) -> list[Path]:
    """Write `n` synthetic transcripts (``<stem>.txt`` + ``<stem>.meta.yaml``) into
    `out_dir`; return the transcript paths in order. Deterministic in (n, seed)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tasks = [(i, n, seed, str(out_dir), target_bytes) for i in range(n)]
    if jobs > 1 and n > 50:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(jobs) as pool:
            return [Path(p) for p in pool.map(_write_one, tasks, chunksize=16)]
    return [Path(_write_one(task)) for task in tasks]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of meetings")
    parser.add_argument("out_dir", type=Path, help="folder to write transcripts into")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bytes", type=int, default=TARGET_BYTES, help="size per transcript")
    parser.add_argument("-j", "--jobs", type=int, default=1)
    args = parser.parse_args(argv)
    paths = generate_archive(args.n, args.out_dir, args.seed, target_bytes=args.bytes,
                             jobs=args.jobs)
    total = sum(p.stat().st_size for p in paths)
    print(f"wrote {len(paths)} transcripts, {total / 1e6:.1f} MB, to {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
