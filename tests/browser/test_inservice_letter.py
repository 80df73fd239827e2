"""In-service members in a real Chromium: a secretary registers a member picked by pinyin initials on a
phone, and prints a member's annual feedback letter to the employer."""

import pytest
from playwright.sync_api import expect

from services.models import FeedbackLetter, InServiceRegistration
from tests.browser.conftest import Watched, log_in
from tests.browser.test_accessibility import axe  # noqa: F401 (the fixture)
from tests.browser.test_look import pdf_pages
from tests.conftest import PASSWORD
from tests.services.inservice_data import D, hand_worked_year, register, target

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def on_phone(browser, live_server):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield Watched(page, live_server.url)
    context.close()


def test_a_secretary_prints_a_members_feedback_letter(watched, live_server, users, tree, members, axe):  # noqa: F811
    hand_worked_year(tree, members["a"])
    target(tree["street"], 2024, hours=8, user=users["street"])
    registration = register(members["a"], tree["a"], D(2023, 3, 1))
    page = watched.page
    log_in(watched, live_server, "sec_a", PASSWORD)
    page.goto(f"{live_server.url}/services/in-service/?year=2024")
    axe.check(page, "in-service list")
    page.get_by_role("link", name="张卫华").click()
    expect(page.locator("table.yearly")).to_contain_text("3.5")
    axe.check(page, "registration")
    page.get_by_role("link", name="出具反馈函").click()
    page.get_by_label("年度").select_option("2024")
    page.get_by_role("button", name="查看").click()
    assessment = page.get_by_label("社区评价")
    expect(assessment).to_have_value(
        "张卫华同志2024年在我社区参加志愿服务2次，累计服务3.5小时，未达到街道党工委规定的年度服务目标。"
    )
    axe.check(page, "letter form")
    assessment.fill("该同志积极参加楼道清理，热心帮助独居老人。")
    page.get_by_role("button", name="出具2024年反馈函").click()
    expect(page.locator(".messages")).to_contain_text("已出具反馈函：2024年第1号")
    letter = FeedbackLetter.objects.get()
    assert (letter.registration, letter.number, letter.minutes, letter.issued_by) == (
        registration,
        1,
        210,
        users["secretary_a"],
    )
    axe.check(page, "letter")
    page.get_by_role("link", name="打印").click()
    page.wait_for_url(f"{live_server.url}/services/in-service/letters/{letter.pk}/print/")
    sheet = page.locator("article.letter")
    expect(sheet.locator(".letter-number")).to_have_text("编号：甲社区党支部 2024年第1号")
    expect(sheet.locator(".letter-hours")).to_have_text("3.5 小时")
    expect(sheet.locator(".signature")).to_contain_text("社区党组织书记（签字）：")
    axe.check(page, "letter print")
    (printed,) = pdf_pages(page)  # one A4 sheet
    for text in ("在职党员社区表现反馈", "2024年第1号", "3.5小时", "社区党组织书记(签字):", "热心帮助独居老人"):
        assert text in printed
    axe.assert_clean()
    watched.assert_clean()


def test_a_secretary_registers_a_member_picked_by_pinyin_initials_on_a_phone(
    on_phone,
    live_server,
    users,
    tree,
    members,
    axe,  # noqa: F811
):
    page = on_phone.page
    log_in(on_phone, live_server, "sec_a", PASSWORD)
    page.goto(f"{live_server.url}/services/in-service/new/")
    page.get_by_label("查找党员").fill("zwh")
    choice = page.get_by_role("radio", name="张卫华")
    expect(choice).to_be_visible()
    choice.check()
    page.get_by_label("工作单位").fill("县财政局")
    page.get_by_label("单位党组织").fill("县财政局机关党支部")
    page.get_by_label("关爱老人").check()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    axe.check(page, "registration form")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("已登记张卫华到甲社区党支部报到")
    registration = InServiceRegistration.objects.get()
    assert (registration.member, registration.posts) == (members["a"], ["elderly_care"])
    # The same member again: refused next to the member, nothing saved.
    page.goto(f"{live_server.url}/services/in-service/new/")
    page.get_by_label("查找党员").fill("zwh")
    page.get_by_role("radio", name="张卫华").check()
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".member-pick")).to_contain_text("该党员已在本社区报到")
    assert InServiceRegistration.objects.count() == 1
    axe.check(page, "registration refused")
    axe.assert_clean()
    on_phone.assert_clean()
