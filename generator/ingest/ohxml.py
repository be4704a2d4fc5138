"""officielebekendmakingen Handelingen XML (``officiele-publicatie/handelingen/
agendapunt``) -> one meeting per agenda item.

The format names speakers only as printed (``<voorvoegsels>De heer</voorvoegsels>
<naam><achternaam>Wörsdörfer</achternaam></naam> (<politiek>VVD</politiek>)``),
states no date in the text and does not name the chair: the chair's turns keep
the label "De voorzitter:" with no person. The date is taken from the document's
metadata or, failing that, from a date in the file name; otherwise it stays
unknown (a metadata sidecar can add date and title).
A ``<tekst>`` between speeches is either a procedural line ("De vergadering wordt
… geschorst.") or the chair speaking on without a new label. Scraped copies that
were pretty-printed, lower-cased or double-encoded (mojibake) read the same.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field, replace

from generator.errors import Diagnostic, error, info, warning
from generator.ingest import ParseResult
from generator.ingest.encoding import repair_mojibake
from generator.ingest.verdicts import attach_verdicts
from generator.ingest.votes import attach_votes
from generator.ingest.xmlcommon import (
    XmlDoc,
    child,
    child_text,
    document_date,
    motion_id,
    norm,
    parse_motion_info,
    parse_suspension,
    parse_xml,
    split_motion,
    text_of,
)
from generator.model import Meeting, Motion, Person, Source, Suspension, Turn, TurnKind
from generator.slugs import slugify

CHAIR_LABEL = "De voorzitter:"
_PROCEDURAL = re.compile(
    r"^(De vergadering wordt .*(geschorst|gesloten|heropend)|De (algemene )?beraadslaging wordt"
    r"|\(Zie |Sluiting|.*wordt (conform|overeenkomstig) .*besloten|Daartoe wordt besloten)", re.I)
_MOTION_ID = re.compile(r"^M-(.+)-(\d+)$")
_AMENDED = re.compile(r"De (?:gewijzigde )?motie-([^()]+?)\s*\(")
IGNORED = {"nr", "item-titel", "onderwerp", "kop", "metadata"}


def parse_ohxml(text: str, file: str) -> ParseResult:
    """Read one Handelingen XML document into meetings (one per agendapunt)."""
    diags: list[Diagnostic] = []
    text, repairs = repair_mojibake(text, file)  # already done when read from a file
    diags.extend(repairs)
    doc, parse_diags = parse_xml(text, file)
    diags.extend(parse_diags)
    if doc is None:
        return ParseResult((), tuple(diags))
    items = list(doc.root.iter("agendapunt"))
    if not items:
        diags.append(error("Handelingen XML without <agendapunt>", file, doc.line(doc.root),
                           hint="expected officiele-publicatie/handelingen/agendapunt"))
        return ParseResult((), tuple(diags))
    meetings = [_Item(doc, file, ap, diags).meeting(len(items) > 1) for ap in items]
    return ParseResult(tuple(m for m in meetings if m is not None), tuple(diags))


def _paragraphs(container: ET.Element) -> list[str]:
    """Paragraphs of a ``tekst``/``al-groep``: one per ``al`` (list items too),
    motions left out (they become `Motion` records)."""
    out: list[str] = []
    for elem in container:
        if elem.tag in ("motie", "spreker", "li.nr", "kop"):
            continue
        if elem.tag in ("al-groep", "lijst", "li", "tekst"):
            out.extend(_paragraphs(elem))
        elif text := text_of(elem):  # <al>, and any other element with text: kept
            out.append(text)
    return out


@dataclass
class _Item:
    doc: XmlDoc
    file: str
    ap: ET.Element
    diags: list[Diagnostic]
    turns: list[Turn] = field(default_factory=list)
    motions: list[Motion] = field(default_factory=list)
    suspensions: list[Suspension] = field(default_factory=list)
    people: dict[str, Person] = field(default_factory=dict)  # key -> person

    def meeting(self, several: bool) -> Meeting | None:
        for elem in self.ap:
            if elem.tag == "spreekbeurt":
                self._read_speech(elem)
            elif elem.tag == "tekst":
                self._read_bare(elem)
            elif elem.tag not in IGNORED:
                self.diags.append(warning(f"unknown element <{elem.tag}> in agendapunt: ignored",
                                          self.file, self.doc.line(elem)))
        title = child_text(self.ap, "item-titel") or None
        if not self.turns:
            self.diags.append(warning("agenda item without speech", self.file,
                                      self.doc.line(self.ap), title or ""))
        # Co-signers may speak only after their motion: resolve names at the end.
        by_name = {p.name: p.id for p in self.people.values() if p.role == "lid"}
        resolved = tuple(replace(m, submitter_ids=tuple(by_name.get(n) for n in m.submitters))
                         for m in self.motions)
        # Votes first: the stubs of voted motions keep the verdict finder from taking
        # "In stemming komt de motie-X (…, nr. 721)" for another motion.
        motions, diags = attach_votes(resolved, tuple(self.turns), self.file)
        self.diags.extend(diags)
        motions, diags = attach_verdicts(motions, tuple(self.turns), None, self.file)
        self.diags.extend(diags)
        stem = self.file.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        number = child_text(self.ap, "nr")
        date, where = document_date(self.doc.root, self.ap, self.file)
        if date:
            self.diags.append(info(f"meeting date {date} taken from {where}", self.file,
                                   self.doc.line(self.ap),
                                   hint="a .meta.yaml sidecar with 'date:' overrides it"))
        meeting_id = (f"{date}-{slugify(title)}" if date and title
                      else slugify(stem + (f"-{number}" if several else "")))
        dossiers = Counter(m.dossier for m in motions if m.dossier)
        return Meeting(
            id=meeting_id, title=title, date=date, body="Tweede Kamer", kind="plenair",
            committee=None, dossier=_spaced(dossiers.most_common(1)[0][0]) if dossiers else None,
            chair=None, clerk=None, start=None, end=None,
            people=tuple(self.people.values()), present=(), turns=tuple(self.turns),
            motions=motions, suspensions=tuple(self.suspensions),
            source=Source(self.file, self.doc.line(self.ap)),
        )

    # --- speakers ----------------------------------------------------------------

    def _speaker(self, spreker: ET.Element | None) -> tuple[str | None, str]:
        """(person id or None for the chair, label as printed)."""
        if spreker is None:
            return None, ""
        # parts joined with a space: "<voorvoegsels>De heer</voorvoegsels><naam>…"
        label = norm(" ".join(spreker.itertext()))
        title = child_text(spreker, "voorvoegsels")
        name = child_text(child(spreker, "naam"), "achternaam") or text_of(child(spreker, "naam"))
        if name.lower() == "voorzitter" or not name:
            return None, label
        party = child_text(spreker, "politiek") or None
        role = "lid" if party or title.lower() in ("de heer", "mevrouw") else title
        key = f"{role}|{name}|{party}"
        if key not in self.people:
            pid = slugify(name, "spreker")
            taken = {p.id for p in self.people.values()}
            if pid in taken:
                pid = slugify(f"{name} {party or role}")
            self.people[key] = Person(pid, name, party, role)
        return self.people[key].id, label

    # --- turns -------------------------------------------------------------------

    def _add_turn(self, speaker: str | None, label: str, paragraphs: list[str],
                  elem: ET.Element, kind: TurnKind = TurnKind.SPEECH) -> Turn:
        turn = Turn(f"t{len(self.turns) + 1:04d}", speaker, label, tuple(paragraphs),
                    Source(self.file, self.doc.line(elem)), kind)
        self.turns.append(turn)
        return turn

    def _read_speech(self, speech: ET.Element) -> None:
        pid, label = self._speaker(child(speech, "spreker"))
        tekst = child(speech, "tekst")
        if tekst is None:
            self.diags.append(warning("speech without text", self.file, self.doc.line(speech),
                                      label))
            return
        turn = self._add_turn(pid, label, _paragraphs(tekst), speech)
        for motie in tekst.iter("motie"):
            self._read_motion(motie, turn)

    def _read_bare(self, tekst: ET.Element) -> None:
        """A ``tekst`` outside any speech: procedural, or the chair speaking on."""
        for paragraph in _paragraphs(tekst):
            if _PROCEDURAL.match(paragraph):
                turn = self._add_turn(None, "", [paragraph], tekst, TurnKind.PROCEDURAL)
                times = parse_suspension(paragraph)
                if times:
                    self.suspensions.append(Suspension(*times, turn.id, turn.source))
                continue
            last = self.turns[-1] if self.turns else None
            if last is not None and last.kind == TurnKind.SPEECH and last.speaker is None \
                    and last.label.lower().startswith("de voorzitter"):
                self.turns[-1] = replace(last, paragraphs=last.paragraphs + (paragraph,))
            else:
                self._add_turn(None, "", [paragraph], tekst)

    def _read_motion(self, motie: ET.Element, turn: Turn) -> None:
        body = [t for al in motie if al.tag == "al" and (t := text_of(al))]
        motie_info = child(motie, "motie-info")
        info_paragraphs = _paragraphs(motie_info) if motie_info is not None else []
        # An amended motion has no motie-info: the chair's lines follow in the turn.
        details = parse_motion_info(" ".join(info_paragraphs or turn.paragraphs))
        number, dossier = details.number, details.dossier
        m = _MOTION_ID.match(motie.get("id", ""))
        if m:
            dossier, number = dossier or m.group(1), number or m.group(2)
        submitters = details.submitters
        if not submitters:
            amended = next((a for p in turn.paragraphs if (a := _AMENDED.search(p))), None)
            if amended:
                submitters = tuple(n.strip() for n in amended.group(1).split("/"))
        line = self.doc.line(motie)
        if not number:
            self.diags.append(warning("motion without a number", self.file, line))
        considerations, requests = split_motion(body)
        title = child_text(child(motie, "kop"), "titel")
        self.motions.append(Motion(
            id=motion_id(dossier, number, f"motie-{len(self.motions) + 1}"),
            number=number, dossier=dossier, submitters=submitters,
            submitter_ids=tuple(None for _ in submitters),
            text="\n\n".join(body), considerations=considerations, requests=requests,
            turn=turn.id, source=Source(self.file, line), replaces=details.replaces,
            title=title if title and title.lower() != "motie" else None,
        ))
        if motie_info is not None and info_paragraphs:
            _pid, label = self._speaker(child(motie_info, "spreker"))
            self._add_turn(None, label or CHAIR_LABEL, info_paragraphs, motie_info)


def _spaced(number: str) -> str:
    m = re.match(r"^(\d{2})(\d{3})(-.*)?$", number)
    return f"{m.group(1)} {m.group(2)}{m.group(3) or ''}" if m else norm(number)
