"""Every seed plan against its golden file (the fields read by hand from its text): each field
the document gives is imported right or pointed at by a doubt, each field it does not give is
a doubt, and docs/plans.md's table is the importer's actual score."""

import filecmp
from pathlib import Path

import pytest

from tests.plans import goldens

SHARED_SEEDS = Path("/work/shared/seeds")


def test_every_shared_seed_has_a_fixture_copy_and_a_golden():
    names = goldens.seeds()
    assert names, "no seed fixtures"
    if SHARED_SEEDS.is_dir():  # the shared seeds, when this machine has them
        for seed in SHARED_SEEDS.iterdir():
            assert filecmp.cmp(seed, goldens.FIXTURES / seed.name, shallow=False), seed.name
    for name in names:
        assert (goldens.FIXTURES / f"{name}.expected.json").is_file(), name


@pytest.mark.parametrize("name", goldens.seeds())
def test_seed_matches_its_golden(name):
    expected = goldens.golden(name)
    actual = goldens.projection(goldens.imported(name))
    known_wrong = {(task, field) for task, field, _why in expected.get("known_wrong", [])}
    assert actual["fields"] == expected["fields"]
    assert list(actual["tasks"]) == list(expected["tasks"])
    for number, task in expected["tasks"].items():
        for field, value in task.items():
            if (number, field) in known_wrong:
                assert actual["tasks"][number][field] != value, f"{number} {field} is right now"
            else:
                assert actual["tasks"][number][field] == value, f"{number} {field}"
    assert actual["doubts"] == expected["doubts"]
    score = goldens.score(name)
    assert score["wrong_silent"] == 0 and score["absent"] == score["flagged"]
    assert score["wrong_flagged"] == len(known_wrong)


def test_docs_table_is_the_importers_score():
    assert goldens.documented() == goldens.table(), (
        "docs/plans.md is out of date: run python -m tests.plans.goldens --write")
