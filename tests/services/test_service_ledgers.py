"""The services' ledgers (台账) as print-ready xlsx for any subtree and period: what each holds, what
never leaves the portal (a sensitive visit's notes), and who may download which."""

import datetime
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from portal.models import AuditEntry
from services.models import (
    Activity,
    CareVisit,
    CoBuildingAgreement,
    Household,
    Pairing,
    ResidentUnit,
    ServiceEntry,
    ServiceTeam,
)

D = datetime.date
SH = ZoneInfo("Asia/Shanghai")
PERIOD = {"start": "2024-07-01", "end": "2025-06-30"}


@pytest.fixture
def services(tree, members):
    m, n = members["a"], members["b"]
    team = ServiceTeam.objects.create(organization=tree["a"], name="甲社区党员志愿服务队")
    unit = ResidentUnit.objects.create(
        organization=tree["a"],
        name="县人民医院",
        contact_name="林主任",
        contact_phone="0591-22223333",
        offers=["hall", "expertise"],
        asks="健康宣传",
    )
    agreement = CoBuildingAgreement.objects.create(
        unit=unit, organization=tree["a"], title="医院共建协议", starts_on=D(2024, 1, 1), ends_on=D(2026, 12, 31)
    )
    CoBuildingAgreement.objects.create(
        unit=unit, organization=tree["a"], title="旧协议", starts_on=D(2020, 1, 1), ends_on=D(2023, 12, 31)
    )
    clinic = Activity.objects.create(
        organization=tree["a"],
        team=team,
        title="联合义诊",
        kind="convenience",
        convenience_kind="free_clinic",
        starts_at=datetime.datetime(2024, 12, 31, 9, tzinfo=SH),
        ends_at=datetime.datetime(2024, 12, 31, 11, 30, tzinfo=SH),
        place="卫生服务站",
        credited_minutes=150,
        beneficiaries=86,
        agreement=agreement,
    )
    ServiceEntry.objects.create(
        member=m, organization=tree["a"], activity=clinic, served_on=D(2024, 12, 31), minutes=150
    )
    wrong = ServiceEntry.objects.create(
        member=n, organization=tree["a"], activity=clinic, served_on=D(2024, 12, 31), minutes=150
    )
    reversal = wrong.correction(0)
    reversal.save()
    ServiceEntry.objects.create(member=m, organization=tree["a1"], served_on=D(2025, 1, 2), minutes=60)
    ServiceEntry.objects.create(member=n, organization=tree["b"], served_on=D(2025, 1, 3), minutes=240)  # in B
    Activity.objects.create(
        organization=tree["a"], title="去年的活动", starts_at=datetime.datetime(2024, 6, 1, 9, tzinfo=SH)
    )
    household = Household.objects.create(
        organization=tree["a"], name="王桂兰", address="甲社区3号楼", phone="13911112222", kinds=["elderly_alone"]
    )
    pairing = Pairing.objects.create(member=m, household=household, started_on=D(2024, 3, 1), frequency_days=60)
    Pairing.objects.create(member=m, household=household, started_on=D(2020, 1, 1), ended_on=D(2021, 1, 1))
    CareVisit.objects.create(
        organization=tree["a"],
        household=household,
        pairing=pairing,
        reason="hardship",
        visited_on=D(2024, 9, 1),
        goods="米、油",
        amount=Decimal("200"),
        notes="帮助打扫卫生",
    )
    CareVisit.objects.create(
        organization=tree["a"],
        member=m,
        reason="discontented",
        visited_on=D(2025, 2, 1),
        notes="对物业意见很大，家里矛盾",
        sensitive=True,
    )
    CareVisit.objects.create(organization=tree["b"], member=n, reason="ill", visited_on=D(2025, 2, 2), notes="乙社区")
    return tree


def sheet(response):
    assert response.status_code == 200, response.status_code
    book = load_workbook(BytesIO(response.content))
    rows = [list(row) for row in book.active.iter_rows(values_only=True)]
    return rows[0][0], rows[1][0], rows[2], rows[3:], book.active


def download(client, kind, org, **period):
    return client.get(f"/services/ledgers/{kind}.xlsx", {"org": org.pk, **(period or PERIOD)})


def test_the_activity_ledger_lists_the_periods_activities_with_standing_participants(client, users, services):
    client.force_login(users["secretary_a"])
    title, subtitle, header, rows, book = sheet(download(client, "activities", services["a"]))
    assert title == "甲社区党支部服务活动台账"
    assert subtitle == "填报单位：甲社区党支部　期间：2024-07-01 至 2025-06-30"
    assert header[:3] == ["日期", "时间", "活动名称"]
    assert [row[2] for row in rows] == ["联合义诊", None]  # the activity of June 2024 is outside
    clinic = dict(zip(header, rows[0], strict=True))
    assert clinic["时间"] == "09:00–11:30" and clinic["活动类型"] == "便民服务·义诊"
    assert (clinic["参加人数"], str(clinic["服务时长（小时）"]), clinic["服务群众（人次）"]) == (1, "2.5", 86)
    assert clinic["服务队"] == "甲社区党员志愿服务队" and clinic["共建单位"] == "县人民医院"
    assert rows[-1][0] == "合计" and rows[-1][7] == 1
    # Print-ready: A4 landscape, the header repeated on every page.
    assert book.page_setup.orientation == "landscape" and book.print_title_rows == "$3:$3"


def test_the_hours_ledger_has_each_members_service_where_it_was_given(client, users, services, members):
    client.force_login(users["street"])
    _title, _subtitle, header, rows, _book = sheet(download(client, "hours", services["a"]))
    assert header == ["姓名", "现所在支部", "现所在党小组", "管理方式", "服务次数", "服务时长（小时）"]
    assert [(row[0], row[4], str(row[5])) for row in rows] == [("张卫华", 2, "3.5"), ("合计（1人）", 2, "3.5")]
    _title, _subtitle, _header, rows, _book = sheet(download(client, "hours", services["street"]))
    assert [(row[0], row[4], str(row[5])) for row in rows][-1] == ("合计（2人）", 3, "7.5")
    text = str(rows)
    assert members["a"].phone not in text and members["a"].id_number not in text


def test_a_sensitive_visits_notes_never_leave_the_portal_only_its_count(client, users, services):
    client.force_login(users["secretary_a"])  # even the community's own secretary
    _title, subtitle, header, rows, _book = sheet(download(client, "visits", services["a"]))
    assert "其中情况敏感的走访1次，走访情况不导出" in subtitle
    assert "对物业意见很大" not in str(rows)
    notes = [row[header.index("走访情况")] for row in rows[:-1]]
    assert notes == ["帮助打扫卫生", "（情况敏感，不导出）"]
    assert rows[0][1] == "王桂兰" and rows[0][2] == "独居老人" and rows[0][header.index("结对帮扶")] == "是"
    assert "13911112222" not in str(rows)  # a household's phone stays in the portal
    assert rows[-1][0] == "合计（2次）"


def test_the_pairing_ledger_holds_the_pairings_in_force_in_the_period_with_their_visits(client, users, services):
    client.force_login(users["secretary_a"])
    _title, _subtitle, header, rows, _book = sheet(download(client, "pairings", services["a"]))
    assert len(rows) == 1  # the pairing that ended in 2021 is not in the period
    row = dict(zip(header, rows[0], strict=True))
    assert (row["帮扶党员"], row["帮扶对象"], row["约定联系周期（天）"], row["期内走访（次）"]) == (
        "张卫华",
        "王桂兰",
        60,
        1,
    )
    assert row["最近走访日期"].date() == D(2024, 9, 1)


def test_the_unit_ledger_lists_units_offers_and_the_agreements_in_force_then(client, users, services):
    client.force_login(users["secretary_a"])
    _title, _subtitle, header, rows, _book = sheet(download(client, "units", services["a"]))
    row = dict(zip(header, rows[0], strict=True))
    assert row["单位名称"] == "县人民医院" and row["可提供资源"] == "活动场所、专业服务"
    assert row["期内有效的共建协议"] == "医院共建协议（2024-01-01至2026-12-31）"
    assert row["期内共建项目（次）"] == 1


def test_another_communitys_ledger_answers_404_and_a_bad_date_400(client, users, services):
    client.force_login(users["secretary_b"])
    for kind in ("activities", "hours", "visits", "pairings", "units"):
        assert download(client, kind, services["a"]).status_code == 404, kind
    assert client.get("/services/ledgers/", {"org": services["a"].pk}).status_code == 404
    assert client.get("/services/ledgers/nothing.xlsx", {"org": services["b"].pk}).status_code == 404
    assert download(client, "hours", services["b"], start="2025-02-30").status_code == 400
    assert download(client, "hours", services["b"], start="2025-06-01", end="2025-01-01").status_code == 400


def test_the_ledger_page_links_every_ledger_for_the_period_and_each_download_is_audited(client, users, services):
    client.force_login(users["viewer_a"])
    page = client.get("/services/ledgers/", {"org": services["a"].pk, **PERIOD}).content.decode()
    for kind in ("activities", "hours", "visits", "pairings", "units"):
        assert f"/services/ledgers/{kind}.xlsx?org={services['a'].pk}&amp;start=2024-07-01&amp;end=2025-06-30" in page
    download(client, "visits", services["a"])
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT)
    assert "走访慰问台账" in entry.summary and entry.username == "viewer_a"
    warned = client.get("/services/ledgers/", {"start": "2025-06-01", "end": "2025-01-01"}).content.decode()
    assert "起始日期不能晚于截止日期" in warned
