"""The home page's attention items for visits and pairings: each count, for any organization, equals
the rows of the list it opens; the counts take a bounded number of queries; the home page shows them
and they move as soon as a visit is recorded."""

import datetime
import re

import pytest

from members.models import Gender, MemberChange
from portal import registry
from services import visits as rules
from services.models import CareVisit, Household, Pairing, VisitDue
from tests.conftest import change, new_member

D = datetime.date
K = MemberChange.Kind
TODAY = datetime.date.today()
DAY = datetime.timedelta(days=1)
KEYS = ["visits_overdue", "must_visits_due", "households_without_helper", "helpers_overloaded", "pairings_behind"]
HOME_LINK = re.compile(r'<a href="(/services/[^"]+)">([^<：]*)：<strong>(\d+)</strong> [次户对名]</a>')
LIST_COUNT = re.compile(r"共 <strong>(\d+)</strong>")


def household(org, name, **fields):
    return Household.objects.create(organization=org, name=name, kinds=fields.pop("kinds", ["poor"]), **fields)


def pair(member, home, started, frequency=60, **fields):
    return Pairing.objects.create(member=member, household=home, started_on=started, frequency_days=frequency, **fields)


def visit(org, on, member=None, home=None, reason="ill", **fields):
    return rules.record_visit(
        CareVisit(organization=org, member=member, household=home, reason=reason, visited_on=on, **fields)
    )


@pytest.fixture
def scene(tree, members):
    """Community A has, of each item: 2 overdue, 2 must-visits due, 3 households without a helper, 1
    overloaded helper, 2 pairings behind; community B one must-visit and one household without a
    helper. Around them, rows that must not be counted."""
    a, b = tree["a"], tree["b"]
    zhang = members["a"]
    helper = new_member(tree["a1g2"], "王芳", D(1965, 1, 1), Gender.FEMALE)
    busy = new_member(tree["a2"], "刘强", D(1966, 1, 1))
    # -- dues
    visit(a, TODAY - 9 * DAY, zhang, follow_up_needed=True, follow_up_due=TODAY - 2 * DAY)  # overdue (ill)
    visit(a, TODAY - 20 * DAY, helper, reason="festival", follow_up_needed=True, follow_up_due=TODAY - DAY)  # overdue
    visit(a, TODAY - DAY, helper, reason="other", follow_up_needed=True, follow_up_due=TODAY + 3 * DAY)  # not a must
    visit(a, TODAY - DAY, busy, reason="ill", follow_up_needed=True, follow_up_due=TODAY + 30 * DAY)  # not yet
    visit(a, TODAY - DAY, busy, reason="hardship", follow_up_needed=True, follow_up_due=TODAY)  # must, due today
    for name in ("逝者甲", "逝者乙"):
        change(new_member(tree["a1g1"], name, D(1935, 1, 1)), K.DEATH, TODAY - DAY)
    VisitDue.objects.filter(member__name="逝者乙").update(cancelled=True)  # cancelled: not counted
    gone = new_member(tree["a2"], "逝者丙", D(1936, 1, 1))
    change(gone, K.DEATH, TODAY - 2 * DAY)  # must, due in 7 days...
    change(new_member(tree["a2"], "逝者丁", D(1937, 1, 1)), K.DEATH, TODAY - 3 * DAY)
    visit(a, TODAY, VisitDue.objects.get(member__name="逝者丁").member, reason="death")  # ...this one visited: done
    change(members["b"], K.DEATH, TODAY)  # B's must-visit
    # -- households and pairings
    helped = household(a, "有人帮")
    pair(helper, helped, TODAY - 10 * DAY)  # in force, helper on the register, not behind
    household(a, "无人帮")
    household(a, "已脱困", closed_on=TODAY - DAY)  # closed: not counted
    left = household(a, "帮扶人去世")
    dead_helper = new_member(tree["a1g1"], "赵刚", D(1950, 1, 1))
    pair(dead_helper, left, TODAY - 10 * DAY)
    change(dead_helper, K.DEATH, TODAY - DAY)  # (a must-visit of its own)
    ended = household(a, "结对已结束")
    pair(helper, ended, TODAY - 200 * DAY, ended_on=TODAY - 5 * DAY, end_reason="调整")  # behind, but ended
    household(b, "乙社区无人帮")
    for index in range(6):
        home = household(a, f"刘强帮扶{index}")
        started = TODAY - (60 if index == 0 else 61 if index == 1 else 30) * DAY
        pair(busy, home, started)  # #0 due exactly today (not behind), #1 a day late (behind)
    late = household(a, "超期")
    paired = pair(zhang, late, TODAY - 100 * DAY)  # behind since 40 days
    recent = household(a, "刚走访")
    kept = pair(zhang, recent, TODAY - 100 * DAY)
    visit(a, TODAY - 10 * DAY, home=recent, reason="other", pairing=kept)  # not behind
    return {"busy": busy, "late": paired}


EXPECTED_A = {
    "visits_overdue": 2,
    "must_visits_due": 4,  # 逝者甲, 逝者丙, 赵刚 (the dead helper), busy's hardship follow-up due today
    "households_without_helper": 3,  # 无人帮, 帮扶人去世, 结对已结束
    "helpers_overloaded": 1,
    "pairings_behind": 2,
}


def list_count(client, url):
    page = client.get(url)
    assert page.status_code == 200, url
    return int(LIST_COUNT.search(page.content.decode()).group(1))


def test_the_counts_of_community_a_are_what_the_scene_holds(tree, scene):
    assert rules.count_attention([tree["a"]], TODAY)[tree["a"].pk] == EXPECTED_A
    assert rules.count_attention([tree["b"]], TODAY)[tree["b"].pk] == {
        "visits_overdue": 0,
        "must_visits_due": 1,
        "households_without_helper": 1,
        "helpers_overloaded": 0,
        "pairings_behind": 0,
    }


@pytest.mark.parametrize("scope", ["street", "a", "b", "a1", "a2", "b1"])
def test_every_count_equals_the_rows_of_the_list_it_opens(client, users, tree, scene, scope):
    client.force_login(users["street"])
    org = tree[scope]
    counts = rules.count_attention([org], TODAY)[org.pk]
    for item in registry.attention:
        if item.key in KEYS:
            assert list_count(client, item.url(org)) == counts[item.key], (scope, item.key)


def test_the_lists_show_exactly_the_counted_rows(client, users, tree, scene):
    client.force_login(users["secretary_a"])
    a = tree["a"].pk
    overdue = client.get(f"/services/visits/due/?org={a}&attention=overdue").content.decode()
    assert overdue.count('class="late"') == 2 and "张卫华" in overdue and "王芳" in overdue
    must = client.get(f"/services/visits/due/?org={a}&attention=must").content.decode()
    assert all(name in must for name in ("逝者甲", "逝者丙", "赵刚", "刘强")) and "逝者乙" not in must
    assert "逝者丁" not in must and "李秀英" not in must
    homes = client.get(f"/services/households/?org={a}&attention=without_helper").content.decode()
    assert all(name in homes for name in ("无人帮", "帮扶人去世", "结对已结束"))
    assert "已脱困" not in homes and "有人帮" not in homes and "乙社区无人帮" not in homes
    helpers = client.get(f"/services/pairings/helpers/?org={a}&attention=overloaded").content.decode()
    assert "刘强" in helpers and "张卫华" not in helpers and '<strong class="error">6</strong>' in helpers
    behind = client.get(f"/services/pairings/?org={a}&attention=behind").content.decode()
    assert "超期" in behind and "刘强帮扶1" in behind
    assert "刘强帮扶0" not in behind and "刚走访" not in behind and "结对已结束" not in behind


def test_many_scopes_are_counted_in_a_bounded_number_of_queries(tree, scene, django_assert_max_num_queries):
    scopes = [tree[key] for key in ("street", "a", "b", "a1", "a2", "b1")]
    with django_assert_max_num_queries(4 * 3):  # four querysets, three depths among the scopes
        counts = rules.count_attention(scopes, TODAY)
    for scope in scopes:
        assert counts[scope.pk] == rules.count_attention([scope], TODAY)[scope.pk], scope.name
    assert counts[tree["a"].pk] == EXPECTED_A
    assert counts[tree["street"].pk]["must_visits_due"] == 5 and counts[tree["a1"].pk]["must_visits_due"] == 2


def test_the_home_page_shows_the_counts_and_each_opens_its_list(client, users, tree, scene):
    client.force_login(users["secretary_a"])
    home = client.get("/").content.decode().replace("&amp;", "&")
    links = {title: (url, int(count)) for url, title, count in HOME_LINK.findall(home)}
    assert {title: count for title, (url, count) in links.items()} == {
        "走访已逾期": 2,
        "“四必访”待走访": 4,
        "困难家庭无人结对": 3,
        "结对超过5户的党员": 1,
        "结对帮扶超过约定周期未走访": 2,
    }
    for url, count in links.values():
        assert list_count(client, url) == count, url


def test_a_visit_recorded_moves_the_home_count_at_once(client, users, tree, members, scene):
    client.force_login(users["secretary_a"])

    def overdue():
        home = client.get("/").content.decode()
        return {title: int(count) for _url, title, count in HOME_LINK.findall(home)}.get("走访已逾期", 0)

    assert overdue() == 2
    visit(tree["a"], TODAY, members["a"], reason="ill")  # the follow-up made
    assert overdue() == 1
    scene["late"].ended_on, scene["late"].end_reason = TODAY - DAY, "调整"
    scene["late"].save()
    home = client.get("/").content.decode()
    assert "结对帮扶超过约定周期未走访：<strong>1</strong>" in home


def test_dues_settled_or_cancelled_leave_the_counts(tree, members):
    change(members["a"], K.DEATH, TODAY)
    assert rules.count_attention([tree["a"]], TODAY)[tree["a"].pk]["must_visits_due"] == 1
    change(members["a"], K.CORRECTION, TODAY, note="误录")
    assert rules.count_attention([tree["a"]], TODAY)[tree["a"].pk]["must_visits_due"] == 0
    # Eight days after it is recorded, a must-visit not made is overdue.
    change(members["a"], K.DEATH, TODAY)
    later = TODAY + (rules.DEATH_VISIT_DAYS + 1) * DAY
    assert rules.count_attention([tree["a"]], later)[tree["a"].pk] == {
        **dict.fromkeys(KEYS, 0),
        "visits_overdue": 1,
    }
