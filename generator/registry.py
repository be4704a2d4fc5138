"""The archive-wide speaker registry, ``content/people.yaml``.

A transcript names people as printed ("Bosman", "De heer Bosman (VVD):",
"Minister Blok:"); the parser gives them ids that are unique within one meeting.
The registry makes them unique across the archive: at import every meeting's
people are matched against it (`resolve_meeting`) and content files carry the
archive-wide ids; new people and new aliases, parties and roles are added.

Matching is conservative: a false merge (two people shown as one) is worse than
a false split, which an archivist fixes by adding an alias. A person matches a
registry entry only with the same kind of role (member or government), a
compatible party, and either a label as printed that the entry already knows or
exactly the same name. "De voorzitter:" is never an alias: the chair is matched
by the name in the meeting's header, so rotating chairs stay apart.

The file is the archivist's: import only adds to it (see docs/format.md).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from operator import attrgetter

import yaml

from generator.errors import Diagnostic, error, warning
from generator.markdown_syntax import (
    YamlLoader,
    read_flow_list,
    read_flow_map,
    read_yaml_scalar,
    yaml_error_line,
    yaml_scalar,
)
from generator.model import Meeting, Motion, Person, Turn
from generator.slugs import slugify

REGISTRY_FILE = "people.yaml"
HEADER = """\
# Speaker registry of this archive (docs/format.md, "The speaker registry").
# One entry per person, by id. Import adds people, aliases, parties and roles and
# never changes or removes what is here; edit freely:
# - merge two ids: add the other id to `aliases` (content keeps working);
# - correct a party or a name: edit it (it applies when content is loaded);
# - `note:` is kept as written (comments in this file are not).
"""
_ID_ALIAS = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_GOVERNMENT = re.compile(r"(?i)\s*(minister|staatssecretaris|premier|viceminister)")
_GENERIC_LABEL = re.compile(r"(?i)\s*(de\s+)?(voorzitter|griffier)\b")
YEARS_APART = 8  # a label match further apart in time than this is no evidence
CAREER_YEARS = 24  # six terms: a surname and a full name further apart are two people


@dataclass(frozen=True)
class Spell:
    """A party or role held, with the first and last meeting date it was seen
    (ISO dates; None when no meeting stated its date)."""

    value: str
    start: str | None = None
    end: str | None = None


@dataclass(frozen=True)
class RegistryPerson:
    id: str
    name: str
    aliases: tuple[str, ...] = ()
    parties: tuple[Spell, ...] = ()
    roles: tuple[Spell, ...] = ()
    note: str | None = None

    def party_on(self, date: str | None) -> str | None:
        """The party on `date`: the spell covering it, else the latest one."""
        for spell in self.parties:
            if date and spell.start and spell.end and spell.start <= date <= spell.end:
                return spell.value
        return self.parties[-1].value if self.parties else None


@dataclass(frozen=True)
class Registry:
    people: tuple[RegistryPerson, ...] = ()
    _by_id: dict[str, RegistryPerson] = field(default_factory=dict, compare=False, repr=False)
    _by_key: dict[str, list[RegistryPerson]] = field(default_factory=dict, compare=False,
                                                      repr=False)
    _redirects: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    _by_surname: dict[str, list[RegistryPerson]] = field(default_factory=dict, compare=False,
                                                          repr=False)
    _in_id_order: bool = field(default=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self._in_id_order:  # made by `updated`, indexes and all
            return
        ids = [p.id for p in self.people]
        object.__setattr__(self, "_in_id_order", ids == sorted(set(ids)))
        for p in self.people:
            self._by_id[p.id] = p
            for k in _keys(p):
                self._by_key.setdefault(k, []).append(p)
            if surname := _surname(p):
                self._by_surname.setdefault(surname, []).append(p)
        self._redirects.update((a, p.id) for p in self.people for a in p.aliases
                               if _ID_ALIAS.fullmatch(a) and a != p.id)

    def updated(self, people: dict[str, RegistryPerson],
                touched: Iterable[str] | None = None) -> Registry:
        """The registry of `people` (this one's people by id, some replaced, added
        or removed), equal to ``Registry(people sorted by id)`` with the same
        indexes, made by patching this one's indexes where entries changed
        instead of indexing every person again (the import does this once per
        meeting). `touched`: the ids of every entry added, replaced or removed
        (None: found by comparing all of them), so that the work is the
        meeting's people, not the registry's."""
        if not self._in_id_order:
            return Registry(tuple(sorted(people.values(), key=_ID)))
        if touched is None:
            old = [p for pid, p in self._by_id.items() if people.get(pid) is not p]
            new = [p for pid, p in people.items() if self._by_id.get(pid) is not p]
        else:
            touched = set(touched)
            old = [p for pid in touched
                   if (p := self._by_id.get(pid)) is not None and people.get(pid) is not p]
            new = [p for pid in touched
                   if (p := people.get(pid)) is not None and self._by_id.get(pid) is not p]
        if list(people) == list(self._by_id):  # (one comparison in C)
            # the same ids in this registry's order, which is id order
            ordered, by_id = tuple(people.values()), dict(people)
        else:
            ordered = tuple(sorted(people.values(), key=_ID))
            by_id = {p.id: p for p in ordered}
        by_key = _patched(self._by_key, old, new, _keys)
        by_surname = _patched(self._by_surname, old, new,
                              lambda p: (s,) if (s := _surname(p)) else ())
        redirects = dict(self._redirects)
        for alias in {a for p in (*old, *new) for a in p.aliases if _ID_ALIAS.fullmatch(a)}:
            owner = next((p.id for p in reversed(by_key.get(_key(alias), ()))
                          if alias in p.aliases and alias != p.id), None)
            if owner is None:
                redirects.pop(alias, None)
            else:
                redirects[alias] = owner
        return Registry(ordered, by_id, by_key, redirects, by_surname, True)

    def get(self, person_id: str | None) -> RegistryPerson | None:
        return self._by_id.get(person_id or "")

    def named(self, text: str) -> list[RegistryPerson]:
        """Entries whose name or an alias is `text` (case and spacing aside)."""
        return self._by_key.get(_key(text), [])

    def by_surname(self, name: str) -> list[RegistryPerson]:
        """Entries whose name ends in the same word as `name`."""
        words = _key(name).split()
        return self._by_surname.get(words[-1], []) if words else []

    def redirects(self) -> dict[str, str]:
        """Merged ids: an alias that is an id (a slug) points at its person."""
        return self._redirects

    def canonical(self, person_id: str) -> str:
        """The id a (possibly merged) person id stands for now."""
        return self._redirects.get(person_id, person_id)


@lru_cache(maxsize=1 << 16)  # the same names and aliases, again for every meeting
def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


_ID = attrgetter("id")  # a person's id, as a sort key (no Python call per person)


def _keys(person: RegistryPerson) -> set[str]:
    """What `Registry.named` finds a person by: name and aliases, normalised."""
    return {_key(person.name), *(_key(a) for a in person.aliases)}


def _surname(person: RegistryPerson) -> str | None:
    return _key(person.name).split()[-1] if person.name.split() else None


def _patched(index: dict[str, list[RegistryPerson]], old: list[RegistryPerson],
             new: list[RegistryPerson], keys: Callable[[RegistryPerson], Iterable[str]],
             ) -> dict[str, list[RegistryPerson]]:
    """A copy of `index` (key -> entries in id order) without the `old` entries
    and with the `new` ones; lists that do not change are shared."""
    out = dict(index)
    gone = {id(p) for p in old}
    for k in {k for p in old for k in keys(p)}:
        kept = [p for p in out[k] if id(p) not in gone]
        if kept:
            out[k] = kept
        else:
            del out[k]
    for k, added in _grouped(new, keys).items():
        out[k] = sorted([*out.get(k, ()), *added], key=_ID)
    return out


def _grouped(people: list[RegistryPerson], keys: Callable[[RegistryPerson], Iterable[str]],
             ) -> dict[str, list[RegistryPerson]]:
    groups: dict[str, list[RegistryPerson]] = {}
    for p in people:
        for k in keys(p):
            groups.setdefault(k, []).append(p)
    return groups


@lru_cache(maxsize=1 << 12)  # the same few offices, for every candidate of every meeting
def role_class(role: str | None) -> str:
    """"government" for an office, else "member" (chairs and clerks included)."""
    return "government" if role and _GOVERNMENT.match(role) else "member"


def _classes(entry: RegistryPerson) -> set[str]:
    return {role_class(r.value) for r in entry.roles} or {"member"}


def _year(date: str | None) -> int | None:
    return int(date[:4]) if date and date[:4].isdigit() else None


def _near(entry: RegistryPerson, date: str | None, apart: int = YEARS_APART) -> bool:
    """Whether `date` is within `apart` years of when the entry was seen."""
    year = _year(date)
    if year is None:
        return True
    seen = _seen_years(entry)
    return seen is None or seen[0] - apart <= year <= seen[1] + apart


# What `_seen_years` and `_seen_days` found, by the id of the entry (kept in
# the value, so that the id is not reused while it is here); cleared when full.
_SEEN_YEARS: dict[int, tuple[RegistryPerson, tuple[int, int] | None]] = {}
_SEEN_DAYS: dict[int, tuple[RegistryPerson, tuple[int, int] | None]] = {}
_SEEN_LIMIT = 1 << 14


def _remember(memo: dict[int, tuple[RegistryPerson, tuple[int, int] | None]],
              entry: RegistryPerson, known: list[int]) -> tuple[int, int] | None:
    found = (min(known), max(known)) if known else None
    if len(memo) >= _SEEN_LIMIT:
        memo.clear()
    memo[id(entry)] = (entry, found)
    return found


# Each candidate of each person of each meeting is asked when it was seen,
# while an entry changes only when a meeting teaches it something (and is
# then a new entry): worked out once per entry.

def _seen_years(entry: RegistryPerson) -> tuple[int, int] | None:
    """The first and last year the entry was seen in a party or role (a year 0
    does not count); None when none is known."""
    hit = _SEEN_YEARS.get(id(entry))
    if hit is not None and hit[0] is entry:
        return hit[1]
    return _remember(_SEEN_YEARS, entry, [y for s in entry.roles + entry.parties
                                          for y in (_year(s.start), _year(s.end)) if y])


def printed_labels(meeting: Meeting) -> dict[str, set[str]]:
    """The labels each speaker of the meeting was printed under, by person id
    (one pass over the turns for all the meeting's people)."""
    labels: dict[str, set[str]] = {}
    for t in meeting.turns:
        if t.speaker is not None and t.label:
            labels.setdefault(t.speaker, set()).add(t.label)
    return labels


def person_labels(printed: dict[str, set[str]], person: Person) -> set[str]:
    """Labels as printed for this person (`printed_labels`) that name them (not
    "De voorzitter:")."""
    surname = person.name.split()[-1].casefold() if person.name.split() else ""
    return {label for label in printed.get(person.id, ())
            if not _GENERIC_LABEL.match(label) and surname and surname in label.casefold()}


def _candidates(registry: Registry, meeting: Meeting, person: Person, labels: set[str],
                taken: set[str]) -> list[RegistryPerson]:
    cls = role_class(person.role)

    def fits(e: RegistryPerson) -> bool:
        return e.id not in taken and cls in _classes(e)

    by_label = {e.id: e for label in labels for e in registry.named(label)
                if fits(e) and _near(e, meeting.date)}
    if by_label:
        return list(by_label.values())
    by_name = [e for e in registry.named(person.name)
               if fits(e) and (person.party is None or not e.parties
                               or person.party in {s.value for s in e.parties})]
    if by_name or not person.party:
        return by_name
    return [e for e in registry.by_surname(person.name)
            if fits(e) and _near(e, meeting.date, CAREER_YEARS)
            and compatible_names(e.name, person.name)
            and person.party in {s.value for s in e.parties}
            and _party_then(e, meeting.date) in (None, person.party)]


def _party_then(entry: RegistryPerson, date: str | None) -> str | None:
    """The party the entry held on `date` by a spell covering it, else None."""
    for spell in entry.parties:
        if date and spell.start and spell.end and spell.start <= date <= spell.end:
            return spell.value
    return None


def _is_initial(word: str) -> bool:
    return "." in word or len(word) == 1


def compatible_names(a: str, b: str) -> bool:
    """Whether two printed names can be one person: the same surname (the words
    they end in), and given names that agree where both have one ("Barry
    Madlener" and "Madlener"; "J. van Dijk" and "Jasper van Dijk"; not "Arno
    Rutte" and "Mark Rutte")."""
    wa, wb = _key(a).split(), _key(b).split()
    common = 0
    while common < min(len(wa), len(wb)) and wa[-1 - common] == wb[-1 - common]:
        common += 1
    if not common:
        return False
    given_a, given_b = wa[:len(wa) - common], wb[:len(wb) - common]
    if not given_a or not given_b:
        return True
    first_a, first_b = given_a[0], given_b[0]
    if _is_initial(first_a) or _is_initial(first_b):
        return first_a[0] == first_b[0]
    return first_a == first_b


def _new_id(registry: Registry, wanted: str, taken: set[str]) -> str:
    base = slugify(wanted, fallback="persoon")
    used = set(registry._by_id) | set(registry.redirects()) | taken
    candidate, n = base, 1
    while candidate in used:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _extend(spells: tuple[Spell, ...], value: str | None, date: str | None) -> tuple[Spell, ...]:
    """Record that `value` was held on `date`: widen its spell or add one."""
    if not value:
        return spells
    for i, s in enumerate(spells):
        if s.value == value:
            if date:
                start, end = min(filter(None, (s.start, date))), max(filter(None, (s.end, date)))
                if start != s.start or end != s.end:  # (else: the spell covers it already)
                    return (*spells[:i], Spell(value, start, end), *spells[i + 1:])
            return spells
    return (*spells, Spell(value, date, date))


def _learn(entry: RegistryPerson, meeting: Meeting, person: Person,
           labels: set[str]) -> RegistryPerson:
    """Add what this meeting says about the person; never drop or change a value,
    except that a fuller name ("Jesse Klaver" for "Klaver") replaces a shorter one
    (kept as an alias)."""
    name, aliases = entry.name, list(entry.aliases)
    new_names = [person.name, *sorted(labels)]
    if _key(person.name).endswith(" " + _key(name)):
        aliases.append(name)
        name = person.name
    known = {_key(name), *(_key(a) for a in aliases)}
    for alias in new_names:
        if _key(alias) not in known:
            aliases.append(alias)
            known.add(_key(alias))
    parties = _extend(entry.parties, person.party, meeting.date)
    roles = _extend(entry.roles, person.role, meeting.date)
    if name == entry.name and len(aliases) == len(entry.aliases) \
            and parties is entry.parties and roles is entry.roles:
        return entry  # nothing new: the registry need not change for this person
    return replace(entry, name=name, aliases=tuple(aliases), parties=parties, roles=roles)


PersonKey = tuple[str, str | None, str | None]


def person_key(person: Person) -> PersonKey:
    """What identifies a person within one meeting: name, party and role as printed."""
    return person.name, person.party, person.role


def resolve_meeting(meeting: Meeting, registry: Registry, file: str = "",
                    previous: Mapping[PersonKey, str] | None = None,
                    ) -> tuple[Meeting, Registry, list[Diagnostic]]:
    """The meeting with archive-wide person ids, the registry extended with what
    it says, and warnings for people who could be more than one entry. Two
    people of one meeting never get the same id. `previous` holds the ids an
    earlier import of this meeting gave (by `person_key`): a person who could be
    several entries keeps the one it had, so a re-import (a newer parser) does
    not hand out new ids."""
    # The entries this meeting changes, over the registry's (None: removed);
    # most meetings change few or none, and the registry is not copied for them.
    changes: dict[str, RegistryPerson | None] = {}

    def current(pid: str) -> RegistryPerson | None:
        return changes[pid] if pid in changes else registry._by_id.get(pid)

    mapping: dict[str, str] = {}
    taken: set[str] = set()  # (the ids given: with those removed, the ids `people` changed at)
    touched: set[str] = set()
    diags: list[Diagnostic] = []
    printed = printed_labels(meeting)
    for person in meeting.people:
        labels = person_labels(printed, person)
        found = _candidates(registry, meeting, person, labels, taken)
        before = (previous or {}).get(person_key(person))
        nearest = _nearest_in_time(found, meeting.date) if before is None else None
        if len(found) == 1:
            pid = registry.canonical(found[0].id)  # an entry merged into another by hand
        elif nearest is not None:
            pid = registry.canonical(nearest.id)
            diags.append(warning(
                f"{person.name!r} could be any of {', '.join(e.id for e in found)}; "
                f"taken as {pid!r}, the one seen nearest in time", file, meeting.source.line,
                hint=f"if this is someone else, give them a new entry in content/people.yaml "
                     f"and change speaker={pid} in this meeting's content file"))
        elif before is not None and before in {e.id for e in found}:
            pid = registry.canonical(before)
            diags.append(warning(
                f"{person.name!r} could be any of {', '.join(e.id for e in found)}; "
                f"kept as {pid!r}, as the previous import had it", file, meeting.source.line,
                hint=f"merge by adding '{pid}' to the aliases of the right person "
                     "in content/people.yaml"))
        else:
            pid = _new_id(registry, person.id, taken)
            if found:
                diags.append(warning(
                    f"{person.name!r} could be any of {', '.join(e.id for e in found)}; "
                    f"added as {pid!r}", file, meeting.source.line,
                    hint=f"merge by adding '{pid}' to the aliases of the right person "
                         "in content/people.yaml"))
        known = current(pid)
        entry = _learn(known or RegistryPerson(pid, person.name), meeting, person, labels)
        fuller = _fuller_id(known, entry, registry, taken)
        if fuller:
            changes[pid] = None
            touched.add(pid)
            entry, pid = replace(entry, id=fuller, aliases=(*entry.aliases, pid)), fuller
        taken.add(pid)
        mapping[person.id] = pid
        if current(pid) is not entry:
            changes[pid] = entry
    if all(registry._by_id.get(pid) is entry for pid, entry in changes.items()):
        extended = registry  # (every entry as it was: the same registry)
    else:
        people = dict(registry._by_id)
        for pid, changed in changes.items():
            if changed is None:
                people.pop(pid, None)
            else:
                people[pid] = changed
        extended = registry.updated(people, taken | touched)
    return rename_people(meeting, mapping), extended, diags


def _seen_days(entry: RegistryPerson) -> tuple[int, int] | None:
    """The first and last day (proleptic ordinals) the entry was seen in a
    party or role, or None when no dated meeting named it."""
    hit = _SEEN_DAYS.get(id(entry))
    if hit is not None and hit[0] is entry:
        return hit[1]
    return _remember(_SEEN_DAYS, entry, [d for s in entry.roles + entry.parties
                                         for d in (_ordinal(s.start), _ordinal(s.end))
                                         if d is not None])


def _ordinal(iso: str | None) -> int | None:
    try:
        return datetime.date.fromisoformat(iso).toordinal() if iso else None
    except ValueError:
        return None


def _nearest_in_time(found: list[RegistryPerson], when: str | None) -> RegistryPerson | None:
    """Of several entries a label fits, the one seen nearest to `when`, if it
    is strictly nearer than every other; None when that is not clear (no date,
    an entry never seen on a dated meeting, a tie). Without this, an entry
    added for an ambiguous label learns the label too, and every later meeting
    that prints it adds one more entry."""
    day = _ordinal(when)
    if len(found) < 2 or day is None:
        return None
    distances = []
    for entry in found:
        seen = _seen_days(entry)
        if seen is None:
            return None
        first, last = seen
        distances.append((max(first - day, day - last, 0), entry))
    distances.sort(key=lambda pair: pair[0])
    return distances[0][1] if distances[0][0] < distances[1][0] else None


def _fuller_id(before: RegistryPerson | None, after: RegistryPerson, registry: Registry,
               taken: set[str]) -> str | None:
    """The id an entry moves to when it learnt a fuller name: an id made from the
    surname ("madlener") becomes the id of the full name ("barry-madlener"), so
    the ids do not depend on which transcript was imported first. The old id
    stays as an alias (content files that use it keep working). None when the
    id stays."""
    if before is None or before.name == after.name or before.id != slugify(before.name):
        return None
    wanted = slugify(after.name, fallback="persoon")
    used = set(registry._by_id) | set(registry.redirects()) | taken
    return None if wanted in used else wanted


def rename_people(meeting: Meeting, mapping: dict[str, str]) -> Meeting:
    """Every person reference of the meeting passed through `mapping`. (Only
    the records holding an id that changes are made again: most of a
    meeting's turns keep theirs.)"""
    moved = {k: v for k, v in mapping.items() if k != v}
    if not moved:
        return meeting

    def m(pid: str | None) -> str | None:
        return None if pid is None else moved.get(pid, pid)

    def turn(t: Turn) -> Turn:
        if t.speaker not in moved:
            return t
        if type(t) is Turn:  # (`replace`, without its look at the fields)
            return Turn(t.id, moved[t.speaker], t.label, t.paragraphs, t.source, t.kind)
        return replace(t, speaker=moved[t.speaker])

    def motion(mo: Motion) -> Motion:
        if not any(s in moved for s in mo.submitter_ids):
            return mo
        return replace(mo, submitter_ids=tuple(m(s) for s in mo.submitter_ids))

    return replace(
        meeting, chair=m(meeting.chair),
        people=tuple(replace(p, id=moved[p.id]) if p.id in moved else p
                     for p in meeting.people),
        present=tuple(moved.get(p, p) for p in meeting.present),
        turns=tuple(turn(t) for t in meeting.turns),
        motions=tuple(motion(mo) for mo in meeting.motions))


def apply_registry(meeting: Meeting, registry: Registry) -> Meeting:
    """What content loading does with the registry: merged ids are redirected,
    and each person gets the registry's name and party on the meeting's date."""
    redirects = registry.redirects()
    if redirects:
        meeting = rename_people(meeting, redirects)
    people: dict[str, Person] = {}
    for p in meeting.people:
        entry = registry.get(p.id)
        if entry is not None:
            p = replace(p, name=entry.name, party=entry.party_on(meeting.date) or p.party)
        people.setdefault(p.id, p)
    return replace(meeting, people=tuple(people.values()))


# ------------------------------------------------------------------------ the file


def _spells(items: tuple[Spell, ...], key: str) -> list[str]:
    return [f"  - {{{key}: {yaml_scalar(s.value)}, from: {yaml_scalar(s.start)}, "
            f"to: {yaml_scalar(s.end)}}}" for s in items]


def dump_registry(registry: Registry) -> str:
    """The registry as people.yaml text, sorted by id (stable diffs)."""
    out = [HEADER.rstrip("\n")]
    for p in sorted(registry.people, key=lambda p: p.id):
        out += ["", f"{yaml_scalar(p.id)}:", f"  name: {yaml_scalar(p.name)}"]
        out.append("  aliases: [" + ", ".join(yaml_scalar(a) for a in p.aliases) + "]")
        out += ["  parties:" + ("" if p.parties else " []"), *_spells(p.parties, "party")]
        out += ["  roles:" + ("" if p.roles else " []"), *_spells(p.roles, "role")]
        if p.note is not None:
            out.append(f"  note: {yaml_scalar(p.note)}")
    return "\n".join(out) + "\n"


def _line_of_key(lines: list[str], key: str) -> int:
    return next((i + 1 for i, line in enumerate(lines)
                 if line.startswith(f"{key}:") or line.startswith(f'"{key}":')), 0)


def key_lines(lines: list[str]) -> Callable[[str], int]:
    """``lambda key: _line_of_key(lines, key)`` in one pass over the file: the
    first line starting ``key:`` or ``"key":`` for a key without a colon or a
    quote (any other key is looked up the slow way)."""
    first: dict[str, int] = {}
    for no, line in enumerate(lines, 1):
        head, colon, _ = line.partition(":")
        if colon:
            first.setdefault(head, no)
            if len(head) > 1 and head[0] == head[-1] == '"':
                first.setdefault(head[1:-1], no)

    def line_of(key: str) -> int:
        if ":" in key or '"' in key:
            return _line_of_key(lines, key)
        return first.get(key, 0)

    return line_of


def _read_spells(value: object, key: str, file: str, line: int,
                 diags: list[Diagnostic]) -> tuple[Spell, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        diags.append(error(f"'{key}' must be a list", file, line))
        return ()
    name_key = "party" if key == "parties" else "role"
    out = []
    for item in value:
        if isinstance(item, str):
            out.append(Spell(item))
        elif isinstance(item, dict) and isinstance(item.get(name_key), str):
            out.append(Spell(item[name_key], _str(item.get("from")), _str(item.get("to"))))
        else:
            diags.append(error(f"cannot read an entry of '{key}': {item!r}", file, line,
                               hint="write '- {party: VVD, from: 2020-09-28, to: null}'"))
    return tuple(out)


def _str(value: object) -> str | None:
    return None if value is None else str(value)


def parse_registry(text: str, file: str) -> tuple[Registry, list[Diagnostic]]:
    """Read people.yaml; problems become diagnostics with file and line."""
    lines = text.splitlines()
    try:
        data = read_written(text)  # (the import writes this file; YAML reads it ~10x slower)
        if data is None:
            data = yaml.load(text, Loader=YamlLoader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        line, message = yaml_error_line(exc)
        return Registry(), [error(f"speaker registry is not valid YAML: {message}", file, line,
                                  lines[line - 1] if 0 < line <= len(lines) else "",
                                  hint="brackets and quotes must close; values with ':' "
                                       "or '#' need quotes")]
    if data is None:
        return Registry(), []
    if not isinstance(data, dict):
        return Registry(), [error("the speaker registry is a mapping of id: person", file, 1)]
    diags = _duplicate_keys(lines, file)
    line_of = key_lines(lines)
    people = []
    for pid, entry in data.items():
        line = line_of(str(pid))
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            diags.append(error(f"person {pid!r} needs at least 'name: ...'", file, line))
            continue
        unknown = sorted(set(map(str, entry)) - {"name", "aliases", "parties", "roles", "note"})
        diags += [warning(f"unknown field {k!r} for person {pid!r}", file, line,
                          hint="known: name, aliases, parties, roles, note") for k in unknown]
        aliases = entry.get("aliases") or []
        if not isinstance(aliases, list):
            diags.append(error("'aliases' must be a list", file, line))
            aliases = []
        people.append(RegistryPerson(
            str(pid), entry["name"], tuple(str(a) for a in aliases),
            _read_spells(entry.get("parties"), "parties", file, line, diags),
            _read_spells(entry.get("roles"), "roles", file, line, diags),
            _str(entry.get("note"))))
    registry = Registry(tuple(people))
    return registry, diags + check_registry(registry, line_of, file)


def read_written(text: str) -> dict[str, dict] | None:
    """What `YamlLoader` reads from people.yaml exactly as `dump_registry`
    writes it (header, then per person its id, name, aliases, parties, roles
    and note, each scalar as `yaml_scalar` writes it), read line by line;
    None for anything else (edited by hand, or no one in it), which YAML reads."""
    lines = text.split("\n")
    header = HEADER.rstrip("\n").split("\n")
    if lines[:len(header)] != header or lines[-1] != "":
        return None
    people: dict[str, dict] = {}
    at, end = len(header), len(lines) - 1

    def scalar(prefix: str) -> tuple[str | None] | None:
        nonlocal at
        line = lines[at] if at < end else ""
        if not line.startswith(prefix):
            return None
        at += 1
        return read_yaml_scalar(line[len(prefix):])

    def spells(key: str) -> list[dict] | None:
        nonlocal at
        line = lines[at] if at < end else ""
        at += 1
        if line == f"  {key}: []":
            return []
        if line != f"  {key}:":
            return None
        found = []
        while at < end and lines[at].startswith("  - {"):
            item = read_flow_map(lines[at][4:])
            if item is None:
                return None
            found.append(item)
            at += 1
        return found or None

    while at < end:
        if lines[at] != "" or at + 1 == end or not lines[at + 1].endswith(":"):
            return None
        pid = read_yaml_scalar(lines[at + 1][:-1])
        at += 2
        if pid is None or pid[0] is None or pid[0] in people:
            return None
        name = scalar("  name: ")
        aliases_line = lines[at] if at < end else ""
        at += 1
        aliases = read_flow_list(aliases_line[len("  aliases: "):]) \
            if aliases_line.startswith("  aliases: ") else None
        if name is None or aliases is None:
            return None
        entry: dict = {"name": name[0], "aliases": aliases}
        for key in ("parties", "roles"):
            items = spells(key)
            if items is None:
                return None
            entry[key] = items
        if at < end and lines[at].startswith("  note: "):
            note = scalar("  note: ")
            if note is None:
                return None
            entry["note"] = note[0]
        people[pid[0]] = entry
    return people or None


def _duplicate_keys(lines: list[str], file: str) -> list[Diagnostic]:
    seen: dict[str, int] = {}
    diags = []
    for i, line in enumerate(lines, 1):
        m = re.match(r'^("?)([^\s#"][^:"]*)\1:\s*$', line)
        if not m:
            continue
        if m.group(2) in seen:
            diags.append(error(f"person id {m.group(2)!r} appears twice (first on line "
                               f"{seen[m.group(2)]}); the later entry wins", file, i, line,
                               hint="merge the two entries into one"))
        seen.setdefault(m.group(2), i)
    return diags


def check_registry(registry: Registry, line_of: Callable[[str], int],
                   file: str) -> list[Diagnostic]:
    """Aliases that point at two people, and id aliases of unknown ids (`line_of`
    gives the line of an id's entry)."""
    owners: dict[str, list[str]] = {}
    for p in registry.people:
        for alias in {_key(a) for a in p.aliases}:
            owners.setdefault(alias, []).append(p.id)
    diags = []
    for alias, ids in sorted(owners.items()):
        if len(ids) > 1:
            diags.append(warning(f"alias {alias!r} belongs to {', '.join(ids)}", file,
                                 line_of(ids[1]),
                                 hint="an alias should name one person; remove it from "
                                      "all but one"))
    for alias, target in sorted(registry.redirects().items()):
        if registry.get(alias) is not None:
            diags.append(warning(f"{alias!r} is merged into {target!r} but still has its "
                                 "own entry", file, line_of(alias),
                                 hint=f"delete the entry '{alias}:' (its speeches now count "
                                      f"for {target!r})"))
    return diags


def load_registry(path: str | object, file: str) -> tuple[Registry, list[Diagnostic]]:
    """people.yaml from `path` (a missing file is an empty registry)."""
    from pathlib import Path

    p = Path(str(path))
    if not p.exists():
        return Registry(), []
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return Registry(), [error(f"cannot read the speaker registry: {exc}", file)]
    return parse_registry(text, file)
