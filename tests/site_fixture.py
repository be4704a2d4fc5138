"""A small Meeting built by hand from real text of the seed transcript
(Kamerstuk 35 373 nr. 19), for site tests that must not depend on the parser,
and a hostile variant whose every string tries to break out."""

from __future__ import annotations

import posixpath
import shutil
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from generator.model import (
    Commitment,
    Meeting,
    Motion,
    Person,
    Section,
    Source,
    Suspension,
    Turn,
    TurnKind,
    Verdict,
    VerdictKind,
)

FILE = "transcripts/000_80043238be0c1716.txt"

PEOPLE = (
    Person("pia-dijkstra", "Pia Dijkstra", "D66", "voorzitter"),
    Person("bosman", "Bosman", "VVD", "lid"),
    Person("ploumen", "Ploumen", "PvdA", "lid"),
    Person("karabulut", "Karabulut", "SP", "lid"),
    Person("van-den-nieuwenhuijzen", "Van den Nieuwenhuijzen", "GroenLinks", "lid"),
    Person("blok", "Blok", None, "Minister van Buitenlandse Zaken"),
)

BOSMAN_SPEECH = (
    "Voorzitter, dank u wel. Vandaag vervang ik collega Koopmans, die wegens ziekte "
    "thuiszit, maar dit debat zeker zal volgen.",
    "Voorzitter. Ten aanzien van Rusland is de VVD voorstander van een beleid van druk en "
    "selectieve samenwerking. Er is veel reden om met Europese partners druk op Rusland te "
    "houden. De relatie met Rusland was al lange tijd moeilijk, onder meer door de vele "
    "conflicten en frozen conflicts die Rusland onderhoudt in en met voormalige "
    "Sovjetstaten. Ik noem daarbij onder meer de al dan niet verkapte bezetting van delen "
    "van Moldavië en Georgië en de oneigenlijke druk op de Baltische staten.",
    "De relatie met Rusland is sinds de annexatie van de Krim in 2013 en het neerhalen van "
    "MH17 in 2014 nog veel verder verslechterd. Rusland ondermijnt nu nog steeds het "
    "MH17-onderzoek en weigert samen te werken met justitie, en dat is onaanvaardbaar. "
    "Vandaag gaat de MH17-zitting verder. Ik hoop op een snelle afronding van dat "
    "onderzoek. Rusland keert zich de laatste jaren steeds verder af van de internationale "
    "rechtsorde. Moskou stookt oorlog in het Midden-Oosten, steunt buitenlandse dictators, "
    "zaait verdeeldheid in democratieën, wil de NAVO en de EU verzwakken, heeft een "
    "agressief spionageprogramma en pleegt moordaanslagen, zelfs in het Verenigd Koninkrijk "
    "en Duitsland. Moskou heeft fors geïnvesteerd in militaire capaciteit.",
)


def _turn(n: int, speaker: str | None, label: str, *paragraphs: str,
          kind: TurnKind = TurnKind.SPEECH) -> Turn:
    return Turn(f"t{n:04d}", speaker, label, tuple(paragraphs), Source(FILE, 10 + n * 5), kind)


def seed_meeting() -> Meeting:
    turns = (
        _turn(1, "pia-dijkstra", "De voorzitter:",
              "Goedemiddag. Ik open de vergadering van de vaste commissie voor Buitenlandse "
              "Zaken met de Minister van Buitenlandse Zaken.",
              "Het woord is aan de heer Bosman namens de VVD. Acht minuten spreektijd in "
              "eerste termijn."),
        _turn(2, "bosman", "De heer Bosman (VVD):", *BOSMAN_SPEECH),
        _turn(3, "pia-dijkstra", "De voorzitter:", "Er is een vraag voor u van mevrouw Ploumen."),
        _turn(4, "ploumen", "Mevrouw Ploumen (PvdA):",
              "Ik zou het zelf willen kwalificeren als een informatieve vraag. Ik vroeg me af "
              "wat hij daar precies mee bedoelt."),
        _turn(5, "bosman", "De heer Bosman (VVD):",
              "Nee, unilaterale ontwapening. Eenzijdig ontwapenen is onverstandig."),
        _turn(6, "ploumen", "Mevrouw Ploumen (PvdA):",
              "Ah! Maar dan is het des te spijtiger dat de VVD tegen een motie heeft gestemd."),
        _turn(7, None, "", "De vergadering wordt van 14.59 uur tot 15.11 uur geschorst.",
              kind=TurnKind.PROCEDURAL),
        _turn(8, "pia-dijkstra", "De voorzitter:",
              "Dank u wel. Dan is het woord aan de heer Van den Nieuwenhuijzen namens "
              "GroenLinks."),
        _turn(9, "van-den-nieuwenhuijzen", "De heer Van den Nieuwenhuijzen (GroenLinks):",
              "Dank u wel, voorzitter, en ook dank aan de Minister voor zijn antwoorden.",
              "Om deze Minister aan te sporen om een nadrukkelijkere geopolitieke positie in te "
              "nemen dienen collega Sjoerdsma, Voordewind en ikzelf de volgende motie in."),
        _turn(10, "pia-dijkstra", "De voorzitter:",
              "Dan geef ik het woord aan de Minister."),
        _turn(11, "blok", "Minister Blok:",
              "De motie op stuk nr. 4 van de heer Van den Nieuwenhuijzen moet ik ontraden."),
        _turn(12, "pia-dijkstra", "De voorzitter:",
              "Dan dank ik de Minister en de collega’s. De Minister heeft nog een tweetal "
              "toezeggingen gedaan."),
    )
    motion = Motion(
        id="35373-4", number="4", dossier="35 373",
        submitters=("Van den Nieuwenhuijzen", "Sjoerdsma", "Voordewind"),
        submitter_ids=("van-den-nieuwenhuijzen", None, None),
        text="De Kamer, gehoord de beraadslaging, verzoekt de regering zich uit te spreken "
             "tegen Nord Stream 2, en gaat over tot de orde van de dag.",
        considerations=("constaterende dat vorig jaar overeenstemming is bereikt over een "
                        "nieuwe gasrichtlijn;",),
        requests=("verzoekt de regering zich uit te spreken tegen Nord Stream 2,",),
        turn="t0009", source=Source(FILE, 2756),
        verdict=Verdict(VerdictKind.ONTRADEN, "t0011", "moet ik ontraden", Source(FILE, 3300)),
        title="Motie van het lid Van den Nieuwenhuijzen c.s. over Nord Stream 2",
    )
    return Meeting(
        id="000_80043238be0c1716", title="Notaoverleg Ruslandstrategie", date="2020-09-28",
        body="Tweede Kamer", kind="commissie",
        committee="vaste commissie voor Buitenlandse Zaken", dossier="35 373",
        chair="pia-dijkstra", clerk="Meijers", start="13:30", end="17:18", people=PEOPLE,
        present=tuple(p.id for p in PEOPLE), turns=turns, motions=(motion,),
        commitments=(Commitment(
            "Hij informeert de Kamer over het conflict in Nagorno-Karabach zodra daarover meer "
            "informatie beschikbaar is.", "t0012", Source(FILE, 3640)),),
        suspensions=(Suspension("14:59", "15:11", "t0007", Source(FILE, 1674)),),
        sections=(Section("Eerste termijn van de Kamer", "t0001"),
                  Section("Tweede termijn van de Kamer", "t0008")),
        source=Source(FILE, 1),
    )


EVIL = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


def hostile_meeting() -> Meeting:
    """Every string a transcript controls carries markup, quotes or ../."""
    base = seed_meeting()
    people = tuple(replace(p, id=f"../../{p.id}{EVIL}", name=p.name + EVIL,
                           party=(p.party or "X") + EVIL) for p in base.people)
    ids = {p.id: f"../../{p.id}{EVIL}" for p in base.people}
    turns = tuple(replace(t, id=f"{t.id}{EVIL}", speaker=ids.get(t.speaker or ""),
                          label=t.label + EVIL, paragraphs=tuple(p + EVIL for p in t.paragraphs))
                  for t in base.turns)
    tid = {t.id: f"{t.id}{EVIL}" for t in base.turns}
    motion = base.motions[0]
    verdict = replace(motion.verdict, turn=tid[motion.verdict.turn], quote=EVIL)
    motion = replace(motion, id="../../../etc/passwd" + EVIL, number="../4" + EVIL,
                     dossier="</script>" + EVIL, submitters=tuple(s + EVIL
                                                                   for s in motion.submitters),
                     submitter_ids=(ids["van-den-nieuwenhuijzen"], None, None),
                     text=motion.text + "</script>" + EVIL, turn=tid[motion.turn],
                     considerations=(EVIL,), requests=(EVIL,), verdict=verdict,
                     title="</script><script>alert(3)</script>" + EVIL)
    return replace(
        base, id="../../../../tmp/evil" + EVIL, title="</title><script>alert(4)</script>" + EVIL,
        committee=EVIL, dossier=EVIL, chair=ids["pia-dijkstra"], clerk=EVIL, people=people,
        present=tuple(ids.values()), turns=turns, motions=(motion,),
        commitments=(Commitment(EVIL, tid["t0012"], Source(FILE, 1)),),
        sections=tuple(replace(s, title=s.title + EVIL, turn=tid[s.turn]) for s in base.sections),
    )


# -- building and reading a site ---------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


def copy_project(dest):
    """A copy of the example project (transcripts, templates, static, settings)."""
    for name in ("transcripts", "templates", "static"):
        shutil.copytree(ROOT / name, dest / name)
    shutil.copy(ROOT / "plenum.toml", dest / "plenum.toml")
    return dest


SEED_TRANSCRIPT = "000_80043238be0c1716"


def seed_transcripts(root):
    """`root`/transcripts/ holding the example transcript, its sidecar and the
    folder's README (a file the import must skip)."""
    (root / "transcripts").mkdir()
    for name in (f"{SEED_TRANSCRIPT}.txt", f"{SEED_TRANSCRIPT}.meta.yaml", "README.md"):
        shutil.copy(ROOT / "transcripts" / name, root / "transcripts" / name)
    return root


def shared_alias_project(root):
    """`root` holding the example transcript and its sidecar, and a
    ``content/people.yaml`` in which two people share the alias of one of its
    speakers ("De heer Bosman (VVD):"): an ambiguous speaker."""
    (root / "transcripts").mkdir()
    (root / "content").mkdir()
    for name in (f"{SEED_TRANSCRIPT}.txt", f"{SEED_TRANSCRIPT}.meta.yaml"):
        shutil.copy(ROOT / "transcripts" / name, root / "transcripts" / name)
    shared = "\n".join(f'{pid}:\n  name: Bosman\n  aliases: ["De heer Bosman (VVD):"]\n'
                       for pid in ("bosman", "bosman-2"))
    (root / "content" / "people.yaml").write_text(shared, encoding="utf-8")
    return root


def build_project(root):
    """Import (when the content stage exists) and build `root`; the diagnostics."""
    from generator.config import load_project
    from generator.sitebuild import build_site

    project = load_project(root)
    try:
        from generator.importer import import_transcripts
    except ImportError:
        pass
    else:
        import_transcripts(project, force=False)
    return build_site(project, verbose=False, clean=True, jobs=1)


def build_meetings(meetings, out):
    """Render hand-made meetings with the project's templates into `out`."""
    from generator.config import load_project
    from generator.sitebuild import write_site

    out.mkdir(parents=True, exist_ok=True)
    return write_site(load_project(ROOT), meetings, out)


class PageLinks(HTMLParser):
    """The ids, hrefs and srcs of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        for key in ("href", "src"):
            if attrs.get(key) is not None:
                self.links.append(attrs[key])
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def read_page(path):
    parser = PageLinks()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def is_external(link: str) -> bool:
    return link.startswith(("http://", "https://", "mailto:", "//", "data:"))


def resolve(site, page, link):
    """(file, fragment) a relative link on `page` points at, or None if external."""
    if is_external(link):
        return None
    parts = urlsplit(link)
    rel_page = page.relative_to(site).as_posix()
    target = rel_page if not parts.path else posixpath.normpath(
        posixpath.join(posixpath.dirname(rel_page), unquote(parts.path)))
    return target, unquote(parts.fragment)


def crawl(site, start="index.html"):
    """Every site-relative page (and fragment) reachable by links from `start`."""
    pages: dict[str, PageLinks] = {}
    reached: set[tuple[str, str]] = set()
    todo = [start]
    while todo:
        rel = todo.pop()
        if rel in pages or not rel.endswith(".html") or not (site / rel).is_file():
            continue
        pages[rel] = read_page(site / rel)
        for link in pages[rel].links:
            hit = resolve(site, site / rel, link)
            if hit:
                reached.add(hit)
                todo.append(hit[0])
    return pages, reached
