"""The speech shards the archive keeps (`generator.archive._keep_speeches`):
what it writes is what the plain rule says, shard by shard and entry by
entry in order (a shard's file is the same bytes): the entries of the
speakers whose newest speeches did not change, as the shard held them, then
the speeches gathered now of the speakers that changed, in the order
gathered."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import generator.archive as archive
from generator.archive import STATE_FORMAT, _keep_speeches, _KeptSpeeches, speech_shard


class _Recorder:
    """A `MeetingTexts` holding the kept speech shards given, recording
    what `keep_state` is asked to keep."""

    def __init__(self, shards: dict[int, dict]):
        self.shards = shards
        self.kept: list[tuple[str, object]] = []

    def previous_state(self, name: str):
        shard = name.rpartition("/")[2]
        if shard.isdigit() and int(shard) in self.shards:
            return (STATE_FORMAT, self.shards[int(shard)])
        return None

    def keep_state(self, name: str, value: object) -> None:
        self.kept.append((name, value))


def _plainly(kept: _KeptSpeeches, index, sources, speeches) -> list[tuple[str, list]]:
    """The rule: every shard of a changed speaker, its unchanged entries then
    the new ones (as lists of items: their order is the file's)."""
    changed = {pid for pid in index.keys() | sources.keys() if index.get(pid) != sources.get(pid)}
    out = []
    for shard in sorted({speech_shard(pid) for pid in changed}):
        entries = {pair: entry for pair, entry in kept.shard(shard).items()
                   if pair[1] not in changed}
        for (mid, pid), refs in speeches.items():
            if pid in changed and speech_shard(pid) == shard and pid in sources:
                entries[(mid, pid)] = (kept.keys[mid], refs)
        out.append((archive._speech_shard_name(shard), list(entries.items())))
    if changed:
        out.append((archive.SPEECH_INDEX, list(sources.items())))
    return out


PEOPLE = [f"p{i}" for i in range(9)]
MEETINGS = [f"m{i}" for i in range(6)]
sources_of = st.dictionaries(st.sampled_from(PEOPLE),
                             st.lists(st.sampled_from(MEETINGS), unique=True, max_size=3)
                             .map(lambda mids: tuple((mid, f"k-{mid}") for mid in mids)),
                             max_size=6)


@settings(max_examples=150, deadline=None)
@given(index=sources_of, sources=sources_of,
       speeches=st.dictionaries(st.tuples(st.sampled_from(MEETINGS), st.sampled_from(PEOPLE)),
                                st.tuples(st.text(max_size=3)), max_size=12),
       held=st.dictionaries(st.tuples(st.sampled_from(MEETINGS), st.sampled_from(PEOPLE)),
                            st.text(max_size=3), max_size=12),
       shards=st.sampled_from([3, 1024]))
def test_the_kept_speech_shards_are_those_of_the_plain_rule(index, sources, speeches, held,
                                                            shards):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(archive, "SPEECH_SHARDS", shards)
        stored: dict[int, dict] = {}
        for (mid, pid), value in held.items():
            stored.setdefault(speech_shard(pid), {})[(mid, pid)] = (f"k-{mid}", (value,))
        keys = {mid: f"k-{mid}" for mid in MEETINGS}
        texts = _Recorder(stored)
        _keep_speeches(texts, _KeptSpeeches(texts, keys, {}), index, sources, speeches)
        made = [(name, list(value[1].items())) for name, value in texts.kept]
        assert all(value[0] == STATE_FORMAT for _, value in texts.kept)
        assert made == _plainly(_KeptSpeeches(_Recorder(stored), keys, {}), index, sources,
                                speeches)
