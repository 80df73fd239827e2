import datetime
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from members.dashboard import Dashboard, month_ends, monthly_totals
from members.figures import figures_as_of, figures_by_organization
from members.models import MemberChange
from organizations.models import Organization
from portal.models import AuditEntry
from tests.conftest import change, make_org, new_member
from tests.portal.test_seed_demo import seed_small

D = datetime.date


def totals(board):
    overview, rows = board.rows()
    return overview.figures.total, {row.name: row.figures.total for row in rows}


@pytest.mark.parametrize(
    "day, street, per_community",
    [
        (D(2021, 5, 5), 5, {"甲社区党支部": 5, "乙社区党支部": 0}),
        (D(2022, 7, 1), 5, {"甲社区党支部": 2, "乙社区党支部": 3}),
        (D(2023, 6, 30), 4, {"甲社区党支部": 2, "乙社区党支部": 2}),
    ],
)
def test_street_figures_as_of_past_dates(history, day, street, per_community):
    assert totals(Dashboard(history["street"], day)) == (street, per_community)


def test_todays_figures_come_from_the_register_and_match_the_log(history):
    today = D.today()
    board = Dashboard(history["street"], today)
    overview, rows = board.rows()
    from_log = figures_by_organization(today, [history["street"], history["a"], history["b"]])
    assert overview.figures.counts == from_log[history["street"].pk].counts
    assert {row.org_id: row.figures.counts for row in rows} == {
        history["a"].pk: from_log[history["a"].pk].counts,
        history["b"].pk: from_log[history["b"].pk].counts,
    }
    assert overview.figures.total == 4


def test_this_years_changes(history):
    overview, rows = Dashboard(history["street"], D(2021, 12, 31)).rows()
    assert dict(overview.changes) == {"transfer_out": 1, "admission": 1}
    overview, rows = Dashboard(history["street"], D(2022, 12, 31)).rows()
    assert overview.changes["death"] == 1 and overview.changes["transfer_in"] == 0
    overview, rows = Dashboard(history["street"], D(2023, 12, 31)).rows()
    assert {row.name: row.changes["transfer_in"] for row in rows} == {"甲社区党支部": 1, "乙社区党支部": 0}


def test_drilling_down_a_community_shows_its_branches_as_of_the_day(history):
    # Branch A2 moved from community A to B on 2022-06-01.
    before = totals(Dashboard(history["a"], D(2022, 5, 31)))[1]
    after = totals(Dashboard(history["a"], D(2022, 6, 1)))[1]
    assert set(before) == {"甲第一支部", "甲第二支部"} and set(after) == {"甲第一支部"}
    assert totals(Dashboard(history["b"], D(2022, 7, 1)))[1] == {"乙第一支部": 2, "甲第二支部": 1}


def test_the_trend_matches_the_as_of_figures_month_by_month(history):
    ends = month_ends(D(2023, 12, 31), 48)
    trend = monthly_totals(history["street"], ends)
    assert [total for _day, total in trend] == [figures_as_of(day).total for day in ends]
    community = monthly_totals(history["b"], ends)
    assert [total for _day, total in community] == [
        figures_by_organization(day, [history["b"]])[history["b"].pk].total for day in ends
    ]


def test_the_trend_matches_the_as_of_figures_over_the_demos_years_of_changes(db):
    seed_small()  # three communities, years of transfers, moves, deaths, corrections, same-day entries
    street = Organization.objects.get(depth=1)
    community = Organization.objects.filter(kind=Organization.Kind.COMMUNITY).order_by("path").last()
    ends = month_ends(D(2026, 10, 17), 40)  # the last "month end" a day within its month
    for org in (street, community):
        trend = monthly_totals(org, ends)
        expected = [figures_by_organization(day, [org])[org.pk].total for day in ends]
        assert [total for _day, total in trend] == expected
        assert len(set(expected)) > 3  # the register did move over those months


def test_rule_warnings_and_attention_on_rows(tree):
    for i in range(2):
        new_member(tree["a1g1"], f"甲{i}", D(1950, 1, i + 1))
    new_member(tree["a1"], "未编组", D(1951, 1, 1))
    overview, rows = Dashboard(tree["street"], D.today()).rows()
    a = next(row for row in rows if row.name == "甲社区党支部")
    assert [str(w) for w in a.warnings] == ["1个支部少于3名正式党员或超过50名党员"]  # A1 has 3, A2 none
    assert a.attention["without_group"] == 1 and a.quality["missing_education"] == 3


def test_the_number_of_queries_does_not_grow_with_communities_or_members(client, users, tree):
    client.force_login(users["street"])
    new_member(tree["a1g1"], "甲一")
    with CaptureQueriesContext(connection) as small:
        assert client.get("/dashboard/").status_code == 200
    for n in range(3):
        community = make_org(tree["street"], f"新{n}社区", Organization.Kind.COMMUNITY)
        branch = make_org(community, f"新{n}支部", Organization.Kind.BRANCH)
        group = make_org(branch, f"新{n}小组", Organization.Kind.GROUP)
        for i in range(4):
            member = new_member(group, f"新{n}{i}", D(1950 + i, 1, 1 + n))
            change(member, MemberChange.Kind.CATEGORY_CHANGE, D(2022, 1, 1), category="other")
    from django.core.cache import cache

    cache.clear()
    with CaptureQueriesContext(connection) as large:
        page = client.get("/dashboard/").content.decode()
    assert "新2社区" in page
    assert len(large) == len(small)


def test_a_secretary_sees_their_own_community_and_not_another(client, users, tree):
    client.force_login(users["secretary_a"])
    page = client.get("/dashboard/").content.decode()
    assert "甲社区党支部" in page and "甲第一支部" in page and "乙社区党支部" not in page
    assert client.get("/dashboard/", {"org": tree["b"].pk}).status_code == 404
    assert client.get("/dashboard/", {"org": tree["street"].pk}).status_code == 404


def test_the_export_has_a_sheet_per_table_and_is_audited(client, users, history):
    client.force_login(users["street"])
    response = client.get("/dashboard/export.xlsx", {"date": "2022-07-01"})
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["总体情况", "下级组织", "党员人数趋势", "组织数量", "服务情况"]
    assert book["总体情况"]["B4"].value == 5
    rows = {row[0]: row[2] for row in book["下级组织"].iter_rows(min_row=4, values_only=True)}
    assert rows == {"甲社区党支部": 2, "乙社区党支部": 3}
    assert AuditEntry.objects.filter(action="export", username="street", summary__contains="党建看板").exists()


def test_the_page_shows_the_figures_and_an_inline_chart(client, users, history):
    client.force_login(users["street"])
    page = client.get("/dashboard/", {"date": "2022-07-01"}).content.decode()
    assert '<strong id="total">5</strong>' in page
    assert "<svg" in page and "<script src" not in page.split("</head>")[1]
    assert "2022年变动" in page
