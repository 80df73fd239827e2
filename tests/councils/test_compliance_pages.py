"""What the compliance engine shows: the secretary's home page warns once two thirds of a period are
gone and stops as soon as the meeting is recorded; missed periods are counted on the home page and
on the street's dashboard (per community and quarter, any year); the compliance page lists them per
branch with drill-down to the meetings."""

import datetime
import re
from types import SimpleNamespace

import pytest

import portal.views
from councils.models import Meeting
from organizations.models import Organization
from tests.conftest import make_org

D = datetime.date
# 2025-Q1 has 90 days: two thirds are gone from its 60th day, 1 March; 21 days are left after 10 March.
WARNED = D(2025, 3, 10)
NOT_YET = D(2025, 2, 28)


def on_day(monkeypatch, day):
    """The portal's pages as on ``day`` (their "today" comes from ``datetime.date.today()``)."""

    class Day(datetime.date):
        @classmethod
        def today(cls):
            return day

    fake = SimpleNamespace(date=Day, timedelta=datetime.timedelta, datetime=datetime.datetime)
    monkeypatch.setattr(portal.views, "datetime", fake)


def due_lines(page):
    return [re.sub(r"\s+", " ", line).strip() for line in re.findall(r'<span class="warn">([^<]*)</span>', page)]


def test_the_home_page_warns_once_two_thirds_of_the_quarter_are_gone(client, users, tree, monkeypatch):
    client.force_login(users["branch_a1"])
    on_day(monkeypatch, NOT_YET)
    assert not [line for line in due_lines(client.get("/").content.decode()) if "本季度" in line]
    on_day(monkeypatch, WARNED)
    lines = due_lines(client.get("/").content.decode())
    assert "甲第一支部：本季度支部党员大会 0/1，还剩21天" in lines
    assert "甲第一支部：本季度党课 0/1，还剩21天" in lines
    assert not [line for line in lines if "本月" in line]  # a third of March is gone


def test_the_warning_disappears_once_the_meeting_is_recorded(client, users, tree, members, monkeypatch):
    client.force_login(users["branch_a1"])
    on_day(monkeypatch, WARNED)
    assert "甲第一支部：本季度支部党员大会 0/1，还剩21天" in due_lines(client.get("/").content.decode())
    response = client.post(
        "/councils/meetings/new/",
        {"organization": tree["a1"].pk, "kind": "general", "held_on": "2025-03-08", "topics": "季度党员大会"},
    )
    assert response.status_code == 302 and Meeting.objects.filter(organization=tree["a1"], kind="general").exists()
    lines = due_lines(client.get("/").content.decode())
    assert not [line for line in lines if "支部党员大会" in line]
    assert "甲第一支部：本季度党课 0/1，还剩21天" in lines  # the lesson is still due


def test_a_community_secretary_sees_one_line_per_requirement_listing_the_branches(client, users, tree, monkeypatch):
    client.force_login(users["secretary_a"])
    on_day(monkeypatch, WARNED)
    page = client.get("/").content.decode()
    assert "本季度支部党员大会：2个支部尚未达标，还剩21天" in due_lines(page)
    assert "<li>甲第二支部 0/1</li>" in page
    assert "乙第一支部" not in page  # another community's branch
    assert f'href="/councils/compliance/?org={tree["a"].pk}&amp;year=2025"' in page


def test_the_home_page_counts_the_periods_missed_this_year(client, users, tree, monkeypatch):
    client.force_login(users["branch_a1"])
    on_day(monkeypatch, D(2025, 4, 2))
    page = client.get("/").content.decode()
    # Branch A1 and its two groups, first quarter of 2025: 3 theme days, a general meeting and a
    # lesson; 3 group meetings each.
    assert f'<a href="/councils/compliance/?org={tree["a1"].pk}">组织生活未按期召开：<strong>11</strong> 次</a>' in page
    Meeting.objects.create(organization=tree["a1g1"], kind="group", held_on=D(2025, 2, 5))
    assert "组织生活未按期召开：<strong>10</strong> 次" in client.get("/").content.decode()


def test_the_dashboard_counts_missed_periods_per_community_and_quarter_of_any_year(client, users, tree):
    client.force_login(users["street"])
    Meeting.objects.create(organization=tree["a1"], kind="general", held_on=D(2024, 8, 1))
    page = client.get("/dashboard/", {"date": "2024-12-31"}).content.decode()
    table = page[page.index("组织生活未达标次数") :]
    rows = dict(re.findall(r"<tr><td>([^<]+)</td>((?:<td>\d+</td>)+)</tr>", table))
    numbers = {name: re.findall(r"\d+", cells) for name, cells in rows.items()}
    # A: two branches (5 each a quarter: 3 theme days, a general meeting, a lesson) and two groups
    # (3 each), less the general meeting A1 held in Q3; life meeting and appraisal for each branch.
    assert numbers["甲社区党支部"] == ["16", "16", "15", "16", "4", "67"]
    assert numbers["乙社区党支部"] == ["8", "8", "8", "8", "2", "34"]
    total = re.search(r'<tr class="total"><th scope="row">合计</th>((?:<td>\d+</td>)+)</tr>', table)[1]
    assert re.findall(r"\d+", total) == ["24", "24", "23", "24", "6", "101"]
    assert f'href="/councils/compliance/?org={tree["street"].pk}&year=2024"' in page
    # A year earlier the tree was the same and nothing was held.
    earlier = client.get("/dashboard/", {"date": "2023-12-31"}).content.decode()
    assert "<td>68</td>" in earlier[earlier.index("组织生活未达标次数") :]


def test_todays_dashboard_rows_show_the_missed_periods_with_a_link(client, users, tree):
    client.force_login(users["secretary_a"])
    page = client.get("/dashboard/").content.decode().replace("&amp;", "&")
    found = dict(
        re.findall(r'<a class="warn" href="/councils/compliance/\?org=(\d+)">组织生活未按期召开 (\d+)</a>', page)
    )
    assert set(found) == {str(tree["a1"].pk), str(tree["a2"].pk)}
    assert int(found[str(tree["a1"].pk)]) > int(found[str(tree["a2"].pk)])  # A1's two groups


def row_of(page, name):
    start = page.index(f'<th scope="row">{name}</th>')
    return page[start : page.index("</tr>", start)]


def test_the_compliance_page_lists_missed_periods_per_branch_with_drill_down(client, users, tree):
    client.force_login(users["secretary_a"])
    a1 = tree["a1"]
    Organization.objects.filter(pk=a1.pk).update(has_committee=True)
    for month in range(1, 13):
        if month != 3:
            Meeting.objects.create(organization=a1, kind="committee", held_on=D(2024, month, 5))
    for day in (D(2024, 2, 1), D(2024, 5, 1), D(2024, 11, 1)):
        Meeting.objects.create(organization=a1, kind="general", held_on=day)
    page = client.get("/councils/compliance/", {"org": tree["a"].pk, "year": "2024"}).content.decode()
    row = row_of(page.replace("&amp;", "&"), "甲第一支部")
    meetings = f"/councils/meetings/?org={a1.pk}"
    assert (
        f'<a class="error" href="{meetings}&start=2024-03-01&end=2024-03-31&kind=committee">3月支部委员会 0/1</a>'
        in row
    )
    assert f'href="{meetings}&start=2024-07-01&end=2024-09-30&kind=general">第三季度支部党员大会 0/1</a>' in row
    assert "2月支部委员会" not in row and "第一季度支部党员大会" not in row
    group = f"/councils/meetings/?org={tree['a1g1'].pk}"
    assert f'href="{group}&start=2024-01-01&end=2024-01-31&kind=group">甲1号楼小组 1月党小组会 0/1</a>' in row
    assert "第一季度支部党员大会 0/1" in row_of(page, "甲第二支部")
    # The drill-down is the meeting list's own filter.
    listing = client.get(f"{meetings}&start=2024-01-01&end=2024-03-31&kind=committee")
    assert listing.status_code == 200 and "共 <strong>2</strong> 次会议" in listing.content.decode()


def test_the_streets_page_has_a_row_per_community_opening_its_own(client, users, tree):
    client.force_login(users["street"])
    page = client.get("/councils/compliance/", {"year": "2024"}).content.decode().replace("&amp;", "&")
    assert f'<th scope="row"><a href="/councils/compliance/?org={tree["a"].pk}&year=2024">甲社区党支部</a></th>' in page
    assert '<strong id="missed-total">102</strong>' in page


def test_only_missed_hides_the_rows_without(client, users, tree):
    client.force_login(users["secretary_a"])
    for month in (3, 6, 9, 12):
        for org in ("a2",):
            Meeting.objects.create(organization=tree[org], kind="general", held_on=D(2024, month, 1))
    page = client.get("/councils/compliance/", {"org": tree["a"].pk, "year": "2024", "missed": "1"}).content.decode()
    assert "甲第一支部" in page and "甲第二支部" in page  # both still miss theme days


@pytest.mark.parametrize("year", ["1999", "abc", "2999"])
def test_a_bad_year_is_refused_in_chinese(client, users, tree, year):
    client.force_login(users["secretary_a"])
    response = client.get("/councils/compliance/", {"year": year})
    assert response.status_code == 400 and "年度" in response.content.decode()


def test_another_communitys_compliance_is_not_found(client, users, tree):
    client.force_login(users["secretary_b"])
    assert client.get("/councils/compliance/", {"org": tree["a"].pk}).status_code == 404
    client.force_login(users["viewer_a"])
    assert client.get("/councils/compliance/", {"org": tree["a"].pk}).status_code == 200


def test_the_compliance_page_costs_the_same_queries_for_more_branches(
    client, users, tree, django_assert_max_num_queries
):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(users["street"])
    with CaptureQueriesContext(connection) as few:
        client.get("/councils/compliance/", {"year": "2024"})
    for n in range(4):
        branch = make_org(tree["a"], f"新{n}支部", Organization.Kind.BRANCH, has_committee=True)
        make_org(branch, f"新{n}小组", Organization.Kind.GROUP)
        Meeting.objects.create(organization=branch, kind="general", held_on=D(2024, 5, 1))
    cache.clear()
    with CaptureQueriesContext(connection) as more:
        page = client.get("/councils/compliance/", {"year": "2024"}).content.decode()
    assert "甲社区党支部" in page
    assert len(more) == len(few)
