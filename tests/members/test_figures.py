""" "As of" figures against a hand-worked history (see each member's story below)."""

import datetime

import pytest

from members.figures import figures_as_of, figures_by_organization
from members.models import Category, ManagementType, MemberChange

K = MemberChange.Kind
D = datetime.date


def totals(day, tree):
    per = figures_by_organization(day, [tree["street"], tree["a"], tree["b"]])
    return per[tree["street"].pk].total, per[tree["a"].pk].total, per[tree["b"].pk].total


@pytest.mark.parametrize(
    "day, street, a, b",
    [
        (D(2019, 12, 31), 0, 0, 0),
        (D(2020, 1, 1), 3, 3, 0),  # m1, m4, m6
        (D(2021, 1, 1), 4, 4, 0),  # + m2
        (D(2021, 5, 5), 5, 5, 0),  # + m3; m4's mistaken move does not count
        (D(2021, 12, 31), 4, 4, 0),  # m2 transferred out
        (D(2022, 7, 1), 5, 2, 3),  # A: m3, m6; B: m1 (moved), m4 (branch moved), m5
        (D(2023, 6, 30), 4, 2, 2),  # A: m2 (back), m3; B: m1, m4; m5 left, m6 died
    ],
)
def test_totals_as_of(history, day, street, a, b):
    assert totals(day, history) == (street, a, b)


def test_breakdowns_on_2021_05_05(history):
    figures = figures_as_of(D(2021, 5, 5))
    assert figures.self_managed == 4
    assert figures.count("management_type", ManagementType.IN_SERVICE) == 1
    assert figures.count("status", "probationary") == 1 and figures.count("status", "full") == 4
    assert figures.count("category", Category.RETIRED) == 2 and figures.count("category", Category.IN_SERVICE) == 3
    # ages on 2021-05-05: m1 70, m2 30, m3 36, m4 60, m6 81
    assert [count for _key, _label, count in figures.breakdown("age_band")] == [0, 2, 0, 0, 3]


def test_breakdowns_on_2023_06_30(history):
    b = figures_by_organization(D(2023, 6, 30), [history["b"]])[history["b"].pk]
    assert b.total == 2 and b.self_managed == 1 and b.count("management_type", ManagementType.IN_SERVICE) == 1
    street = figures_as_of(D(2023, 6, 30))
    # ages: m1 73, m2 32, m3 38, m4 62
    assert [count for _key, _label, count in street.breakdown("age_band")] == [0, 2, 0, 0, 2]
    assert street.share_60_plus == 0.5
    assert street.count("status", "full") == 4


def test_the_age_band_turns_on_the_birthday(history):
    # m4 is born 1960-12-01: 59 the day before the sixtieth birthday, 60 on it.
    before = figures_by_organization(D(2020, 11, 30), [history["a2"]])[history["a2"].pk]
    on = figures_by_organization(D(2020, 12, 1), [history["a2"]])[history["a2"].pk]
    assert before.count("age_band", "50_60") == 1 and before.count("age_band", "60_plus") == 0
    assert on.count("age_band", "60_plus") == 1


def test_figures_for_many_organizations_take_a_fixed_number_of_queries(history, django_assert_max_num_queries):
    orgs = list(history.values())
    with django_assert_max_num_queries(3):
        result = figures_by_organization(D(2023, 6, 30), orgs)
    assert result[history["a1g2"].pk].total == 1  # m2
