"""Warnings before, not after, in a real Chromium on a phone: two thirds into the quarter the branch
secretary's home page says which meetings are still due; recording the meeting makes the line go.
The portal's pages are shown as on 10 March 2025 (their "today"), a day of the past."""

import datetime
import importlib

import pytest
from django.apps import apps
from playwright.sync_api import expect

from councils.models import Meeting
from tests.browser.conftest import log_in
from tests.browser.test_accessibility import axe  # noqa: F401 (the fixture)
from tests.browser.test_service_activities import fits_the_phone, on_phone  # noqa: F401 (the fixture)
from tests.conftest import PASSWORD
from tests.councils.test_compliance_pages import NOT_YET, WARNED, on_day

GENERAL = "甲第一支部：本季度支部党员大会 0/1，还剩21天"


@pytest.fixture
def default_rules(transactional_db):
    """The regulation's defaults, as the data migration seeds them: a live server's test database is
    emptied after each test, seeded rows included."""
    importlib.import_module("councils.migrations.0002_default_schedule_rules").seed(apps, None)


LESSON = "甲第一支部：本季度党课 0/1，还剩21天"


def test_the_home_page_warning_appears_two_thirds_into_the_quarter_and_goes_once_the_meeting_is_recorded(
    on_phone,  # noqa: F811
    live_server,
    users,
    tree,
    members,
    monkeypatch,
    default_rules,
    axe,  # noqa: F811
):
    page = on_phone.page
    on_day(monkeypatch, NOT_YET)
    log_in(on_phone, live_server, "branch_a1", PASSWORD)
    warnings = page.locator("ul.attention li.due-soon")
    expect(page.locator("ul.attention")).to_be_visible()
    expect(warnings.filter(has_text="本月主题党日")).to_have_count(1)  # the last day of February
    expect(warnings.filter(has_text="本季度")).to_have_count(0)  # 59 of the quarter's 90 days are gone

    on_day(monkeypatch, WARNED)
    page.reload()
    expect(warnings.filter(has_text=GENERAL)).to_have_count(1)
    expect(warnings.filter(has_text=LESSON)).to_have_count(1)
    fits_the_phone(page)
    axe.check(page, "home page with warnings")

    page.get_by_role("link", name="登记会议", exact=True).first.click()
    page.get_by_label("会议类型").select_option(label="支部党员大会")
    page.get_by_label("召开日期").fill("2025-03-08")
    page.get_by_label("议题").fill("第一季度支部党员大会")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("h1")).to_have_text("登记出席")
    assert Meeting.objects.filter(organization=tree["a1"], kind="general", held_on=datetime.date(2025, 3, 8)).exists()

    page.get_by_role("link", name="首页", exact=True).click()
    expect(warnings.filter(has_text=LESSON)).to_have_count(1)
    expect(warnings.filter(has_text="支部党员大会")).to_have_count(0)

    # Judged today, that quarter is over: the lesson missed, the general meeting held.
    page.get_by_role("link", name="查看组织生活达标情况").click()
    expect(page.locator("h1")).to_contain_text("甲第一支部组织生活达标情况")
    row = page.locator("table.compliance tr", has_text="甲第一支部")
    expect(row).to_contain_text("第一季度党课 0/1")
    expect(row).not_to_contain_text("第一季度支部党员大会")
    fits_the_phone(page)
    axe.check(page, "compliance page")
    row.get_by_role("link", name="第一季度党课 0/1").click()  # the meetings behind it
    expect(page.locator(".count")).to_contain_text("2025年1月1日至2025年3月31日，共 0 次会议")
    axe.assert_clean()
    on_phone.assert_clean()


def test_the_street_publishes_a_theme_and_a_branch_records_its_day_on_a_phone(
    on_phone,  # noqa: F811
    live_server,
    users,
    tree,
    members,
    default_rules,
    axe,  # noqa: F811
):
    page = on_phone.page
    log_in(on_phone, live_server, "street", PASSWORD)
    page.goto(f"{live_server.url}/councils/rules/")
    expect(page.locator("h1")).to_have_text("测试街道会议频次规定")
    expect(page.locator(".rule-group").first).to_contain_text("第十一条")
    fits_the_phone(page)
    axe.check(page, "schedule rules")
    page.goto(f"{live_server.url}/councils/themes/new/")
    page.get_by_label("月份").fill("2025-03")
    page.get_by_label("主题").fill("学雷锋志愿服务进楼栋")
    page.get_by_label("学习材料").fill("《关于推进新时代文明实践的意见》")
    page.get_by_label("报送截止日期").fill("2025-03-28")
    fits_the_phone(page)
    axe.check(page, "publishing a theme")
    page.get_by_role("button", name="发布").click()
    expect(page.locator(".messages")).to_contain_text("已发布2025年3月主题党日主题")
    expect(page.locator("#recorded")).to_have_text("0")

    page.get_by_role("button", name="退出").click()
    log_in(on_phone, live_server, "branch_a1", PASSWORD)
    page.goto(f"{live_server.url}/councils/themes/?month=2025-03")
    expect(page.locator(".theme")).to_contain_text("学雷锋志愿服务进楼栋")
    page.get_by_role("link", name="登记主题党日").click()
    page.get_by_label("召开日期").fill("2025-03-15")
    page.get_by_label("地点").fill("楼栋党员活动室")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("h1")).to_have_text("登记出席")
    page.goto(f"{live_server.url}/councils/themes/?month=2025-03")
    expect(page.locator("table.theme-days")).to_contain_text("逾期登记")  # recorded today, after 28 March
    fits_the_phone(page)
    axe.check(page, "the month's theme")
    meeting = Meeting.objects.get()
    assert (meeting.kind, meeting.theme.title, meeting.organization) == (
        "theme_day",
        "学雷锋志愿服务进楼栋",
        tree["a1"],
    )
    axe.assert_clean()
    on_phone.assert_clean()
