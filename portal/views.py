import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from members.attention import ITEMS, attention_counts
from members.models import Member, MemberChange, subtree_counts
from organizations.access import can_write_anything, covers, get_for_user, scoped, top_organizations
from organizations.models import Organization
from portal.dashboard import QUALITY, ROW_ATTENTION, YEAR_CHANGES, Dashboard
from portal.exports import add_sheet, workbook_response
from portal.params import BadParameter, date_param, pk_or_none, strict_date_param

BREAKDOWNS = [
    ("management_type", _("管理方式")),
    ("category", _("人员类别")),
    ("status", _("党员类别")),
    ("age_band", _("年龄")),
]
RECENT_CHANGES = 15


def _day_from(request, strict=False):
    """The ``?date=`` the user picked, up to today; today otherwise. A bad date is said on the page,
    or, for a download (``strict``), refused with a 400."""
    today = datetime.date.today()
    if strict:
        day = strict_date_param(request, "date")
    else:
        day, problem = date_param(request, "date")
        if problem:
            messages.warning(request, problem)
    return min(day, today) if day else today


def _panel(request, org, figures, today):
    members = scoped(Member.objects.current().under(org), request.user)
    month_start = today.replace(day=1)
    changes = (
        MemberChange.objects.of_period(org, month_start, today)
        .select_related("member", "organization")
        .order_by("-effective_date", "-id")
    )
    branches = list(Organization.objects.under(org).existing().filter(kind=Organization.Kind.BRANCH))
    counts = subtree_counts(branches, members)
    weak_branches = [(branch, branch.rule_warnings(*counts[branch.pk])) for branch in branches]
    return {
        "org": org,
        "figures": figures,
        "breakdowns": [(title, figures.breakdown(dimension)) for dimension, title in BREAKDOWNS],
        "attention": attention_counts(members, today),
        "changes": changes[:RECENT_CHANGES],
        "changes_url": f"{reverse('members:changes')}?org={org.pk}&start={month_start:%Y-%m-%d}&end={today:%Y-%m-%d}",
        "change_count": changes.count(),
        "weak_branches": [(branch, warnings) for branch, warnings in weak_branches if warnings],
    }


@login_required
def home(request):
    day, today = _day_from(request), datetime.date.today()
    # The dashboard's figures: today's from the register, a past day's from the log; both cached.
    panels = [
        _panel(request, org, Dashboard(org, day).rows()[0].figures, today) for org in top_organizations(request.user)
    ]
    context = {"day": day, "panels": panels, "today": today, "can_write": can_write_anything(request.user)}
    return render(request, "portal/home.html", context)


ROW_SORTS = {
    "total": lambda row: row.figures.total,
    "self_managed": lambda row: row.figures.self_managed,
    "share_60_plus": lambda row: row.figures.share_60_plus,
    "transfer_in": lambda row: row.changes["transfer_in"],
    "transfer_out": lambda row: row.changes["transfer_out"],
    "warnings": lambda row: row.warning_count,
}


def _dashboard_for(request, strict=False):
    """The dashboard of ``?org=`` (or the user's own top organization) as of ``?date=``."""
    org_id = pk_or_none(request.GET.get("org"))
    if org_id:
        org = get_for_user(Organization.objects.all(), request.user, pk=org_id)
    else:
        tops = top_organizations(request.user)
        if not tops:
            raise PermissionDenied
        org = tops[0]
    return Dashboard(org, _day_from(request, strict))


@login_required
def dashboard(request):
    board = _dashboard_for(request)
    page = board.page()
    rows = list(page["rows"])
    sort = request.GET.get("sort", "")
    if sort.lstrip("-") in ROW_SORTS:
        rows.sort(key=ROW_SORTS[sort.lstrip("-")], reverse=not sort.startswith("-"))
    overview = page["overview"]
    return render(
        request,
        "portal/dashboard.html",
        {
            "board": board,
            "org": board.org,
            "day": board.day,
            "today": board.today,
            "overview": overview,
            "rows": [_row_cells(row, board) for row in rows],
            "ancestors": [
                (pk, name) for pk, name, path in page["ancestors"] if covers(request.user, Organization(path=path))
            ],
            "sort": sort,
            "breakdowns": [(title, overview.figures.breakdown(dimension)) for dimension, title in BREAKDOWNS],
            "structure": page["structure"],
            "year_changes": YEAR_CHANGES,
            "quality_labels": [(key, label) for key, (label, _condition) in QUALITY.items()],
            "trend_svg": page["trend_svg"],
            "age_svg": page["age_svg"],
        },
    )


def _row_cells(row, board):
    """What a row of the table shows, worked out here rather than cell by cell in the template:
    a district has 75 rows and the template language is slow at it."""
    members_url = reverse("members:list")
    counts, day = row.figures.counts, f"{board.day:%Y-%m-%d}"
    return {
        "name": row.name,
        "href": f"{members_url}?org={row.org_id}" if row.is_leaf else f"?org={row.org_id}&date={day}",
        "kind_label": row.kind_label,
        "members_href": f"{members_url}?org={row.org_id}",
        "numbers": [
            row.figures.total,
            row.figures.self_managed,
            counts[("management_type", "in_service")],
            f"{counts[('management_type', 'mobile_out')]} / {counts[('management_type', 'mobile_in')]}",
            counts[("status", "probationary")],
            counts[("age_band", "60_plus")],
            row.changes["transfer_in"],
            row.changes["transfer_out"],
        ],
        "warnings": row.warnings,
        "attention": [
            (label, row.attention[key], f"{members_url}?org={row.org_id}&attention={key}")
            for key, label in _attention_labels()
            if row.attention.get(key)
        ],
        "quality": [row.quality.get(key, 0) for key in QUALITY],
    }


def _attention_labels():
    return [(item.key, item.label) for item in ITEMS if item.key in ROW_ATTENTION]


class DashboardExport:
    """The whole dashboard as a workbook, one sheet per table."""

    def __init__(self, board):
        self.board = board

    def response(self, request):
        board = self.board
        overview, rows = board.rows()
        subtitle = f"{board.org.name}　截至{board.day:%Y-%m-%d}"
        book = Workbook()
        book.remove(book.active)
        add_sheet(book, "总体情况", subtitle, [("项目", 24), ("人数", 10)], self._overview(overview, board))
        add_sheet(book, "下级组织", subtitle, self._row_columns(), [self._row(row) for row in rows])
        add_sheet(
            book,
            "党员人数趋势",
            subtitle,
            [("月份", 12), ("在册党员", 12)],
            [(f"{day:%Y-%m}", total) for day, total in board.page()["trend"]],
        )
        add_sheet(
            book,
            "组织数量",
            subtitle,
            [("类型", 20), ("数量", 10)],
            [(label, n) for _k, label, n in board.page()["structure"]],
        )
        filename = f"党建看板-{board.org.name}-{board.day:%Y%m%d}.xlsx"
        return workbook_response(request, book, filename, f"导出党建看板：{subtitle}")

    def _overview(self, overview, board):
        figures = overview.figures
        yield ("在册党员", figures.total)
        for dimension, title in BREAKDOWNS:
            for _value, label, count in figures.breakdown(dimension):
                yield (f"{title}：{label}", count)
        yield ("60岁及以上占比", f"{figures.share_60_plus:.1%}")
        for kind, label in YEAR_CHANGES:
            yield (f"{board.day.year}年{label}", overview.changes[kind])

    def _row_columns(self):
        return (
            [
                ("组织", 24),
                ("类型", 14),
                ("在册党员", 10),
                ("自管", 8),
                ("在职报到", 10),
                ("流出", 8),
                ("流入", 8),
                ("预备党员", 10),
                ("60岁及以上", 11),
            ]
            + [(str(label), 9) for _k, label in YEAR_CHANGES]
            + [("提示", 40)]
        )

    def _row(self, row):
        figures = row.figures
        return [
            row.name,
            row.kind_label,
            figures.total,
            figures.self_managed,
            figures.count("management_type", "in_service"),
            figures.count("management_type", "mobile_out"),
            figures.count("management_type", "mobile_in"),
            figures.count("status", "probationary"),
            figures.count("age_band", "60_plus"),
            *[row.changes[kind] for kind, _l in YEAR_CHANGES],
            "；".join(str(w) for w in row.warnings),
        ]


@login_required
def dashboard_export(request):
    return DashboardExport(_dashboard_for(request, strict=True)).response(request)


# -- error pages: in Chinese, in the site's layout, saying what happened and where to go -------------

ERRORS = {
    400: (
        _("请求有误"),
        _("页面收到的参数不正确，可能是链接被改动过或已过期。"),
        _("请返回上一页重新操作；如果是从书签或别人发来的链接打开的，请从首页重新进入。"),
    ),
    403: (
        _("没有权限"),
        _("这项操作不在您账号的权限范围内（例如只读账号不能修改，支部书记不能办理其他支部的事项）。"),
        _("如需办理，请联系本组织的书记或街道党工委。"),
    ),
    404: (
        _("找不到页面"),
        _("您要找的页面不存在，或者不在您的管理范围内。"),
        _("请检查链接，或从首页重新进入。"),
    ),
    "csrf": (
        _("页面已过期"),
        _("为了安全，表单在页面打开太久、退出登录后或在另一个窗口登录后会失效，这次提交没有被保存。"),
        _("请返回上一页，刷新后重新填写提交。"),
    ),
}


def _error_page(request, key, status, what=None):
    title, usual, todo = ERRORS[key]
    what = what or usual
    context = {"code": status, "title": title, "what": what, "todo": todo}
    return render(request, "errors/page.html", context, status=status)


def bad_request(request, exception=None):
    """Says what was wrong when the portal itself refused a parameter (other refusals, such as a
    forged host, are not explained)."""
    what = str(exception) if isinstance(exception, BadParameter) else None
    return _error_page(request, 400, 400, what=what)


def permission_denied(request, exception=None):
    return _error_page(request, 403, 403)


def page_not_found(request, exception=None):
    return _error_page(request, 404, 404)


def csrf_failure(request, reason=""):
    return _error_page(request, "csrf", 403)


def server_error(request):
    # Standalone: the error may be the database itself, so nothing here may touch it.
    return HttpResponseServerError(loader.render_to_string("500.html"))
