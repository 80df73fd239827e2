"""The demo street shows the same figures before and after the apps were made to plug in (issue 17).

``CAPTURED`` (in ``captured_before_plugins.py``) was recorded by running ``observe()`` on the code
before issue 17 (commit 8a19987): the dashboard page and its export as of two past days for four
accounts, the home page's figures, the attention counts of each account's organizations and the
dashboard rows of today's register, with "today" frozen at the demo's own day. Any difference is a
change of output, not of shape.

The services app (issue 13) came later and adds figures of its own (columns, a summary, a sheet,
a home panel, an attention item, its demo data): they are left out of the comparison
(``without_services``: services and councils), which is about what the organization tree and the register show.
"""

import contextlib
import datetime
import re
from html.parser import HTMLParser
from io import BytesIO

import pytest
from django.core.cache import cache
from openpyxl import load_workbook

from organizations.models import Organization
from portal import demo, registry
from portal.dashboard import Board
from portal.models import User
from portal.registry import Severity
from portal.views import _page_columns, _row_cells
from tests.portal.captured_before_plugins import CAPTURED

DAY = datetime.date(2025, 6, 30)  # the demo's "today"
# The attention items there were then; items apps added since (services…) are theirs to test.
CAPTURED_ATTENTION = {
    pair.split("=")[0] for key, value in CAPTURED.items() if " attention " in key for pair in value.split()
}
EARLIER = datetime.date(2023, 12, 31)
USERS = ["admin", "beimen", "xishang", "zhibu"]


class TableText(HTMLParser):
    """The text of each cell, row by row, of the table whose class contains ``wanted``."""

    def __init__(self, wanted):
        super().__init__()
        self.wanted, self.depth, self.rows, self.cell = wanted, 0, [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and (self.depth or self.wanted in (dict(attrs).get("class") or "")):
            self.depth += 1
        elif self.depth and tag == "tr":
            self.rows.append([])
        elif self.depth and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "table" and self.depth:
            self.depth -= 1
        elif self.depth and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def table_lines(html, wanted):
    parser = TableText(wanted)
    parser.feed(html)
    return ["|".join(row) for row in parser.rows]


def sheet_lines(content):
    book = load_workbook(BytesIO(content))
    found = {}
    for name in book.sheetnames:
        rows = list(book[name].iter_rows(min_row=2, values_only=True))
        if name == "党员人数趋势":  # sixty months: one line of totals after the first month
            found[name] = [str(rows[0][0]), str(rows[2][0]), " ".join(str(total) for _month, total in rows[2:])]
        else:
            found[name] = ["|".join("" if value is None else str(value) for value in row) for row in rows]
    return found


def without_ids(text):
    return re.sub(r"org=\d+", "org=#", text)


@contextlib.contextmanager
def without_services():
    """Every part the apps above the register (services, councils) register, taken out for the
    duration of the block."""
    kinds = [registry.attention, registry.columns, registry.tables, registry.summaries, registry.sheets]
    kinds += [registry.row_warnings, registry.version_parts, registry.panels, registry.demo_steps]
    removed = []
    for kind in kinds:
        for item in list(kind):
            if item.key.startswith(("services.", "councils.")):
                kind.unregister(item.key)
                removed.append((kind, item))
    try:
        yield
    finally:
        for kind, item in removed:
            kind.register(item)


def before_plugins(items):
    """The attention items there were when ``CAPTURED`` was recorded: those of apps plugged in since
    (visits, the meetings' missed periods, overdue tasks) are new output, not a change of it."""
    return [item for item in items if item.key in CAPTURED_ATTENTION]


def observe(client):
    found = {}
    items = before_plugins(registry.attention)
    high = before_plugins(registry.attention.where(severity=Severity.HIGH))
    for username in USERS:
        user = User.objects.get(username=username)
        client.force_login(user)
        for day in (DAY, EARLIER):
            cache.clear()
            html = client.get("/dashboard/", {"date": f"{day}"}).content.decode()
            found[f"{username} {day} dashboard"] = table_lines(html, "dashboard-rows")
            found[f"{username} {day} total"] = re.search(r'<strong id="total">(\d+)</strong>', html).group(1)
            found[f"{username} {day} export"] = sheet_lines(
                client.get("/dashboard/export.xlsx", {"date": f"{day}"}).content
            )
            home = client.get("/", {"date": f"{day}"}).content.decode()
            found[f"{username} {day} home"] = [
                " ".join(re.findall(r"在册党员 <strong>(\d+)</strong> 名", part))
                + " "
                + " ".join(
                    f"{label}={n}" for label, n in re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td>', part)
                )
                for part in home.split('<section class="card"')[1:]
            ]
        for org in registry.scopes().top(user):
            counts = registry.count_attention(items, [org], DAY)[org.pk]
            found[f"{username} attention {org.name}"] = " ".join(f"{item.key}={counts[item.key]}" for item in items)
    client.force_login(User.objects.get(username="admin"))
    community = Organization.objects.get(name="西上社区党委")
    html = client.get("/dashboard/", {"date": f"{DAY}", "org": community.pk}).content.decode()
    found["admin 西上 dashboard"] = table_lines(html, "dashboard-rows")
    # A row's cells name the high attention items; those of apps plugged in since are theirs to test.
    titles = {str(item.title) for item in registry.attention if item.key in CAPTURED_ATTENTION}
    for name in ("容城街道", "北门社区党委"):
        cache.clear()
        board = Board(Organization.objects.get(name=name), DAY, today=DAY)  # today's path, "today" frozen at DAY
        page, columns = board.page(), _page_columns()
        quality = dict(page["tables"])["members.quality"]
        found[f"{name} today"] = [
            without_ids(
                f"{cells['name']} {cells['kind_label']} {[row.values[column.key] for column in columns]}"
                f" {[str(w) for w in cells['warnings']]}"
                f" {[(str(label), n, href) for label, n, href in cells['attention'] if str(label) in titles]}"
                f" {quality[row.node.pk]}"
            )
            for row, cells in ((row, _row_cells(row, board, columns, high)) for row in page["rows"])
        ]
        keys = [column.key.removeprefix("quality.") for column in registry.columns.where(table="members.quality")]
        found[f"{name} today quality"] = " ".join(
            f"{key}={n}" for key, n in zip(keys, quality[page["overview"].node.pk], strict=True)
        )
    return found


@pytest.mark.django_db
def test_the_demo_street_shows_what_it_showed_before_the_apps_plugged_in(client):
    with without_services():
        demo.seed(seed=11, communities=3, per_community=60, today=DAY)
        found = observe(client)
    assert found.keys() == CAPTURED.keys()
    for key, expected in CAPTURED.items():
        assert found[key] == expected, key
