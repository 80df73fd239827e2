"""axe-core on every kind of page: no serious or critical finding, labels and landmarks everywhere.

axe-core is a test-only asset installed by bin/test with npm (tests/browser/package.json and its
lock file) into the git-ignored tests/browser/node_modules; it is injected into the page from the
file system, never served by the portal. Without it the tests are skipped on a developer's
machine, and fail under CI.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.conftest import PASSWORD

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
# Rules about labels and landmarks count whatever impact axe gives them.
ALWAYS = {"label", "select-name", "landmark-one-main", "region", "page-has-heading-one", "bypass"}


@pytest.fixture
def axe():
    if not AXE.exists():
        message = "axe-core is missing: run `npm ci --no-audit --no-fund` in tests/browser (bin/test does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return Audit()


class Audit:
    def __init__(self):
        self.findings = {}

    def check(self, page, name):
        """Runs axe on what the page shows now; remembers serious and critical findings under ``name``."""
        # Evaluated through the browser's debugging protocol, which the page's CSP (no inline
        # script) does not govern: the page is audited exactly as it is served.
        page.evaluate(AXE.read_text(encoding="utf-8"))
        result = page.evaluate(
            """async () => {
                const result = await axe.run(document, {resultTypes: ["violations"]});
                return result.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map(n => n.target.join(" ") + " " + n.failureSummary.replace(/\\s+/g, " ")),
                }));
            }"""
        )
        if os.environ.get("AXE_ALL"):
            print(name, [(v["id"], v["impact"], v["nodes"][:2]) for v in result])
        found = [v for v in result if v["impact"] in ("serious", "critical") or v["id"] in ALWAYS]
        if found:
            self.findings[name] = [f"{v['impact']} {v['id']}: {v['help']} — {v['nodes'][:3]}" for v in found]

    def assert_clean(self):
        assert self.findings == {}


def test_pages_anyone_reaches(watched, live_server, users, members, axe):
    page = watched.page
    page.goto(f"{live_server.url}/accounts/login/")
    axe.check(page, "login")
    page.get_by_label("用户名或手机号").fill("nobody")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    axe.check(page, "login with errors")
    page.goto(f"{live_server.url}/accounts/password/reset/")
    axe.check(page, "password reset")
    page.goto(f"{live_server.url}/no-such-page/")
    axe.check(page, "404 anonymous")
    axe.assert_clean()


@pytest.mark.parametrize("username", ["street", "sec_a", "branch_a1", "viewer_a", "root"])
def test_home_for_each_role(watched, live_server, users, members, axe, username):
    log_in(watched, live_server, username, PASSWORD)
    axe.check(watched.page, f"home {username}")
    axe.assert_clean()


def test_member_pages_forms_and_confirm_steps(watched, live_server, users, tree, members, axe):
    page = watched.page
    member = members["a"]
    log_in(watched, live_server, "sec_a", PASSWORD)
    page.goto(f"{live_server.url}/members/")
    axe.check(page, "member list")
    page.goto(f"{live_server.url}/members/{member.pk}/")
    axe.check(page, "member page")
    page.goto(f"{live_server.url}/members/{member.pk}/edit/")
    axe.check(page, "member edit form")
    page.get_by_label("姓名").fill("")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    axe.check(page, "member edit form with errors")
    page.goto(f"{live_server.url}/members/new/")
    page.get_by_role("button", name="下一步：核对").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    axe.check(page, "new member form with errors")
    page.goto(f"{live_server.url}/members/{member.pk}/changes/transfer_out/")
    axe.check(page, "change form")
    page.get_by_label("生效日期").fill("2025-03-01")
    page.get_by_label("转往单位（接收党组织）").fill("县教育局党委")
    page.get_by_label("介绍信编号").fill("转出〔2025〕第7号")
    page.get_by_role("button", name="下一步：核对").click()
    expect(page.locator(".summary")).to_be_visible()
    axe.check(page, "change confirm step")
    page.get_by_role("button", name="确认保存").click()
    expect(page.locator(".messages")).to_contain_text("已登记")
    axe.check(page, "member page with a success message")
    page.goto(f"{live_server.url}/members/{members['b'].pk}/")
    axe.check(page, "404 logged in")
    axe.assert_clean()


def test_organization_dashboard_and_import_pages(watched, live_server, users, tree, members, tmp_path, axe):
    from tests.members.test_import import ROWS, messy_roster

    page = watched.page
    log_in(watched, live_server, "street", PASSWORD)
    page.goto(f"{live_server.url}/organizations/")
    axe.check(page, "organization tree (street)")
    page.goto(f"{live_server.url}/organizations/{tree['a1'].pk}/")
    axe.check(page, "organization detail (branch)")
    page.goto(f"{live_server.url}/organizations/{tree['a1'].pk}/rename/")
    axe.check(page, "organization form")
    page.goto(f"{live_server.url}/dashboard/")
    axe.check(page, "dashboard")
    page.goto(f"{live_server.url}/dashboard/?org={tree['a'].pk}&date=2024-12-31")
    axe.check(page, "dashboard of a community, past date")
    page.goto(f"{live_server.url}/?date=2025-02-30")
    expect(page.locator(".messages li.warning")).to_be_visible()
    axe.check(page, "home with a warning message")
    page.goto(f"{live_server.url}/organizations/{tree['a'].pk}/move/")
    expect(page.locator(".messages li.error")).to_be_visible()
    axe.check(page, "organization detail with an error message")
    page.goto(f"{live_server.url}/members/import/")
    axe.check(page, "import start")
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(messy_roster(ROWS))
    page.get_by_label("花名册文件（.xlsx 或 .xls）").set_input_files(str(path))
    page.get_by_label("导入到").select_option(label="甲社区党支部")
    page.get_by_role("button", name="上传并检查").click()
    expect(page.locator("#rejected-count")).to_have_text("7")
    axe.check(page, "import preview")
    axe.assert_clean()


def test_phone_width(browser, live_server, users, tree, members, axe):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名或手机号").fill("sec_a")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")
    for path in ("/", "/members/", f"/members/{members['a'].pk}/", f"/organizations/{tree['a'].pk}/", "/dashboard/"):
        page.goto(f"{live_server.url}{path}")
        axe.check(page, f"phone {path}")
    context.close()
    axe.assert_clean()


def test_error_pages_for_a_read_only_viewer(watched, live_server, users, members, axe):
    page = watched.page
    log_in(watched, live_server, "viewer_a", PASSWORD)
    response = page.goto(f"{live_server.url}/members/{members['a'].pk}/edit/")
    assert response.status == 403
    axe.check(page, "403")
    response = page.goto(f"{live_server.url}/members/{members['b'].pk}/")
    assert response.status == 404
    axe.check(page, "404")
    axe.assert_clean()
