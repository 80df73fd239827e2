"""The Party-member council in a real Chromium: a secretary walks one item from raise to done — a skipped
step refused on the way — while a resident, not logged in, comments on the public page from a phone,
the secretary lets the comment show, and the resident sees it and, later, the item done."""

import datetime

import pytest
from playwright.sync_api import expect

from councils.models import AgendaItem, Comment, CommentModeration, Resolution, Step
from tests.browser.conftest import Watched, log_in
from tests.browser.test_accessibility import axe  # noqa: F401 (the fixture)
from tests.browser.test_service_activities import PHONE, fits_the_phone
from tests.conftest import PASSWORD
from tests.councils.council_fixtures import council  # noqa: F401 (the fixture)


@pytest.fixture
def resident(browser, live_server):
    """A resident's phone: no account, no login."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield Watched(page, live_server.url)
    context.close()


def test_one_item_from_raise_to_done_with_the_residents_on_the_public_page(
    watched,
    resident,
    live_server,
    users,
    council,  # noqa: F811
    axe,  # noqa: F811
):
    page, base = watched.page, live_server.url
    today = datetime.date.today()
    log_in(watched, live_server, "sec_a", PASSWORD)

    # 确立: the problem residents raised.
    page.get_by_role("link", name="议事", exact=True).click()
    page.get_by_role("link", name="确立议题").click()
    page.get_by_label("议题").fill("莫让社区变农庄")
    page.get_by_label("问题描述").fill("公共绿地被开垦种菜，浇粪施肥，气味难闻。")
    page.get_by_label("问题来源").select_option(label="居民反映")
    page.get_by_role("button", name="确立议题").click()
    expect(page.locator(".messages")).to_contain_text("已确立议题“莫让社区变农庄”")
    item = AgendaItem.objects.get()

    # A step cannot be skipped: the implementation's page says what must come first.
    page.locator("ol.path").get_by_role("link", name="实施").click()
    expect(page.locator(".refusal")).to_have_text("不能跳过“制订”环节：该议题目前处于“确立”环节，下一步应为“制订”。")
    expect(page.locator("main form")).to_have_count(0)
    page.get_by_role("link", name="回到议题").click()

    # 制订.
    page.get_by_role("link", name="登记下一环节：制订").click()
    page.get_by_label("议案（草案）").fill("清除绿地上的蔬菜，恢复绿化。")
    page.get_by_label("提交议事机构").select_option(label="甲社区党员议事会")
    page.get_by_role("button", name="登记“制订”").click()
    expect(page.locator(".messages")).to_contain_text("已登记“制订”环节")

    # 采纳: a meeting of the council, its attendance, the item on its agenda, the resolution.
    page.goto(f"{base}/councils/council/bodies/{council.body.pk}/")
    page.get_by_role("link", name="登记会议").click()
    page.get_by_label("会议名称").fill("“莫让社区变农庄”议事会")
    page.get_by_label("召开日期").fill(f"{today:%Y-%m-%d}")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("h1")).to_contain_text("议程与决议")
    page.get_by_label("列入议程的议题").select_option(label=f"莫让社区变农庄（{today:%Y-%m-%d}确立）")
    page.get_by_role("button", name="列入议程").click()
    expect(page.locator("ol.agenda")).to_contain_text("莫让社区变农庄")
    page.get_by_role("link", name="登记出席").click()
    for name in ("张卫华", "王芳", "刘强", "周建华"):  # 周建华: the power company's representative
        page.get_by_role("button", name=f"{name}出席").click()
        expect(page.get_by_role("button", name=f"{name}出席")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#quorum")).to_contain_text("到会人数过半，会议有效")
    page.goto(f"{base}/councils/council/meetings/{item.agenda_entries.get().meeting_id}/agenda/")
    page.get_by_text("登记“莫让社区变农庄”的表决结果").click()
    page.get_by_label("决议内容").fill("除食用菊花外清除全部蔬菜；不得施肥；分步清理；党员家庭率先；鼓励种花。")
    page.get_by_label("赞成").fill("4")
    page.get_by_role("button", name="通过决议，采纳议题").click()
    expect(page.locator(".messages")).to_contain_text(f"决议〔{today.year}〕第1号")
    axe.check(page, "agenda")

    # 评估: the plan goes to the residents.
    page.goto(f"{base}/councils/council/items/{item.pk}/")
    page.get_by_role("link", name="登记下一环节：评估").click()
    page.get_by_label("公示方案").fill("除食用菊花外，清除公共绿地上的全部蔬菜；不得施肥；分步清理；鼓励种花。")
    page.get_by_role("button", name="登记“评估”").click()
    expect(page.locator(".messages")).to_contain_text("已登记“评估”环节")

    # A resident, not logged in, reads the plan on a phone and comments.
    public = resident.page
    public.goto(f"{base}/yishi/")
    public.get_by_role("link", name=council.community.name).click()
    public.get_by_role("link", name="莫让社区变农庄").click()
    expect(public.locator("h1")).to_have_text("莫让社区变农庄")
    expect(public.locator(".plan")).to_contain_text("不得施肥")
    fits_the_phone(public)
    axe.check(public, "public plan")
    public.get_by_label("您的意见").fill("支持！菊花可以留着，开花也好看。")
    public.get_by_label("署名（可不填）").fill("3号楼居民")
    public.get_by_label("联系电话（可不填）").fill("13912345670")
    public.get_by_role("button", name="提交意见").click()
    expect(public.locator(".messages")).to_contain_text("已收到您的意见")
    expect(public.locator("#comments")).not_to_contain_text("菊花可以留着")
    fits_the_phone(public)

    # The secretary lets it show; the resident sees it, without the phone number.
    page.reload()
    page.get_by_role("link", name="待审核 1 条，已公开 0 条，不公开 0 条").click()
    expect(page.locator("li.comment")).to_contain_text("13912345670")
    axe.check(page, "moderation")
    page.get_by_role("button", name="公开第1条意见").click()
    expect(page.locator(".messages")).to_contain_text("已公开这条意见")
    public.reload()
    expect(public.locator("#comments")).to_contain_text("支持！菊花可以留着，开花也好看。")
    expect(public.locator("#comments")).to_contain_text("3号楼居民")
    expect(public.locator("body")).not_to_contain_text("13912345670")
    assert CommentModeration.objects.get().by == users["secretary_a"]

    # The residents' verdict, then 实施 with a task and its progress, then 办结.
    page.goto(f"{base}/councils/council/items/{item.pk}/")
    page.get_by_label("评议结果").select_option(label="同意")
    page.get_by_label("居民意见综述").fill("居民普遍赞成，建议保留食用菊花。")
    page.get_by_role("button", name="登记评议结果").click()
    expect(page.locator(".messages")).to_contain_text("已登记居民评议结果：同意")
    page.get_by_role("link", name="登记下一环节：实施").click()
    page.get_by_label("党员服务站").check()
    page.get_by_role("button", name="登记“实施”").click()
    page.get_by_label("任务").fill("党员家庭率先清除蔬菜")
    page.get_by_label("负责方").fill("党员服务站")
    page.get_by_label("完成期限").fill(f"{today:%Y-%m-%d}")
    page.get_by_role("button", name="安排任务").click()
    expect(page.locator("ul.tasks")).to_contain_text("党员家庭率先清除蔬菜")
    page.get_by_role("button", name="登记完成").click()
    expect(page.locator(".messages")).to_contain_text("任务“党员家庭率先清除蔬菜”已完成")
    page.get_by_label("进度（%）").fill("100")
    page.get_by_label("进展情况").fill("绿地蔬菜已清除，补种了月季。")
    page.get_by_role("button", name="登记进展").click()
    expect(page.locator(".messages")).to_contain_text("已登记进展：100%")
    axe.check(page, "item being carried out")
    page.get_by_role("link", name="登记下一环节：办结").click()
    page.get_by_label("办理结果", exact=True).fill("除食用菊花外的蔬菜全部清除，补种了花卉。")
    page.get_by_label("公开的办理结果").fill("绿地已恢复，补种了月季等花卉。")
    page.get_by_role("button", name="登记“办结”").click()
    expect(page.locator("h1 .step")).to_have_text("办结")
    expect(page.locator("ol.path li.path-done")).to_have_count(6)

    item.refresh_from_db()
    steps = list(item.steps.order_by("id").values_list("step", flat=True))
    assert steps == ["raise", "draft", "adopt", "consult", "implement", "done"] and item.step == Step.DONE
    assert Resolution.objects.get(item=item).number == f"〔{today.year}〕第1号"
    assert Comment.objects.get().status == "shown"

    # The resident sees it done.
    public.reload()
    expect(public.locator(".status")).to_have_text("已办结")
    expect(public.locator(".progress")).to_contain_text("绿地已恢复，补种了月季等花卉。")
    fits_the_phone(public)
    axe.check(public, "public page of the item done")
    axe.assert_clean()
    watched.assert_clean()
    resident.assert_clean()
