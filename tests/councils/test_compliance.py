"""The compliance engine against hand-worked calendars of 2024 (a leap year), judged on days chosen
for each case. The defaults seeded from 《中国共产党支部工作条例（试行）》 apply unless a case adds
the street's own version."""

import datetime

import pytest

from councils.compliance import Period, Status, judge
from councils.models import Exemption, Meeting, ScheduleRule
from organizations.models import Organization
from tests.conftest import make_org

D = datetime.date
YEAR = 2024
AFTER = D(2025, 1, 10)  # the whole year has ended
MONTHS = range(1, 13)


def established(parent, name, kind, on, **fields):
    return Organization.establish(parent, name=name, kind=kind, established_on=on, **fields)


def held(org, kind, *days):
    for day in days:
        Meeting.objects.create(organization=org, kind=kind, held_on=day)


def statuses(judgement, org, kind):
    """{period label: (status, held, required)} of one organization and meeting kind."""
    return {
        r.period.label(): (r.status, r.held, r.required)
        for r in judgement.results
        if r.org_id == org.pk and r.meeting_kind == kind
    }


def month(m):
    return f"{YEAR}年{m}月"


QUARTERS = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}


def quarter(q):
    return f"{YEAR}年{QUARTERS[q]}"


def street_rule(street, **fields):
    values = {
        "street": street,
        "organization_kind": "branch",
        "period": "month",
        "min_count": 1,
        "effective_from": D(YEAR, 7, 1),
        "source_text": "街道党工委规定",
    }
    return ScheduleRule.objects.create(**{**values, **fields})


def test_a_month_without_a_committee_meeting_is_missed(tree):
    a1 = tree["a1"]
    Organization.objects.filter(pk=a1.pk).update(has_committee=True)
    held(a1, "committee", *[D(YEAR, m, 10) for m in MONTHS if m != 3])
    result = statuses(judge(tree["a"], YEAR, AFTER), a1, "committee")
    assert result == {month(m): (Status.MISSED, 0, 1) if m == 3 else (Status.MET, 1, 1) for m in MONTHS}


def test_a_branch_without_a_committee_is_not_judged_by_the_committee_rule(tree):
    assert statuses(judge(tree["a"], YEAR, AFTER), tree["a1"], "committee") == {}


def test_a_quarter_without_a_general_meeting_is_missed(tree):
    a1 = tree["a1"]
    held(a1, "general", D(YEAR, 2, 20), D(YEAR, 5, 6), D(YEAR, 5, 30), D(YEAR, 12, 31))
    held(tree["a1g1"], "general", D(YEAR, 8, 1))  # a group's meeting is not the branch's
    result = statuses(judge(tree["street"], YEAR, AFTER), a1, "general")
    assert result == {
        quarter(1): (Status.MET, 1, 1),
        quarter(2): (Status.MET, 2, 1),
        quarter(3): (Status.MISSED, 0, 1),
        quarter(4): (Status.MET, 1, 1),
    }


def test_a_branch_that_had_no_groups_until_mid_year_is_judged_for_group_meetings_from_then(tree):
    c1 = make_org(tree["a"], "甲第三支部", Organization.Kind.BRANCH)
    group = established(c1, "甲3号楼小组", Organization.Kind.GROUP, D(YEAR, 7, 1))
    held(group, "group", D(YEAR, 7, 3), D(YEAR, 8, 3), D(YEAR, 10, 3), D(YEAR, 11, 3), D(YEAR, 12, 3))
    judgement = judge(tree["a"], YEAR, AFTER)
    assert statuses(judgement, group, "group") == {
        month(m): (Status.MISSED, 0, 1) if m == 9 else (Status.MET, 1, 1) for m in range(7, 13)
    }
    # The branch itself holds no group meetings; its older groups are judged all year.
    assert statuses(judgement, c1, "group") == {}
    assert len(statuses(judgement, tree["a1g1"], "group")) == 12


def test_a_branch_rule_for_branches_with_groups_applies_in_the_months_they_had_one(tree):
    c1 = make_org(tree["a"], "甲第三支部", Organization.Kind.BRANCH)
    established(c1, "甲3号楼小组", Organization.Kind.GROUP, D(YEAR, 4, 15))
    street_rule(
        tree["street"], condition="with_groups", meeting_kind="lesson", effective_from=D(2020, 1, 1), period="month"
    )
    result = statuses(judge(tree["a"], YEAR, AFTER), c1, "lesson")
    # The group existed for the whole of May onwards (established mid-April).
    assert list(result) == [month(m) for m in range(5, 13)]
    assert all(status == Status.MISSED for status, _held, _required in result.values())
    assert len(statuses(judge(tree["a"], YEAR, AFTER), tree["a2"], "lesson")) == 0  # no groups, no rule


def test_an_exemption_excuses_the_periods_it_covers_entirely(tree, users):
    a2 = tree["a2"]
    exemption = Exemption.objects.create(
        organization=a2,
        meeting_kind="general",
        starts_on=D(YEAR, 4, 1),
        ends_on=D(YEAR, 9, 30),
        reason="支部换届调整",
        approved_by_name="街道党工委书记 王明",
    )
    Exemption.objects.create(
        organization=a2,
        meeting_kind="lesson",
        starts_on=D(YEAR, 5, 1),
        ends_on=D(YEAR, 12, 31),
        reason="书记住院",
        approved_by_name="街道党工委书记 王明",
    )
    held(a2, "general", D(YEAR, 5, 20))  # held anyway: met beats exempt
    judgement = judge(tree["a"], YEAR, AFTER)
    assert statuses(judgement, a2, "general") == {
        quarter(1): (Status.MISSED, 0, 1),
        quarter(2): (Status.MET, 1, 1),
        quarter(3): (Status.EXEMPT, 0, 1),
        quarter(4): (Status.MISSED, 0, 1),
    }
    exempt = next(r for r in judgement.results if r.status == Status.EXEMPT and r.org_id == a2.pk)
    assert exempt.exemption_id == exemption.pk
    lessons = statuses(judgement, a2, "lesson")
    assert lessons[quarter(2)][0] == Status.MISSED  # April is not covered
    assert lessons[quarter(3)][0] == lessons[quarter(4)][0] == Status.EXEMPT


def test_a_branchs_exemption_covers_its_groups(tree):
    Exemption.objects.create(
        organization=tree["a1"],
        meeting_kind="group",
        starts_on=D(YEAR, 1, 1),
        ends_on=D(YEAR, 12, 31),
        reason="楼栋拆迁，党员暂时分散",
        approved_by_name="王明",
    )
    result = statuses(judge(tree["a"], YEAR, AFTER), tree["a1g2"], "group")
    assert {status for status, _h, _r in result.values()} == {Status.EXEMPT}
    assert {s for s, _h, _r in statuses(judge(tree["b"], YEAR, AFTER), tree["b1g1"], "group").values()} == {
        Status.MISSED
    }


def test_a_rule_changed_mid_year_judges_each_period_by_the_version_in_force(tree):
    a1, street = tree["a1"], tree["street"]
    # The local lesson rule (once a quarter) becomes once a month from July.
    street_rule(street, meeting_kind="lesson", period="month", effective_from=D(YEAR, 7, 1))
    held(a1, "lesson", D(YEAR, 2, 1), D(YEAR, 7, 1), D(YEAR, 8, 31), D(YEAR, 10, 9), D(YEAR, 11, 9), D(YEAR, 12, 9))
    # The general meeting: twice a quarter from the fourth quarter; one version starting mid-quarter
    # (15 August) first judges the fourth quarter, where a later one replaces it.
    street_rule(street, meeting_kind="general", period="quarter", min_count=3, effective_from=D(YEAR, 8, 15))
    street_rule(street, meeting_kind="general", period="quarter", min_count=2, effective_from=D(YEAR, 10, 1))
    held(a1, "general", D(YEAR, 1, 5), D(YEAR, 4, 5), D(YEAR, 7, 5), D(YEAR, 10, 5))
    judgement = judge(tree["a"], YEAR, AFTER)
    assert statuses(judgement, a1, "lesson") == {
        quarter(1): (Status.MET, 1, 1),
        quarter(2): (Status.MISSED, 0, 1),
        month(7): (Status.MET, 1, 1),
        month(8): (Status.MET, 1, 1),
        month(9): (Status.MISSED, 0, 1),
        month(10): (Status.MET, 1, 1),
        month(11): (Status.MET, 1, 1),
        month(12): (Status.MET, 1, 1),
    }
    assert statuses(judgement, a1, "general") == {
        quarter(1): (Status.MET, 1, 1),
        quarter(2): (Status.MET, 1, 1),
        quarter(3): (Status.MET, 1, 1),
        quarter(4): (Status.MISSED, 1, 2),
    }


def test_an_ended_version_of_the_streets_own_leaves_no_requirement(tree):
    street_rule(tree["street"], meeting_kind="lesson", period="quarter", effective_from=D(2020, 1, 1))
    ScheduleRule.objects.filter(street=tree["street"]).update(effective_to=D(YEAR, 6, 30))
    result = statuses(judge(tree["a"], YEAR, AFTER), tree["a1"], "lesson")
    assert list(result) == [quarter(1), quarter(2)]


def test_another_streets_rule_does_not_apply(tree):
    other = make_org(None, "外街道", Organization.Kind.STREET)
    street_rule(other, meeting_kind="lesson", period="month", effective_from=D(2020, 1, 1))
    result = statuses(judge(tree["a"], YEAR, AFTER), tree["a1"], "lesson")
    assert list(result) == [quarter(q) for q in range(1, 5)]


def test_a_rule_for_one_kind_of_branch_comes_before_the_general_one(tree):
    mobile = make_org(tree["a"], "流动党员党支部", Organization.Kind.BRANCH, branch_kind="mobile")
    street_rule(
        tree["street"], meeting_kind="general", period="year", branch_kind="mobile", effective_from=D(2020, 1, 1)
    )
    held(mobile, "general", D(YEAR, 3, 1))
    judgement = judge(tree["a"], YEAR, AFTER)
    assert statuses(judgement, mobile, "general") == {f"{YEAR}年": (Status.MET, 1, 1)}
    assert len(statuses(judgement, tree["a1"], "general")) == 4


def test_a_dissolved_branch_is_not_judged_after_it_closed(tree):
    a2 = tree["a2"]
    Organization.objects.filter(pk=a2.pk).update(dissolved_on=D(YEAR, 5, 20))
    result = statuses(judge(tree["a"], YEAR, AFTER), a2, "general")
    assert list(result) == [quarter(1)]


def test_periods_in_progress_and_the_warning_once_two_thirds_are_gone(tree):
    a1 = tree["a1"]
    # 2024-Q1 has 91 days: two thirds are gone at the end of its 61st day, 1 March.
    before = judge(tree["a"], YEAR, D(YEAR, 2, 29))
    assert statuses(before, a1, "general")[quarter(1)] == (Status.IN_PROGRESS, 0, 1)
    assert statuses(before, a1, "general")[quarter(2)] == (Status.UPCOMING, 0, 1)
    assert not [r for r in before.due_soon() if r.meeting_kind == "general"]
    day = D(YEAR, 3, 1)
    due = [r for r in judge(tree["a"], YEAR, day).due_soon() if r.org_id == a1.pk and r.meeting_kind == "general"]
    assert [r.warning_text(day) for r in due] == ["本季度支部党员大会 0/1，还剩30天"]
    # Meetings after the day judged on do not count yet.
    held(a1, "general", D(YEAR, 3, 2))
    assert [r.org_id for r in judge(tree["a"], YEAR, day).due_soon() if r.meeting_kind == "general"].count(a1.pk) == 1
    assert not [
        r for r in judge(tree["a"], YEAR, D(YEAR, 3, 2)).due_soon() if r.org_id == a1.pk and r.meeting_kind == "general"
    ]
    # Monthly: two thirds of March (31 days) are gone on the 21st.
    theme = [r.warning_text(D(YEAR, 3, 21)) for r in judge(tree["a"], YEAR, D(YEAR, 3, 21)).due_soon()]
    assert "本月主题党日 0/1，还剩10天" in theme
    assert "本月主题党日 0/1，还剩11天" not in [
        r.warning_text(D(YEAR, 3, 20)) for r in judge(tree["a"], YEAR, D(YEAR, 3, 20)).due_soon()
    ]


def test_periods(tree):
    q = Period.containing("quarter", D(YEAR, 8, 31))
    assert (q.start, q.end, q.length, q.quarter, q.label()) == (D(YEAR, 7, 1), D(YEAR, 9, 30), 92, 3, "2024年第三季度")
    assert [p.end for p in Period.of_year("month", YEAR)][1] == D(YEAR, 2, 29)
    assert Period.containing("year", D(YEAR, 5, 5)).label() == "2024年"


def test_missed_periods_are_counted_for_each_organization_above(tree):
    Organization.objects.filter(pk=tree["a1"].pk).update(has_committee=True)
    judgement = judge(tree["street"], YEAR, AFTER)
    counts = judgement.missed_by([tree["a"].pk, tree["b"].pk])
    # Community A: A1 misses 12 committee, 12 theme days, 4 general, 4 lessons, a life meeting and an
    # appraisal; A2 the same without committee meetings; two groups miss 12 group meetings each.
    a1_year = 12 + 12 + 4 + 4 + 2
    a2_year = 12 + 4 + 4 + 2
    assert sum(counts[tree["a"].pk].values()) == a1_year + a2_year + 24
    assert counts[tree["a"].pk]["year"] == 4
    assert sum(counts[tree["b"].pk].values()) == a2_year + 12


@pytest.mark.parametrize("extra", [0, 6])
def test_the_number_of_queries_does_not_grow_with_branches_or_meetings(tree, extra, django_assert_max_num_queries):
    for n in range(extra):
        branch = make_org(tree["a"], f"新{n}支部", Organization.Kind.BRANCH, has_committee=True)
        group = make_org(branch, f"新{n}小组", Organization.Kind.GROUP)
        held(branch, "general", *[D(YEAR, m, 1) for m in MONTHS])
        held(group, "group", D(YEAR, 2, 1))
    with django_assert_max_num_queries(8):
        judgement = judge(tree["street"], YEAR, AFTER)
    assert judgement.results


def test_a_period_ending_on_the_day_judged_is_running_unless_the_day_is_over(tree):
    last_day = D(YEAR, 12, 31)
    running = statuses(judge(tree["a"], YEAR, last_day), tree["a1"], "general")[quarter(4)]
    over = statuses(judge(tree["a"], YEAR, last_day, day_over=True), tree["a1"], "general")[quarter(4)]
    assert (running[0], over[0]) == (Status.IN_PROGRESS, Status.MISSED)
