"""Tweede Kamer open-data "vergaderverslag" XML (VLOS,
``http://www.tweedekamer.nl/ggm/vergaderverslag/v1.0``) -> meetings.

A VLOS file is a whole sitting: a plenary day with several agenda items
(``activiteit``), or one committee meeting. Each agenda item with speech becomes
one `Meeting` (id ``<date>-<slug(item title)>``); items without speech (opening,
announcements, closing) are folded into the next item with speech, or the
previous one at the end of the day. All meetings of one file share date, body,
source file and the day's chair history (docs/formats.md).

Speakers are identified by the XML's own ``spreker objectid`` and described by
its ``voornaam``/``verslagnaam``/``fractie``/``functie``: two people called Rutte
stay two people. The chair is whoever speaks with ``isvoorzitter=true``; a
"Wisseling voorzitter" fragment hands over the chair.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace

from generator.errors import Diagnostic, error, warning
from generator.ingest import ParseResult
from generator.ingest.verdicts import attach_verdicts
from generator.ingest.votes import attach_votes
from generator.ingest.xmlcommon import (
    XmlDoc,
    child,
    child_text,
    motion_id,
    norm,
    parse_motion_info,
    parse_suspension,
    parse_xml,
    split_motion,
    text_of,
)
from generator.model import Meeting, Motion, Person, Section, Source, Suspension, Turn, TurnKind
from generator.slugs import slugify

SPEECH = {"woordvoerder", "interrumpant"}
# Elements of a speech or fragment that carry metadata, not text.
META = {"spreker", "sprekers", "markeertijdbegin", "markeertijdeind", "isvoorzitter",
        "isdraad", "zaken", "titel", "onderwerp"}
_CLERK = re.compile(r"Griffier: (.+?)$")
_PARTICLE = re.compile(r"^(Van|De|Den|Der|Ter|Ten|Te|Het|In|Op|Uit|Von|Le|La|D')\b")


def parse_vlos(text: str, file: str) -> ParseResult:
    """Read one VLOS document into meetings (one per agenda item with speech)."""
    doc, diags = parse_xml(text, file)
    if doc is None:
        return ParseResult((), tuple(diags))
    root = doc.root
    sitting = root if root.tag == "vergadering" else child(root, "vergadering")
    if sitting is None:
        diags.append(error("VLOS document has no <vergadering> element", file, doc.line(root),
                           hint="is this a vergaderverslag from the Tweede Kamer open data?"))
        return ParseResult((), tuple(diags))
    day = _Day(doc, file, sitting, diags)
    meetings = day.read()
    return ParseResult(tuple(meetings), tuple(diags))


def full_name(spreker: ET.Element) -> str:
    """The fullest name the XML gives: first name + surname as printed
    (``Mark Rutte``, ``Sybrand van Haersma Buma``, ``Tony van Dijck``)."""
    first = child_text(spreker, "voornaam")
    printed = child_text(spreker, "verslagnaam") or child_text(spreker, "achternaam")
    if not first or printed == first or printed.startswith(first + " "):
        return printed or first  # "Jan Vos", "Mei Li Vos": the first name is printed
    printed = _PARTICLE.sub(lambda m: m.group(1).lower(), printed)
    return f"{first} {printed}"


def _role(spreker: ET.Element) -> str:
    soort = (spreker.get("soort") or "").lower()
    if "kamerlid" in soort or not soort:
        return "lid"
    office = child_text(spreker, "functie")
    return (office[:1].upper() + office[1:]) if office else soort


def _hhmm(stamp: str) -> str | None:
    m = re.search(r"T(\d{2}):(\d{2})", stamp or "")
    return f"{m.group(1)}:{m.group(2)}" if m else None


@dataclass
class _Item:
    """One meeting in the making."""

    activities: list[ET.Element]
    turns: list[Turn] = field(default_factory=list)
    motions: list[Motion] = field(default_factory=list)
    suspensions: list[Suspension] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    speakers: set[str] = field(default_factory=set)
    chairs: list[str] = field(default_factory=list)
    clerk: str | None = None
    pending_sections: list[str] = field(default_factory=list)


class _Day:
    """Reads one sitting in document order, carrying the chair in office."""

    def __init__(self, doc: XmlDoc, file: str, sitting: ET.Element, diags: list[Diagnostic]):
        self.doc, self.file, self.sitting, self.diags = doc, file, sitting, diags
        self.people: dict[str, Person] = {}  # objectid -> person
        self.by_name: dict[str, str] = {}  # verslagnaam -> objectid (ambiguous: "")
        self.chair: str | None = None
        self._register_people()
        # The attendance list ("Aanwezig zijn …") of the opening holds for the day.
        self.present = list(dict.fromkeys(
            pid for part in sitting.iter("activiteithoofd")
            for s in _children(child(part, "sprekers")) if (pid := self.person_id(s))))

    # --- people ------------------------------------------------------------------

    def _register_people(self) -> None:
        used: dict[str, str] = {}
        for spreker in self.sitting.iter("spreker"):
            oid = spreker.get("objectid") or full_name(spreker)
            if oid in self.people:
                continue
            name = full_name(spreker)
            pid = slugify(name, "spreker")
            if used.get(pid, oid) != oid:  # same name, different person
                party = child_text(spreker, "fractie")
                pid = slugify(f"{name} {party or oid[:8]}")
            used[pid] = oid
            self.people[oid] = Person(pid, name, child_text(spreker, "fractie") or None,
                                      _role(spreker))
            printed = child_text(spreker, "verslagnaam")
            self.by_name[printed] = "" if self.by_name.get(printed, oid) != oid else oid

    def person_id(self, spreker: ET.Element | None) -> str | None:
        if spreker is None:
            return None
        person = self.people.get(spreker.get("objectid") or full_name(spreker))
        return person.id if person else None

    def id_for_name(self, name: str) -> str | None:
        oid = self.by_name.get(name)
        return self.people[oid].id if oid else None

    # --- the day -----------------------------------------------------------------

    def read(self) -> list[Meeting]:
        items = self._group()
        meetings: list[Meeting] = []
        seen: set[str] = set()
        for item in items:
            for activity in item.activities:
                self._read_activity(item, activity)
            if not item.turns:
                continue
            meeting = self._meeting(item)
            base, n = meeting.id, 2
            while meeting.id in seen:
                meeting = replace(meeting, id=f"{base}-{n}")
                n += 1
            seen.add(meeting.id)
            meetings.append(meeting)
        if not meetings:
            self.diags.append(warning("VLOS document holds no speech", self.file,
                                      self.doc.line(self.sitting)))
        return meetings

    def _group(self) -> list[_Item]:
        """One item per activity with speech; the others join the next one (or the
        last one, at the end of the day)."""
        activities = [a for a in self.sitting if a.tag == "activiteit"]
        items: list[_Item] = []
        pending: list[ET.Element] = []
        for activity in activities:
            pending.append(activity)
            if any(e.tag in SPEECH for e in activity.iter()):
                items.append(_Item(pending))
                pending = []
        if pending:
            if items:
                items[-1].activities.extend(pending)
            else:
                items.append(_Item(pending))
        return items

    def _read_activity(self, item: _Item, activity: ET.Element) -> None:
        title = child_text(activity, "titel")
        if title and len(item.activities) > 1:
            item.pending_sections.append(title)
        for elem in activity:
            if elem.tag == "activiteithoofd":
                self._read_part(item, elem)
            elif elem.tag == "draadboekfragment":
                self._read_fragment(item, elem, None)
            elif elem.tag == "tekst":
                self._read_intro(item, elem)

    def _read_part(self, item: _Item, part: ET.Element) -> None:
        """An ``activiteithoofd`` (a "termijn", or the opening with attendance)."""
        title = child_text(part, "titel")
        if title.lower().startswith("termijn"):
            item.pending_sections.append(title)
        for elem in part:
            if elem.tag == "tekst":
                self._read_intro(item, elem)
        self._walk(item, part)

    def _walk(self, item: _Item, elem: ET.Element) -> None:
        for c in elem:
            if c.tag in SPEECH:
                self._read_speech(item, c)
            elif c.tag == "draadboekfragment":
                self._read_fragment(item, c, None)
            elif c.tag in ("activiteitdeel", "activiteititem"):
                self._walk(item, c)

    def _read_intro(self, item: _Item, tekst: ET.Element) -> None:
        """Header text of a part: the committee's header block (chair, clerk,
        attendance, start) is metadata; it is kept as a procedural turn too."""
        paragraphs = _paragraphs(tekst)
        titles = {child_text(a, "titel") for a in item.activities}
        while paragraphs and paragraphs[0] in titles:  # the item title, repeated
            paragraphs.pop(0)
        for p in paragraphs:
            m = _CLERK.search(p)
            if m:
                item.clerk = m.group(1).strip()
        if paragraphs:
            self._add_turn(item, None, "", paragraphs, tekst, TurnKind.PROCEDURAL)

    def _read_speech(self, item: _Item, speech: ET.Element) -> None:
        spreker = child(speech, "spreker")
        pid = self.person_id(spreker)
        is_chair = child_text(speech, "isvoorzitter").lower() == "true"
        if is_chair and pid:
            self.chair = pid
            if pid not in item.chairs:
                item.chairs.append(pid)
        tekst = child(speech, "tekst")
        label, paragraphs = _label_and_paragraphs(tekst)
        if not label:
            label = "De voorzitter:" if is_chair else _label_for(spreker)
        if pid is None:
            self.diags.append(warning("speech without an identified speaker", self.file,
                                      self.doc.line(speech), label))
        else:
            item.speakers.add(pid)
        turn = self._add_turn(item, pid, label, paragraphs, speech, TurnKind.SPEECH)
        for c in speech:
            if c.tag == "draadboekfragment":
                self._read_fragment(item, c, turn)
            elif c.tag in SPEECH:
                self._read_speech(item, c)
            elif c.tag not in META and c.tag != "tekst":
                self.diags.append(warning(f"unknown element <{c.tag}> in a speech: ignored",
                                          self.file, self.doc.line(c)))

    def _read_fragment(self, item: _Item, frag: ET.Element, turn: Turn | None) -> None:
        kind = (frag.get("soort") or "").lower()
        tekst = child(frag, "tekst")
        if kind in ("voorzitter selectie", "wisseling voorzitter"):
            chosen = [self.person_id(s) for s in frag.iter("spreker")]
            if chosen and chosen[0]:
                self.chair = chosen[0]
        if kind == "motie indiening":
            self._read_motion(item, frag, turn)
            return
        if tekst is None:
            return
        label, paragraphs = _label_and_paragraphs(tekst)
        if not paragraphs:
            return
        if label.lower().startswith("de voorzitter"):
            self._add_turn(item, self.chair, label, paragraphs, frag, TurnKind.SPEECH)
            if self.chair:
                item.speakers.add(self.chair)
            return
        added = self._add_turn(item, None, "", paragraphs, frag, TurnKind.PROCEDURAL)
        for p in paragraphs:
            times = parse_suspension(p)
            if times and kind in ("schorsing", ""):
                item.suspensions.append(Suspension(*times, added.id, added.source))

    def _read_motion(self, item: _Item, frag: ET.Element, turn: Turn | None) -> None:
        tekst = child(frag, "tekst")
        groups = {g.get("type", "").lower(): g for g in (tekst if tekst is not None else [])
                  if g.tag == "alineagroep"}
        body = _paragraphs(groups["motietekst"]) if "motietekst" in groups else []
        info_label, info = _label_and_paragraphs(groups.get("motieinfo"))
        details = parse_motion_info(" ".join(info))
        zaak = child(child(frag, "zaken"), "zaak")
        number = child_text(zaak, "stuknummer") or details.number
        dossier = child_text(zaak, "dossiernummer") or details.dossier
        line = self.doc.line(frag)
        if not body:
            self.diags.append(warning("motion fragment without motion text", self.file, line))
        if not number:
            self.diags.append(warning("motion without a number", self.file, line,
                                      " ".join(info)[:200]))
        cosigners = _children(child(zaak, "sprekers"))
        ids_by_name = {child_text(s, "verslagnaam"): self.person_id(s) for s in cosigners}
        considerations, requests = split_motion(body)
        title = child_text(zaak, "onderwerp") or child_text(zaak, "titel") or None
        motion = Motion(
            id=motion_id(dossier, number, f"motie-{len(item.motions) + 1}"),
            number=number, dossier=dossier, submitters=details.submitters,
            submitter_ids=tuple(ids_by_name.get(n) or self.id_for_name(n)
                                for n in details.submitters),
            text="\n\n".join(body), considerations=considerations, requests=requests,
            turn=turn.id if turn else None, source=Source(self.file, line),
            replaces=details.replaces, title=title,
        )
        item.motions.append(motion)
        if info:
            self._add_turn(item, self.chair, info_label or "De voorzitter:", info, frag,
                           TurnKind.SPEECH)
            if self.chair:
                item.speakers.add(self.chair)

    def _add_turn(self, item: _Item, speaker: str | None, label: str, paragraphs: list[str],
                  elem: ET.Element, kind: TurnKind) -> Turn:
        turn = Turn(f"t{len(item.turns) + 1:04d}", speaker, label, tuple(paragraphs),
                    Source(self.file, self.doc.line(elem)), kind)
        item.turns.append(turn)
        item.sections.extend(Section(title, turn.id) for title in item.pending_sections)
        item.pending_sections.clear()
        return turn

    # --- the meeting -------------------------------------------------------------

    def _meeting(self, item: _Item) -> Meeting:
        main = next((a for a in item.activities if any(e.tag in SPEECH for e in a.iter())),
                    item.activities[0])
        date = child_text(self.sitting, "datum")[:10] or None
        title = child_text(main, "titel") or child_text(self.sitting, "titel") or None
        committee_kind = (self.sitting.get("soort") or "").lower().startswith("commissie")
        committee = child_text(child(child(self.sitting, "commissies"), "commissie"),
                               "verslagnaam") or None
        people_ids = set(item.speakers) | set(self.present) | set(item.chairs)
        people = []
        for person in self.people.values():
            if person.id in people_ids and person.id not in {p.id for p in people}:
                role = "voorzitter" if person.id in item.chairs else person.role
                people.append(replace(person, role=role))
        # Votes first (as in ohxml.py): stubs of voted motions exist before verdicts.
        motions, diags = attach_votes(tuple(item.motions), tuple(item.turns), self.file)
        self.diags.extend(diags)
        motions, diags = attach_verdicts(motions, tuple(item.turns),
                                         item.chairs[0] if item.chairs else None, self.file)
        self.diags.extend(diags)
        dossiers = [child_text(z, "dossiernummer") for z in main.iter("zaak")]
        meeting_id = f"{date}-{slugify(title)}" if date and title else slugify(
            self.file.rsplit("/", 1)[-1].rsplit(".", 1)[0])
        return Meeting(
            id=meeting_id, title=title, date=date,
            body=self.sitting.get("kamer") or "Tweede Kamer",
            kind="commissie" if committee_kind else "plenair",
            committee=committee if committee_kind else None,
            dossier=_spaced_dossier(dossiers[0]) if dossiers and dossiers[0] else None,
            chair=item.chairs[0] if item.chairs else None, clerk=item.clerk,
            start=_hhmm(child_text(main, "aanvangstijd")),
            end=_hhmm(child_text(main, "eindtijd")),
            people=tuple(people), present=tuple(self.present),
            turns=tuple(item.turns), motions=motions,
            suspensions=tuple(item.suspensions), sections=tuple(item.sections),
            source=Source(self.file, self.doc.line(main)),
        )


def _children(elem: ET.Element | None) -> list[ET.Element]:
    return [] if elem is None else list(elem)


def _spaced_dossier(number: str) -> str:
    """``33964`` -> ``33 964``; ``21501-20`` -> ``21 501-20`` (as printed)."""
    m = re.match(r"^(\d{2})(\d{3})(-.*)?$", number)
    return f"{m.group(1)} {m.group(2)}{m.group(3) or ''}" if m else number


def _label_for(spreker: ET.Element | None) -> str:
    if spreker is None:
        return ""
    name = child_text(spreker, "verslagnaam")
    party = child_text(spreker, "fractie")
    aanhef = child_text(spreker, "aanhef")
    return f"{aanhef} {name}" + (f" ({party})" if party else "") + ":"


def _paragraphs(container: ET.Element | None) -> list[str]:
    """One paragraph per ``alinea`` (list items each their own)."""
    out: list[str] = []
    if container is None:
        return out
    for alinea in container.iter("alinea"):
        out.extend(_alinea(alinea, None))
    return out


def _alinea(alinea: ET.Element, skip: ET.Element | None) -> list[str]:
    """An ``alinea``'s items joined into one paragraph; each item of a ``lijst``
    is a paragraph of its own, in place."""
    out: list[str] = []
    parts: list[str] = []

    def flush() -> None:
        joined = norm(" ".join(p for p in parts if p))
        if joined:
            out.append(joined)
        parts.clear()

    for c in alinea:
        if c.tag == "lijst":
            flush()
            out.extend(text for li in c if (text := text_of(li)))
        elif c is not skip:  # alineaitem, and any other element with text
            parts.append(text_of(c))
    flush()
    return out


def _label_and_paragraphs(tekst: ET.Element | None) -> tuple[str, list[str]]:
    """VLOS repeats the label ("De heer <nadruk>Nijboer</nadruk> (PvdA):") as the
    first item of the first paragraph: split it off."""
    if tekst is None:
        return "", []
    first = next(tekst.iter("alineaitem"), None)
    label = text_of(first) if first is not None else ""
    if not (label.endswith(":") and len(label) < 120):
        return "", _paragraphs(tekst)
    out: list[str] = []
    for alinea in tekst.iter("alinea"):
        out.extend(_alinea(alinea, first))
    return label, out
