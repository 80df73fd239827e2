"""In a real browser: the Content-Security-Policy blocks nothing the portal needs, a search by ID number
leaves no number in the address bar or history, an idle session warns and then signs out."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.conftest import PASSWORD


def test_a_search_by_id_number_leaves_it_out_of_the_address_bar(watched, live_server, users, members):
    page = watched.page
    log_in(watched, live_server, "sec_a", PASSWORD)
    page.get_by_role("link", name="党员", exact=True).click()
    number = members["a"].id_number
    page.get_by_label("搜索").fill(number)
    expect(page.locator("#results")).to_contain_text("共 1 名党员")
    expect(page).to_have_url(re.compile(r"/members/\?(.*&)?s="))
    assert number not in page.url and number[-6:] not in page.url
    page.reload()  # the keyed URL shows the same search
    expect(page.locator("#results")).to_contain_text("张卫华")
    expect(page.get_by_label("搜索")).to_have_value(number)
    history = page.evaluate("() => history.length")
    assert history >= 2
    watched.assert_clean()


def test_every_main_page_works_under_the_policy(watched, live_server, users, members, tree):
    page = watched.page
    log_in(watched, live_server, "street", PASSWORD)
    for path in ["/", "/dashboard/", "/members/", f"/organizations/{tree['street'].pk}/", "/members/new/", "/admin/"]:
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("body")).to_be_visible()
    # The charts are styled (their <style> ran): pygal's lines are not filled.
    page.goto(f"{live_server.url}/dashboard/")
    fill = page.evaluate("() => getComputedStyle(document.querySelector('.pygal-chart .nofill')).fill")
    assert fill == "none"
    watched.assert_clean()  # a blocked script or style is a console error


def test_an_idle_session_warns_then_signs_out_and_says_why(watched, live_server, users, settings):
    settings.SESSION_IDLE_TIMEOUT = 4
    settings.SESSION_IDLE_WARNING = 3
    page = watched.page
    log_in(watched, live_server, "sec_a", PASSWORD)
    warning = page.locator(".session-warning")
    expect(warning).to_contain_text("秒后自动退出登录", timeout=5000)
    expect(page).to_have_url(re.compile(r"/accounts/login/"), timeout=10000)
    expect(page.locator(".messages")).to_contain_text("长时间未操作，已自动退出，请重新登录。")
    watched.assert_clean()


def test_continuing_keeps_the_session(watched, live_server, users, settings):
    settings.SESSION_IDLE_TIMEOUT = 6
    settings.SESSION_IDLE_WARNING = 5
    page = watched.page
    log_in(watched, live_server, "sec_a", PASSWORD)
    warning = page.locator(".session-warning")
    expect(warning).to_be_visible(timeout=5000)
    page.get_by_role("button", name="继续使用").click()
    expect(warning).to_be_hidden()
    page.get_by_role("link", name="党员", exact=True).click()
    expect(page).to_have_url(re.compile(r"/members/$"))
    watched.assert_clean()
