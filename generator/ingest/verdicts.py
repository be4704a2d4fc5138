"""The government's verdicts on motions, found in the turns after they were read
out ("oordeel Kamer", "ontraden", "aanhouden", ...).

Interface used by the readers (stable):

    attach_verdicts(motions, turns, chair, file) -> (motions, diagnostics)

The scan reads every turn sentence by sentence and keeps a running list: the
motions most recently named ("De motie op stuk nr. 3", "de moties op de stukken
nrs. 1136, 1140 en 1150", "Die combineer ik met de motie op stuk nr. 1148"). A
verdict phrase of the government applies to that list; the chair decides holds,
adoptions and withdrawals. The rules are written out in docs/verdicts.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from generator.errors import Diagnostic, info, warning
from generator.model import Motion, Source, Turn, TurnKind, Verdict, VerdictKind

GOVERNMENT_LABEL = re.compile(
    r"^\W*(?:de\s+)?(?:vice-?)?(?:minister(?:-president)?|staatssecretaris|premier)\b", re.I)
CHAIR_LABEL = re.compile(r"^\W*(?:de\s+)?(?:voorzitter|vicevoorzitter)\b", re.I)

SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”»]?\s*(?=[A-Z«\"'“(–—]|$)")
REFERENCE = re.compile(
    r"\b(?:nrs?\.?|nummers?|stuk\.)\s*(\d+(?:\s*(?:,|en|tot en met|t/m)\s*\d+)*)", re.I)
COMBINE = re.compile(r"\b(?:combineer|combineren|samen(?:nemen|pakken|neem|pak))\w*|\bevenals\b",
                     re.I)

ONTRADEN = re.compile(r"\bontra+d+\w*", re.I)
OORDEEL_KAMER = re.compile(r"\boordeel\b[^;?]{0,80}?\bkamer\b|\baan de kamer\b[^;?]{0,30}"
                           r"\boordeel\b", re.I)
NEGATED = re.compile(r"\b(?:niet|geen)\b(?:\s+\w+){0,3}\s+ontra|\bhet ontraden\b", re.I)
PAST = re.compile(r"\bdie ik (?:al )?eerder\b|\b(?:daarvan|waarvan) heb ik (?:gezegd|aangegeven)\b"
                  r"|\bhad gegeven\b|\bheb ik (?:eerder |al )?(?:gezegd|aangegeven)\s*:", re.I)
KANTTEKENING = re.compile(
    r"\bmet (?:die|deze|de|dat|die laatste|deze laatste)\b[^,]{0,60}?\b(?:kanttekening|opmerking"
    r"|overweging|aantekening|nuancering|kantekening)(?:en)?\b", re.I)
INTERPRETATIE = re.compile(
    r"\bals ik\b[^;]{0,160}?\bmag\b|\bmet (?:die|deze|de|dat)\b[^,]{0,30}?\b(?:interpretatie"
    r"|uitleg|lezing)\b|\bzo (?:mag |kan )?(?:interpreteren|uitleggen|lezen|opvatten)\b"
    r"|\bmits\b|\bonder (?:die|deze) voorwaarde\b", re.I)
HOLD_REQUEST = re.compile(r"\b(?:aan te houden|aanhoud(?:en|t))\b", re.I)
HOLD_DECISION = re.compile(r"\bstel ik voor\b.{0,120}?\baan te houden\b", re.I)
HOLD_AGREED = re.compile(r"\b(?:houd|houden|hou)\b.{0,60}\baan\b", re.I)
ADOPTED_BY_GOVERNMENT = re.compile(r"^(?!als\b).*\b(?:ik neem|neem ik)\b.{0,40}\bover\b", re.I)
ADOPTED = re.compile(r"\b(?:is|wordt|zijn|worden)\s+overgenomen\b", re.I)
WITHDRAWN = re.compile(r"\b(?:is|wordt|zijn|worden)\s+ingetrokken\b"
                       r"|\btrek(?:ken)?\s+(?:ik|we|wij)\b.{0,50}\bin\b", re.I)
NEGATION = re.compile(r"\bniet\b", re.I)
MOTION_WORD = re.compile(r"\bmotie", re.I)
AMENDMENT = re.compile(r"\bamendement", re.I)
AFFIRMATION = re.compile(r"^\W*(?:ja|jazeker|zeker|klopt|dat klopt|correct|dat is correct|inderdaad"
                         r"|dat is juist|juist)\b", re.I)
VERDICT_PROMPT = re.compile(r"\boordeel\b.*\?\s*$|^\W*(?:en\s+)?dus\s*\?\s*$", re.I)
INTRODUCTION = re.compile(
    r"^\W*(?:(?:en\s+)?dan\s+(?:kom ik (?:op|bij|aan)\s+|ga ik (?:over )?naar\s+)?|allereerst"
    r"(?: is er)?\s+|ik begin (?:met|bij)\s+|vervolgens\s+)?(?:de|die)\s+(?:volgende\s+|eerste\s+"
    r"|laatste\s+|andere\s+)?motie(?:-|\s+van\b)", re.I)
NUMBER_GIVEN = re.compile(r"\bkrijgt\s+(?:het\s+)?(?:nr|nummer)\b", re.I)  # "Zij krijgt nr. 3"


@dataclass
class _Scan:
    """Mutable state of one pass over the turns (never leaves this module)."""

    motions: tuple[Motion, ...]
    file: str
    by_number: dict[str, list[int]]
    read_at: dict[int, int]
    current: list[int] = field(default_factory=list)
    previous: list[int] = field(default_factory=list)  # the list before the last change
    bare_introduction: bool = False  # the government's last sentence only named motions
    question: tuple[list[int], VerdictKind, Turn, str] | None = None  # the chair's, unanswered
    verdicts: dict[int, Verdict] = field(default_factory=dict)
    hold_requested: dict[int, int] = field(default_factory=dict)  # motion -> turn position
    hold_agreed: dict[int, Verdict] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def split_sentences(text: str) -> list[str]:
    """Sentences of a paragraph; also splits "laten.Dan" where extraction
    dropped the space, but never after "nr." before a number."""
    text = re.sub(r"\s+", " ", text).strip()
    return [s.strip() for s in SENTENCE_END.split(text) if s.strip()]


def turn_role(turn: Turn, chair: str | None) -> str:
    """``government``, ``chair``, ``member`` or ``procedural``."""
    if turn.kind == TurnKind.PROCEDURAL:
        return "procedural"
    if (chair is not None and turn.speaker == chair) or CHAIR_LABEL.match(turn.label or ""):
        return "chair"
    if GOVERNMENT_LABEL.match(turn.label or ""):
        return "government"
    return "member"


def referenced_numbers(sentence: str) -> list[str]:
    """Motion numbers a sentence names: "nr. 3", "nrs. 1136, 1140 en 1150"."""
    return [n for m in REFERENCE.finditer(sentence) for n in re.findall(r"\d+", m.group(1))]


def classify(sentence: str) -> VerdictKind | None:
    """The verdict a government sentence gives, if any (not holds or adoptions)."""
    says_no = bool(ONTRADEN.search(sentence)) and not NEGATED.search(sentence)
    says_kamer = bool(OORDEEL_KAMER.search(sentence))
    if says_no == says_kamer:
        return None
    if says_no:
        return VerdictKind.ONTRADEN
    if INTERPRETATIE.search(sentence):
        return VerdictKind.OORDEEL_KAMER_MET_INTERPRETATIE
    if KANTTEKENING.search(sentence):
        return VerdictKind.OORDEEL_KAMER_MET_KANTTEKENING
    return VerdictKind.OORDEEL_KAMER


def _number_key(number: str | None) -> str | None:
    digits = re.findall(r"\d+", number or "")
    return digits[0] if digits else None


def _new_scan(motions: tuple[Motion, ...], turns: tuple[Turn, ...], file: str) -> _Scan:
    by_number: dict[str, list[int]] = {}
    for k, motion in enumerate(motions):
        key = _number_key(motion.number)
        if key:
            by_number.setdefault(key, []).append(k)
    position = {turn.id: pos for pos, turn in enumerate(turns)}
    read_at = {k: position.get(m.turn, -1) for k, m in enumerate(motions)}
    return _Scan(motions, file, by_number, read_at)


def _resolve(scan: _Scan, numbers: list[str], pos: int) -> list[int]:
    """Motions (indices) these numbers name, among those already read out."""
    found = [k for n in numbers for k in scan.by_number.get(n, []) if scan.read_at[k] <= pos]
    return list(dict.fromkeys(found))


def _record(scan: _Scan, targets: list[int], kind: VerdictKind, turn: Turn, quote: str,
            overrule: bool = True) -> None:
    """Give `targets` this verdict. The same kind again keeps the first turn (a
    back-reference); a different kind replaces it when `overrule` (the later word
    counts), and is noted."""
    for k in targets:
        old = scan.verdicts.get(k)
        if old is not None and (old.kind == kind or not overrule):
            continue
        if old is not None and not _refines(old.kind, kind):
            scan.diagnostics.append(info(
                f"verdict on motion nr. {scan.motions[k].number} changes from {old.kind} "
                f"to {kind}", scan.file, turn.source.line, quote))
        scan.verdicts[k] = Verdict(kind, turn.id, quote, Source(scan.file, turn.source.line))


def _refines(old: VerdictKind, new: VerdictKind) -> bool:
    """"Oordeel Kamer" followed by its reservation or interpretation, or a
    decision (held, adopted, withdrawn) after a verdict: no change of mind."""
    decisions = {VerdictKind.AANGEHOUDEN, VerdictKind.OVERGENOMEN, VerdictKind.INGETROKKEN}
    return (old == VerdictKind.OORDEEL_KAMER and new.startswith("oordeel_kamer")) or (
        new in decisions)


def _government_sentence(scan: _Scan, turn: Turn, pos: int, sentence: str) -> None:
    if PAST.search(sentence):
        return
    kind = classify(sentence)
    if ADOPTED_BY_GOVERNMENT.search(sentence) and MOTION_WORD.search(sentence) and not (
            NEGATION.search(sentence)):
        kind = VerdictKind.OVERGENOMEN
    elif kind is None and HOLD_REQUEST.search(sentence) and MOTION_WORD.search(sentence):
        for k in scan.current:
            scan.hold_requested[k] = pos
        return
    if kind is None:
        if ONTRADEN.search(sentence) and OORDEEL_KAMER.search(sentence):
            scan.diagnostics.append(warning(
                "a sentence both advises against a motion and leaves it to the Kamer",
                scan.file, turn.source.line, sentence,
                "no verdict taken from it; add the verdict by hand in content/"))
        return
    if not scan.current:
        if all(at > pos for at in scan.read_at.values()):
            return  # said before any motion was read out: about something else
        scan.diagnostics.append(warning(
            "verdict given but no motion named before it", scan.file, turn.source.line,
            sentence, 'a verdict applies to the motion last named ("de motie op stuk nr. N")'))
        return
    _record(scan, scan.current, kind, turn, sentence)


def _chair_sentence(scan: _Scan, turn: Turn, pos: int, sentence: str, targets: list[int]) -> None:
    if HOLD_DECISION.search(sentence):
        held = targets or [k for k in scan.current if k in scan.hold_requested]
        _record(scan, held, VerdictKind.AANGEHOUDEN, turn, sentence)
    elif ADOPTED.search(sentence) and not NEGATION.search(sentence):
        _record(scan, targets or scan.current, VerdictKind.OVERGENOMEN, turn, sentence)
    elif (kind := classify(sentence)) is not None:
        # The chair restating a verdict fills a gap ("De motie op stuk nr. 1141
        # was ook ontraden, hè?"); confirmed by the government ("Ja, dat is
        # correct.") it counts as the government's word.
        _record(scan, targets or scan.current, kind, turn, sentence, overrule=False)
        if sentence.rstrip().endswith("?") and not sentence.lower().startswith("als "):
            scan.question = (targets or scan.current, kind, turn, sentence)
    elif VERDICT_PROMPT.search(sentence) and scan.bare_introduction and any(
            k not in scan.verdicts for k in scan.previous):
        # "Dan kom ik op de motie op stuk nr. 235." - "En uw oordeel is?": the
        # chair asks for the verdict skipped on the motion before.
        scan.current = [k for k in scan.previous if k not in scan.verdicts]


def _answer_question(scan: _Scan, sentence: str) -> None:
    """The government's first sentence after the chair's question about a verdict."""
    question, scan.question = scan.question, None
    if question is not None and AFFIRMATION.search(sentence):
        targets, kind, turn, quote = question
        _record(scan, targets, kind, turn, quote)


def _any_sentence(scan: _Scan, turn: Turn, pos: int, sentence: str, targets: list[int],
                  role: str) -> None:
    """Withdrawals and agreed holds, whoever speaks."""
    lower = sentence.lower()  # cheap tests first: both patterns need these words
    if ("ingetrokken" in lower or "trek" in lower) and WITHDRAWN.search(sentence) and (
            MOTION_WORD.search(sentence)) and not NEGATION.search(sentence):
        _record(scan, targets or scan.current, VerdictKind.INGETROKKEN, turn, sentence)
    elif role == "member" and scan.hold_requested and "aan" in lower and (
            HOLD_AGREED.search(sentence)) and not NEGATION.search(sentence):
        for k in scan.current:
            if k in scan.hold_requested and k not in scan.hold_agreed:
                source = Source(scan.file, turn.source.line)
                scan.hold_agreed[k] = Verdict(VerdictKind.AANGEHOUDEN, turn.id, sentence, source)


def _scan_sentence(scan: _Scan, turn: Turn, pos: int, sentence: str, role: str) -> None:
    if AMENDMENT.search(sentence) and not MOTION_WORD.search(sentence):
        scan.current, scan.bare_introduction = [], False  # an amendment, not a motion
        return
    targets = _targets(scan, turn, pos, sentence)
    if targets:
        combine = COMBINE.search(sentence) and role == "government"
        scan.previous = scan.current
        scan.current = list(dict.fromkeys(scan.current + targets)) if combine else targets
    if role == "government":
        _answer_question(scan, sentence)
        _government_sentence(scan, turn, pos, sentence)
        scan.bare_introduction = bool(targets)
    elif role == "chair":
        _chair_sentence(scan, turn, pos, sentence, targets)
    _any_sentence(scan, turn, pos, sentence, targets, role)


def _targets(scan: _Scan, turn: Turn, pos: int, sentence: str) -> list[int]:
    """The motions a sentence names: by number, else (when it introduces a
    motion, or names a number nobody has) by its submitters."""
    numbers = [] if NUMBER_GIVEN.search(sentence) else referenced_numbers(sentence)
    targets = _resolve(scan, numbers, pos)
    if targets or not (numbers or INTRODUCTION.search(sentence)):
        return targets
    targets = _by_submitters(scan, pos, sentence)
    if numbers and targets:
        taken = ", ".join(f"nr. {scan.motions[k].number}" for k in targets)
        scan.diagnostics.append(warning(
            f"no motion nr. {', '.join(numbers)} was read out; taken as {taken} by its "
            "submitters", scan.file, turn.source.line, sentence))
    return targets


def _by_submitters(scan: _Scan, pos: int, sentence: str) -> list[int]:
    """The motion whose submitters the sentence names ("de motie van de heren
    Moorlag en Van der Lee"): most names matched, then the first one without a
    verdict, since the government goes through the motions in order."""
    scored = []
    for k, motion in enumerate(scan.motions):
        names = [n for n in motion.submitters if n]
        if scan.read_at[k] > pos or not names or not _names(names[0], sentence):
            continue
        scored.append((sum(_names(n, sentence) for n in names), k in scan.verdicts, k))
    if not scored:
        return []
    best = max(score for score, _, _ in scored)
    return [min((judged, k) for score, judged, k in scored if score == best)[1]]


def _names(name: str, sentence: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", sentence) is not None


def _finish(scan: _Scan, turns: tuple[Turn, ...]) -> None:
    """Holds the member agreed to but the chair never decided, and requests to
    hold that nobody answered."""
    for k, pos in sorted(scan.hold_requested.items()):
        if k in scan.verdicts and scan.verdicts[k].kind == VerdictKind.AANGEHOUDEN:
            continue
        if k in scan.hold_agreed:
            scan.verdicts[k] = scan.hold_agreed[k]
        elif k not in scan.verdicts:
            scan.diagnostics.append(warning(
                f"the government asked to hold motion nr. {scan.motions[k].number}, "
                "but no decision to hold it was found", scan.file, turns[pos].source.line,
                hint='the chair says "stel ik voor zijn motie (…, nr. N) aan te houden"'))


def attach_verdicts(
    motions: tuple[Motion, ...], turns: tuple[Turn, ...], chair: str | None, file: str
) -> tuple[tuple[Motion, ...], list[Diagnostic]]:
    """Attach the government's verdict to every motion that got one; the others
    keep None. Ambiguous passages become warnings naming the turn's line."""
    if not motions:
        return motions, []
    scan = _new_scan(motions, turns, file)
    # Before the first motion is read out no sentence can name one, start a
    # hold or draw a warning: the scan starts there.
    first = min(scan.read_at.values())
    for pos, turn in enumerate(turns):
        if pos < first:
            continue
        role = turn_role(turn, chair)
        for paragraph in turn.paragraphs:
            for sentence in split_sentences(paragraph):
                _scan_sentence(scan, turn, pos, sentence, role)
    _finish(scan, turns)
    if scan.verdicts:
        for k, motion in enumerate(motions):
            if k not in scan.verdicts and k not in scan.hold_requested and motion.verdict is None:
                scan.diagnostics.append(info(
                    f"no verdict found for motion nr. {motion.number}", file,
                    motion.source.line, hint="a motion without a verdict stays without one"))
    result = tuple(
        _with_verdict(motion, scan.verdicts.get(k)) for k, motion in enumerate(motions))
    return result, scan.diagnostics


def _with_verdict(motion: Motion, verdict: Verdict | None) -> Motion:
    """Keep a verdict a reader already found (e.g. from structured XML)."""
    if verdict is None or motion.verdict is not None:
        return motion
    return replace(motion, verdict=verdict)
