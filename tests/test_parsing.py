"""Parsing rules: decided cases, and properties over arbitrary text.

The ``lenient`` cases and properties are the suite's earlier rule, unchanged; the ``paper``
ones follow the authors' ``DictSumOutputParser`` (``src/experiments/dict_sum/
dict_sum_util.py`` in their repository), against a reference written from its logic.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from long_horizon_execution.core import (
    MAX_DIGITS,
    PARSING_RULES,
    ParsedAnswer,
    ParsingRule,
    ReplyParser,
    answer_parser,
    format_answer,
    format_answer_list,
    paper_integer,
    parse_answer,
    parse_answer_items,
    parse_answer_list,
)

# --- lenient: the earlier rule, exactly ---------------------------------------------------

LENIENT_CASES = pytest.mark.parametrize(
    "reply,status,value",
    [
        ("<answer>42</answer>", "int", 42),
        ("<answer> -17 </answer>", "int", -17),
        ("<answer>+7</answer>", "int", 7),
        ("<answer>1,234</answer>", "int", 1234),
        ("<answer>-1,234,567</answer>", "int", -1234567),
        ("<answer>12,34</answer>", "invalid", None),
        ("<answer>**7**</answer>", "int", 7),
        ("<answer>`-3`</answer>", "int", -3),
        ("<answer>\u22125</answer>", "int", -5),
        ("<answer>007</answer>", "int", 7),
        ("<ANSWER>9</Answer>", "int", 9),
        ("<answer>3</answer> then <answer>4</answer>", "int", 3),
        ("<answer></answer>", "invalid", None),
        ("<answer>   </answer>", "invalid", None),
        ("<answer>7.0</answer>", "invalid", None),
        ("<answer>1 2</answer>", "invalid", None),
        ("<answer>seven</answer>", "invalid", None),
        ("<answer>" + "9" * (MAX_DIGITS + 1) + "</answer>", "invalid", None),
        ("The total is 42.", "no_answer", None),
        ("<answer>42", "no_answer", None),
        ("", "no_answer", None),
        ("<think>maybe <answer>1</answer></think><answer>2</answer>", "int", 2),
        ("<think>maybe <answer>1</answer></think>", "no_answer", None),
        ("<think>never closed <answer>1</answer>", "no_answer", None),
        ("stray reasoning <answer>1</answer></think><answer>5</answer>", "int", 5),
        ("<answer>\uff17</answer>", "invalid", None),
    ],
)


@LENIENT_CASES
@pytest.mark.parametrize("thinking", [False, True])
def test_lenient_decided_cases(reply: str, status: str, value: int | None, thinking: bool) -> None:
    """Whatever the thinking flag: the lenient rule always strips reasoning."""
    parsed = parse_answer(reply, rule="lenient", thinking=thinking)
    assert (parsed.status, parsed.value) == (status, value)
    assert answer_parser("lenient", thinking)(reply) == parsed


@settings(max_examples=400)
@given(st.text(), st.sampled_from(PARSING_RULES), st.booleans())
def test_no_text_crashes_the_parser(text: str, rule: ParsingRule, thinking: bool) -> None:
    parsed = parse_answer(text, rule, thinking)
    assert parsed.status in ("int", "no_answer", "invalid")
    assert (parsed.value is not None) == (parsed.status == "int")
    assert (parsed.content is None) == (parsed.status == "no_answer")


@settings(max_examples=300)
@given(
    st.text(alphabet=st.sampled_from("<>/answerthink 0123456789-+,*_\n\u0663\u2212")),
    st.sampled_from(PARSING_RULES),
    st.booleans(),
)
def test_tag_soup_never_crashes(text: str, rule: ParsingRule, thinking: bool) -> None:
    parse_answer(text, rule, thinking)


@settings(max_examples=300)
@given(st.text(), st.integers(min_value=-1, max_value=6), st.sampled_from(PARSING_RULES))
def test_no_text_crashes_the_list_parser(text: str, blocks: int, rule: ParsingRule) -> None:
    for thinking in (False, True):
        items = parse_answer_items(text, blocks, rule, thinking)
        assert len(items) == max(0, blocks)
        assert all((item.value is not None) == item.is_int for item in items)


bounded = st.integers(min_value=-(10**MAX_DIGITS - 1), max_value=10**MAX_DIGITS - 1)


def grouped(value: int) -> str:
    return f"{value:,}"


@settings(max_examples=300)
@given(
    value=bounded,
    form=st.sampled_from(["plain", "plus", "grouped", "spaced", "bold", "padded"]),
    prefix=st.text(alphabet=st.characters(blacklist_characters="<"), max_size=30),
    suffix=st.text(max_size=30),
)
def test_every_lenient_form_round_trips(value: int, form: str, prefix: str, suffix: str) -> None:
    written = {
        "plain": str(value),
        "plus": f"+{value}" if value >= 0 else str(value),
        "grouped": grouped(value),
        "spaced": f"  {value}\n",
        "bold": f"**{value}**",
        "padded": f"{value:+}".replace("+", "+0") if value >= 0 else str(value),
    }[form]
    parsed = parse_answer(prefix + f"<answer>{written}</answer>" + suffix, rule="lenient")
    assert parsed.status == "int" and parsed.value == value


@given(bounded, st.sampled_from(PARSING_RULES), st.booleans())
def test_canonical_form_round_trips(value: int, rule: ParsingRule, thinking: bool) -> None:
    assert parse_answer(format_answer(value), rule, thinking).value == value


# --- paper: the authors' rule, the default ------------------------------------------------


def reference(reply: str, thinking: bool = False) -> tuple[str, int | None]:
    """The authors' reading, written from their parser's logic with regular expressions:
    closed think blocks removed in thinking mode only, the first tag by a lazy search,
    ``int()`` of the stripped content (plus the suite's digit bound)."""
    text = re.sub(r"<think>.*?</think>", "", reply, flags=re.DOTALL) if thinking else reply
    match = re.search(r"<answer>(.*?)</answer>", text, flags=re.DOTALL)
    if match is None:
        return ("no_answer", None)
    try:
        value = int(match.group(1).strip())
    except ValueError:
        return ("invalid", None)
    return ("int", value) if len(str(abs(value))) <= MAX_DIGITS else ("invalid", None)


def reference_items(reply: str, blocks: int, thinking: bool = False) -> list[tuple[str, Any]]:
    """The authors' single-turn reading: every comma splits, each item judged alone;
    truncated or padded to the blocks."""
    text = re.sub(r"<think>.*?</think>", "", reply, flags=re.DOTALL) if thinking else reply
    match = re.search(r"<answer>(.*?)</answer>", text, flags=re.DOTALL)
    if match is None:
        return [("no_answer", None)] * blocks
    items: list[tuple[str, Any]] = []
    for chunk in match.group(1).strip().split(","):
        try:
            items.append(("int", int(chunk.strip())))
        except ValueError:
            items.append(("invalid", None))
    items = items[:blocks]
    return items + [("no_answer", None)] * (blocks - len(items))


def outcome(parsed: ParsedAnswer) -> tuple[str, int | None]:
    return (parsed.status, parsed.value)


PAPER_CASES = [
    ("<answer>42</answer>", "int", 42),
    ("<answer> -17 </answer>", "int", -17),
    ("<answer>\n42\n</answer>", "int", 42),
    ("<answer>+7</answer>", "int", 7),
    ("<answer>007</answer>", "int", 7),
    ("<answer>-0</answer>", "int", 0),
    # what int() accepts and the lenient rule does not
    ("<answer>1_231</answer>", "int", 1231),
    ("<answer>-1_000_000</answer>", "int", -1000000),
    ("<answer>\u0661\u0662\u0663</answer>", "int", 123),  # Arabic-Indic digits
    ("<answer>-\u0967\u0966</answer>", "int", -10),  # Devanagari digits
    ("<answer>\uff17</answer>", "int", 7),  # fullwidth seven
    ("<answer>1\u0662</answer>", "int", 12),  # scripts may mix, as int() allows
    ("<answer>\u00a05\u2028</answer>", "int", 5),  # Unicode white space is stripped
    # what the lenient rule accepts and int() does not
    ("<answer>**7**</answer>", "invalid", None),
    ("<answer>`-3`</answer>", "invalid", None),
    ("<answer>1,231</answer>", "invalid", None),
    ("<answer>\u22125</answer>", "invalid", None),  # Unicode minus
    # neither
    ("<answer>1__231</answer>", "invalid", None),
    ("<answer>_1</answer>", "invalid", None),
    ("<answer>1_</answer>", "invalid", None),
    ("<answer>+_1</answer>", "invalid", None),
    ("<answer>- 5</answer>", "invalid", None),
    ("<answer>+-5</answer>", "invalid", None),
    ("<answer>0x10</answer>", "invalid", None),
    ("<answer>1e3</answer>", "invalid", None),
    ("<answer>7.0</answer>", "invalid", None),
    ("<answer>1 2</answer>", "invalid", None),
    ("<answer>seven</answer>", "invalid", None),
    ("<answer>f10</answer>", "invalid", None),  # a slip in the authors' own few-shot example
    ("<answer></answer>", "invalid", None),
    ("<answer>   </answer>", "invalid", None),
    ("<answer>\u00b2</answer>", "invalid", None),  # a superscript is a digit, not a decimal
    ("<answer>" + "9" * (MAX_DIGITS + 1) + "</answer>", "invalid", None),
    # tags: case-sensitive, the first complete pair
    ("<ANSWER>9</Answer>", "no_answer", None),
    ("<Answer>9</Answer> <answer>3</answer>", "int", 3),
    ("<answer>3</answer> then <answer>4</answer>", "int", 3),
    ("<answer><answer>5</answer>", "invalid", None),
    ("<answer>5</ANSWER> <answer>6</answer>", "invalid", None),
    ("The total is 42.", "no_answer", None),
    ("<answer>42", "no_answer", None),
    ("", "no_answer", None),
]


@pytest.mark.parametrize("reply,status,value", PAPER_CASES)
def test_paper_decided_cases(reply: str, status: str, value: int | None) -> None:
    for parsed in (parse_answer(reply), parse_answer(reply, "paper"), answer_parser()(reply)):
        assert outcome(parsed) == (status, value)
    assert reference(reply) == (status, value)


@pytest.mark.parametrize(
    "reply,plain,thinking",
    [
        # outside thinking mode a think block is text like any other
        ("<think>maybe <answer>1</answer></think><answer>2</answer>", 1, 2),
        ("<think>maybe <answer>1</answer></think>", 1, None),
        # only closed blocks go: an unclosed one and a stray closing tag stay
        ("<think>never closed <answer>1</answer>", 1, 1),
        ("stray <answer>1</answer></think><answer>5</answer>", 1, 1),
        # case-sensitive
        ("<THINK><answer>1</answer></THINK><answer>2</answer>", 1, 1),
        # lazy, leftmost, non-overlapping
        ("<think>a</think><think>b <answer>1</answer></think><answer>2</answer>", 1, 2),
        ("<think>a<think>b</think><answer>1</answer></think><answer>2</answer>", 1, 1),
        ("<think><answer>1</answer></think><think>x<answer>2</answer><answer>3</answer>", 1, 2),
    ],
)
def test_paper_strips_closed_think_blocks_only_in_thinking_mode(
    reply: str, plain: int | None, thinking: int | None
) -> None:
    assert parse_answer(reply).value == plain == reference(reply)[1]
    assert parse_answer(reply, thinking=True).value == thinking == reference(reply, True)[1]
    # the lenient rule strips every kind of reasoning, flag or not
    lenient = parse_answer(reply, "lenient")
    assert parse_answer(reply, "lenient", thinking=True) == lenient


def test_paper_reads_every_decimal_digit_as_int_does() -> None:
    digits = [chr(code) for code in range(0x110000) if chr(code).isdecimal()]
    assert len(digits) > 600  # every script's digits, not only ASCII
    for digit in digits:
        assert paper_integer(digit) == int(digit)
        assert paper_integer(f"-{digit}_{digit}") == int(f"-{digit}_{digit}")


def test_paper_bounds_significant_digits_not_the_interpreter() -> None:
    """The one place the suite departs from ``int()``: its digit bound counts significant
    digits, where ``int()`` refuses more than ``sys.get_int_max_str_digits()`` digits
    (4300 by default) counting leading zeros, and accepts 641 to 4300 digits."""
    padded = "<answer>" + "0" * 5000 + "42</answer>"
    assert outcome(parse_answer(padded)) == ("int", 42)
    assert reference(padded) == ("invalid", None)  # int() raised
    long = "<answer>" + "7" * (MAX_DIGITS + 1) + "</answer>"
    assert outcome(parse_answer(long)) == ("invalid", None)
    assert int("7" * (MAX_DIGITS + 1)) > 0  # int() itself would read it


def test_paper_keeps_the_content_as_written() -> None:
    assert parse_answer("<answer> 1_2 </answer>").content == " 1_2 "
    assert parse_answer("<answer>**7**</answer>").content == "**7**"
    assert parse_answer("no tag").content is None


@pytest.mark.parametrize(
    "reply,blocks,expected",
    [
        ("<answer>3, 8, 12</answer>", 3, [3, 8, 12]),
        # one bad item spoils only its own block
        ("<answer>3, x, 12</answer>", 3, [3, "invalid", 12]),
        ("<answer>3, **8**, 12</answer>", 3, [3, "invalid", 12]),
        ("<answer>3, \u22128, 12</answer>", 3, [3, "invalid", 12]),
        # every comma splits: grouped thousands are two items
        ("<answer>1,234, 5</answer>", 3, [1, 234, 5]),
        ("<answer>1_234, 5</answer>", 2, [1234, 5]),
        # empty items and white space
        ("<answer>1,,2</answer>", 3, [1, "invalid", 2]),
        ("<answer>1, 2,</answer>", 3, [1, 2, "invalid"]),
        ("<answer>, 1</answer>", 2, ["invalid", 1]),
        ("<answer> 4 ,5 \n</answer>", 2, [4, 5]),
        ("<answer>1, , 2</answer>", 3, [1, "invalid", 2]),
        ("<answer>1\n2, 3</answer>", 2, ["invalid", 3]),
        ("<answer>1; 2</answer>", 2, ["invalid", "no_answer"]),
        ("<answer></answer>", 2, ["invalid", "no_answer"]),
        # brackets are part of the first and last items
        ("<answer>[1, 2]</answer>", 2, ["invalid", "invalid"]),
        ("<answer>[1, 2, 3]</answer>", 3, ["invalid", 2, "invalid"]),
        # fewer items than blocks: the rest are missing; more: the extra are ignored
        ("<answer>5, 6</answer>", 4, [5, 6, "no_answer", "no_answer"]),
        ("<answer>1, 2, 3, x, 5</answer>", 3, [1, 2, 3]),
        # one block is still a list: its first item counts
        ("<answer>1,234</answer>", 1, [1]),
        ("<answer>12, x</answer>", 1, [12]),
        ("<answer>x, 12</answer>", 1, ["invalid"]),
        # no tag: every block is missing
        ("1, 2, 3", 3, ["no_answer"] * 3),
        ("", 2, ["no_answer"] * 2),
        ("<answer>1</answer>", 0, []),
        # the first tag only, case-sensitive
        ("<ANSWER>9, 9</ANSWER><answer>1, 2</answer><answer>3, 4</answer>", 2, [1, 2]),
    ],
)
def test_paper_lists_are_read_item_by_item(
    reply: str, blocks: int, expected: list[int | str]
) -> None:
    items = parse_answer_items(reply, blocks)
    assert [item.value if item.is_int else item.status for item in items] == expected
    assert [outcome(item) for item in items] == reference_items(reply, blocks)


def test_paper_list_items_keep_their_text_and_strip_thinking_only_when_asked() -> None:
    items = parse_answer_items("<answer> 3 , x </answer>", 2)
    assert [item.content for item in items] == ["3", "x"]
    reply = "<think><answer>0, 0</answer></think><answer>3, 4</answer>"
    assert [item.value for item in parse_answer_items(reply, 2)] == [0, 0]
    assert [item.value for item in parse_answer_items(reply, 2, thinking=True)] == [3, 4]


@pytest.mark.parametrize(
    "reply,blocks",
    [
        ("<answer>3, x, 12</answer>", 3),
        ("<answer>1,,2</answer>", 3),
        ("<answer>5, 6</answer>", 3),
        ("<answer>1,234</answer>", 1),
        ("<answer>1, 2, 3, 4</answer>", 3),
        ("<think><answer>0, 0</answer></think><answer>3, 4</answer>", 2),
        ("<answer>[4,5]</answer>", 2),
        ("no tag", 2),
        ("<answer>x</answer>", 2),
    ],
)
def test_lenient_lists_are_all_or_nothing_as_before(reply: str, blocks: int) -> None:
    items = parse_answer_items(reply, blocks, "lenient")
    assert items == parse_answer_items(reply, blocks, "lenient", thinking=True)
    if blocks == 1:
        assert items == [parse_answer(reply, "lenient")]
        return
    listed = parse_answer_list(reply)
    if listed.values is None:
        assert items == [ParsedAnswer(status=listed.status, content=listed.content)] * blocks
    else:
        values = (listed.values + [None] * blocks)[:blocks]
        assert [item.value for item in items] == values


def test_a_list_with_one_bad_item_differs_between_the_rules() -> None:
    reply = "<answer>3, x, 12</answer>"
    assert [i.value for i in parse_answer_items(reply, 3)] == [3, None, 12]
    assert [i.status for i in parse_answer_items(reply, 3, "lenient")] == ["invalid"] * 3


def test_parsers_are_values_and_unknown_rules_are_refused() -> None:
    assert answer_parser() == ReplyParser("paper", False) == answer_parser("paper")
    assert answer_parser("lenient", True) != answer_parser("lenient")
    with pytest.raises(ValueError, match="parsing must be one of paper, lenient"):
        answer_parser("strict")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="got 'loose'"):
        parse_answer("<answer>1</answer>", "loose")  # type: ignore[arg-type]


# Pieces replies are made of, for texts that reach every branch of the paper rule.
PIECES = [
    "<answer>",
    "</answer>",
    "<ANSWER>",
    "<think>",
    "</think>",
    "<THINK>",
    "0",
    "7",
    "12",
    "_",
    "__",
    "-",
    "+",
    "\u2212",
    ",",
    ", ",
    " ",
    "\n",
    "\t",
    "\x1f",
    "\xa0",
    "\u2028",
    "\u0663",
    "\uff17",
    "\u00b2",
    "**",
    "[",
    "]",
    ".",
    "x",
]
replies = st.one_of(st.text(), st.lists(st.sampled_from(PIECES), max_size=14).map("".join))


@settings(max_examples=500)
@given(replies, st.booleans())
def test_paper_agrees_with_the_reference_on_any_text(reply: str, thinking: bool) -> None:
    assert outcome(parse_answer(reply, thinking=thinking)) == reference(reply, thinking)


@settings(max_examples=400)
@given(replies, st.integers(min_value=0, max_value=5), st.booleans())
def test_paper_lists_agree_with_the_reference_on_any_text(
    reply: str, blocks: int, thinking: bool
) -> None:
    items = parse_answer_items(reply, blocks, thinking=thinking)
    assert [outcome(item) for item in items] == reference_items(reply, blocks, thinking)


@settings(max_examples=500)
@given(
    st.one_of(st.text(max_size=12), st.lists(st.sampled_from(PIECES[6:]), max_size=8).map("".join))
)
def test_paper_integers_are_what_int_reads(content: str) -> None:
    try:
        expected: int | None = int(content.strip())
    except ValueError:
        expected = None
    assert paper_integer(content) == expected


@settings(max_examples=300)
@given(
    value=bounded,
    form=st.sampled_from(["plain", "plus", "underscored", "spaced", "padded", "arabic"]),
    prefix=st.text(alphabet=st.characters(blacklist_characters="<"), max_size=30),
    suffix=st.text(max_size=30),
)
def test_every_paper_form_round_trips(value: int, form: str, prefix: str, suffix: str) -> None:
    arabic = str.maketrans("0123456789", "".join(chr(0x660 + d) for d in range(10)))
    written = {
        "plain": str(value),
        "plus": f"+{value}" if value >= 0 else str(value),
        "underscored": f"{value:_}",
        "spaced": f"  {value}\n",
        "padded": f"{value:+}".replace("+", "+0") if value >= 0 else str(value),
        "arabic": str(value).translate(arabic),
    }[form]
    parsed = parse_answer(prefix + f"<answer>{written}</answer>" + suffix)
    assert parsed.status == "int" and parsed.value == value


@given(st.lists(bounded, min_size=1, max_size=6))
def test_canonical_lists_round_trip_under_both_rules(values: list[int]) -> None:
    for rule in PARSING_RULES:
        items = parse_answer_items(format_answer_list(values), len(values), rule)  # type: ignore[arg-type]
        assert [item.value for item in items] == values
