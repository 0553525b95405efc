"""Parsing rules: decided cases, and properties over arbitrary text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scorers.parsing import MAX_DIGITS, format_answer, parse_answer


@pytest.mark.parametrize(
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
def test_decided_cases(reply: str, status: str, value: int | None) -> None:
    parsed = parse_answer(reply)
    assert (parsed.status, parsed.value) == (status, value)


@settings(max_examples=400)
@given(st.text())
def test_no_text_crashes_the_parser(text: str) -> None:
    parsed = parse_answer(text)
    assert parsed.status in ("int", "no_answer", "invalid")
    assert (parsed.value is not None) == (parsed.status == "int")


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from("<>/answerthink 0123456789-+,*\n")))
def test_tag_soup_never_crashes(text: str) -> None:
    parse_answer(text)


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
def test_every_accepted_form_round_trips(value: int, form: str, prefix: str, suffix: str) -> None:
    written = {
        "plain": str(value),
        "plus": f"+{value}" if value >= 0 else str(value),
        "grouped": grouped(value),
        "spaced": f"  {value}\n",
        "bold": f"**{value}**",
        "padded": f"{value:+}".replace("+", "+0") if value >= 0 else str(value),
    }[form]
    parsed = parse_answer(prefix + f"<answer>{written}</answer>" + suffix)
    assert parsed.status == "int" and parsed.value == value


@given(bounded)
def test_canonical_form_round_trips(value: int) -> None:
    assert parse_answer(format_answer(value)).value == value
