"""The dataset: the paper's data bit for bit, seeded variants, and users' files."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest

from long_horizon_execution.evals.dataset import (
    MAX_DICTIONARY_SIZE,
    PAPER_SEED,
    DatasetConfig,
    DatasetError,
    DictionaryConfig,
    generate_dataset,
    paper_words,
    vocabulary,
)
from long_horizon_execution.evals.dataset_files import key_problem, load_dataset_file

PAPER_DICTIONARY_SHA = "9448bdb5dcde27e0d405691970ea29e3061ccbce1de384f64b097cc99dc61c23"


def reference_dataset(
    seed: int, size: int, instances: int, length: int
) -> tuple[dict[str, int], list[list[str]]]:
    """The generator written the slow, obvious way with the random module."""
    rng = random.Random(seed)
    keys = rng.sample(vocabulary(size), size)
    dictionary = {key: rng.randint(-99, 99) for key in keys}
    return dictionary, [rng.choices(keys, k=length) for _ in range(instances)]


def test_paper_dictionary_and_first_instances() -> None:
    data = generate_dataset(DatasetConfig(instances=2, steps=100))
    assert list(data.dictionary.items())[:6] == [
        ("drive", -45),
        ("alone", 46),
        ("adult", 84),
        ("fault", -19),
        ("brain", -45),
        ("blind", 68),
    ]
    assert data.dictionary_sha256() == PAPER_DICTIONARY_SHA
    first = data.instances[0]
    assert first.keys[:5] == ["alarm", "coach", "doubt", "cable", "above"]
    assert first.values[:5] == [88, -31, -64, -32, 46]
    assert first.running_sums[99] == 1231
    assert data.instances[1].keys[:3] == ["brief", "extra", "check"]


def test_vocabulary_is_the_shipped_file() -> None:
    words = paper_words()
    assert len(words) == 101 and all(len(w) == 5 for w in words)


@pytest.mark.parametrize("seed,size", [(42, 100), (7, 30), (3, 150)])
def test_fast_generator_matches_the_random_module(seed: int, size: int) -> None:
    config = DatasetConfig(
        seed=seed,
        dictionary=DictionaryConfig(size=size),
        instances=3,
        steps=500,
        generation_length=500,
    )
    data = generate_dataset(config)
    dictionary, plans = reference_dataset(seed, size, 3, 500)
    assert data.dictionary == dictionary
    assert [inst.keys for inst in data.instances] == plans
    for inst in data.instances:
        assert inst.values == [dictionary[k] for k in inst.keys]
        total = 0
        for value, running in zip(inst.values, inst.running_sums, strict=True):
            total += value
            assert running == total


def test_shorter_horizons_are_prefixes_of_the_full_instances() -> None:
    short = generate_dataset(DatasetConfig(instances=3, steps=40))
    longer = generate_dataset(DatasetConfig(instances=3, steps=400))
    for a, b in zip(short.instances, longer.instances, strict=True):
        assert b.keys[:40] == a.keys and b.running_sums[:40] == a.running_sums


def test_larger_dictionary_is_deterministic_and_extends_the_vocabulary() -> None:
    config = DatasetConfig(seed=5, dictionary=DictionaryConfig(size=500), instances=1, steps=10)
    first, second = generate_dataset(config), generate_dataset(config)
    assert first == second
    assert len(first.dictionary) == 500
    assert all(len(word) == 5 and word.isalpha() for word in first.dictionary)
    assert set(paper_words()) <= set(vocabulary(500))


def test_value_range_and_seed_change_the_data() -> None:
    narrow = generate_dataset(
        DatasetConfig(dictionary=DictionaryConfig(value_min=1, value_max=9), instances=1, steps=5)
    )
    assert all(1 <= v <= 9 for v in narrow.dictionary.values())
    other = generate_dataset(DatasetConfig(seed=43, instances=1, steps=5))
    assert other.dictionary_sha256() != PAPER_DICTIONARY_SHA


def test_inverted_value_range_is_rejected() -> None:
    with pytest.raises(ValueError, match="value_min"):
        DictionaryConfig(value_min=5, value_max=1)


def records(instances: int = 2, steps: int = 30) -> tuple[dict[str, int], list[dict[str, object]]]:
    data = generate_dataset(DatasetConfig(instances=instances, steps=steps))
    return data.dictionary, [
        {"id": i.id, "input": i.keys, "values": i.values, "output": i.running_sums}
        for i in data.instances
    ]


def test_loads_public_records_as_json_and_as_json_lines(tmp_path: Path) -> None:
    _, rows = records()
    as_json = tmp_path / "data.json"
    as_json.write_text(json.dumps(rows))
    as_lines = tmp_path / "data.jsonl"
    as_lines.write_text("\n".join(json.dumps(r) for r in rows))
    for path in (as_json, as_lines):
        loaded = load_dataset_file(path)
        assert [i.keys for i in loaded.instances] == [r["input"] for r in rows]
        assert all(
            loaded.dictionary[k] == v
            for i in loaded.instances
            for k, v in zip(i.keys, i.values, strict=True)
        )


def test_loads_the_authors_file_with_its_dictionary(tmp_path: Path) -> None:
    dictionary, rows = records()
    body = {
        "dict_sum": {
            "config": {"seed": 42},
            "dictionary": dictionary,
            "ground_truth_data": [{k: r[k] for k in ("input", "values", "output")} for r in rows],
        }
    }
    path = tmp_path / "authors.json"
    path.write_text(json.dumps(body))
    loaded = load_dataset_file(path)
    assert loaded.dictionary == dictionary
    assert loaded.dictionary_sha256() == PAPER_DICTIONARY_SHA
    assert loaded.instances[1].running_sums == rows[1]["output"]


@pytest.mark.parametrize(
    "content,message",
    [
        ("", "non-empty list"),
        ("{not json", "neither JSON nor JSON lines"),
        ("[]", "non-empty list"),
        ('[{"input": ["a"], "values": [1]}]', "lacks output"),
        ('[{"input": ["a"], "values": [1], "output": [2]}]', "not running sums"),
        ('[{"input": ["a", "a"], "values": [1, 2], "output": [1, 3]}]', "two values"),
        ('[{"input": ["a"], "values": ["x"], "output": [1]}]', "malformed"),
        ('{"dict_sum": {}}', "ground_truth_data"),
        ("[1, 2]", "not an object"),
    ],
)
def test_malformed_files_fail_with_one_clear_line(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(DatasetError, match=message) as error:
        load_dataset_file(path)
    assert "\n" not in str(error.value)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="cannot read"):
        load_dataset_file(tmp_path / "nope.json")


def test_a_run_keeps_only_the_instances_and_steps_it_uses_yet_every_record_is_checked(
    tmp_path: Path,
) -> None:
    dictionary, rows = records(instances=4, steps=30)
    path = tmp_path / "data.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in rows))
    part = load_dataset_file(path, instances=2, steps=5)
    assert [i.id for i in part.instances] == [0, 1]
    assert all(len(i.keys) == 5 for i in part.instances)
    assert part.instances[1].running_sums == rows[1]["output"][:5]
    assert part.dictionary == load_dataset_file(path).dictionary  # from every record
    rows[3]["output"] = [*rows[3]["output"][:-1], 0]  # a record the run would not use
    path.write_text("\n".join(json.dumps(row) for row in rows))
    with pytest.raises(DatasetError, match="record 3 has outputs that are not running sums"):
        load_dataset_file(path, instances=2, steps=5)


def test_accepted_file_shapes(tmp_path: Path) -> None:
    dictionary, rows = records(instances=2, steps=6)
    shapes = {
        # the authors' layout, pretty-printed, its dictionary after the data
        "authors.json": json.dumps(
            {"dict_sum": {"ground_truth_data": rows, "dictionary": dictionary}, "extra": 1},
            indent=2,
        ),
        "bom.json": "\ufeff" + json.dumps(rows),  # a byte-order mark, as some editors write
        "one_line.jsonl": json.dumps(rows[0]) + "\n",  # JSON lines of a single record
        "blank_lines.jsonl": "\n\n".join(json.dumps(row) for row in rows) + "\n\n",
        "extra_fields.json": json.dumps([{**row, "note": "kept out"} for row in rows]),
    }
    for name, text in shapes.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        loaded = load_dataset_file(path)
        assert loaded.instances[0].keys == rows[0]["input"], name
        assert len(loaded.instances) == (1 if name == "one_line.jsonl" else 2), name
    authors = load_dataset_file(tmp_path / "authors.json")
    assert authors.dictionary == dictionary


def test_keys_that_would_make_a_prompt_ambiguous_are_named() -> None:
    assert key_problem("alarm") is None
    assert key_problem("New York") is None  # a space inside is unambiguous
    for key in ("", "a, b", "a: b", "a\nb", "a\tb", "a\u2028b", " a", "a ", "kiwi", "elm"):
        assert key_problem(key) is not None, key


def test_the_vocabulary_stops_at_its_largest_size() -> None:
    # Seven paper words fit the extension's pattern, so its last few sizes could never be
    # reached: the rejection draws looped forever. The bound keeps far from them (a build
    # at the bound is in tests/test_bounds.py).
    with pytest.raises(DatasetError, match="exceeds the largest"):
        vocabulary(MAX_DICTIONARY_SIZE + 1)


def test_short_instances_skip_the_rest_of_their_draws_quickly_and_exactly() -> None:
    short = generate_dataset(DatasetConfig(instances=20, steps=3, generation_length=2000))
    _, plans = reference_dataset(PAPER_SEED, 100, 20, 2000)
    assert [inst.keys for inst in short.instances] == [plan[:3] for plan in plans]
    start = time.process_time()
    many = generate_dataset(DatasetConfig(instances=300, steps=3))  # 50,000 draws each
    # about 0.4 s of processor time, 2.5 s before the draws past step 3 were skipped
    assert time.process_time() - start < 10
    assert len(many.instances) == 300
