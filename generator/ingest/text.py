"""The text transcript reader: line-wrapped PDF extractions, flattened
one-line extractions and OCR'ed Markdown -> `Meeting`.

Two steps. Segmenting (per variant: line-wrapped and Markdown here, flattened
in `flat.py`) cuts the text into raw turns (`segments.py`): a speaker label or
a procedural line, and its pieces (running text or a motion block).
Building (shared) resolves speakers, reconstructs paragraphs, turns motion
blocks into `Motion`s and the chair's "Zij krijgt nr. …" into their numbers,
and collects suspensions, commitments and sections. The reading turn keeps its
own words; a motion's text lives only in its `Motion`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from generator.errors import Diagnostic, info, warning
from generator.ingest import ParseResult, meeting_id_for
from generator.ingest.commitments import find_commitments
from generator.ingest.flat import segment_flat
from generator.ingest.header import (
    AGENDA_LINE,
    CHAIR_LINE,
    END,
    PROCEDURAL,
    PROCEDURAL_START,
    SUSPENSION,
    Header,
    clock,
    end_time,
    normalise_dossier,
    parse_header,
    running_head_date,
)
from generator.ingest.labels import (
    CHAIR,
    GOVERNMENT,
    Label,
    looks_like_label,
    parse_label_line,
    parse_label_start,
)
from generator.ingest.layout import (
    FLAT,
    MARKDOWN,
    Line,
    detect_variant,
    ends_sentence,
    fit_limit,
    join_lines,
    paragraphs,
    rejoin_inner_hyphens,
    repeated_heads,
    split_lines,
    unglue,
    word_evidence,
)
from generator.ingest.motions import (
    KAMER,
    MOTION_END,
    MOTION_HEAD,
    find_adoptions,
    motion_id,
    normalise_motion_text,
    split_motion_text,
)
from generator.ingest.sections import find_sections
from generator.ingest.segments import MOTION, TEXT, RawTurn, Segmented
from generator.ingest.verdicts import attach_verdicts
from generator.ingest.votes import attach_votes
from generator.model import Commitment, Meeting, Motion, Source, Suspension, Turn, TurnKind
from generator.people import build_roster

LABEL_HEAD = re.compile(r"^(?:De heer|Mevrouw|Minister|Staatssecretaris|De voorzitter)\b")
# A Handelingen agenda item's heading, right above its "Aan de orde is …".
ITEM_HEADING = re.compile(r"^\d{1,3}\s+[A-Z][^:]{2,150}$")
# The chair opens a committee meeting: "Ik open de vergadering van de vaste
# commissie voor Buitenlandse Zaken met …".
COMMITTEE = re.compile(
    r"\bvergadering van de ((?:vaste |algemene |tijdelijke )?commissie voor "
    r"[A-Z][\w-]*(?:,? (?:en |[A-Z])[\w-]*)*)")

# --- segmenting: line-wrapped text (and OCR'ed Markdown) ---------------------


def _wrapped_label(lines: list[Line], i: int, evidence: Mapping[str, int]) -> Label | None:
    """A label wrapped over two lines in a narrow column ("Minister voor Natuur en
    Stikstof Van der" / "Wal:"), starting a block (blank line or sentence end
    before it)."""
    line = lines[i]
    if i + 1 >= len(lines) or not LABEL_HEAD.match(line.text) or line.text.endswith(":"):
        return None
    following = lines[i + 1]
    if following.gap or not following.text.endswith(":") or len(following.text) > 40:
        return None
    if i and not (line.gap or ends_sentence(lines[i - 1].text)):
        return None
    return parse_label_line(join_lines([line.text, following.text], evidence))


def _label_of(line: Line, markdown: bool, before: Line | None = None) -> tuple[Label, str] | None:
    """The label on this line and the text after it. A label alone on its line;
    in Markdown also at a line start; in line-wrapped text also at the start of a
    line that starts a block (blank line or sentence end before it), as older
    Handelingen print it ("De heer Pechtold (D66): Voorzitter. Ik …"), but never
    the office alone ("De minister: …" may be a quote)."""
    label = parse_label_line(line.text)
    if label:
        return label, ""
    if markdown:
        return parse_label_start(line.text)
    if ":" not in line.text[:120] or not (
            before is None or line.gap or ends_sentence(before.text)):
        return None
    found = parse_label_start(line.text)
    if not found or not found[1]:
        return None
    label = found[0]
    if label.kind == CHAIR or label.party or (label.kind == GOVERNMENT and label.name):
        return found
    return None  # "De heer X: …" without a party may be a quote


def _procedural_span(lines: list[Line], i: int, evidence: Mapping[str, int]) -> int:
    """How many lines (1-3, wrapped) from `i` form a procedural line that stands
    alone: a blank line, sentence end or label before it, a blank line or label
    after it. 0 when there is none. "Aan de orde is …" right after a label is the
    chair speaking; standing alone after a blank line it is the report's agenda
    item (a plenary day moves to its next item)."""
    line = lines[i]
    if (ITEM_HEADING.match(line.text) and line.gap and i + 1 < len(lines)
            and AGENDA_LINE.match(lines[i + 1].text) and not lines[i + 1].gap):
        return _agenda_span(lines, i)  # "1 Europese Top" / "Aan de orde is …"
    if not PROCEDURAL_START.match(line.text):
        return 0
    if AGENDA_LINE.match(line.text):
        after_label = i > 0 and _label_of(lines[i - 1], True) is not None
        return _agenda_span(lines, i) if line.gap and not after_label else 0
    before = lines[i - 1] if i else None
    if not (before is None or line.gap or ends_sentence(before.text)
            or parse_label_line(before.text)):
        return 0
    for span in (1, 2, 3):
        block = lines[i:i + span]
        if len(block) < span or any(x.gap for x in block[1:]):
            return 0
        if PROCEDURAL.match(join_lines([x.text for x in block], evidence)):
            following = lines[i + span] if i + span < len(lines) else None
            if (following is None or following.gap
                    or parse_label_line(following.text) is not None):
                return span
    return 0


def _agenda_span(lines: list[Line], i: int, most: int = 40) -> int:
    """An agenda item standing alone: "Aan de orde is …" up to the blank line
    after a sentence end (its "de behandeling van:" list continues past blank
    lines), ending before a label or a blank line."""
    for end in range(i, min(len(lines), i + most)):
        following = lines[end + 1] if end + 1 < len(lines) else None
        if following is not None and (parse_label_line(following.text)
                                      or CHAIR_LINE.match(following.text)):
            return end - i + 1 if ends_sentence(lines[end].text) else 0
        if following is None or (following.gap and ends_sentence(lines[end].text)):
            return end - i + 1
    return 0


# Every line `segment_lines` treats other than as running text has a colon (a
# label, a chair change) or starts like a label (LABEL_HEAD, NEAR_LABEL), a
# procedural line (PROCEDURAL_START) or an agenda item's number (ITEM_HEADING).
_NOTABLE_STARTS = ("De ", "Mevrouw", "Minister", "Viceminister", "Staatssecretaris", "Daartoe",
                   "Sluiting", "Aan de orde is", "Overeenkomstig", "Conform", "(")
# A (stripped) line none of those checks can take (`segment_lines`'s `running`:
# no colon, none of those starts, no digit first) is told apart in one step,
# since most lines are running text.


def _stage_direction(turn: RawTurn) -> bool:
    """"(Applaus)", "(Hilariteit)": the speaker may go on after it unannounced."""
    texts = [x.text for _, piece in turn.pieces for x in piece]
    return turn.label is None and len(texts) == 1 and texts[0].startswith("(")


# Where a line can start a motion block (MOTION_HEAD, or KAMER with "beraadslaging"):
# a turn without one is running text throughout.
_MOTION_START = re.compile(MOTION_HEAD.pattern + "|" + KAMER.pattern, re.M)


def _split_motions(body: list[Line]) -> list[tuple[str, list[Line]]]:
    """Cut a turn's lines into running text and motion blocks."""
    joined = "\n".join([x.text for x in body])
    if ("otie" not in joined and "De Kamer," not in joined) or \
            not _MOTION_START.search(joined):  # most turns (a match has one of those)
        return [(TEXT, list(body))] if body else []
    pieces: list[tuple[str, list[Line]]] = []
    i = 0
    while i < len(body):
        line = body[i]
        starts = MOTION_HEAD.match(line.text) or (
            KAMER.match(line.text) and "beraadslaging" in " ".join(x.text for x in body[i:i + 2]))
        end = None
        if starts:
            end = next((j for j in range(i, len(body)) if MOTION_END.search(body[j].text)), None)
        if end is not None:
            pieces.append((MOTION, body[i:end + 1]))
            i = end + 1
            continue
        if pieces and pieces[-1][0] == TEXT:
            pieces[-1][1].append(line)
        else:
            pieces.append((TEXT, [line]))
        i += 1
    return pieces


def segment_lines(text: str, file: str, markdown: bool, evidence: Mapping[str, int]) -> Segmented:
    raws = text.split("\n")  # (split once: the three below read it)
    heads = repeated_heads(raws)
    lines, footers = split_lines(text, markdown, heads, raws)
    diags: list[Diagnostic] = []
    turns: list[RawTurn] = []
    header_lines: list[Line] = []
    bodies: list[list[Line]] = []
    current: RawTurn | None = None
    skip_to = 0
    for i, line in enumerate(lines):
        if i < skip_to:
            continue
        said = line.text  # running text? (the test above, inline: it runs for every line)
        running = ":" not in said and not said.startswith(_NOTABLE_STARTS) \
            and not said[:1].isdecimal()
        if not running:  # a label, a chair change or a procedural line?
            found = _label_of(line, markdown, lines[i - 1] if i else None)
            wrapped = None if found else _wrapped_label(lines, i, evidence)
            if wrapped:
                found, skip_to = (wrapped, ""), i + 2
            if found:
                label, rest = found
                current = RawTurn(label, line.no)
                turns.append(current)
                bodies.append([Line(rest, line.no)] if rest else [])
                continue
            change = CHAIR_LINE.match(line.text) if turns else None
            if change and (line.gap or ends_sentence(lines[i - 1].text)):
                turns.append(RawTurn(None, line.no, [(TEXT, [line])], change.group("name")))
                bodies.append([])
                current = None
                continue
            span = _procedural_span(lines, i, evidence) if turns else 0
            if span:
                raw = RawTurn(None, line.no, [(TEXT, lines[i:i + span])])
                skip_to = i + span
                turns.append(raw)
                bodies.append([])
                current = None
                continue
        if not turns:
            header_lines.append(line)
            continue
        if not running and looks_like_label(line.text):
            diags.append(warning("speaker label not recognised", file, line.no, line.text,
                                 'a label reads "Mevrouw Name (Party):" on a line of its own'))
        if current is None:
            previous = next((t.label for t in reversed(turns) if t.label), None)
            if not _stage_direction(turns[-1]):  # after "(Hilariteit)" the speaker goes on
                diags.append(warning("text after a procedural line has no speaker label", file,
                                     line.no, line.text, "the text is kept with the last speaker"))
            current = RawTurn(previous, line.no)
            turns.append(current)
            bodies.append([])
        bodies[-1].append(line)
    for turn, body in zip(turns, bodies, strict=True):
        if turn.label is not None:
            turn.pieces = _split_motions(body)
    joined = join_lines([x.text for x in header_lines], evidence)
    header = parse_header([(x.text, x.no) for x in header_lines], joined)
    if header.date is None and (date := running_head_date(raws, heads)):
        header = replace(header, date=date)
    diags.extend(
        warning("header line not recognised", file, no, line_text,
                "expected Voorzitter:, Griffier:, Aanwezig zijn …, Aanvang … uur.")
        for line_text, no in header.unknown
    )
    if header.agenda:  # "Aan de orde is …" or the cover's "De vaste commissie … heeft op …"
        cover = [Line(t, no) for t, no in header.agenda]
        turns.insert(0, RawTurn(None, cover[0].no, [(TEXT, cover)]))
    dossier = Counter(m.group("dossier") for m in footers).most_common(1)
    return Segmented(header, turns, diags, header.title,
                     normalise_dossier(dossier[0][0]) if dossier else header.dossier,
                     fit_limit([x for b in bodies for x in b]))


# --- segmenting: flattened text ----------------------------------------------

# --- building the meeting ----------------------------------------------------


@dataclass
class Built:
    turns: list[Turn] = field(default_factory=list)
    motions: list[Motion] = field(default_factory=list)
    suspensions: list[Suspension] = field(default_factory=list)
    commitments: list[Commitment] = field(default_factory=list)
    end: str | None = None


def _motion(lines: list[Line], turn_id: str, file: str, evidence: Mapping[str, int]) -> Motion:
    text = normalise_motion_text(join_lines([x.text for x in lines], evidence))
    considerations, requests = split_motion_text(text)
    return Motion("", None, None, (), (), text, considerations, requests, turn_id,
                  Source(file, lines[0].no))


def _procedural(raw: RawTurn, turn_id: str, file: str, built: Built,
                evidence: Mapping[str, int]) -> Turn:
    text = join_lines([x.text for _, piece in raw.pieces for x in piece], evidence)
    if m := SUSPENSION.search(text):
        built.suspensions.append(Suspension(
            clock(m.group("h1"), m.group("m1")), clock(m.group("h2"), m.group("m2")),
            turn_id, Source(file, raw.line)))
    if m := END.match(text):
        built.end = end_time(m) or built.end
    return Turn(turn_id, None, "", (text,), Source(file, raw.line), TurnKind.PROCEDURAL)


def build_turns(seg: Segmented, roster, file: str, evidence: Mapping[str, int]) -> Built:
    """Raw turns -> turns, motions (numbered by the chair), suspensions,
    commitments."""
    built = Built()
    pending: list[int] = []  # indexes of motions still waiting for a number
    for n, raw in enumerate(seg.turns, start=1):
        turn_id = f"t{n:04d}"
        if raw.label is None:
            if raw.chair:
                roster.change_chair(raw.chair)
            built.turns.append(_procedural(raw, turn_id, file, built, evidence))
            continue
        paras: list[tuple[str, int]] = []
        for kind, lines in raw.pieces:
            if kind == MOTION:
                pending.append(len(built.motions))
                built.motions.append(_motion(lines, turn_id, file, evidence))
            else:
                paras.extend(paragraphs(lines, evidence, seg.limit))
        speaker = roster.resolve(raw.label)
        built.turns.append(Turn(turn_id, speaker, raw.label.text, tuple(p for p, _ in paras),
                                Source(file, raw.line)))
        if raw.label.kind == CHAIR:
            _number_motions(" ".join(p for p, _ in paras), built, pending, roster)
            built.commitments.extend(
                Commitment(text, turn_id, Source(file, line))
                for text, line in find_commitments(paras))
    return built


def _number_motions(text: str, built: Built, pending: list[int], roster) -> None:
    for adoption in find_adoptions(text):
        if not pending:
            break
        k = pending.pop(0)
        dossier = normalise_dossier(adoption.dossier) if adoption.dossier else None
        built.motions[k] = replace(
            built.motions[k], number=adoption.number, dossier=dossier,
            submitters=adoption.submitters, replaces=adoption.replaces)


def parse_text(text: str, file: str) -> ParseResult:
    """Parse one text transcript (any variant) into a meeting."""
    if "\r" in text:  # (decoded text has none: a look is cheaper than two replaces)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x0c" in text:
        text = text.replace("\x0c", "\n")
    variant = detect_variant(text)
    evidence = word_evidence(text)
    if variant == FLAT:
        text = unglue(rejoin_inner_hyphens(text, evidence))
    seg = segment_flat(text, file) if variant == FLAT else segment_lines(
        text, file, variant == MARKDOWN, evidence)
    header = seg.header
    roster = build_roster(header.chair, header.members, header.government)
    built = build_turns(seg, roster, file, evidence)
    diags = seg.diagnostics
    if header.chair is None:
        diags.append(info("the chair is not named: chair turns have no speaker", file, 1,
                          hint='a header line "Voorzitter: Name" names the chair'))
    meeting_id = meeting_id_for(header.date, seg.title, file)
    motions = []
    for k, motion in enumerate(built.motions, start=1):
        mid = motion_id(motion.dossier, motion.number) or f"{meeting_id}-m{k}"
        ids = tuple(roster.find(name) for name in motion.submitters)
        motions.append(replace(motion, id=mid, submitter_ids=ids))
        if motion.number is None:
            diags.append(warning("motion has no number", file, max(1, motion.source.line),
                                 motion.text.split("\n", 1)[0],
                                 'the chair says "Zij krijgt nr. N (dossier)." after it'))
    turns = tuple(built.turns)
    chair_id = roster.chairs[0] if roster.chairs else None
    voted, vote_diags = attach_votes(tuple(motions), turns, file)
    motions_t, verdict_diags = attach_verdicts(voted, turns, chair_id, file)
    diags.extend(vote_diags + verdict_diags)
    dossier = seg.dossier or _common_dossier(motions_t)
    committee = header.committee or _committee(turns)
    meeting = Meeting(
        id=meeting_id, title=seg.title, date=header.date, body="Tweede Kamer",
        kind=_kind(header, committee), committee=committee,
        dossier=dossier, chair=chair_id,
        clerk=header.clerk, start=header.start, end=built.end or header.end, people=roster.people(),
        present=tuple(dict.fromkeys(roster.present)), turns=turns, motions=motions_t,
        commitments=tuple(built.commitments), suspensions=tuple(built.suspensions),
        sections=tuple(find_sections(
            turns, tuple(m.turn for m in motions_t if m.turn),
            frozenset(p.id for p in roster.people() if _is_government(p.role)))),
        source=Source(file),
    )
    return ParseResult((meeting,), tuple(diags))


def _is_government(role: str | None) -> bool:
    return bool(role) and role.split()[0].split("-")[0].lower() in ("minister", "staatssecretaris")


def _committee(turns: tuple[Turn, ...]) -> str | None:
    """The committee the chair names when opening the meeting, if any."""
    for turn in turns[:3]:
        for paragraph in turn.paragraphs[:1]:
            if m := COMMITTEE.search(paragraph):
                return m.group(1)
    return None


def _common_dossier(motions: tuple[Motion, ...]) -> str | None:
    counts = Counter(m.dossier for m in motions if m.dossier)
    return counts.most_common(1)[0][0] if counts else None


def _kind(header: Header, committee: str | None) -> str:
    """Committee reports name a clerk, and the chair opens "de vergadering van de
    vaste commissie …"; plenary Handelingen do not (both list members present)."""
    return "commissie" if header.clerk or committee else "plenair"
