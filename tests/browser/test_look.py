"""What a secretary sees: sizes, colours, folding, phone widths and printing, measured in Chromium."""

import datetime
import re
import unicodedata

import pytest
from playwright.sync_api import expect

from organizations.models import Organization, Role
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_user, new_member

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")


@pytest.fixture
def demo_tree(db):
    """The demo street's tree (10 communities, 100 branches, 240 groups) without its members, and a
    user who is secretary of one branch and may also look at the whole street."""
    from organizations.demo import TreeBuilder
    from portal.demo import Demo

    builder = TreeBuilder(Demo(seed=2026, scale="street"))
    street = builder.build_tree()
    community, branches, _groups = builder.communities[3]
    branch = branches[1]
    user = make_user("zhibu", Role.Kind.BRANCH_SECRETARY, branch)
    Role.objects.create(user=user, organization=street, kind=Role.Kind.VIEWER)
    return {"street": street, "community": community, "branch": branch, "user": user}


def pdf_pages(page):
    """The text of each page of the page printed to PDF, as a person would read it."""
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(page.pdf(format="A4", prefer_css_page_size=True)))
    # Chromium's CJK fonts map some characters to Kangxi radicals (⽉ for 月); NFKC folds them back.
    return [re.sub(r"\s+", "", unicodedata.normalize("NFKC", sheet.extract_text())) for sheet in reader.pages]


def today_text():
    today = datetime.date.today()
    return f"打印日期:{today.year}年{today.month}月{today.day}日"


def chart_label_sizes(page):
    """The size on screen of every chart label: its font size times the scale the SVG is drawn at."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.chart svg text')]
            .filter(t => t.textContent.trim() && t.getClientRects().length)
            .map(t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)"""
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_chart_labels_are_at_least_14_px(browser, live_server, users, members, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    sign_in(page, live_server, "street")
    page.goto(f"{live_server.url}/dashboard/")
    sizes = chart_label_sizes(page)
    assert len(sizes) > 10 and min(sizes) >= 14, sizes
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    context.close()


def test_the_street_tree_is_folded_with_the_users_own_branch_open(watched, live_server, demo_tree):
    page = watched.page
    log_in(watched, live_server, "zhibu", PASSWORD)
    page.get_by_role("link", name="组织", exact=True).click()
    expect(page.locator("h1")).to_contain_text("容城街道")
    opened = page.locator("li.node > details[open]").evaluate_all("nodes => nodes.map(n => n.parentNode.id)")
    street, community, branch = (demo_tree[key].pk for key in ("street", "community", "branch"))
    assert opened == [f"org-{street}", f"org-{community}", f"org-{branch}"]
    # Closed and in sight: the 9 other communities, the 7 sister branches that have groups.
    assert page.locator("li.node:visible > details:not([open])").count() == 9 + 7
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 3000, f"the tree page is {height}px tall"
    # 100 branches without members: one line with the count, the list behind 展开.
    group = page.locator("details.warning-group", has_text="正式党员不足3名的支部")
    expect(group.locator("summary")).to_contain_text("100 个")
    expect(group.get_by_role("link").first).to_be_hidden()
    group.locator("summary").get_by_text("展开").click()
    expect(group.get_by_role("link").first).to_be_visible()
    expect(group.locator("summary")).to_contain_text("收起")
    # A closed community opens with a tap on its toggle and shows its branches.
    other = Organization.objects.get(depth=2, name__startswith="北门")
    node = page.locator(f"#org-{other.pk}")
    expect(node.locator("ul").first).to_be_hidden()
    node.locator("> details > summary").click()
    expect(node.get_by_role("link", name="北门第一楼栋党支部")).to_be_visible()
    watched.assert_clean()


def test_the_tree_prints_unfolded_with_organization_and_date_on_every_sheet(watched, live_server, demo_tree):
    page = watched.page
    log_in(watched, live_server, "zhibu", PASSWORD)
    page.goto(f"{live_server.url}/organizations/{demo_tree['street'].pk}/")
    sheets = pdf_pages(page)
    assert len(sheets) >= 3
    for text in sheets:
        assert "容城街道" in text and today_text() in text
    everything = "".join(sheets)
    assert "西上24号楼党小组" in everything  # inside a folded community
    assert "修改密码" not in everything and "退出" not in everything and "收起" not in everything


def test_member_pages_print_with_organization_and_date_and_no_navigation(watched, live_server, users, tree):
    page = watched.page
    member = new_member(tree["a1g1"], "张卫华")
    for day in range(1, 40):  # a long timeline: the record runs over several sheets
        from members.models import MemberChange
        from tests.conftest import change

        target = tree["a1g2"] if day % 2 else tree["a1g1"]
        change(
            member,
            MemberChange.Kind.MOVE,
            datetime.date(2020, 2, 1) + datetime.timedelta(days=day * 30),
            None,
            organization=target,
        )
    log_in(watched, live_server, "sec_a", PASSWORD)
    page.goto(f"{live_server.url}/members/{member.pk}/")
    sheets = pdf_pages(page)
    assert len(sheets) >= 2
    for text in sheets:
        assert "甲社区党支部" in text and today_text() in text
    assert "修改密码" not in "".join(sheets) and "修改信息" not in "".join(sheets)
    page.goto(f"{live_server.url}/members/")
    (sheet,) = pdf_pages(page)
    assert "甲社区党支部" in sheet and today_text() in sheet and "张卫华" in sheet
    assert "导出当前名单" not in sheet and "修改密码" not in sheet and "搜索" not in sheet
    page.goto(f"{live_server.url}/members/{member.pk}/print/")
    sheets = pdf_pages(page)
    assert len(sheets) >= 2
    for text in sheets:
        assert "甲社区党支部" in text and today_text() in text
    page.goto(f"{live_server.url}/organizations/{tree['a'].pk}/roster/print/")
    for text in pdf_pages(page):
        assert "甲社区党支部·党员花名册" in text and today_text() in text


@pytest.fixture
def many_members(tree):
    return [new_member(tree["a1g1"], f"党员{n}", datetime.date(1950 + n % 40, 1 + n % 12, 1)) for n in range(51)]


def test_phone_pages_fit_and_tap_targets_are_44_px(phone, live_server, users, tree, many_members):
    page = phone
    member = many_members[0]
    sign_in(page, live_server, "sec_a")
    paths = [
        "/",
        "/members/",
        f"/members/{member.pk}/",
        f"/members/{member.pk}/edit/",
        f"/members/{member.pk}/changes/transfer_out/",
        "/members/new/",
        "/members/import/",
        f"/organizations/{tree['a'].pk}/",
        "/dashboard/",
        "/no-such-page/",
    ]
    for path in paths:
        page.goto(f"{live_server.url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} is {width}px wide"
        small = page.evaluate(
            """() => [...document.querySelectorAll(`header a, header button, main button, main .button, .pager a,
                    main select, main input:not([type=hidden]):not([type=checkbox]):not([type=radio])`)]
                .filter(e => e.getClientRects().length)
                .map(e => [e.textContent.trim() || e.name, e.getBoundingClientRect().height])
                .filter(([name, height]) => height < 44)"""
        )
        assert small == [], f"{path}: tap targets under 44 px"
    page.goto(f"{live_server.url}/members/")
    expect(page.locator(".pager").get_by_role("link", name="下一页")).to_be_visible()
    page.get_by_role("button", name="下一步：核对").count()  # nothing else to do: the list page has no form button
    # Names are never broken inside: a name cell is one line.
    page.goto(f"{live_server.url}/")
    heights = page.locator("table.list td.name").evaluate_all("cells => cells.map(c => c.getClientRects().length)")
    assert all(n == 1 for n in heights)


def test_the_header_keeps_44_px_targets_and_a_visible_focus_on_a_desktop(watched, live_server, users):
    page = watched.page
    log_in(watched, live_server, "sec_a", PASSWORD)
    heights = page.locator("header a, header button").evaluate_all(
        "items => items.map(e => e.getBoundingClientRect().height)"
    )
    assert len(heights) == 11 and min(heights) >= 44  # brand, 9 links (服务, 组织生活, 议事 among them), log-out
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the portal's name
    focused = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineColor] }"
    )
    assert focused == ["solid", "rgb(255, 255, 255)"]  # white on the red header


def rgb(page, selector, prop):
    value = page.locator(selector).first.evaluate(f"e => getComputedStyle(e).{prop}")
    return tuple(int(n) for n in re.findall(r"\d+", value)[:3])


def test_messages_are_green_amber_and_red_by_kind(watched, live_server, users, tree):
    page = watched.page
    log_in(watched, live_server, "sec_a", PASSWORD)
    page.goto(f"{live_server.url}/organizations/{tree['a1'].pk}/rename/")
    page.get_by_label("名称").fill("甲幸福支部")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages li.success")).to_contain_text("已更名为甲幸福支部")
    red, green, blue = rgb(page, ".messages li.success", "backgroundColor")
    assert green > red and green > blue
    red, green, blue = rgb(page, ".messages li.success", "color")
    assert green > red and green > blue

    page.goto(f"{live_server.url}/?date=2025-02-30")
    expect(page.locator(".messages li.warning")).to_be_visible()
    red, green, blue = rgb(page, ".messages li.warning", "backgroundColor")
    assert red > green > blue and red > 240  # amber
    red, green, blue = rgb(page, ".messages li.warning", "borderLeftColor")
    assert red > green > blue

    page.goto(f"{live_server.url}/organizations/{tree['a'].pk}/move/")
    expect(page.locator(".messages li.error")).to_contain_text("只能调整党支部和党小组")
    red, green, blue = rgb(page, ".messages li.error", "color")
    assert red > 2 * green and red > 2 * blue
    watched.assert_clean()


def test_disabled_controls_look_disabled(watched, live_server, users):
    page = watched.page
    log_in(watched, live_server, "sec_a", PASSWORD)
    page.evaluate(
        """() => document.querySelector('main').insertAdjacentHTML('beforeend',
            '<p id="probe"><button class="primary">a</button><button class="primary" disabled>b</button>' +
            '<a class="button primary" href="#">c</a><a class="button primary" aria-disabled="true">d</a>' +
            '<button>e</button><button disabled>f</button><input value="g"><input value="h" disabled>' +
            '<select><option>i</select><select disabled><option>j</select></p>')"""
    )
    styles = page.locator("#probe > *").evaluate_all(
        """items => items.map(e => { const s = getComputedStyle(e);
            return [s.backgroundColor, s.color, s.cursor, s.borderStyle] })"""
    )
    pairs = [styles[i : i + 2] for i in range(0, len(styles), 2)]
    for enabled, disabled in pairs:
        assert disabled[0] != enabled[0] and disabled[1] != enabled[1]  # grey, not the live colours
        assert disabled[2] == "not-allowed"
    assert {disabled[0] for _enabled, disabled in pairs} == {"rgb(230, 225, 220)"}  # one look for all
