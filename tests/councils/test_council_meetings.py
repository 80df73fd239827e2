"""Council meetings: the list frozen from the council's seats (a resident unit's representative votes
too), agendas, numbered resolutions refused at an inquorate meeting, and no closing the minutes while
an item on the agenda has no outcome."""

import datetime

import pytest

from councils.models import (
    AgendaEntry,
    Attendance,
    CouncilMember,
    Decision,
    Meeting,
    Resolution,
    Step,
)
from tests.councils.council_fixtures import (
    MET,
    adopted_item,
    council_meeting,
    drafted_item,
)
from tests.councils.test_council_steps import refused

D = datetime.date


def test_the_list_is_the_seats_on_the_day_and_everyone_votes(council, users):
    CouncilMember.objects.filter(member__name="陈静").update(left_on=D(2024, 1, 1), left_reason="换届")
    meeting = council_meeting(council, present=())
    rows = {row.person_name: row for row in meeting.attendances.all()}
    assert set(rows) == {"张卫华", "王芳", "刘强", "周建华"}
    assert all(row.expected and row.voting for row in rows.values())
    assert rows["周建华"].member is None and rows["周建华"].note == "县供电公司"
    assert meeting.council_link.council == council.body and meeting.kind == "council"
    assert meeting.expected_on == MET
    meeting.mark(None, Attendance.Status.PRESENT, row=rows["周建华"])
    assert meeting.quorum().entitled_present == 1 and meeting.quorum().entitled == 4


def test_a_seat_needs_a_member_of_the_community_or_a_units_representative(council, members):
    seat = CouncilMember(
        council=council.body, member=members["b"], constituency="self_managed", joined_on=D(2024, 1, 1)
    )
    refused(seat.full_clean, "不在甲社区党支部的党员名册上")
    seat = CouncilMember(council=council.body, unit=council.unit, constituency="resident_unit", joined_on=D(2024, 1, 1))
    refused(seat.full_clean, "请填写驻区单位代表的姓名")


def test_one_chair_at_a_time(council, members):
    seat = CouncilMember(
        council=council.body,
        member=council.people["刘强"],
        role="chair",
        constituency="self_managed",
        joined_on=D(2024, 1, 1),
    )
    refused(seat.full_clean, "会长已由张卫华担任")


def test_resolutions_are_numbered_per_community_and_year(council, users, tree):
    user = users["secretary_a"]
    meeting = council_meeting(council)
    first = adopted_item(council, user, meeting, "莫让社区变农庄")
    second = adopted_item(council, user, meeting, "楼道堆物清理")
    next_year = council_meeting(council, D(2025, 1, 8))
    third = adopted_item(council, user, next_year, "增设电动车充电桩")
    numbers = [Resolution.objects.get(item=item).number for item in (first, second, third)]
    assert numbers == ["〔2024〕第1号", "〔2024〕第2号", "〔2025〕第1号"]
    assert Decision.objects.get(resolution__item=second).number == "〔2024〕第2号"
    resolution = Resolution.objects.get(item=first)
    assert (resolution.quorum_held, resolution.entitled, resolution.entitled_present) == (True, 5, 4)


def test_a_resolution_at_an_inquorate_meeting_is_refused(council, users):
    user = users["secretary_a"]
    item = drafted_item(council.community, user)
    meeting = council_meeting(council, present=("张卫华", "周建华"))  # 2 of 5
    entry = AgendaEntry.add(meeting, item, user)
    refused(lambda: entry.adopt(user, "同意", 2, 0, 0), "有表决权的应到5人，实到2人，未超过半数")
    item.refresh_from_db()
    assert item.step == Step.DRAFT and not Decision.objects.exists() and not Resolution.objects.exists()
    entry.refresh_from_db()
    assert entry.outcome == ""


def test_a_resolution_needs_more_than_half_of_those_entitled(council, users):
    user = users["secretary_a"]
    item = drafted_item(council.community, user)
    entry = AgendaEntry.add(council_meeting(council), item, user)
    refused(lambda: entry.adopt(user, "同意", 2, 1, 1), "赞成2票，未超过有表决权的5人的半数（须至少3票）")
    refused(lambda: entry.adopt(user, "同意", 5, 0, 0), "多于到会有表决权的4人")
    assert not Resolution.objects.exists() and item.steps.count() == 2


def test_the_meeting_cannot_be_locked_while_an_item_has_no_outcome(council, users):
    user = users["secretary_a"]
    meeting = council_meeting(council)
    item = drafted_item(council.community, user)
    other = drafted_item(council.community, user, "楼道堆物清理")
    AgendaEntry.add(meeting, item, user)
    entry = AgendaEntry.add(meeting, other, user)
    refused(lambda: meeting.lock(user), "议程中还有2项议题没有结果", "“莫让社区变农庄”")
    assert Meeting.objects.get(pk=meeting.pk).locked_at is None
    AgendaEntry.objects.get(item=item).adopt(user, "同意", 4, 0, 0)
    entry.conclude(user, AgendaEntry.Outcome.REJECTED, "不属于社区议事范围")
    meeting.lock(user)
    other.refresh_from_db()
    assert other.step == Step.REJECTED and other.steps.get(step=Step.REJECTED).meeting == meeting
    refused(lambda: AgendaEntry.add(meeting, drafted_item(council.community, user, "新"), user), "已锁定")


def test_an_outcome_is_given_once(council, users):
    user = users["secretary_a"]
    item = adopted_item(council, user)
    entry = AgendaEntry.objects.get(item=item)
    refused(lambda: entry.conclude(user, AgendaEntry.Outcome.DEFERRED, "x"), "已有结果")
    refused(entry.remove, "已有结果")


def test_the_agenda_keeps_its_order(council, users):
    user = users["secretary_a"]
    meeting = council_meeting(council)
    titles = ["一", "二", "三"]
    for title in titles:
        AgendaEntry.add(meeting, drafted_item(council.community, user, title), user)
    AgendaEntry.objects.get(item__title="二").remove()
    AgendaEntry.add(meeting, drafted_item(council.community, user, "四"), user)
    assert list(meeting.agenda_entries.order_by("position").values_list("item__title", "position")) == [
        ("一", 1),
        ("三", 3),
        ("四", 4),
    ]


@pytest.mark.parametrize("day", [D(2020, 5, 1)])
def test_no_meeting_before_the_council_existed(council, day):
    from councils.models import CouncilMeeting

    refused(lambda: CouncilMeeting.convene(council.body, Meeting(held_on=day)), "早于甲社区党员议事会的成立日期")
    assert not Meeting.objects.exists()
