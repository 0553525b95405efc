"""Attribution of every failed turn of one sample, from its turn records and the history
it was shown; and the per-sample counts the scorer logs.

For turn t, the previous total P is the last integer the history showed before t (a
rewritten turn shows what its rewrite states, any other turn its own answer; 0 before
any). The earlier totals it could have continued from are 0, every integer shown before
the previous one, and every integer answer the model itself gave before t (different from
what it was shown only when the history was rewritten). In chain-of-thought mode the
reply's working is read too (:mod:`~long_horizon_execution.scorers.attribution_working`)
and the turn gets a ``resolved`` category (see :func:`resolve`); the counts stay those of
the answer, the same rules in every mode.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from long_horizon_execution.core import TurnRecord
from long_horizon_execution.scorers.attribution import (
    CATEGORIES,
    SLIPS,
    Category,
    DictionaryIndex,
    EarlierTotal,
    Slip,
    TurnVerdict,
    classify_turn,
)
from long_horizon_execution.scorers.attribution_working import Break, WorkingReading, read_working

BREAK_SLIP: dict[Break, Slip] = {
    "keys": "skip_repeat",
    "lookup": "lookup",
    "start": "stale",
    "addition": "arithmetic",
}
"""The slip a broken working step shows (a wrong answer after right working shows none)."""
COUNT_KEYS: tuple[str, ...] = (*CATEGORIES, "failed", "turns", *(f"maybe_{s}" for s in SLIPS))
"""The keys of a sample's counts: every category, the failed and the attempted turns, and
for each slip the ambiguous turns it is a candidate for."""


class TurnAttribution(TurnVerdict):
    """A failed turn's verdict, with its turn number and, in cot mode, its working."""

    turn: int
    working: WorkingReading | None = None
    resolved: Category | None = None
    """The category once the working is read (cot), else the answer's category."""


def resolve(verdict: TurnVerdict, working: WorkingReading) -> Category:
    """The category once the working is read. Working that failed one check only, a check
    that shows a slip, names that slip, whatever the answer suggested: the working is
    direct evidence, a rule on the answer a match that can be chance (an increment equal
    to some key's value after an addition slip), and it names slips no rule knows (a
    total the model wrote in its own reply and continued from). Otherwise an ambiguous
    turn whose first broken step shows one of its candidates is that one, and any other
    turn (a format slip, working with several breaks, unreadable working) keeps its
    category."""
    first = BREAK_SLIP.get(working.broke) if working.broke else None
    if verdict.category == "format" or first is None:
        return verdict.category
    if len(working.failed) == 1:
        return first
    if verdict.category == "ambiguous" and first in verdict.candidates:
        return first
    return verdict.category


def attribute_turn(
    index: DictionaryIndex,
    turn: int,
    keys: Sequence[str],
    previous: int,
    earlier: Sequence[EarlierTotal],
    record: TurnRecord,
    cot: bool,
) -> TurnAttribution | None:
    """The attribution of one turn (None when it is right)."""
    verdict = classify_turn(index, keys, previous, earlier, record.answer)
    if verdict is None:
        return None
    working = None
    resolved: Category = verdict.category
    if cot:
        working = read_working(record.reply, index.values, keys, previous, verdict.answer)
        resolved = resolve(verdict, working)
    return TurnAttribution(**verdict.model_dump(), turn=turn, working=working, resolved=resolved)


def attribute_sample(
    dictionary: Mapping[str, int],
    turns: Sequence[Sequence[str]],
    records: Sequence[TurnRecord],
    shown: Mapping[int, int | None] | None = None,
    cot: bool = False,
) -> tuple[list[TurnAttribution], int]:
    """Every failed turn's attribution, in turn order, and the number of turns attempted.

    Args:
      dictionary: The dictionary the model was given.
      turns: Every planned turn's keys (1-based turn t is ``turns[t - 1]``).
      records: The turn records; a turn whose context ran out was never attempted.
      shown: What rewritten turns showed (turn -> integer, None: no integer), e.g. the
        self-conditioning rewrites; other turns show their own answer.
      cot: Read each failed reply's working.
    """
    missing = sorted({key for keys in turns for key in keys} - dictionary.keys())
    if missing:
        raise ValueError(f"turn keys missing from the dictionary: {', '.join(missing[:5])}")
    index = DictionaryIndex(dictionary)
    rewritten = dict(shown or {})
    answered = {
        record.turn: record
        for record in records
        if record.stop_reason != "model_length" and 1 <= record.turn <= len(turns)
    }
    attributions: list[TurnAttribution] = []
    visible: list[tuple[int, int]] = []
    """(turn, integer) of every turn that showed one, so far."""
    own: list[EarlierTotal] = []
    for turn in range(1, len(turns) + 1):
        record = answered.get(turn)
        previous = visible[-1][1] if visible else 0
        if record is not None:
            earlier = [
                EarlierTotal(value=0),
                *(EarlierTotal(value=v, turn=t, source="shown") for t, v in visible[:-1]),
                *own,
            ]
            found = attribute_turn(index, turn, turns[turn - 1], previous, earlier, record, cot)
            if found is not None:
                attributions.append(found)
            if record.answer.is_int and record.answer.value is not None:
                own.append(EarlierTotal(value=record.answer.value, turn=turn, source="own"))
        value = rewritten[turn] if turn in rewritten else _own_value(record)
        if value is not None:
            visible.append((turn, value))
    return attributions, len(answered)


def _own_value(record: TurnRecord | None) -> int | None:
    if record is None or not record.answer.is_int:
        return None
    return record.answer.value


def sample_counts(attributions: Sequence[TurnAttribution], attempted: int) -> dict[str, float]:
    """The counts a sample's score holds (:data:`COUNT_KEYS`, every one present)."""
    counts = dict.fromkeys(COUNT_KEYS, 0.0)
    for found in attributions:
        counts[found.category] += 1
        if found.category == "ambiguous":
            for slip in found.candidates:
                counts[f"maybe_{slip}"] += 1
    counts["failed"] = float(len(attributions))
    counts["turns"] = float(attempted)
    return counts
