"""Services in a real Chromium: a secretary records an activity and its participants on a phone."""

import datetime

import pytest
from playwright.sync_api import expect

from members.models import Gender
from services.models import Activity, ServiceEntry, ServiceTeam, TeamMembership
from tests.browser.conftest import log_in
from tests.browser.test_accessibility import axe  # noqa: F401 (the fixture)
from tests.conftest import PASSWORD, new_member

D = datetime.date
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def on_phone(browser, live_server):
    from tests.browser.conftest import Watched

    context = browser.new_context(viewport=PHONE, locale="zh-CN", has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield Watched(page, live_server.url)
    context.close()


@pytest.fixture
def neighbours(tree, members):
    """Four more members of community A, and one of B the secretary of A may not record."""
    people = {"张卫华": members["a"]}
    for index, name in enumerate(["王芳", "刘强", "陈静", "赵建国"]):
        people[name] = new_member(tree["a2"] if index % 2 else tree["a1g2"], name, D(1958 + index, 3, 1), Gender.FEMALE)
    people["王飞"] = new_member(tree["b1g1"], "王飞", D(1970, 1, 1))  # wf too, but in community B
    return people


def fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    small = page.evaluate(
        """() => [...document.querySelectorAll(`main button, main .button, main select,
                main input:not([type=hidden]):not([type=checkbox]):not([type=radio])`)]
            .filter(e => e.getClientRects().length)
            .map(e => [e.textContent.trim() || e.name, e.getBoundingClientRect().height])
            .filter(([name, height]) => height < 44)"""
    )
    assert small == []


def add(page, initials, name):
    search = page.get_by_label("添加参加人员")
    search.fill(initials)
    page.locator("#member-results").get_by_role("button", name=name).click()
    expect(page.locator("#participants")).to_contain_text(name)
    expect(search).to_have_value("")  # emptied and focused again for the next name
    expect(search).to_be_focused()


def test_a_secretary_records_an_activity_with_five_participants_on_a_phone(
    on_phone,
    live_server,
    users,
    tree,
    neighbours,
    axe,  # noqa: F811
):
    page = on_phone.page
    log_in(on_phone, live_server, "sec_a", PASSWORD)
    page.get_by_role("link", name="服务", exact=True).click()
    page.get_by_role("link", name="登记活动").click()
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    page.get_by_label("活动名称").fill("重阳节慰问独居老人")
    page.get_by_label("活动类型").select_option(label="节日活动")
    page.get_by_label("活动日期").fill(f"{yesterday:%Y-%m-%d}")
    page.get_by_label("开始时间").fill("09:30")
    page.get_by_label("地点").fill("社区活动中心")
    page.get_by_label("每人计服务时长（小时）").fill("2.5")
    add(page, "zwh", "张卫华")
    add(page, "wf", "王芳")
    # 王飞 (wf as well) is in community B: not offered to this secretary.
    page.get_by_label("添加参加人员").fill("wf")
    expect(page.locator("#member-results")).to_contain_text("王芳")
    expect(page.locator("#member-results")).not_to_contain_text("王飞")
    page.get_by_label("添加参加人员").press("Enter")  # Enter takes the first one found: already added
    expect(page.locator("#member-results")).to_contain_text("已添加")
    add(page, "lq", "刘强")
    add(page, "cj", "陈静")
    page.get_by_label("添加参加人员").fill("zjg")
    expect(page.locator("#member-results").get_by_role("button", name="赵建国")).to_be_visible()
    page.get_by_label("添加参加人员").press("Enter")
    expect(page.locator("#participants tbody tr")).to_have_count(5)
    expect(page.get_by_label("王芳的服务时长（小时）")).to_have_value("2.5")  # pre-filled from the activity
    fits_the_phone(page)
    axe.check(page, "quick entry with participants")
    page.get_by_label("陈静的服务时长（小时）").fill("25")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#error-summary")).to_contain_text("陈静：一人一天的服务时长不能超过24小时。")
    expect(page.locator("#participant-" + str(neighbours["陈静"].pk))).to_contain_text("不能超过24小时")
    assert Activity.objects.count() == 0 and ServiceEntry.objects.count() == 0
    expect(page.locator("#participants tbody tr")).to_have_count(5)  # everything typed is still there
    page.get_by_label("陈静的服务时长（小时）").fill("1.5")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("参加人员 5 名")
    expect(page.locator("main h2").first).to_contain_text("参加人员 5 名，共 11.5 小时")
    fits_the_phone(page)
    activity = Activity.objects.get()
    entries = ServiceEntry.objects.filter(activity=activity)
    assert entries.count() == 5
    assert dict(entries.values_list("member__name", "minutes")) == {
        "张卫华": 150,
        "王芳": 150,
        "刘强": 150,
        "陈静": 90,
        "赵建国": 150,
    }
    assert set(entries.values_list("served_on", "organization", "source", "recorded_by")) == {
        (yesterday, tree["a"].pk, "activity", users["secretary_a"].pk)
    }
    axe.check(page, "activity page")
    axe.assert_clean()
    on_phone.assert_clean()


def test_the_signed_sheet_is_printed_and_ticked_back_in(on_phone, live_server, users, tree, neighbours):
    team = ServiceTeam.objects.create(organization=tree["a"], name="甲社区党员志愿服务队")
    for name in ("王芳", "刘强", "陈静"):
        TeamMembership.objects.create(team=team, member=neighbours[name], joined_on=D(2024, 1, 1))
    from django.utils import timezone

    starts = timezone.make_aware(datetime.datetime.combine(datetime.date.today(), datetime.time(8)))
    activity = Activity.objects.create(
        organization=tree["a"],
        team=team,
        title="周六环境整治",
        kind="environment",
        starts_at=starts,
        credited_minutes=90,
    )
    page = on_phone.page
    log_in(on_phone, live_server, "sec_a", PASSWORD)
    page.goto(f"{live_server.url}/services/activities/{activity.pk}/sign-in-sheet/")
    expect(page.locator("table.sign-in tbody tr")).to_have_count(3 + 8)
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")
    page.goto(f"{live_server.url}/services/activities/{activity.pk}/")
    page.get_by_role("link", name="按签到表录入").click()
    expect(page.get_by_label("签到表")).to_be_checked()
    page.get_by_label("王芳", exact=True).check()
    page.get_by_label("陈静", exact=True).check()
    fits_the_phone(page)
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("已记入服务台账 2 条")
    assert sorted(ServiceEntry.objects.values_list("member__name", "minutes", "source")) == [
        ("王芳", 90, "sign_in"),
        ("陈静", 90, "sign_in"),
    ]
    on_phone.assert_clean()


def test_the_services_pages_fit_a_phone_and_pass_axe(on_phone, live_server, users, tree, neighbours, axe):  # noqa: F811
    from django.utils import timezone

    team = ServiceTeam.objects.create(organization=tree["a"], name="甲社区党员义工队", kind="yigong")
    TeamMembership.objects.create(team=team, member=neighbours["王芳"], joined_on=D(2024, 1, 1))
    starts = timezone.make_aware(datetime.datetime.combine(datetime.date.today(), datetime.time(8)))
    activity = Activity.objects.create(
        organization=tree["a"],
        team=team,
        title="便民理发",
        kind="convenience",
        convenience_kind="haircut",
        starts_at=starts,
    )
    ServiceEntry.objects.create(
        member=neighbours["王芳"], organization=tree["a"], activity=activity, served_on=activity.day, minutes=120
    )
    page = on_phone.page
    log_in(on_phone, live_server, "sec_a", PASSWORD)
    for path in (
        "/services/activities/",
        f"/services/activities/{activity.pk}/",
        f"/services/activities/{activity.pk}/edit/",
        f"/services/activities/{activity.pk}/participants/",
        "/services/teams/",
        f"/services/teams/{team.pk}/",
        "/services/teams/new/",
    ):
        page.goto(f"{live_server.url}{path}")
        fits_the_phone(page)
        axe.check(page, path)
    axe.assert_clean()
    on_phone.assert_clean()
