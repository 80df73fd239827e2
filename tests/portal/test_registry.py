"""An app plugs into the home page, the dashboard, its export and the demo through portal/registry.py,
without the portal importing it: what a test registers shows up, scoped to the user, and is gone
once unregistered."""

import copy
import dataclasses
import datetime
import re
from io import BytesIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from openpyxl import load_workbook

from members import hooks as member_hooks
from members.models import Member
from organizations.models import Organization
from portal import demo, registry
from portal.registry import AttentionItem, Column, DemoStep, Panel, Severity, Table

ASKED = []  # the organizations each counter call was about


def visits_due(scopes, day):
    """A stand-in for another app's counter: one visit due per organization in the subtree."""
    ASKED.append({scope.pk for scope in scopes})
    return {scope.pk: {"visits_due": Organization.objects.under(scope).count()} for scope in scopes}


def nodes_under(board, pk):
    return Organization.objects.under(Organization.objects.get(pk=pk)).count()


VISITS = AttentionItem(
    key="visits_due",
    title="走访逾期",
    hint="请尽快安排走访。",
    severity=Severity.HIGH,
    counter=visits_due,
    url=lambda org: f"/visits/?org={org.pk}",
    unit="次",
)
NODES = Column(
    "test.nodes", "组织个数", nodes_under, href=lambda board, pk: f"/visits/?org={pk}", sort=nodes_under, order=75
)
TEMPLATES = {
    "test/_member.html": '<p class="test-member">{{ name }}：{{ user.username }}</p>',
    "test/_home.html": '<p class="test-panel">{{ org.name }} · {{ day|date:"Y-m-d" }}</p>',
    "test/_headline.html": '<p class="test-headline">{{ name }}</p>',
}


@pytest.fixture
def plugged(settings):
    """The test's parts, registered for the test only, with their templates."""
    engine = copy.deepcopy(settings.TEMPLATES[0])
    engine["APP_DIRS"] = False
    engine["OPTIONS"]["loaders"] = [
        ("django.template.loaders.locmem.Loader", TEMPLATES),
        "django.template.loaders.filesystem.Loader",
        "django.template.loaders.app_directories.Loader",
    ]
    settings.TEMPLATES = [engine]
    ASKED.clear()
    home = Panel(
        "test.home", "home", "body", "test/_home.html", lambda request, org, day, today: {"org": org, "day": day}
    )
    headline = Panel("test.headline", "dashboard", "headline", "test/_headline.html", lambda b: {"name": b.scope.name})
    quality = Table("test.table", "走访情况", today_only=True)
    per_table = Column("test.per_table", "组织", nodes_under, table="test.table")
    with (
        registry.attention.registered(VISITS),
        registry.columns.registered(NODES, per_table),
        registry.tables.registered(quality),
        registry.panels.registered(home, headline),
    ):
        yield


def home_counts(page):
    return re.findall(r'<a href="([^"]+)">走访逾期：<strong>(\d+)</strong> 次</a>', page.replace("&amp;", "&"))


def test_an_attention_item_is_counted_on_each_users_home_page_for_their_organization(client, users, tree, plugged):
    client.force_login(users["secretary_a"])
    assert home_counts(client.get("/").content.decode()) == [(f"/visits/?org={tree['a'].pk}", "5")]
    assert ASKED == [{tree["a"].pk}]
    client.force_login(users["secretary_b"])
    assert home_counts(client.get("/").content.decode()) == [(f"/visits/?org={tree['b'].pk}", "3")]
    assert "请尽快安排走访。" in client.get("/").content.decode()


def test_a_high_severity_item_shows_on_the_dashboards_rows_of_the_users_subtree(client, users, tree, plugged):
    client.force_login(users["secretary_a"])
    page = client.get("/dashboard/").content.decode().replace("&amp;", "&")
    rows = dict(re.findall(r'<a class="warn" href="/visits/\?org=(\d+)">走访逾期 (\d+)</a>', page))
    assert rows == {str(tree["a1"].pk): "3", str(tree["a2"].pk): "1"}
    assert ASKED == [{tree["a1"].pk, tree["a2"].pk}]  # one call for all rows, none outside the scope
    assert client.get("/dashboard/", {"org": tree["b"].pk}).status_code == 404


def test_a_lower_severity_item_stays_off_the_dashboard(client, users, tree, plugged):
    registry.attention.unregister("visits_due")
    try:
        with registry.attention.registered(dataclasses.replace(VISITS, severity=Severity.LOW)):
            client.force_login(users["street"])
            assert "走访逾期" in client.get("/").content.decode()
            assert "走访逾期" not in client.get("/dashboard/").content.decode()
    finally:
        registry.attention.register(VISITS)


def test_a_column_shows_on_the_dashboard_sorts_and_is_exported(client, users, tree, plugged):
    client.force_login(users["street"])
    page = client.get("/dashboard/", {"sort": "-test.nodes"}).content.decode().replace("&amp;", "&")
    assert '&sort=test.nodes">组织个数</a>' in page
    cells = re.findall(r'<td><a href="/visits/\?org=(\d+)">(\d+)</a></td>', page)
    assert cells == [(str(tree["b"].pk), "3"), (str(tree["a"].pk), "5")]  # ascending, as asked
    book = load_workbook(BytesIO(client.get("/dashboard/export.xlsx").content))
    header, *rows = list(book["下级组织"].iter_rows(min_row=3, values_only=True))
    column = header.index("组织个数")
    assert {row[0]: row[column] for row in rows} == {"甲社区党支部": 5, "乙社区党支部": 3}


def test_panels_and_tables_show_for_the_users_own_organization(client, users, tree, plugged):
    client.force_login(users["secretary_a"])
    home = client.get("/", {"date": "2024-05-01"}).content.decode()
    assert re.findall(r'<p class="test-panel">(.*?)</p>', home) == ["甲社区党支部 · 2024-05-01"]
    dashboard = client.get("/dashboard/").content.decode()
    assert '<p class="test-headline">甲社区党支部</p>' in dashboard
    assert "<h2>走访情况</h2>" in dashboard
    assert "<h2>走访情况</h2>" not in client.get("/dashboard/", {"date": "2024-05-01"}).content.decode()  # today only


def test_a_member_section_shows_on_the_members_page_when_it_has_something_to_say(client, users, members, plugged):
    said = member_hooks.MemberSection(
        "test.member",
        "test/_member.html",
        lambda request, member: {"name": member.name} if member.name == "张卫华" else None,
    )
    client.force_login(users["street"])
    with member_hooks.member_sections.registered(said):
        page = client.get(f"/members/{members['a'].pk}/").content.decode()
        assert '<p class="test-member">张卫华：street</p>' in page
        assert "test-member" not in client.get(f"/members/{members['b'].pk}/").content.decode()
    assert "test-member" not in client.get(f"/members/{members['a'].pk}/").content.decode()


def test_nothing_is_left_once_unregistered(client, users, tree):
    client.force_login(users["street"])
    with registry.attention.registered(VISITS), registry.columns.registered(NODES):
        assert "走访逾期" in client.get("/").content.decode()
        assert "组织个数" in client.get("/dashboard/").content.decode()
    from django.core.cache import cache

    cache.clear()  # the page was cached with the column
    assert "走访逾期" not in client.get("/").content.decode()
    assert "组织个数" not in client.get("/dashboard/").content.decode()


@pytest.mark.django_db
def test_demo_steps_run_in_order_of_their_key():
    seen = []

    def between(built):
        seen.append((len(built.communities), Member.objects.count(), len(built.accounts)))

    with registry.demo_steps.registered(DemoStep("test.between", between, order=25)):
        demo.seed(seed=3, today=datetime.date(2025, 1, 1), communities=2, per_community=5)
    assert seen == [(2, 0, 6)]  # after the tree and the accounts, before the members
    assert Member.objects.count() == 10


def test_a_key_is_registered_once_and_a_panel_needs_a_real_slot():
    with pytest.raises(ImproperlyConfigured):
        registry.attention.register(registry.attention["probation_overdue"])
    with pytest.raises(ImproperlyConfigured):
        Panel("test.nowhere", "home", "sidebar", "test/_home.html", lambda *args: {})
