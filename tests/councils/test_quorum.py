"""The frozen attendance list, the quorum and votes, worked by hand.

Branch A1 on 15 June 2024 (the meeting's day), from the register's history:

    voting (full, relationship here)   张一 张二 张三 (group 1), 张四 张五 (branch itself),
                                       新来 (transferred in on 8 June), 调入 (moved in from A2 on 10 June)
    attending without a vote           预一 预二 (probationary), 双报到 (registered in-service member)
    not on the list                    转走 (transferred out on 8 June), 调走 (moved to A2 on 10 June),
                                       后来 (transferred in on 20 June, after the meeting)

So 10 expected, 7 entitled to vote; more than half of 7 is 4.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError

from councils.models import Attendance, Decision, Meeting, MeetingKind, ScheduleRule
from members.models import ManagementType, MemberChange, Status
from tests.conftest import change, new_member

D = datetime.date
K = MemberChange.Kind
DAY = D(2024, 6, 15)
PRESENT, LEAVE, ABSENT = Attendance.Status.PRESENT, Attendance.Status.LEAVE, Attendance.Status.ABSENT


@pytest.fixture
def branch(tree):
    t = tree
    people = {}
    for name, org in [("张一", "a1g1"), ("张二", "a1g1"), ("张三", "a1g2"), ("张四", "a1"), ("张五", "a1")]:
        people[name] = new_member(t[org], name)
    people["新来"] = new_member(t["a1g2"], "新来", kind=K.TRANSFER_IN, on=D(2024, 6, 8))
    people["调入"] = new_member(t["a2"], "调入")
    change(people["调入"], K.MOVE, D(2024, 6, 10), organization=t["a1g1"])
    for name in ("预一", "预二"):
        people[name] = new_member(t["a1"], name, kind=K.ADMISSION, on=D(2023, 7, 1), joined=D(2023, 7, 1))
    people["双报到"] = new_member(t["a1g1"], "双报到", management_type=ManagementType.IN_SERVICE)
    people["转走"] = new_member(t["a1g1"], "转走")
    change(people["转走"], K.TRANSFER_OUT, D(2024, 6, 8), external_organization="外地", letter_number="1")
    people["调走"] = new_member(t["a1g2"], "调走")
    change(people["调走"], K.MOVE, D(2024, 6, 10), organization=t["a2"])
    people["后来"] = new_member(t["a1"], "后来", kind=K.TRANSFER_IN, on=D(2024, 6, 20))
    people["外社区"] = new_member(t["b1"], "外社区")
    return people


def general_meeting(tree, **fields):
    meeting = Meeting(organization=tree["a1"], kind=MeetingKind.GENERAL, held_on=DAY, **fields)
    meeting.full_clean()
    meeting.save()
    meeting.freeze_attendance()
    return meeting


def mark(meeting, people, names, status=PRESENT):
    for name in names:
        meeting.mark(people[name], status, leave_reason="住院" if status == LEAVE else "")


VOTERS = ["张一", "张二", "张三", "张四", "张五", "新来", "调入"]


def test_the_list_is_the_register_as_of_the_meeting_day(tree, branch):
    meeting = general_meeting(tree)
    rows = {row.member.name: row for row in meeting.attendances.select_related("member")}
    assert set(rows) == {*VOTERS, "预一", "预二", "双报到"}
    assert {name for name, row in rows.items() if row.voting} == set(VOTERS)
    assert all(row.expected and row.status == "" for row in rows.values())
    assert meeting.expected_on == DAY


def test_the_list_stays_frozen_when_the_register_changes_later(tree, branch):
    meeting = general_meeting(tree)
    change(branch["张一"], K.TRANSFER_OUT, D(2024, 7, 1), external_organization="外地", letter_number="2")
    change(branch["预一"], K.CONFIRMATION, D(2024, 7, 2))
    meeting.refresh_from_db()
    assert meeting.attendances.count() == 10
    assert meeting.attendances.get(member=branch["预一"]).voting is False
    with pytest.raises(ValidationError):
        meeting.freeze_attendance()


def test_three_of_seven_voters_present_is_not_a_quorum_whatever_else_is_there(tree, branch):
    meeting = general_meeting(tree)
    mark(meeting, branch, ["张一", "张二", "张三", "预一", "预二", "双报到"])
    mark(meeting, branch, ["张四"], LEAVE)
    quorum = meeting.quorum()
    assert (quorum.expected, quorum.present, quorum.on_leave, quorum.absent, quorum.unmarked) == (10, 6, 1, 0, 3)
    assert (quorum.entitled, quorum.entitled_present, quorum.needed, quorum.non_voting) == (7, 3, 4, 3)
    assert not quorum.is_quorate
    assert quorum.rate_text == "60.0%"
    decision = Decision(meeting=meeting, text="同意张某转正", votes_for=3)
    with pytest.raises(ValidationError) as refused:
        decision.full_clean()
    assert "有表决权的应到7人，实到3人，未超过半数" in str(refused.value)


def test_four_of_seven_is_a_quorum_and_a_decision_needs_four_votes_of_the_seven(tree, branch):
    meeting = general_meeting(tree)
    mark(meeting, branch, ["张一", "张二", "张三", "新来", "预一"])
    quorum = meeting.quorum()
    assert (quorum.entitled, quorum.entitled_present) == (7, 4) and quorum.is_quorate
    # 3 for, 1 against: a majority of those present and voting, but not more than half of the 7.
    narrow = Decision(meeting=meeting, text="一", votes_for=3, votes_against=1)
    narrow.full_clean()
    narrow.save()
    assert narrow.passed is False
    carried = Decision(meeting=meeting, text="二", votes_for=4)
    carried.full_clean()
    carried.save()
    assert carried.passed is True


def test_more_votes_than_voters_present_are_refused(tree, branch):
    meeting = general_meeting(tree)
    mark(meeting, branch, ["张一", "张二", "张三", "张四", "预一", "预二"])
    decision = Decision(meeting=meeting, text="一", votes_for=4, votes_abstain=1)
    with pytest.raises(ValidationError) as refused:
        decision.full_clean()
    assert "多于到会有表决权的4人" in str(refused.value)


def test_someone_not_on_the_list_is_marked_only_as_a_guest(tree, branch):
    meeting = general_meeting(tree)
    for name in ("后来", "转走", "外社区"):
        with pytest.raises(ValidationError) as refused:
            meeting.mark(branch[name], PRESENT)
        assert "不在本次会议的应到名单上" in str(refused.value)
    assert meeting.attendances.count() == 10
    guest = meeting.mark(branch["后来"], PRESENT, guest=True)
    assert (guest.expected, guest.voting) == (False, False)
    visitor = meeting.mark(None, PRESENT, guest=True, name="街道党工委王书记", note="街道党工委")
    assert visitor.person_name == "街道党工委王书记"
    mark(meeting, branch, VOTERS[:3])
    quorum = meeting.quorum()
    assert (quorum.expected, quorum.guests, quorum.entitled, quorum.entitled_present) == (10, 2, 7, 3)


def test_leave_needs_a_reason(tree, branch):
    meeting = general_meeting(tree)
    with pytest.raises(ValidationError) as refused:
        meeting.mark(branch["张一"], LEAVE)
    assert "请填写请假事由" in str(refused.value)
    assert meeting.attendances.get(member=branch["张一"]).status == ""


def test_a_committee_meeting_counts_the_chosen_committee(tree, branch):
    meeting = Meeting.objects.create(organization=tree["a1"], kind=MeetingKind.COMMITTEE, held_on=DAY)
    with pytest.raises(ValidationError):
        meeting.freeze_attendance([branch["后来"].pk])  # not on the register that day
    assert meeting.attendances.count() == 0
    meeting.freeze_attendance([branch[name].pk for name in ("张一", "张二", "张四")])
    meeting.mark(branch["张一"], PRESENT)
    assert not meeting.quorum().is_quorate  # 1 of 3
    meeting.mark(branch["张四"], PRESENT)
    quorum = meeting.quorum()
    assert (quorum.entitled, quorum.entitled_present, quorum.needed, quorum.is_quorate) == (3, 2, 2, True)


def test_a_group_meeting_lists_the_group_only(tree, branch):
    meeting = Meeting.objects.create(organization=tree["a1g1"], kind=MeetingKind.GROUP, held_on=DAY)
    meeting.freeze_attendance()
    names = set(meeting.attendances.values_list("member__name", flat=True))
    assert names == {"张一", "张二", "调入", "双报到"}


def test_a_meeting_cannot_be_held_in_the_future(tree):
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    meeting = Meeting(organization=tree["a1"], kind=MeetingKind.GENERAL, held_on=tomorrow)
    with pytest.raises(ValidationError) as refused:
        meeting.full_clean()
    assert "召开日期不能晚于今天" in str(refused.value.message_dict["held_on"])
    Meeting(organization=tree["a1"], kind=MeetingKind.GENERAL, planned_on=tomorrow).full_clean()


def test_meeting_kinds_are_held_by_the_right_organizations(tree):
    with pytest.raises(ValidationError) as refused:
        Meeting(organization=tree["a1g1"], kind=MeetingKind.GENERAL, planned_on=DAY).full_clean()
    assert "organization" in refused.value.message_dict
    with pytest.raises(ValidationError):
        Meeting(organization=tree["a1"], kind=MeetingKind.COUNCIL, planned_on=DAY).full_clean()
    Meeting(organization=tree["a"], kind=MeetingKind.COUNCIL, planned_on=DAY).full_clean()


def test_a_meeting_entered_more_than_seven_days_after_it_was_held_is_entered_late(tree):
    today = datetime.date.today()
    on_time = Meeting.objects.create(organization=tree["a1"], kind="general", held_on=today - datetime.timedelta(7))
    late = Meeting.objects.create(organization=tree["a1"], kind="general", held_on=today - datetime.timedelta(8))
    planned = Meeting.objects.create(organization=tree["a1"], kind="general", planned_on=today)
    assert (on_time.entered_late, late.entered_late, planned.entered_at) == (False, True, None)
    planned.held_on = today
    planned.save()
    assert planned.entered_at is not None and planned.entered_late is False


def test_lock_then_changes_only_with_a_reason_each_kept(tree, users):
    meeting = Meeting.objects.create(organization=tree["a1"], kind="general", held_on=DAY, minutes="原记录")
    with pytest.raises(ValidationError):
        Meeting.objects.create(organization=tree["a1"], kind="general", planned_on=DAY).lock(users["branch_a1"])
    meeting.lock(users["branch_a1"])
    meeting.refresh_from_db()
    assert meeting.is_locked and meeting.locked_by == users["branch_a1"]
    with pytest.raises(ValidationError) as refused:
        meeting.revise(users["branch_a1"], "  ", minutes="改")
    assert "reason" in refused.value.message_dict
    meeting.refresh_from_db()
    assert meeting.minutes == "原记录" and not meeting.revisions.exists()
    meeting.revise(users["secretary_a"], "补充遗漏的发言", minutes="第二稿")
    meeting.revise(users["branch_a1"], "改正错字", minutes="第三稿")
    history = list(meeting.revisions.order_by("id").values_list("previous_minutes", "reason", "changed_by__username"))
    assert history == [("原记录", "补充遗漏的发言", "sec_a"), ("第二稿", "改正错字", "branch_a1")]
    meeting.refresh_from_db()
    assert meeting.minutes == "第三稿"


def test_the_regulations_defaults_are_seeded_with_their_source(db):
    rules = {rule.meeting_kind: rule for rule in ScheduleRule.objects.filter(street=None)}
    assert set(rules) == {"general", "committee", "group", "theme_day", "life_meeting", "appraisal", "lesson"}
    assert (rules["general"].period, rules["general"].min_count) == ("quarter", 1)
    assert "第十一条" in rules["general"].source_text
    assert (rules["committee"].period, rules["committee"].condition) == ("month", "with_committee")
    assert (rules["group"].organization_kind, rules["group"].period) == ("group", "month")
    assert rules["theme_day"].period == "month" and "第十六条" in rules["theme_day"].source_text
    assert (rules["life_meeting"].period, rules["life_meeting"].usual_months) == ("year", "10,11,12")
    assert rules["lesson"].local_rule and rules["lesson"].period == "quarter"
    assert not any(rule.local_rule for kind, rule in rules.items() if kind != "lesson")
    assert all(rule.effective_from == D(2018, 10, 28) and rule.effective_to is None for rule in rules.values())


def test_probationary_status_is_taken_as_of_the_day(tree, branch):
    """预一 is confirmed on 1 July: still without a vote at a meeting on 30 June, with one on 2 July."""
    change(branch["预一"], K.CONFIRMATION, D(2024, 7, 1))
    before = Meeting.objects.create(organization=tree["a1"], kind="general", held_on=D(2024, 6, 30))
    before.freeze_attendance()
    after = Meeting.objects.create(organization=tree["a1"], kind="general", held_on=D(2024, 7, 2))
    after.freeze_attendance()
    assert before.attendances.get(member=branch["预一"]).voting is False
    assert after.attendances.get(member=branch["预一"]).voting is True
    assert branch["预一"].status == Status.FULL
