"""The demo's organizational life: two years of meetings per branch and group with realistic gaps,
frozen lists taken from the branch's own register, a theme every month, decisions followed up, and
last year's appraisal — all consistent with the portal's own rules."""

import datetime
from collections import Counter

import pytest
from django.utils import timezone

from councils.compliance import Status, judge
from councils.models import (
    Appraisal,
    AppraisalRound,
    Attendance,
    Decision,
    FollowUpTask,
    Meeting,
    MonthlyTheme,
    register_as_of,
)
from organizations.models import Organization
from portal import demo

TODAY = datetime.date(2026, 11, 1)


@pytest.fixture
def seeded(db):
    demo.seed(seed=7, today=TODAY, communities=3, per_community=40)
    return Organization.objects.get(depth=1)


def test_every_month_has_a_published_theme_and_every_theme_day_its_months(seeded):
    months = list(MonthlyTheme.objects.filter(organization=seeded).order_by("month").values_list("month", flat=True))
    assert months[0] == datetime.date(2025, 1, 1) and months[-1] == datetime.date(2026, 11, 1) and len(months) == 23
    days = Meeting.objects.filter(kind="theme_day").select_related("theme")
    assert days.count() > 0
    assert all(day.theme.month == (day.held_on or day.planned_on).replace(day=1) for day in days)


def test_every_branch_and_group_holds_meetings_in_both_years(seeded):
    orgs = Organization.objects.filter(kind__in=["branch", "group"])
    years = Counter(
        (org_id, year.year)
        for org_id, year in Meeting.objects.exclude(held_on=None).values_list("organization_id", "held_on")
    )
    for org in orgs:
        assert years[org.pk, 2025] >= 8 and years[org.pk, 2026] >= 7, org.name


def test_some_branches_miss_a_quarter_and_most_periods_are_met(seeded):
    judgement = judge(seeded, 2025, TODAY)
    missed_general = {r.org_id for r in judgement.results if r.meeting_kind == "general" and r.status == Status.MISSED}
    branches = Organization.objects.filter(kind="branch").count()
    assert 1 <= len(missed_general) < branches / 2
    statuses = Counter(r.status for r in judgement.results)
    assert statuses[Status.MET] > 8 * statuses[Status.MISSED] > 0


def test_nothing_is_held_after_today_and_late_entries_are_marked_as_the_model_would(seeded):
    assert not Meeting.objects.filter(held_on__gt=TODAY).exists()
    assert Meeting.objects.filter(held_on=None, planned_on__gt=TODAY).exists()  # what is planned
    for meeting in Meeting.objects.exclude(held_on=None).only("held_on", "entered_at", "entered_late"):
        assert meeting.entered_late == ((timezone.localdate(meeting.entered_at) - meeting.held_on).days > 7)
    assert Meeting.objects.filter(entered_late=True).exists()


def test_the_frozen_lists_come_from_the_branchs_register(seeded):
    """Each list is the register of the meeting's organization in the middle of its month."""
    meetings = Meeting.objects.filter(kind__in=["general", "group"]).exclude(held_on=None).order_by("id")
    checked = 0
    for meeting in list(meetings[:: max(meetings.count() // 25, 1)]):
        listed = set(meeting.attendances.filter(expected=True).values_list("member_id", "voting"))
        middle = meeting.held_on.replace(day=15)
        register = {
            (pk, status == "full" and mtype in ("self_managed", "mobile_out"))
            for pk, status, mtype in register_as_of(meeting.organization, middle)
        }
        assert listed == register, meeting
        checked += 1
    assert checked >= 20
    assert Attendance.objects.filter(status="leave", leave_reason="").count() == 0
    assert Attendance.objects.filter(expected=False).count() == 0


def test_decisions_pass_with_their_quorum_and_tasks_follow_them(seeded):
    decisions = Decision.objects.select_related("meeting")
    assert decisions.exists()
    assert all(decision.passed for decision in decisions[:30])
    tasks = FollowUpTask.objects.select_related("meeting")
    assert tasks.filter(done_on=None, due_on__lt=TODAY).exists() and tasks.exclude(done_on=None).exists()
    assert all(task.due_on >= task.meeting.held_on for task in tasks)
    assert all(task.done_on is None or task.meeting.held_on <= task.done_on <= TODAY for task in tasks)


def test_last_years_appraisal_grades_no_probationary_member_and_at_most_a_third_excellent(seeded):
    rounds = AppraisalRound.objects.filter(year=2025)
    assert rounds.count() == Organization.objects.filter(kind="branch").count()
    for appraisal_round in rounds:
        appraisals = list(appraisal_round.appraisals.all())
        assert appraisal_round.meeting.kind == "appraisal" and appraisal_round.meeting.held_on.year == 2025
        assert appraisal_round.excellent_warning(appraisals) is None
    assert not Appraisal.objects.filter(probationary=True).exclude(grade="").exists()
    assert Appraisal.objects.filter(grade="excellent").exists()


def test_the_demo_says_how_many_meetings_it_holds(seeded):
    assert f"{Meeting.objects.count()} 次会议" in demo.holds()
