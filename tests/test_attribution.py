"""Error attribution on hand-made turns: each kind of slip named, ambiguity counted and
never guessed, chain-of-thought working read to its first broken step."""

from __future__ import annotations

import math

import pytest

from long_horizon_execution.core import ParsedAnswer, TurnRecord
from long_horizon_execution.scorers.attribution import (
    DictionaryIndex,
    EarlierTotal,
    TurnVerdict,
    classify_turn,
    digit_slip,
)
from long_horizon_execution.scorers.attribution_sample import (
    COUNT_KEYS,
    TurnAttribution,
    attribute_sample,
    resolve,
    sample_counts,
)
from long_horizon_execution.scorers.attribution_scorer import attribution_shares, count_matrix
from long_horizon_execution.scorers.attribution_working import read_working

WORDS = {"alpha": 12, "bravo": -7, "delta": 30, "echo": 45}
INDEX = DictionaryIndex(WORDS)
EARLIER = [EarlierTotal(value=0), EarlierTotal(value=50, turn=1, source="shown")]


def verdict(
    answer: int | ParsedAnswer, keys: list[str] | None = None, previous: int = 100
) -> TurnVerdict | None:
    parsed = answer if isinstance(answer, ParsedAnswer) else ParsedAnswer.of(answer)
    return classify_turn(INDEX, keys or ["alpha"], previous, EARLIER, parsed)


def test_a_right_turn_is_not_attributed() -> None:
    assert verdict(112) is None
    assert verdict(157, ["alpha", "echo"]) is None


@pytest.mark.parametrize(
    ("answer", "keys", "previous", "category", "detail"),
    [
        (145, None, 100, "lookup", "the value of 'echo'"),
        (88, None, 100, "lookup", "sign flipped"),
        (102, None, 100, "arithmetic", "one digit changed"),
        (105, None, 83, "arithmetic", "off by 10 (a carry)"),
        (121, None, 100, "arithmetic", "two digits swapped"),
        (-112, None, 100, "arithmetic", "sign of the result"),
        (62, None, 100, "stale", "the total shown at turn 1"),
        (12, None, 57, "stale", "the starting total 0"),
        (100, None, 100, "skip_repeat", "previous total repeated"),
        (124, None, 100, "skip_repeat", "'alpha' added twice"),
        (112, ["alpha", "echo"], 100, "skip_repeat", "'echo' skipped"),
        (169, ["alpha", "echo"], 100, "skip_repeat", "'alpha' added twice"),
        (500, None, 100, "other", None),
    ],
)
def test_each_kind_of_slip_is_named(
    answer: int, keys: list[str] | None, previous: int, category: str, detail: str | None
) -> None:
    found = verdict(answer, keys, previous)
    assert found is not None
    assert found.category == category, found
    if detail is None:
        assert found.candidates == [] and found.details == []
    else:
        assert found.candidates == [category]
        assert any(detail in text for text in found.details), found.details


def test_an_unreadable_answer_is_a_format_slip() -> None:
    for answer in (ParsedAnswer(status="no_answer"), ParsedAnswer(status="invalid", content="7?")):
        found = verdict(answer)
        assert found is not None and found.category == "format" and found.answer is None


def test_a_lookup_slip_at_the_second_key_is_found_among_several() -> None:
    # alpha, echo read as alpha, delta: 100 + 12 + 30
    found = verdict(142, ["alpha", "echo"])
    assert found is not None and found.category == "lookup"
    assert "'echo' (45) read as 30" in found.details[0]


def test_an_increment_both_a_key_value_and_a_digit_slip_is_ambiguous_not_guessed() -> None:
    """102 after 100 is one digit off the right 112, and an increment of 2: with a key
    worth 2 in the dictionary both rules hold, so neither is chosen."""
    alone = verdict(102)
    assert alone is not None and alone.category == "arithmetic"
    words = WORDS | {"golf": 2}
    found = classify_turn(DictionaryIndex(words), ["alpha"], 100, EARLIER, ParsedAnswer.of(102))
    assert found is not None
    assert found.category == "ambiguous"
    assert found.candidates == ["lookup", "arithmetic"]
    counts = sample_counts([_attribution(found)], attempted=5)
    assert counts["ambiguous"] == 1 and counts["lookup"] == counts["arithmetic"] == 0
    assert counts["maybe_lookup"] == counts["maybe_arithmetic"] == 1
    assert counts["maybe_stale"] == counts["maybe_skip_repeat"] == 0
    assert counts["failed"] == 1 and counts["turns"] == 5
    assert set(counts) == set(COUNT_KEYS)


def _attribution(found: TurnVerdict, turn: int = 1) -> TurnAttribution:
    return TurnAttribution(**found.model_dump(), turn=turn)


@pytest.mark.parametrize(
    ("right", "written", "named"),
    [(57, 67, True), (-7, -8, True), (95, 105, True), (0, 9, True), (61, 16, True)]
    + [(57, 61, False), (5, -3, False), (112, 500, False), (57, 57, False)],
)
def test_digit_slips(right: int, written: int, named: bool) -> None:
    assert (digit_slip(right, written) is not None) == named


def record(turn: int, keys: list[str], answer: int | None, reply: str = "") -> TurnRecord:
    parsed = ParsedAnswer.of(answer) if answer is not None else ParsedAnswer(status="no_answer")
    text = reply or (f"<answer>{answer}</answer>" if answer is not None else "no idea")
    return TurnRecord(
        turn=turn, keys=keys, reply=text, answer=parsed, shown=text, stop_reason="stop"
    )


def test_a_sample_continuing_from_an_earlier_total_of_its_own_is_stale() -> None:
    turns = [["alpha"], ["echo"], ["alpha"], ["delta"]]
    records = [record(1, turns[0], 12), record(2, turns[1], 57), record(3, turns[2], 24)]
    records.append(record(4, turns[3], None).model_copy(update={"stop_reason": "model_length"}))
    found, attempted = attribute_sample(WORDS, turns, records)
    assert attempted == 3  # the turn whose context ran out was never attempted
    assert [(a.turn, a.category) for a in found] == [(3, "stale")]
    assert "the total shown at turn 1" in found[0].details[0]
    assert found[0].previous == 57 and found[0].expected == 69


def test_previous_totals_are_the_ones_shown_when_the_history_was_rewritten() -> None:
    """Turn 1 answered 12 but the history showed 50: 62 at turn 2 is right (shown-relative),
    24 continues from the model's own hidden answer."""
    turns = [["alpha"], ["alpha"]]
    right, _ = attribute_sample(
        WORDS, turns, [record(1, turns[0], 12), record(2, turns[1], 62)], {1: 50}
    )
    assert right == []
    found, _ = attribute_sample(
        WORDS, turns, [record(1, turns[0], 12), record(2, turns[1], 24)], {1: 50}
    )
    assert [a.category for a in found] == ["stale"]
    assert "its own answer at turn 1" in found[0].details[0]


def test_a_turn_key_missing_from_the_dictionary_is_refused() -> None:
    with pytest.raises(ValueError, match="zulu"):
        attribute_sample(WORDS, [["zulu"]], [record(1, ["zulu"], 3)])


# --- chain-of-thought working ---------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "keys", "broke", "step"),
    [
        ("alpha is 12, so 100 + 12 = 112. <answer>112</answer>", ["alpha"], None, None),
        ("Alpha is 45, so 100 + 45 = 145. <answer>145</answer>", ["alpha"], "lookup", 1),
        ("alpha is 12, so 100 + 12 = 102. <answer>102</answer>", ["alpha"], "addition", 2),
        ("alpha is 12, so 100 - 12 = 88. <answer>88</answer>", ["alpha"], "addition", 2),
        ("alpha is 12, so 50 + 12 = 62. <answer>62</answer>", ["alpha"], "start", 2),
        ("alpha is 12, so 100 + 12 = 112. <answer>113</answer>", ["alpha"], "answer", 3),
        ("bravo is -7, so 100 + (-7) = 93. <answer>93</answer>", ["bravo"], None, None),
        ("bravo is -7, so 100 - 7 = 94. <answer>94</answer>", ["bravo"], "addition", 2),
        ("alpha = 12; 100 + 12 = 112\necho = 45; 112 + 45 = 167\n<answer>167</answer>",
         ["alpha", "echo"], "addition", 4),
        ("alpha = 12; 100 + 12 = 112\necho = 45; 112 + 45 = 157\n<answer>157</answer>",
         ["alpha", "echo"], None, None),
        ("alpha = 12; 100 + 12 = 112\n<answer>112</answer>", ["alpha", "echo"], "keys", 1),
        ("alpha is 12, alpha is 12 and echo is 45, so 100 + 12 + 12 + 45 = 169. "
         "<answer>169</answer>", ["alpha", "echo"], "keys", 2),
    ],
)  # fmt: skip
def test_the_first_broken_step_of_the_working_is_named(
    reply: str, keys: list[str], broke: str | None, step: int | None
) -> None:
    answer = ParsedAnswer.of(int(reply.rsplit("<answer>", 1)[1].split("<")[0]))
    reading = read_working(reply, WORDS, keys, 100, answer.value)
    assert reading.broke == broke, reading
    assert reading.step == step
    assert reading.status == ("ok" if broke is None else "broken")


@pytest.mark.parametrize(
    "reply", ["<answer>112</answer>", "The total is 112 now.", "alpha is 12. <answer>112</answer>"]
)
def test_working_that_cannot_be_read_is_said_so(reply: str) -> None:
    reading = read_working(reply, WORDS, ["alpha"], 100, 112)
    assert reading.status == "unreadable" and reading.broke is None


def test_the_working_resolves_an_ambiguous_turn_and_names_an_unexplained_one() -> None:
    words = WORDS | {"golf": 2}
    found = classify_turn(DictionaryIndex(words), ["alpha"], 100, EARLIER, ParsedAnswer.of(102))
    assert found is not None and found.category == "ambiguous"
    addition = read_working("alpha is 12, so 100 + 12 = 102.", words, ["alpha"], 100, 102)
    lookup = read_working("alpha is 2, so 100 + 2 = 102.", words, ["alpha"], 100, 102)
    assert resolve(found, addition) == "arithmetic"
    assert resolve(found, lookup) == "lookup"
    # from a total no rule knows (say one the model wrote itself): the working shows it
    other = verdict(662)
    assert other is not None and other.category == "other"
    start = read_working("alpha is 12, so 650 + 12 = 662.", WORDS, ["alpha"], 100, 662)
    assert resolve(other, start) == "stale"
    both = read_working("alpha is 45, so 650 + 45 = 662.", WORDS, ["alpha"], 100, 662)
    assert resolve(other, both) == "other"  # more than one check failed: left alone
    # an increment equal to another key's value by chance, after an addition slip
    chance = verdict(130)
    assert chance is not None and chance.category == "lookup"  # 30 is delta's value
    wrong_sum = read_working("alpha is 12, so 100 + 12 = 130.", WORDS, ["alpha"], 100, 130)
    assert resolve(chance, wrong_sum) == "arithmetic"
    unreadable = read_working("<answer>130</answer>", WORDS, ["alpha"], 100, 130)
    assert resolve(chance, unreadable) == "lookup"


def test_a_cot_sample_carries_its_working_and_resolved_category() -> None:
    words = WORDS | {"golf": 2}
    reply = "alpha is 12, so 100 + 12 = 102. <answer>102</answer>"
    records = [record(1, ["delta"], 100, "delta is 30, so 0 + 30 = 100. <answer>100</answer>")]
    records.append(record(2, ["alpha"], 102, reply))
    found, _ = attribute_sample(words, [["delta"], ["alpha"]], records, cot=True)
    assert [(a.turn, a.category) for a in found] == [(1, "other"), (2, "ambiguous")]
    assert found[1].working is not None and found[1].working.broke == "addition"
    assert [a.resolved for a in found] == ["arithmetic", "arithmetic"]
    plain, _ = attribute_sample(words, [["delta"], ["alpha"]], records, cot=False)
    assert plain[1].working is None and plain[1].resolved == "ambiguous"


# --- shares -----------------------------------------------------------------------------


def test_shares_pool_failed_turns_and_bound_each_slip_by_its_ambiguous_turns() -> None:
    rows = [
        {"lookup": 2, "ambiguous": 2, "maybe_lookup": 2, "maybe_arithmetic": 1, "failed": 4},
        {"arithmetic": 1, "other": 1, "failed": 2},
        {"failed": 0},
    ]
    shares = attribution_shares(count_matrix(rows), units=["a", "b", "c"])
    assert shares["failed_turns"] == 6
    assert shares["lookup"] == pytest.approx(2 / 6)
    assert shares["lookup_max"] == pytest.approx(4 / 6)
    assert shares["arithmetic_max"] == pytest.approx(2 / 6)
    assert shares["ambiguous"] == pytest.approx(2 / 6)
    assert shares["lookup_low"] <= shares["lookup"] <= shares["lookup_high"]
    assert shares["lookup_max"] <= shares["lookup_max_high"]
    assert shares["format"] == 0 and shares["format_high"] == 0
    shares_sum = sum(shares[c] for c in ("lookup", "arithmetic", "other", "ambiguous"))
    assert shares_sum == pytest.approx(1.0)
    none = attribution_shares(count_matrix([{"failed": 0, "turns": 3}]))
    assert math.isnan(none["lookup"]) and math.isnan(none["lookup_low"])
    assert count_matrix([]).shape == (0, len(COUNT_KEYS))
