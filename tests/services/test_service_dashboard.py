"""The services' columns on the street dashboard, its export and the home page: queries over the
ledger for any period, a hand-worked example across a year boundary.

Street S → communities A (branches A1, A2) and B (branch B1). 张卫华 (m) lives in A and moves to B
on 15 January 2025; 李秀英 (n) lives in B. The period is 1 July 2024 – 30 June 2025, looked at as
of 30 June 2025 (minutes; every entry recorded on its day unless said):

    served        where  who  minutes   note
    2024-06-30    A      m      120     before the period
    2024-07-06    A      m      150
    2024-09-09    B      n       60
      2025-01-05  B      n      −60     correction: she was not there (a reversal)
    2024-12-31    A1     m       90     served in a branch of A, on New Year's Eve
    2025-01-15    m moves from A1's group to B1's group
    2025-02-01    B      m      120
    2025-03-03    B      n      180
      2025-03-05  B      n      −30     correction: it was 150
    2025-07-01    A      m       60     after the period

    A: 150 + 90 = 240 min = 4.0 h, 2 person-times, 1 member (m's hours stay with A)
    B: 60 − 60 + 120 + 180 − 30 = 270 min = 4.5 h, 2 person-times (the reversed one is gone), 2 members
    S: 510 min = 8.5 h, 4 person-times, 2 members (m counted once)

Visits: one in A1 on 2024-08-01, one in B on 2025-06-01, one in B on 2025-07-02 (after): A 1, B 1, S 2.
In-service registrations on 30 June 2025: m in B since 2025-01-20 (his registration in A ended on
2025-01-20), n in B since 2024-01-01; the street's target from 2025 is 2.5 hours a year: n served
150 min in B (met), m 120 min in B (not met) → B 1/2, A none ("—"), S 1/2.
"""

import datetime
import re
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from members.models import MemberChange
from portal.dashboard import Board, data_version
from services.ledgers import MemberHoursLedger
from services.models import (
    Activity,
    CareVisit,
    CoBuildingAgreement,
    Household,
    InServiceRegistration,
    ResidentUnit,
    ServiceEntry,
    ServiceTarget,
)
from tests.conftest import change, new_member

D = datetime.date
SH = ZoneInfo("Asia/Shanghai")
START, DAY = D(2024, 7, 1), D(2025, 6, 30)


def at(day, hour=12):
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=SH)


def serve(member, org, day, minutes, activity=None):
    return ServiceEntry.objects.create(
        member=member, organization=org, activity=activity, served_on=day, minutes=minutes, recorded_at=at(day)
    )


def correct(original, minutes, recorded_on):
    entry = original.correction(minutes)
    entry.recorded_at = at(recorded_on)
    entry.full_clean()
    entry.save()
    return entry


@pytest.fixture
def worked(tree, members):
    m, n = members["a"], members["b"]
    a, b = tree["a"], tree["b"]
    serve(m, a, D(2024, 6, 30), 120)
    serve(m, a, D(2024, 7, 6), 150)
    reversed_entry = serve(n, b, D(2024, 9, 9), 60)
    correct(reversed_entry, 0, D(2025, 1, 5))
    serve(m, tree["a1"], D(2024, 12, 31), 90)
    change(m, MemberChange.Kind.MOVE, D(2025, 1, 15), organization=tree["b1g1"])
    serve(m, b, D(2025, 2, 1), 120)
    corrected = serve(n, b, D(2025, 3, 3), 180)
    correct(corrected, 150, D(2025, 3, 5))
    serve(m, a, D(2025, 7, 1), 60)
    CareVisit.objects.create(organization=tree["a1"], member=m, reason="ill", visited_on=D(2024, 8, 1))
    household = Household.objects.create(organization=b, name="王桂兰", kinds=["elderly_alone"])
    CareVisit.objects.create(organization=b, household=household, reason="festival", visited_on=D(2025, 6, 1))
    CareVisit.objects.create(organization=b, household=household, reason="festival", visited_on=D(2025, 7, 2))
    InServiceRegistration.objects.create(
        member=m, organization=a, registered_on=D(2023, 1, 1), ended_on=D(2025, 1, 20), end_reason="搬家"
    )
    InServiceRegistration.objects.create(member=m, organization=b, registered_on=D(2025, 1, 20))
    InServiceRegistration.objects.create(member=n, organization=b, registered_on=D(2024, 1, 1))
    ServiceTarget.objects.create(organization=tree["street"], effective_year=2020, hours_target=Decimal("40"))
    ServiceTarget.objects.create(organization=tree["street"], effective_year=2025, hours_target=Decimal("2.5"))
    return tree


def values(board, key):
    return {row.node.name: row.values[key] for row in [board.page()["overview"], *board.page()["rows"]]}


def test_the_dashboard_columns_equal_the_hand_worked_example(worked):
    board = Board(worked["street"], DAY, start=START)
    assert values(board, "services.hours") == {
        "测试街道": Decimal("8.5"),
        "甲社区党支部": Decimal("4.0"),
        "乙社区党支部": Decimal("4.5"),
    }
    assert values(board, "services.person_times") == {"测试街道": 4, "甲社区党支部": 2, "乙社区党支部": 2}
    assert values(board, "services.members") == {"测试街道": 2, "甲社区党支部": 1, "乙社区党支部": 2}
    assert values(board, "services.visits") == {"测试街道": 2, "甲社区党支部": 1, "乙社区党支部": 1}
    assert values(board, "services.registered") == {"测试街道": 2, "甲社区党支部": 0, "乙社区党支部": 2}
    assert values(board, "services.met") == {"测试街道": "1/2", "甲社区党支部": "—", "乙社区党支部": "1/2"}


def test_a_member_with_no_service_never_meets_a_target_of_zero_hours_as_the_list_says(worked):
    ServiceTarget.objects.create(organization=worked["a"], effective_year=2025, hours_target=Decimal("0"))
    InServiceRegistration.objects.create(
        member=new_member(worked["a1"], "零时"), organization=worked["a"], registered_on=D(2025, 1, 1)
    )
    board = Board(worked["street"], DAY, start=START)
    assert values(board, "services.met")["甲社区党支部"] == "0/1"


def test_the_hours_column_of_a_community_equals_its_ledger_for_the_same_period(worked):
    board = Board(worked["street"], DAY, start=START)
    for community in (worked["a"], worked["b"]):
        ledger = list(MemberHoursLedger(community, START, DAY).rows())
        total = ledger[-1]
        assert total[0].startswith("合计")
        assert values(board, "services.hours")[community.name] == total[-1]
        assert values(board, "services.person_times")[community.name] == total[-2]
        assert sum(row[-1] for row in ledger[:-1]) == total[-1]
        entries = ServiceEntry.objects.period(START, DAY).under(community)
        assert entries.figures().hours == total[-1]


def test_a_branch_row_of_a_community_board_holds_what_was_served_there(worked):
    board = Board(worked["a"], DAY, start=START)
    assert values(board, "services.hours") == {
        "甲社区党支部": Decimal("4.0"),
        "甲第一支部": Decimal("1.5"),
        "甲第二支部": Decimal("0.0"),
    }


def test_as_of_an_earlier_day_the_later_correction_is_not_yet_there(worked):
    # As of 4 March 2025 the correction of 5 March was not written: n's 3 March still counts 180.
    board = Board(worked["street"], D(2025, 3, 4), start=START)
    assert values(board, "services.hours")["乙社区党支部"] == Decimal("5.0")  # 60 − 60 + 120 + 180
    assert values(board, "services.person_times")["乙社区党支部"] == 2


def test_the_page_and_its_export_show_the_period_and_the_figures(client, users, worked):
    client.force_login(users["street"])
    query = {"date": "2025-06-30", "start": "2024-07-01"}
    page = client.get("/dashboard/", query).content.decode()
    assert "服务情况（2024-07-01至2025-06-30）" in page
    assert 'name="start" value="2024-07-01"' in page
    ledgers = f"/services/ledgers/?org={worked['street'].pk}&start=2024-07-01&end=2025-06-30"
    assert ledgers in page  # the ledgers of the same organization and period, one click away
    row = re.search(r"甲社区党支部</a></td>.*?</tr>", page, re.S).group(0)
    assert "<td>4.0</td>" in row and "<td>—</td>" in row
    book = load_workbook(BytesIO(client.get("/dashboard/export.xlsx", query).content))
    children = [list(row) for row in book["下级组织"].iter_rows(min_row=3, values_only=True)]
    header = children[0]
    b_row = next(row for row in children if row[0] == "乙社区党支部")
    assert b_row[header.index("服务时长（小时）")] in (4.5, "4.5")
    assert b_row[header.index("达到服务目标")] in (1, "1")
    sheet = {row[0]: row[1] for row in book["服务情况"].iter_rows(min_row=4, values_only=True)}
    assert sheet["统计期间"] == "2024-07-01 至 2025-06-30"
    assert str(sheet["服务时长（小时）"]) == "8.5" and str(sheet["其中达到服务目标"]) == "1/2"


def test_a_start_after_the_day_falls_back_to_the_first_of_january(client, users, worked):
    client.force_login(users["street"])
    page = client.get("/dashboard/", {"date": "2025-06-30", "start": "2025-07-01"}).content.decode()
    assert "起始日期不能晚于统计日期" in page and "服务情况（2025-01-01至2025-06-30）" in page
    download = client.get("/dashboard/export.xlsx", {"date": "2025-06-30", "start": "2025-07-01"})
    assert download.status_code == 400


def test_the_services_figures_cost_the_same_queries_for_ten_activities_or_a_hundred(tree, members):
    def cost():
        cache.clear()
        board = Board(tree["street"], datetime.date.today())
        with CaptureQueriesContext(connection) as queries:
            board.page()
        return len(queries), values(board, "services.person_times")

    def add_activities(count, offset):
        for index in range(count):
            for community, member in ((tree["a"], members["a"]), (tree["b"], members["b"])):
                day = datetime.date.today() - datetime.timedelta(days=offset + index)
                activity = Activity.objects.create(organization=community, title="巡逻", starts_at=at(day, 9))
                serve(member, community, day, 60, activity)
        InServiceRegistration.objects.get_or_create(
            member=members["b"], organization=tree["b"], defaults={"registered_on": D(2020, 1, 1)}
        )

    add_activities(5, 0)
    few, counted = cost()
    add_activities(50, 5)
    many, counted_more = cost()
    assert counted_more["测试街道"] > counted["测试街道"]  # the figures did move
    assert many == few, (few, many)
    assert few < 60  # the whole cold dashboard, every app's parts included


def test_the_data_version_moves_with_each_table_the_figures_come_from(tree, members, worked):
    seen = [data_version()]

    def moved():
        seen.append(data_version())
        return seen[-1] != seen[-2]

    original = ServiceEntry.objects.filter(member=members["a"]).first()
    correct(original, 30, datetime.date.today())
    assert moved()
    CareVisit.objects.create(organization=tree["a"], member=members["a"], reason="festival", visited_on=D(2025, 1, 1))
    assert moved()
    registration = InServiceRegistration.objects.get(member=members["b"])
    registration.ended_on, registration.end_reason = D(2025, 6, 1), "调动"
    registration.save()
    assert moved()
    target = ServiceTarget.objects.get(effective_year=2025)
    target.hours_target = Decimal("3")
    target.save()
    assert moved()
    unit = ResidentUnit.objects.create(organization=tree["a"], name="县医院")
    assert not moved()  # a unit alone is in no figure
    agreement = CoBuildingAgreement.objects.create(
        unit=unit, organization=tree["a"], title="协议", starts_on=D(2024, 1, 1)
    )
    assert moved()
    agreement.ends_on = D(2030, 1, 1)
    agreement.save()
    assert moved()
    assert not moved()  # and stays put when nothing changes


def test_a_cached_page_moves_when_an_entry_is_corrected(tree, members, worked):
    board = Board(worked["street"], datetime.date.today(), start=START)
    before = values(board, "services.hours")["乙社区党支部"]
    original = ServiceEntry.objects.get(member=members["b"], served_on=D(2025, 3, 3), corrects__isnull=True)
    correct(original, 0, datetime.date.today())
    after = values(Board(worked["street"], datetime.date.today(), start=START), "services.hours")["乙社区党支部"]
    assert before - after == Decimal("2.5")


def test_the_home_page_shows_this_years_hours_person_times_and_visits(client, users, tree, members):
    today = datetime.date.today()
    serve(members["a"], tree["a"], today, 90)
    serve(members["a"], tree["a1"], today.replace(month=1, day=1), 60)
    serve(members["b"], tree["b"], today, 120)
    serve(members["a"], tree["a"], D(today.year - 1, 12, 31), 600)  # last year
    CareVisit.objects.create(organization=tree["a"], member=members["a"], reason="ill", visited_on=today)
    client.force_login(users["secretary_a"])
    page = client.get("/").content.decode()
    text = re.sub(r"<[^>]+>", "", re.search(r'<p class="service-year">.*?</p>', page, re.S).group(0))
    assert "服务 2.5 小时、2 人次，1 名党员参与；走访慰问 1 次" in " ".join(text.split()).replace(" 小时", " 小时")
    client.force_login(users["street"])
    text = re.sub(
        r"<[^>]+>", "", re.search(r'<p class="service-year">.*?</p>', client.get("/").content.decode(), re.S).group(0)
    )
    assert "服务 4.5 小时、3 人次，2 名党员参与" in " ".join(text.split())
