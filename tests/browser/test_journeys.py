import datetime

from playwright.sync_api import expect

from members.models import Member, Standing
from organizations.models import Organization
from portal.identity import make_id_number
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, new_member

D = datetime.date


def test_a_secretary_finds_a_member_by_pinyin_and_records_a_transfer_out(watched, live_server, users, tree, members):
    page = watched.page
    new_member(tree["a1g2"], "王芳", D(1962, 1, 1), "F")
    log_in(watched, live_server, "13900000001", PASSWORD)  # by phone number
    expect(page.locator("main")).to_contain_text("在册党员 2 名")
    page.get_by_role("link", name="党员", exact=True).click()
    page.get_by_label("搜索").fill("zwh")
    results = page.locator("#results")
    expect(results).to_contain_text("共 1 名党员")
    expect(results).not_to_contain_text("王芳")
    results.get_by_role("link", name="张卫华").click()
    page.get_by_role("link", name="组织关系转出").click()
    page.get_by_label("生效日期").fill("2025-03-01")
    page.get_by_label("转往单位（接收党组织）").fill("县教育局党委")
    page.get_by_label("介绍信编号").fill("转出〔2025〕第7号")
    page.get_by_role("button", name="下一步：核对").click()
    expect(page.locator(".summary")).to_contain_text("在册状态：在册 → 已转出")
    page.get_by_role("button", name="确认保存").click()
    expect(page.locator(".messages")).to_contain_text("已登记：组织关系转出")
    expect(page.locator(".timeline")).to_contain_text("转往县教育局党委")
    expect(page.locator("h1")).to_contain_text("已转出")
    assert Member.objects.get(pk=members["a"].pk).standing == Standing.TRANSFERRED_OUT
    page.get_by_role("link", name="首页").click()
    expect(page.locator("main")).to_contain_text("在册党员 1 名")
    watched.assert_clean()


def test_a_secretary_adds_a_member_by_transfer_in(watched, live_server, users, tree):
    page = watched.page
    log_in(watched, live_server, "sec_a", PASSWORD)
    page.goto(f"{live_server.url}/members/new/")
    page.get_by_label("建档方式").select_option(label="组织关系转入")
    expect(page.get_by_label("转出单位（原党组织）")).to_be_visible()  # the form follows the chosen kind
    page.get_by_label("姓名").fill("刘建国")
    number = make_id_number("320102", D(1958, 3, 2), 9, "M")
    page.get_by_label("身份证号").fill(number.lower())
    expect(page.locator("#id-check")).to_contain_text("号码有效")
    expect(page.get_by_label("出生日期")).to_have_value("1958-03-02")  # filled from the ID number
    page.get_by_label("入党时间").fill("1985-07-01")
    page.get_by_label("人员类别").select_option(label="离退休")
    page.get_by_label("生效日期").fill("2025-04-01")
    page.get_by_label("党支部").select_option(label="甲第一支部")
    expect(page.get_by_label("党小组").locator("option", has_text="甲2号楼小组")).to_have_count(1)
    page.get_by_label("党小组").select_option(label="甲2号楼小组")
    page.get_by_label("转出单位（原党组织）").fill("县教育局党委")
    page.get_by_label("介绍信编号").fill("转字第12号")
    page.get_by_role("button", name="下一步：核对").click()
    page.get_by_role("button", name="确认保存").click()
    expect(page.locator("h1")).to_contain_text("刘建国")
    expect(page.locator(".timeline")).to_contain_text("组织关系转入")
    member = Member.objects.get(name="刘建国")
    assert member.organization == tree["a1g2"] and member.id_number == number
    watched.assert_clean()


def test_a_bad_id_number_is_explained_as_it_is_typed(watched, live_server, users, tree, members):
    page = watched.page
    log_in(watched, live_server, "sec_a", PASSWORD)
    page.goto(f"{live_server.url}/members/new/")
    page.get_by_label("身份证号").fill("110105194912310021")
    expect(page.locator("#id-check")).to_contain_text("校验位错误")
    page.get_by_label("身份证号").fill(members["a"].id_number)
    expect(page.locator("#id-check")).to_contain_text("该身份证号已登记在册")
    expect(page.locator("#id-check").get_by_role("link")).to_have_attribute("href", f"/members/{members['a'].pk}/")
    watched.assert_clean()


def test_a_secretary_moves_a_group_to_another_branch(watched, live_server, users, tree, members):
    page = watched.page
    log_in(watched, live_server, "sec_a", PASSWORD)
    page.get_by_role("link", name="组织", exact=True).click()
    group = page.locator(f"#org-{tree['a1g1'].pk}")
    expect(group).to_be_hidden()  # the community's branches are closed
    page.locator(f"#org-{tree['a1'].pk} > details > summary").click()  # the ▸ toggle
    group.get_by_role("link", name="调整隶属").click()
    page.get_by_label("调整到").select_option(label="甲第二支部")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("已将甲1号楼小组调整到甲第二支部，1名党员随之调整")
    # Back on the tree, opened where the group now is.
    expect(page.locator(f"#org-{tree['a2'].pk} #org-{tree['a1g1'].pk}")).to_be_visible()
    expect(page.locator(f"#org-{tree['a1'].pk} > details")).not_to_have_attribute("open", "")
    group = Organization.objects.get(pk=tree["a1g1"].pk)
    assert Organization.objects.get_parent(group) == tree["a2"]
    watched.assert_clean()


def test_another_communitys_member_is_not_found(watched, live_server, users, members):
    log_in(watched, live_server, "sec_a", PASSWORD)
    response = watched.page.goto(f"{live_server.url}/members/{members['b'].pk}/")
    assert response.status == 404
    assert members["b"].name not in watched.page.content()


def test_the_member_list_fits_a_phone_screen(browser, live_server, users, members):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名或手机号").fill("sec_a")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    for path in ("/", "/members/", f"/members/{members['a'].pk}/", "/members/new/"):
        page.goto(f"{live_server.url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} is {width}px wide"
    context.close()


def test_forms_can_be_filled_with_the_keyboard_alone(watched, live_server, users, members):
    page = watched.page
    log_in(watched, live_server, "sec_a", PASSWORD)
    page.goto(f"{live_server.url}/members/{members['a'].pk}/changes/mobile_out/")
    page.get_by_label("流出去向").focus()  # the date before it is filled in with today
    page.keyboard.type("广东省深圳市")
    for text in ("LD2025001", "王书记"):
        page.keyboard.press("Tab")
        page.keyboard.type(text)
    page.keyboard.press("Tab")  # the note
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator(".summary")).to_contain_text("管理方式：自管党员 → 流出党员")
    watched.assert_clean()


def test_the_dashboard_changes_date_and_drills_down_to_a_member_list(watched, live_server, users, tree, members):
    page = watched.page
    log_in(watched, live_server, "street", PASSWORD)
    page.get_by_role("link", name="看板").click()
    expect(page.locator("#total")).to_have_text("2")
    expect(page.locator("svg").first).to_be_visible()
    page.get_by_label("统计日期").fill("2019-06-30")
    page.get_by_role("button", name="查看").click()
    expect(page.locator("#total")).to_have_text("0")
    page.get_by_role("link", name="回到今天").click()
    page.locator("table.dashboard-rows").get_by_role("link", name="甲社区党支部").click()
    expect(page.locator("h1")).to_contain_text("甲社区党支部")
    page.locator("table.dashboard-rows").get_by_role("link", name="甲第一支部").click()
    page.locator("table.dashboard-rows").get_by_role("link", name="甲1号楼小组").click()
    expect(page.locator("#results")).to_contain_text("共 1 名党员")
    expect(page.locator("#results")).to_contain_text(members["a"].name)
    watched.assert_clean()


def test_revealing_the_full_id_number_is_one_click_and_audited(watched, live_server, users, members):
    from portal.models import AuditEntry

    page = watched.page
    log_in(watched, live_server, "sec_a", PASSWORD)
    page.goto(f"{live_server.url}/members/{members['a'].pk}/")
    expect(page.locator("#id-number")).to_contain_text(members["a"].masked_id_number)
    page.get_by_role("button", name="显示完整号码").click()  # an htmx POST carrying the CSRF header
    expect(page.locator("#id-number")).to_have_text(members["a"].id_number)
    assert AuditEntry.objects.filter(action="reveal_id", username="sec_a").count() == 1
    watched.assert_clean()


def test_a_secretary_maps_an_unknown_column_in_the_preview_and_imports(watched, live_server, users, tree, tmp_path):
    from tests.members.test_real_rosters import POSTS_READ, ident, unknown_column_roster

    page = watched.page
    path = tmp_path / "全国系统导出.xlsx"
    path.write_bytes(unknown_column_roster())
    log_in(watched, live_server, "sec_a", PASSWORD)
    page.goto(f"{live_server.url}/members/import/")
    page.get_by_label("花名册文件（.xlsx 或 .xls）").set_input_files(str(path))
    page.get_by_role("button", name="上传并检查").click()
    expect(page.locator("#pending")).to_contain_text("20 行没有人员类别")
    expect(page.get_by_role("button", name="只导入无误的 20 行")).to_be_disabled()
    page.get_by_label("岗位类别（本单位）").select_option(label="人员类别")
    page.get_by_role("button", name="按此重新检查").click()
    expect(page.locator("#new-count")).to_have_text("20")
    expect(page.locator("#pending")).to_have_count(0)
    expect(page.locator("#reading")).to_contain_text("您的选择")
    page.get_by_role("button", name="只导入无误的 20 行").click()
    expect(page.locator(".ok")).to_contain_text("已于")
    assert Member.objects.count() == 20
    assert Member.objects.get(id_number=ident(1)).category == POSTS_READ[1]
    watched.assert_clean()


def test_a_district_wide_list_offers_communities_then_the_chosen_ones_branches(
    watched, live_server, users, tree, members, monkeypatch
):
    """More organizations than a select can offer (a district): the communities first; choosing one
    brings its branches into the same select, which keeps filtering the list."""
    monkeypatch.setattr("members.forms.ORG_CHOICES_LIMIT", 3)
    page = watched.page
    log_in(watched, live_server, "street", PASSWORD)
    page.goto(f"{live_server.url}/members/")
    select, results = page.get_by_label("所在组织"), page.locator("#results")
    expect(select.locator("option", has_text="甲第一支部")).to_have_count(0)
    select.select_option(label="甲社区党支部")
    expect(results).to_contain_text("共 1 名党员")
    expect(select.locator("option", has_text="甲第一支部")).to_have_count(1)
    expect(select).to_have_value(str(tree["a"].pk))
    select.select_option(label="　甲第二支部")  # the branch the options swapped in, chosen: still filters
    expect(results).to_contain_text("共 0 名党员")
    select.select_option(label="乙社区党支部")
    expect(results).to_contain_text("李秀英")
    expect(select.locator("option", has_text="甲第一支部")).to_have_count(0)
    watched.assert_clean()
