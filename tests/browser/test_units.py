"""A secretary registers a resident unit and its co-building agreement on a phone (real Chromium,
360 px): the pages fit, their tap targets are 44 px, a wrong end date is said next to the field,
and axe-core finds nothing serious on the units', agreements' and ledgers' pages."""

import datetime

import pytest
from playwright.sync_api import expect

from services.models import CoBuildingAgreement, ResidentUnit
from tests.browser.conftest import log_in
from tests.browser.test_accessibility import Audit
from tests.browser.test_accessibility import axe as axe  # noqa: F401 (the fixture)
from tests.conftest import PASSWORD

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def on_phone(browser, live_server):
    from tests.browser.conftest import Watched

    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield Watched(page, live_server.url)
    context.close()


def fits_a_phone(page, path):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{path} is {width}px wide"
    small = page.evaluate(
        """() => [...document.querySelectorAll(`header a, header button, main button, main .button, .pager a,
                main select, main input:not([type=hidden]):not([type=checkbox]):not([type=radio]), main label.choice`)]
            .filter(e => e.getClientRects().length)
            .map(e => [e.textContent.trim() || e.name, e.getBoundingClientRect().height])
            .filter(([name, height]) => height < 44)"""
    )
    assert small == [], f"{path}: tap targets under 44 px"


def test_a_secretary_registers_a_unit_and_its_agreement_on_a_phone(on_phone, live_server, users, tree, axe):
    assert isinstance(axe, Audit)
    page = on_phone.page
    log_in(on_phone, live_server, "sec_a", PASSWORD)
    page.goto(f"{live_server.url}/services/units/")
    fits_a_phone(page, "/services/units/")
    axe.check(page, "unit list")
    page.get_by_role("link", name="登记驻区单位").click()
    page.get_by_label("单位名称").fill("县人民医院")
    page.get_by_label("联系人").fill("林主任")
    page.get_by_label("联系电话").fill("0591-22223333")
    page.get_by_label("活动场所").check()
    page.get_by_label("志愿者").check()
    fits_a_phone(page, "/services/units/new/")
    axe.check(page, "new unit")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", name="县人民医院")).to_be_visible()
    expect(page.locator("dl.details")).to_contain_text("活动场所、志愿者")
    unit = ResidentUnit.objects.get()
    assert (unit.organization, unit.offers) == (tree["a"], ["hall", "volunteers"])

    page.get_by_role("link", name="登记共建协议").click()
    page.get_by_label("协议名称").fill("甲社区与县人民医院党建共建协议")
    page.get_by_label("开始日期").fill("2025-03-01")
    page.get_by_label("结束日期").fill("2025-02-28")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".field.has-error")).to_contain_text("结束日期")
    expect(page.locator("#id_ends_on_error")).to_have_text("结束日期不能早于开始日期。")
    expect(page.get_by_label("结束日期")).to_have_attribute("aria-invalid", "true")
    assert CoBuildingAgreement.objects.count() == 0
    fits_a_phone(page, "agreement with an error")
    axe.check(page, "agreement form with errors")
    ends = datetime.date.today() + datetime.timedelta(days=20)
    page.get_by_label("结束日期").fill(f"{ends:%Y-%m-%d}")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", name="甲社区与县人民医院党建共建协议")).to_be_visible()
    expect(page.locator("h1 .tag")).to_have_text("即将到期")
    fits_a_phone(page, "agreement page")
    axe.check(page, "agreement page")

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="共建协议即将到期：1 份").click()
    expect(page.locator("table.agreements")).to_contain_text("甲社区与县人民医院党建共建协议")
    fits_a_phone(page, "agreements ending")
    for path in ("/services/ledgers/", "/dashboard/", f"/services/units/{unit.pk}/"):
        page.goto(f"{live_server.url}{path}")
        fits_a_phone(page, path)
        axe.check(page, path)
    axe.assert_clean()
    on_phone.assert_clean()
