"""Per-meeting speaker resolution: a label plus the header -> a `Person` with a
stable id.

- "De voorzitter" is the chair named in the header ("Voorzitter: Pia Dijkstra");
- "Minister Blok" is the person of that name in the attendance list, with the
  office printed there ("en de heer Blok, Minister van Buitenlandse Zaken");
- "De heer Van Helvert (CDA)" is the member of that name in the attendance list
  (or a new person when the list is missing), with the party from the label.

Ids are slugs of the fullest known name (`pia-dijkstra`, `van-den-nieuwenhuijzen`,
`blok`); the speaker registry (content/people.yaml) disambiguates across the
archive.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache

from generator.ingest.labels import CHAIR, GOVERNMENT, Label
from generator.model import Person
from generator.slugs import slugify


@lru_cache(maxsize=8192)
def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


@dataclass
class Roster:
    """The people of one meeting, built from the header and then the labels.
    Mutable while one meeting is parsed; `people()` freezes it."""

    chair_id: str | None = None  # the chair now (a report may name a new one)
    chairs: list[str] = field(default_factory=list)  # every chair, in order
    _people: dict[str, Person] = field(default_factory=dict)
    present: list[str] = field(default_factory=list)

    def people(self) -> tuple[Person, ...]:
        return tuple(self._people.values())

    def _add(self, name: str, party: str | None, role: str | None) -> str:
        pid = slugify(name)
        existing = self._people.get(pid)
        if existing and party and existing.party and existing.party != party:
            pid = slugify(f"{name} {party}")
            existing = self._people.get(pid)
        elif existing and _is_government(role) != _is_government(existing.role):
            # A member and a minister of the same name (Rutte, 2014): two people.
            pid = slugify(f"{name} {role.split()[0]}") if _is_government(role) else pid + "-lid"
            existing = self._people.get(pid)
        if existing is None:
            self._people[pid] = Person(pid, name, party, role)
        else:
            self._people[pid] = replace(
                existing, party=existing.party or party, role=existing.role or role)
        return pid

    def find(self, name: str, party: str | None = None,
             government: bool | None = None) -> str | None:
        """The id of the one person whose name is `name` or ends in it
        ("Dijkstra" -> "Pia Dijkstra"); None when unknown or ambiguous. With
        `government` True (False), only government members (others) count when
        both are listed under that name."""
        key = _key(name)
        exact = [p for p in self._people.values() if _key(p.name) == key]
        candidates = exact or [
            p for p in self._people.values() if _key(p.name).endswith(" " + key)
        ]
        if party:  # same name, other party: another person
            candidates = [p for p in candidates if p.party in (None, party)]
        if government is not None and len(candidates) > 1:
            candidates = [p for p in candidates if _is_government(p.role) == government]
        return candidates[0].id if len(candidates) == 1 else None

    def find_office(self, office: str) -> str | None:
        """"De minister:": the one government member holding that office (by
        its first word), else the only government member; None when unsure."""
        government = [p for p in self._people.values() if _is_government(p.role)]
        word = office.split()[0].lower() if office else ""
        holding = [p for p in government if p.role.split()[0].split(",")[0].lower() == word]
        for candidates in (holding, government):
            if len(candidates) == 1:
                return candidates[0].id
        return None

    def change_chair(self, name: str) -> str:
        """From here on "De voorzitter" is `name` (a new "Voorzitter:" line)."""
        pid = self.find(name) or self._add(name, None, "voorzitter")
        self.chair_id = pid
        if pid not in self.chairs:
            self.chairs.append(pid)
        return pid

    def resolve(self, label: Label) -> str | None:
        """The person id behind a speaker label, adding the person if new."""
        if label.kind == CHAIR:
            return self.chair_id
        if label.name is None:  # "De minister:"
            return self.find_office(label.role or "")
        pid = self.find(label.name, label.party, label.kind == GOVERNMENT)
        if pid is None:
            role = label.role if label.kind == GOVERNMENT else "lid"
            return self._add(label.name, label.party, role)
        person = self._people[pid]
        if label.party and not person.party:
            self._people[pid] = replace(person, party=label.party)
        return pid


def _is_government(role: str | None) -> bool:
    """Minister, Staatssecretaris, Minister-President (any case) and their offices."""
    return bool(role) and role.split()[0].split("-")[0].lower() in ("minister", "staatssecretaris")


def build_roster(chair: str | None, members: tuple[str, ...],
                 government: tuple[tuple[str, str], ...]) -> Roster:
    """A roster seeded with the header: the chair, members present and the
    government members with their offices."""
    roster = Roster()
    for name in members:
        roster.present.append(roster._add(name, None, "lid"))
    for name, role in government:
        roster.present.append(roster._add(name, None, role))
    if chair:
        pid = roster.find(chair) or roster._add(chair, None, "voorzitter")
        person = roster._people[pid]
        roster._people[pid] = replace(person, role="voorzitter")
        roster.chair_id = pid
        roster.chairs.append(pid)
    return roster
