"""Votes on motions, as the chair announces them, for every source format:

    In stemming komt de motie-Wassenberg (21501-08, nr. 721).
    De voorzitter: Ik constateer dat de leden van de fracties van de SP, de PvdA
    en GroenLinks voor deze motie hebben gestemd en de leden van de overige
    fracties ertegen, zodat zij is aangenomen.

Interface (used by the XML readers and the text parser):

    attach_votes(motions, turns, file) -> (motions, diagnostics)

A vote on a motion that was not read out in this meeting (the usual case: votes
come days later) creates a stub `Motion`: number, dossier, title
``motie-<names>`` and submitters from the title, empty text. A side that the chair
calls "de leden van de overige fracties" is recorded as the one party name
``overige fracties``; "met algemene stemmen" gives two empty sides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from generator.errors import Diagnostic, warning
from generator.model import Motion, Source, Turn, Verdict, VerdictKind, Vote

OTHERS = "overige fracties"

_MOTION_REF = (r"(?P<amended>(?:nader )?gewijzigde )?motie-(?P<names>[^()]+?)\s*"
               r"\((?P<dossier>[^,()]+?),\s*nr\.\s*(?P<number>\d+)"
               r"(?:\s*,\s*was nr\.\s*(?P<was>\d+))?\s*\)")
_VOTE_START = re.compile(r"In stemming komt de " + _MOTION_REF)
_RESULT = re.compile(
    r"Ik constateer dat (?P<body>.+?),?\s+zodat (?:zij|hij|deze) (?:is|zijn) "
    r"(?P<result>aangenomen|verworpen)")
_UNANIMOUS = re.compile(
    r"Ik constateer dat (?:deze|de) (?:(?:nader )?gewijzigde )?motie met algemene stemmen is "
    r"(?P<result>aangenomen|verworpen)")
_SIDES = re.compile(
    r"(?P<for>.+?) voor (?:deze|de) (?:(?:nader )?gewijzigde )?motie (?:hebben|heeft) gestemd"
    r"(?: en (?P<against>.+?) ertegen)?$")
_WITHDRAWN = re.compile(
    r"Aangezien de " + _MOTION_REF + r" (?:is|wordt) (?P<how>ingetrokken|overgenomen)")


@dataclass(frozen=True)
class FoundVote:
    """A vote found in the turns, before it is attached to a motion."""

    number: str
    dossier: str
    names: str
    replaces: str | None
    vote: Vote


def parse_parties(text: str) -> tuple[str, ...]:
    """"de leden van de fracties van de SP, de PvdA en 50PLUS/Klein" ->
    ("SP", "PvdA", "50PLUS/Klein"); "de leden van de overige fracties" ->
    ("overige fracties",); "het lid Klein" -> ("Klein",)."""
    out: list[str] = []
    for part in re.split(r",\s*(?:en\s+)?|\s+en\s+(?=de leden|het lid)", text.strip()):
        part = part.strip()
        if re.search(r"overige fracties", part):
            out.append(OTHERS)
            continue
        part = re.sub(r"^(?:de (?:aanwezige )?leden van )?(?:de )?fracties? van\s+", "", part)
        part = re.sub(r"^het lid\s+", "", part)
        for name in re.split(r"\s+en\s+", part):
            name = re.sub(r"^(?:de|het)\s+", "", name.strip()).strip(" .")
            if name:
                out.append(name)
    return tuple(out)


def find_votes(turns: tuple[Turn, ...]) -> list[FoundVote]:
    """Every announced result, paired with the "In stemming komt" before it."""
    found: list[FoundVote] = []
    pending: re.Match[str] | None = None
    for turn in turns:
        for paragraph in turn.paragraphs:
            # Each of the three patterns starts with one of these words: most
            # paragraphs have neither, and no events.
            if "In stemming komt" not in paragraph and "Ik constateer dat" not in paragraph:
                continue
            events = sorted(
                [(m.start(), "start", m) for m in _VOTE_START.finditer(paragraph)]
                + [(m.start(), "result", m) for m in _RESULT.finditer(paragraph)]
                + [(m.start(), "unanimous", m) for m in _UNANIMOUS.finditer(paragraph)],
                key=lambda e: e[0])
            for _pos, kind, m in events:
                if kind == "start":
                    pending = m
                    continue
                if pending is None:
                    continue
                parties_for: tuple[str, ...] = ()
                parties_against: tuple[str, ...] = ()
                if kind == "result":
                    sides = _SIDES.search(m.group("body"))
                    if sides:
                        parties_for = parse_parties(sides.group("for"))
                        parties_against = parse_parties(sides.group("against") or "")
                vote = Vote(m.group("result"), parties_for, parties_against, turn.id,
                            turn.source)
                found.append(FoundVote(pending.group("number"), pending.group("dossier").strip(),
                                       " ".join(pending.group("names").split()),
                                       pending.group("was"), vote))
                pending = None
    return found


def _same_dossier(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return True
    return re.sub(r"\D", "", a) == re.sub(r"\D", "", b)


def _stub(found: FoundVote) -> Motion:
    from generator.ingest.xmlcommon import motion_id

    # "motie-Klaver c.s." names the first submitter "and others"
    names = tuple(n for part in re.sub(r"\s+c\.s\.?$", "", found.names).split("/")
                  if (n := part.strip()))
    return Motion(
        id=motion_id(found.dossier, found.number, f"motie-{found.number}"),
        number=found.number, dossier=found.dossier, submitters=names,
        submitter_ids=tuple(None for _ in names), text="", considerations=(), requests=(),
        turn=None, source=found.vote.source, vote=found.vote, replaces=found.replaces,
        title=f"motie-{found.names}")


def attach_votes(
    motions: tuple[Motion, ...], turns: tuple[Turn, ...], file: str
) -> tuple[tuple[Motion, ...], list[Diagnostic]]:
    """Attach each announced vote to its motion (by number and dossier); create a
    stub for a voted motion not read out here; mark motions the chair declares
    withdrawn ("ingetrokken") or taken over ("overgenomen")."""
    result = list(motions)
    diags: list[Diagnostic] = []
    for found in find_votes(turns):
        index = next((i for i, m in enumerate(result)
                      if m.number == found.number and _same_dossier(m.dossier, found.dossier)),
                     None)
        if index is None:
            result.append(_stub(found))
            continue
        motion = result[index]
        if motion.vote is not None:
            diags.append(warning(f"motion nr. {found.number} is voted on twice", file,
                                 found.vote.source.line))
        result[index] = replace(motion, vote=found.vote,
                                replaces=motion.replaces or found.replaces)
    for turn in turns:
        for paragraph in turn.paragraphs:
            for m in _WITHDRAWN.finditer(paragraph):
                kind = (VerdictKind.INGETROKKEN if m.group("how") == "ingetrokken"
                        else VerdictKind.OVERGENOMEN)
                for i, motion in enumerate(result):
                    if (motion.number == m.group("number") and motion.verdict is None
                            and _same_dossier(motion.dossier, m.group("dossier"))):
                        verdict = Verdict(kind, turn.id, m.group(0),
                                          Source(turn.source.file, turn.source.line))
                        result[i] = replace(motion, verdict=verdict)
    return tuple(result), diags
