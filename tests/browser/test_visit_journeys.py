"""Care visits in a real Chromium: a secretary records a hospital visit with a follow-up and sees it on
the home page when it falls due; records a death in the change log and sees the must-visit appear
(and go once the family is visited); the pages fit a phone and pass axe-core."""

import datetime

from playwright.sync_api import expect

from members.models import MemberChange, Standing
from services.models import CareVisit, Household, Pairing, VisitDue
from tests.browser.conftest import log_in
from tests.browser.test_accessibility import axe  # noqa: F401  (the fixture)
from tests.conftest import PASSWORD

TODAY = datetime.date.today()
DAY = datetime.timedelta(days=1)
MUST = "“四必访”待走访"


def attention(page, title):
    return page.locator("ul.attention li", has_text=title)


def test_a_hospital_visit_with_a_follow_up_shows_on_the_home_page_when_it_falls_due(
    watched, live_server, users, tree, members
):
    page = watched.page
    log_in(watched, live_server, "sec_a", PASSWORD)
    expect(attention(page, MUST)).to_contain_text(f"{MUST}：0")
    page.goto(f"{live_server.url}/services/visits/new/")
    page.get_by_label("走访党员").fill("zwh")
    page.locator("#member-results").get_by_role("button", name="张卫华").click()
    expect(page.locator("#chosen-member")).to_contain_text("张卫华")
    expect(page.get_by_label("走访党员")).to_have_value("")  # the box is emptied for the next search
    page.get_by_label("走访原因").select_option(label="生病住院")
    page.get_by_label("走访日期").fill(f"{TODAY - 3 * DAY:%Y-%m-%d}")
    page.get_by_label("走访人（党员）").fill("zwh")
    page.locator("#visitor-results").get_by_role("button", name="张卫华").click()
    expect(page.locator("#visitor-chips")).to_contain_text("张卫华")
    page.get_by_label("慰问物品").fill("水果、牛奶")
    page.get_by_label("慰问金（元）").fill("300")
    page.get_by_label("走访情况").fill("术后恢复中，家属陪护。")
    page.get_by_label("需要再次走访").check()
    page.get_by_label("再次走访期限").fill(f"{TODAY:%Y-%m-%d}")  # falls due today
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("已登记走访")
    expect(page.locator("main")).to_contain_text("水果、牛奶")
    visit = CareVisit.objects.get()
    assert (visit.member, visit.reason, visit.follow_up_due) == (members["a"], "ill", TODAY)
    assert list(visit.visitors.all()) == [members["a"]]
    page.get_by_role("link", name="首页").click()
    item = attention(page, MUST)
    expect(item).to_contain_text(f"{MUST}：1")
    item.get_by_role("link").click()
    expect(page.locator("table.dues")).to_contain_text("张卫华")
    expect(page.locator("table.dues")).to_contain_text("生病住院")
    watched.assert_clean()


def test_a_visit_refused_for_a_future_date_keeps_what_was_typed(watched, live_server, users, tree, members):
    page = watched.page
    log_in(watched, live_server, "sec_a", PASSWORD)
    page.goto(f"{live_server.url}/services/visits/new/")
    page.get_by_label("新登记困难家庭").check()
    expect(page.get_by_label("户主姓名")).to_be_visible()
    expect(page.get_by_label("走访党员")).to_be_hidden()  # the form follows the kind of person visited
    page.get_by_label("户主姓名").fill("孙桂兰")
    page.get_by_label("独居老人").check()
    page.get_by_label("走访原因").select_option(label="节日慰问")
    page.get_by_label("走访日期").fill(f"{TODAY + DAY:%Y-%m-%d}")
    page.get_by_role("button", name="保存").click()
    # members/_field.html's <ul> of errors closes its <p>: the browser puts it right after it.
    expect(page.locator("p:has(#id_visited_on) + ul.errorlist")).to_have_text("走访日期不能晚于今天。")
    expect(page.get_by_label("户主姓名")).to_have_value("孙桂兰")
    assert not CareVisit.objects.exists() and not Household.objects.exists()
    page.get_by_label("走访日期").fill(f"{TODAY:%Y-%m-%d}")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("已登记走访")
    assert CareVisit.objects.get().household.name == "孙桂兰"
    watched.assert_clean()


def test_a_death_recorded_in_the_change_log_brings_a_must_visit_to_the_home_page(
    watched, live_server, users, tree, members
):
    page = watched.page
    log_in(watched, live_server, "sec_a", PASSWORD)
    page.goto(f"{live_server.url}/members/{members['a'].pk}/")
    page.get_by_role("link", name="逝世").click()
    page.get_by_label("生效日期").fill(f"{TODAY - DAY:%Y-%m-%d}")
    page.get_by_role("button", name="下一步：核对").click()
    page.get_by_role("button", name="确认保存").click()
    expect(page.locator(".messages")).to_contain_text("已登记：逝世")
    assert members["a"].__class__.objects.get(pk=members["a"].pk).standing == Standing.DECEASED
    due = VisitDue.objects.get()
    assert due.change.kind == MemberChange.Kind.DEATH and due.due_on == TODAY + 7 * DAY
    page.get_by_role("link", name="首页").click()
    item = attention(page, MUST)
    expect(item).to_contain_text(f"{MUST}：1")
    item.get_by_role("link").click()
    row = page.locator("table.dues tbody tr", has_text="张卫华")
    expect(row).to_contain_text("党员去世")
    row.get_by_role("link", name="登记走访").click()
    expect(page.locator("#chosen-member")).to_contain_text("张卫华")
    expect(page.get_by_label("走访原因")).to_have_value("death")
    page.get_by_label("慰问金（元）").fill("500")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("main")).to_contain_text("本次走访完成的待走访事项")
    page.get_by_role("link", name="首页").click()
    expect(attention(page, MUST)).to_contain_text(f"{MUST}：0")
    watched.assert_clean()


def test_the_visit_pages_fit_a_phone_and_pass_axe(browser, live_server, users, tree, members, axe):  # noqa: F811
    household = Household.objects.create(organization=tree["a"], name="孙桂兰", kinds=["elderly_alone"])
    Pairing.objects.create(member=members["a"], household=household, started_on=TODAY - 90 * DAY)
    visit = CareVisit.objects.create(
        organization=tree["a"], household=household, reason="hardship", visited_on=TODAY, notes="x", sensitive=True
    )
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名或手机号").fill("sec_a")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")
    for path in (
        "/services/visits/",
        "/services/visits/new/",
        f"/services/visits/{visit.pk}/",
        "/services/visits/due/",
        "/services/households/",
        f"/services/households/{household.pk}/",
        "/services/pairings/",
        "/services/pairings/new/",
        "/services/pairings/helpers/",
    ):
        page.goto(f"{live_server.url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} is {width}px wide"
        axe.check(page, path)
    page.goto(f"{live_server.url}/services/visits/new/")
    page.get_by_role("button", name="保存").click()  # the form with its messages
    axe.check(page, "visit form with errors")
    context.close()
    axe.assert_clean()
