"""Shared by the council tests: community A's Party-member council (four members of the register and
a resident unit's representative), items at each step, and a council meeting with its list."""

import datetime
from types import SimpleNamespace

import pytest

from councils.models import (
    AgendaEntry,
    AgendaItem,
    Attendance,
    ConsultationOutcome,
    Council,
    CouncilMeeting,
    CouncilMember,
    Meeting,
    Step,
)
from services.models import ResidentUnit
from tests.conftest import new_member

D = datetime.date
RAISED, DRAFTED, MET = D(2024, 3, 1), D(2024, 3, 20), D(2024, 3, 26)
PRESENT = Attendance.Status.PRESENT
Role, Constituency = CouncilMember.Role, CouncilMember.Constituency


@pytest.fixture
def council(tree, members):
    """Community A's council: 张卫华 (chair), 王芳 (secretary-general), 刘强, 陈静 and 周建华 of the county
    power company (a resident unit's representative): five seats, five votes."""
    people = {"张卫华": members["a"]}
    for name in ("王芳", "刘强", "陈静"):
        people[name] = new_member(tree["a1g2"], name)
    unit = ResidentUnit.objects.create(organization=tree["a"], name="县供电公司", party_organization="县供电公司党支部")
    body = Council.objects.create(organization=tree["a"], name="甲社区党员议事会", established_on=D(2020, 6, 1))
    for name, role, constituency in [
        ("张卫华", Role.CHAIR, Constituency.SELF_MANAGED),
        ("王芳", Role.SECRETARY_GENERAL, Constituency.LEADERSHIP),
        ("刘强", Role.MEMBER, Constituency.IN_SERVICE),
        ("陈静", Role.MEMBER, Constituency.HARDSHIP),
    ]:
        CouncilMember.objects.create(
            council=body, member=people[name], role=role, constituency=constituency, joined_on=D(2020, 6, 1)
        )
    CouncilMember.objects.create(
        council=body,
        unit=unit,
        name="周建华",
        role=Role.MEMBER,
        constituency=Constituency.RESIDENT_UNIT,
        joined_on=D(2020, 6, 1),
    )
    return SimpleNamespace(body=body, people=people, unit=unit, community=tree["a"])


def council_meeting(council, day=MET, present=("张卫华", "王芳", "刘强", "周建华")):
    """A meeting of ``council`` held on ``day`` with ``present`` marked present (by name)."""
    meeting = CouncilMeeting.convene(council.body, Meeting(held_on=day, title="议事会会议"))
    for row in meeting.attendances.all():
        if row.person_name in present:
            meeting.mark(row.member, PRESENT, row=row)
    return meeting


def raised_item(community, user, title="莫让社区变农庄", on=RAISED):
    item = AgendaItem(
        organization=community,
        title=title,
        problem="公共绿地被居民开垦种菜，浇粪施肥，气味难闻。",
        source=AgendaItem.Source.RESIDENTS,
        raised_on=on,
    )
    return AgendaItem.raise_item(item, user)


def drafted_item(community, user, title="莫让社区变农庄", council=None):
    item = raised_item(community, user, title)
    item.advance(Step.DRAFT, by=user, on=DRAFTED, draft="清除绿地上的蔬菜，恢复绿化。", council=council)
    return item


def adopted_item(council, user, meeting=None, title="莫让社区变农庄"):
    item = drafted_item(council.community, user, title, council.body)
    meeting = meeting or council_meeting(council)
    entry = AgendaEntry.add(meeting, item, user)
    entry.adopt(user, "除食用菊花外清除全部蔬菜，不得施肥。", 4, 0, 0)
    item.refresh_from_db()
    return item


def consulting_item(council, user, meeting=None, title="莫让社区变农庄"):
    item = adopted_item(council, user, meeting, title)
    item.advance(
        Step.CONSULT,
        by=user,
        on=D(2024, 3, 27),
        public_title=title,
        public_text="除食用菊花外，清除绿地上的全部蔬菜；不得施肥；分步清理；鼓励种花。",
    )
    return item


CONSULTED = D(2024, 4, 3)


def approved(item, user, on=CONSULTED):
    outcome = ConsultationOutcome(result=ConsultationOutcome.Result.APPROVED, decided_on=on, summary="居民普遍赞成。")
    item.record_consultation(outcome, user)
    return item
