""" "As of" figures against a hand-worked history (see each member's story below)."""

import datetime

import pytest

from members.figures import figures_as_of, figures_by_organization
from members.models import Category, Gender, ManagementType, MemberChange
from tests.conftest import new_member
from tests.members.test_changes import change

K = MemberChange.Kind
D = datetime.date


@pytest.fixture
def history(tree):
    t = tree
    # m1, retired, born 1950: registered in A 2020-01-01, moved house to community B 2022-03-01.
    m1 = new_member(t["a1g1"], "一", D(1950, 5, 1), on=D(2020, 1, 1))
    change(m1, K.MOVE, D(2022, 3, 1), organization=t["b1g1"])
    # m2, in service, born 1990-07-01: transferred in 2020-06-01, out 2021-06-01, back in 2023-01-01.
    m2 = new_member(
        t["a2"],
        "二",
        D(1990, 7, 1),
        kind=K.TRANSFER_IN,
        on=D(2020, 6, 1),
        category=Category.IN_SERVICE,
        joined=D(2015, 7, 1),
    )
    change(m2, K.TRANSFER_OUT, D(2021, 6, 1), external_organization="外", letter_number="1")
    change(m2, K.TRANSFER_IN, D(2023, 1, 1), organization=t["a1g2"], external_organization="外", letter_number="2")
    # m3, born 1985-02-01: admitted (probationary) 2021-01-10, confirmed 2022-01-10.
    m3 = new_member(
        t["a1g1"],
        "三",
        D(1985, 2, 1),
        Gender.FEMALE,
        kind=K.ADMISSION,
        on=D(2021, 1, 10),
        joined=D(2021, 1, 10),
        category=Category.IN_SERVICE,
    )
    change(m3, K.CONFIRMATION, D(2022, 1, 10))
    # m4, registered in-service member, born 1960-12-01, in branch A2: a mistaken move to B on
    # 2021-05-01, corrected; then branch A2 itself moves to community B on 2022-06-01.
    m4 = new_member(
        t["a2"],
        "四",
        D(1960, 12, 1),
        on=D(2020, 1, 1),
        category=Category.IN_SERVICE,
        management_type=ManagementType.IN_SERVICE,
    )
    change(m4, K.MOVE, D(2021, 5, 1), organization=t["b1"])
    change(m4, K.CORRECTION, D(2021, 5, 10), note="误录")
    # m5, mobile in, born 1995: arrived in B 2022-01-01, left 2023-01-01.
    m5 = new_member(
        t["b1"], "五", D(1995, 1, 1), kind=K.MOBILE_IN, on=D(2022, 1, 1), category=Category.MOBILE, joined=D(2018, 7, 1)
    )
    change(m5, K.LEAVE, D(2023, 1, 1))
    # m6, retired, born 1940: registered in A 2020-01-01, died 2022-08-01.
    m6 = new_member(t["a1g1"], "六", D(1940, 1, 1), on=D(2020, 1, 1))
    change(m6, K.DEATH, D(2022, 8, 1))
    t["a2"].move_to(t["b"], D(2022, 6, 1))
    return t


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
