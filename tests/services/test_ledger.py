"""Hours and person-times are queries over the ledger: a hand-worked example across a year boundary,
with a member who moved between communities mid-year and corrected entries.

张卫华 (member m) serves in community A, moves to B on 1 June 2024 and serves there; 李秀英 (n)
serves in B. Everything in minutes (all times Asia/Shanghai):

    when served   where  who  minutes  recorded             note
    2023-12-30    A1     m      180    2023-12-30
    2024-01-06    A1     m      120    2024-01-06
    2024-03-10    A2     m      150    2024-03-10
      correction  A2     m      −60    2024-03-12           (it was 90)
    2024-05-01    B      n      120    2024-05-01
      correction  B      n     −120    2025-01-05           (she was not there: a reversal)
    2024-06-01    m moves from A1's group to B1's group
    2024-07-01    B      m      240    2024-07-01
    2024-09-09    B      n       60    2024-09-09
    2024-12-31    B      m       60    2025-01-01 00:10     (written down after New Year's midnight)
    2025-01-02    B      m      120    2025-01-02

The year 2024, as of now:
    A: m 120 + 150 − 60 = 210 min (3.5 h), 2 person-times, 1 member — m's hours stay with A
    B: m 240 + 60 = 300, n 120 − 120 + 60 = 60 → 360 min (6.0 h), 3 person-times, 2 members
    street: 570 min (9.5 h), 5 person-times, 2 members (m counted once)
    m: 510 min (8.5 h) in 2024; n: 60 min
The year 2024, as of 31 Dec 2024 (the late entry and the reversal not yet recorded):
    A: 210, 2, 1;  B: 240 + 120 + 60 = 420, 3, 2;  street: 630, 5, 2
2023: A 180, 1, 1.  2025: B 120, 1, 1.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest

from members.models import MemberChange
from services.models import Figures, ServiceEntry
from tests.conftest import change

D = datetime.date
SH = ZoneInfo("Asia/Shanghai")
YEAR_2024 = (D(2024, 1, 1), D(2024, 12, 31))


def at(year, month, day, hour=12, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SH)


def serve(member, org, served_on, minutes, recorded_at):
    return ServiceEntry.objects.create(
        member=member, organization=org, served_on=served_on, minutes=minutes, recorded_at=recorded_at
    )


def correct(original, minutes, recorded_at):
    entry = original.correction(minutes)
    entry.recorded_at = recorded_at
    entry.full_clean()
    entry.save()
    return entry


@pytest.fixture
def ledger(tree, members):
    m, n = members["a"], members["b"]
    serve(m, tree["a1"], D(2023, 12, 30), 180, at(2023, 12, 30))
    serve(m, tree["a1"], D(2024, 1, 6), 120, at(2024, 1, 6))
    march = serve(m, tree["a2"], D(2024, 3, 10), 150, at(2024, 3, 10))
    correct(march, 90, at(2024, 3, 12))
    may = serve(n, tree["b"], D(2024, 5, 1), 120, at(2024, 5, 1))
    change(m, MemberChange.Kind.MOVE, D(2024, 6, 1), organization=tree["b1g1"])
    serve(m, tree["b"], D(2024, 7, 1), 240, at(2024, 7, 1))
    serve(n, tree["b"], D(2024, 9, 9), 60, at(2024, 9, 9))
    serve(m, tree["b"], D(2024, 12, 31), 60, at(2025, 1, 1, 0, 10))
    serve(m, tree["b"], D(2025, 1, 2), 120, at(2025, 1, 2))
    correct(may, 0, at(2025, 1, 5))
    return tree, m, n


def figures(org, start, end, as_of=None):
    return ServiceEntry.objects.under(org).period(start, end, as_of).figures()


def test_the_year_as_of_now_keeps_the_hours_where_they_were_served(ledger):
    tree, m, n = ledger
    assert m.organization == tree["b1g1"]  # moved; A keeps what m served there
    assert figures(tree["a"], *YEAR_2024) == Figures(210, 2, 1)
    assert figures(tree["b"], *YEAR_2024) == Figures(360, 3, 2)
    assert figures(tree["street"], *YEAR_2024) == Figures(570, 5, 2)
    assert figures(tree["street"], *YEAR_2024).hours == 9.5
    assert ServiceEntry.objects.period(*YEAR_2024).minutes_by_member() == {m.pk: 510, n.pk: 60}


def test_the_year_as_of_new_years_eve_is_what_the_ledger_held_that_evening(ledger):
    tree, m, n = ledger
    eve = D(2024, 12, 31)
    assert figures(tree["a"], *YEAR_2024, as_of=eve) == Figures(210, 2, 1)
    assert figures(tree["b"], *YEAR_2024, as_of=eve) == Figures(420, 3, 2)
    assert figures(tree["street"], *YEAR_2024, as_of=eve) == Figures(630, 5, 2)
    # Ten minutes after midnight (local time) the late entry is in; the reversal is not yet.
    assert figures(tree["street"], *YEAR_2024, as_of=D(2025, 1, 1)) == Figures(690, 6, 2)
    # Before the March correction was recorded, A had the uncorrected 150.
    assert figures(tree["a"], *YEAR_2024, as_of=D(2024, 3, 11)) == Figures(270, 2, 1)


def test_the_years_on_each_side_of_the_boundary(ledger):
    tree, m, n = ledger
    assert figures(tree["street"], D(2023, 1, 1), D(2023, 12, 31)) == Figures(180, 1, 1)
    assert figures(tree["a"], D(2023, 1, 1), D(2023, 12, 31)) == Figures(180, 1, 1)
    assert figures(tree["street"], D(2025, 1, 1), D(2025, 12, 31)) == Figures(120, 1, 1)
    assert figures(tree["b"], D(2023, 12, 1), D(2024, 1, 31)) == Figures()


def test_the_subtree_figures_of_every_node_agree_in_a_constant_number_of_queries(ledger, django_assert_max_num_queries):
    tree, m, n = ledger
    nodes = [tree[key] for key in ("street", "a", "a1", "a2", "b", "b1")]
    for as_of in (None, D(2024, 12, 31)):
        entries = ServiceEntry.objects.period(*YEAR_2024, as_of=as_of)
        with django_assert_max_num_queries(4):
            rolled_up = entries.subtree_figures(nodes)
        assert rolled_up == {node.pk: figures(node, *YEAR_2024, as_of) for node in nodes}
    assert rolled_up[tree["a1"].pk] == Figures(120, 1, 1)
    assert rolled_up[tree["b1"].pk] == Figures()  # served at the community, not the branch


def test_a_member_whose_only_service_was_reversed_is_not_active(tree, members):
    only = serve(members["b"], tree["b"], D(2024, 4, 1), 90, at(2024, 4, 1))
    correct(only, 0, at(2024, 4, 2))
    assert figures(tree["b"], *YEAR_2024) == Figures(0, 0, 0)
    assert ServiceEntry.objects.period(*YEAR_2024).subtree_figures([tree["b"]]) == {tree["b"].pk: Figures()}
    restored = ServiceEntry.objects.get(pk=only.pk).correction(60)
    restored.save()
    assert figures(tree["b"], *YEAR_2024) == Figures(60, 1, 1)
    assert ServiceEntry.objects.period(*YEAR_2024).subtree_figures([tree["b"]]) == {tree["b"].pk: Figures(60, 1, 1)}
