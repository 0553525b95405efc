"""The dataset: the paper's data bit for bit, seeded variants, and users' files."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from evals.dataset import (
    DatasetConfig,
    DatasetError,
    DictionaryConfig,
    generate_dataset,
    load_dataset_file,
    paper_words,
    vocabulary,
)

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
