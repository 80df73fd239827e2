"""The commonest tasks from the home page, counted: clicks and fields, the old way and the short way.

Each journey runs to a saved change both ways; the counts are asserted (and printed with -s, for
the closing note). Typing a search term or choosing from a list counts as a field.
"""

import datetime

import pytest
from playwright.sync_api import expect

from members.models import Member, Standing
from portal.identity import make_id_number
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, new_member

D = datetime.date


class Counted:
    """A page whose clicks and filled fields are counted."""

    def __init__(self, page):
        self.page, self.clicks, self.fields = page, 0, 0

    def click(self, locator):
        self.clicks += 1
        locator.click()

    def fill(self, label, value):
        self.fields += 1
        self.page.get_by_label(label).fill(value)

    def choose(self, label, option):
        self.fields += 1
        self.page.get_by_label(label).select_option(label=option)


def transfer_out(counted, short):
    page = counted.page
    if short:
        counted.click(page.get_by_role("link", name="组织关系转出"))
        counted.fill("搜索", "zwh")
        counted.click(page.locator("#results tr", has_text="张卫华").get_by_role("link", name="组织关系转出"))
    else:
        counted.click(page.get_by_role("link", name="党员", exact=True))
        counted.fill("搜索", "zwh")
        counted.click(page.locator("#results").get_by_role("link", name="张卫华"))
        counted.click(page.get_by_role("link", name="组织关系转出"))
    counted.fill("转往单位（接收党组织）", "县教育局党委")
    counted.fill("介绍信编号", "转出第7号")
    counted.click(page.get_by_role("button", name="下一步：核对"))
    counted.click(page.get_by_role("button", name="确认保存"))
    expect(page.locator(".messages")).to_contain_text("已登记：组织关系转出")


def arrival(counted, short, kind, number):
    page = counted.page
    if short:
        counted.click(page.get_by_role("link", name="组织关系转入" if kind == "转入" else "新建党员档案"))
    else:
        counted.click(page.get_by_role("link", name="党员", exact=True))
        counted.click(page.get_by_role("link", name="新建党员档案"))
        if kind == "转入":
            counted.choose("建档方式", "组织关系转入")
            expect(page.get_by_label("转出单位（原党组织）")).to_be_visible()  # the form follows the kind
    counted.fill("姓名", f"新{kind}{number}")
    counted.fill("身份证号", make_id_number("320102", D(1958, 3, 2), number, "M"))
    counted.fill("入党时间", "1985-07-01")
    counted.choose("人员类别", "离退休")
    counted.choose("党支部", "甲第一支部")
    if kind == "转入":
        counted.fill("转出单位（原党组织）", "县教育局党委")
        counted.fill("介绍信编号", f"转字第{number}号")
    counted.click(page.get_by_role("button", name="下一步：核对"))
    counted.click(page.get_by_role("button", name="确认保存"))
    expect(page.locator("h1")).to_contain_text(f"新{kind}{number}")


@pytest.mark.parametrize("short", [False, True], ids=["old way", "short way"])
def test_the_commonest_tasks_from_the_home_page(watched, live_server, users, tree, short):
    page = watched.page
    member = new_member(tree["a1g1"], "张卫华")
    log_in(watched, live_server, "sec_a", PASSWORD)
    counts = {}
    for name, journey in (
        ("转出", lambda c: transfer_out(c, short)),
        ("转入", lambda c: arrival(c, short, "转入", 31 + short)),
        ("新增党员", lambda c: arrival(c, short, "新增", 41 + short)),
    ):
        page.goto(f"{live_server.url}/")
        counted = Counted(page)
        journey(counted)
        counts[name] = (counted.clicks, counted.fields)
    print("\n", "short way" if short else "old way", counts)
    assert Member.objects.get(pk=member.pk).standing == Standing.TRANSFERRED_OUT
    if short:
        assert counts == {"转出": (4, 3), "转入": (3, 7), "新增党员": (3, 5)}
    else:
        assert counts == {"转出": (5, 3), "转入": (4, 8), "新增党员": (4, 5)}
    watched.assert_clean()
