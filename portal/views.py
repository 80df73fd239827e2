import datetime
import hashlib
import sys
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from portal import registry
from portal.dashboard import Board, cached, request_version
from portal.exports import add_sheet, workbook_response
from portal.middleware import not_activity, record_activity, seconds_left
from portal.params import BadParameter, date_param, pk_or_none, strict_date_param
from portal.registry import ROWS_SHEET_ORDER, Severity


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


@dataclass
class Part:
    """A registered panel to show: ``{% panel part %}`` renders its template with its context."""

    template: str
    context: dict


def _home_parts(request, slot, scope, day, today):
    """The home page's registered panels of ``slot`` that have something to show."""
    found = []
    for panel in registry.panels.where(page="home", slot=slot):
        context = panel.context(request, scope, day, today)
        if context is not None:
            found.append(Part(panel.template, context))
    return found


@login_required
def home(request):
    day, today = _day_from(request), datetime.date.today()
    items = list(registry.attention)
    sections, version = [], request_version(request)
    for scope in registry.scopes().top(request.user):
        counts = _attention_counts(items, scope, today, version)
        sections.append(
            {
                "org": scope,
                "attention": [(item, counts[item.key], item.url(scope)) for item in items],
                "attention_parts": _home_parts(request, "attention", scope, day, today),
                "parts": _home_parts(request, "body", scope, day, today),
            }
        )
    context = {
        "day": day,
        "panels": sections,
        "today": today,
        "top_parts": _home_parts(request, "top", None, day, today),
    }
    if not sections:  # a superuser sees every street: none yet means a new district's first run
        context["no_street_yet"] = request.user.is_superuser
    return render(request, "portal/home.html", context)


def _attention_counts(items, scope, today, version):
    """The home page's counts, computed once per data change: a street-wide scope counts over the
    whole register, and the street's staff open this page all day. ``version`` moves with every
    change to the register, the log or the tree, so a count is never stale."""
    keys = ",".join(item.key for item in items)
    key = f"home-attention:{scope.pk}:{today}:{hashlib.sha1(keys.encode()).hexdigest()[:12]}"
    return cached(key, lambda: registry.count_attention(items, [scope], today)[scope.pk], version)


def _board_for(request, strict=False):
    """The dashboard of ``?org=`` (or the user's own top organization) as of ``?date=``, its period's
    figures from ``?start=`` (1 January of that year by default)."""
    org_id = pk_or_none(request.GET.get("org"))
    if org_id:
        scope = registry.scopes().get(request.user, org_id)
    else:
        tops = registry.scopes().top(request.user)
        if not tops:
            raise PermissionDenied
        scope = tops[0]
    day = _day_from(request, strict)
    return Board(scope, day, start=_start_from(request, day, strict))


def _start_from(request, day, strict=False):
    """The ``?start=`` of the period, not after ``day``; None for the default (1 January)."""
    if strict:
        start = strict_date_param(request, "start")
    else:
        start, problem = date_param(request, "start")
        if problem:
            messages.warning(request, problem)
    if start is not None and start > day:
        problem = _("起始日期不能晚于统计日期，已按当年1月1日起统计。")
        if strict:
            raise BadParameter(problem)
        messages.warning(request, problem)
        return None
    return start


def _page_columns():
    return [column for column in registry.columns.where(table="rows") if column.page]


@login_required
def dashboard(request):
    board = _board_for(request)
    page = board.page()
    rows = list(page["rows"])
    columns = _page_columns()
    high = registry.attention.where(severity=Severity.HIGH)
    sort = request.GET.get("sort", "")
    sortable = {column.key for column in columns if column.sort}
    if sort.lstrip("-") in sortable | {"warnings"}:
        key = sort.lstrip("-")
        rows.sort(
            key=lambda row: row.warning_count if key == "warnings" else row.sorts[key], reverse=not sort.startswith("-")
        )
    parts = {slot: [] for slot in registry.DASHBOARD_SLOTS}
    for panel in registry.panels.where(page="dashboard"):
        if panel.key in page["panels"]:
            parts[panel.slot].append(Part(panel.template, page["panels"][panel.key]))
    return render(
        request,
        "portal/dashboard.html",
        {
            "board": board,
            "org": board.scope,
            "day": board.day,
            "today": board.today,
            "overview": page["overview"].node,
            # The HIGH attention items once per page, not once per row.
            "rows": [_row_cells(row, board, columns, high) for row in rows],
            "columns": [{"key": c.key, "label": c.label, "sortable": c.key in sortable} for c in columns],
            "ancestors": [
                (node.pk, node.name) for node in page["ancestors"] if registry.scopes().covers(request.user, node.scope)
            ],
            "sort": sort,
            "summaries": page["summaries"],
            "tables": [
                _table_cells(registry.tables[key], values, rows, page["overview"]) for key, values in page["tables"]
            ],
            "parts": parts,
        },
    )


def _row_cells(row, board, columns, items=None):
    """What a row of the table shows, worked out here rather than cell by cell in the template:
    a district has 75 rows and the template language is slow at it. A row without children opens
    the drill-down of its first column that has one (the member list); others, their own board."""
    cells = [(column.format.format(row.values[column.key]), row.hrefs.get(column.key)) for column in columns]
    first_href = next((href for _text, href in cells if href), None)
    items = registry.attention.where(severity=Severity.HIGH) if items is None else items
    return {
        "name": row.node.name,
        "href": first_href
        if row.node.is_leaf and first_href
        else f"?org={row.node.pk}&date={board.day:%Y-%m-%d}&start={board.start:%Y-%m-%d}",
        "kind_label": row.node.kind_label,
        "cells": cells,
        "warnings": row.warnings,
        "attention": [
            (item.title, row.attention[item.key], item.url(row.node.scope))
            for item in items
            if row.attention.get(item.key)
        ],
    }


def _table_cells(table, values, rows, overview):
    """A registered table: a line per child in the order of the main table, then the total."""
    columns = registry.columns.where(table=table.key)

    def texts(pk):
        return [column.format.format(value) for column, value in zip(columns, values[pk], strict=True)]

    return {
        "title": table.title,
        "labels": [column.label for column in columns],
        "rows": [(row.node.name, texts(row.node.pk)) for row in rows],
        "total": texts(overview.node.pk),
    }


class DashboardExport:
    """The whole dashboard as a workbook: the registered sheets, and the table of children."""

    def __init__(self, board):
        self.board = board

    def response(self, request):
        board = self.board
        page = board.page()
        subtitle = f"{board.scope.name}　截至{board.day:%Y-%m-%d}"
        book = Workbook()
        book.remove(book.active)
        sheets = list(page["sheets"])
        columns = [column for column in registry.columns.where(table="rows") if column.export]
        children = [self._row(row, columns) for row in page["rows"]]
        sheets.append((ROWS_SHEET_ORDER, "下级组织", self._row_columns(columns), children))
        for _order, title, sheet_columns, rows in sorted(sheets, key=lambda sheet: sheet[0]):
            add_sheet(book, title, subtitle, sheet_columns, rows)
        filename = f"党建看板-{board.scope.name}-{board.day:%Y%m%d}.xlsx"
        return workbook_response(request, book, filename, f"导出党建看板：{subtitle}")

    def _row_columns(self, columns):
        exported = [(str(column.export_label or column.label), column.width) for column in columns]
        return [("组织", 24), ("类型", 14), *exported, ("提示", 40)]

    def _row(self, row, columns):
        values = [row.values[column.key] for column in columns]
        return [row.node.name, row.node.kind_label, *values, "；".join(str(w) for w in row.warnings)]


@login_required
def dashboard_export(request):
    return DashboardExport(_board_for(request, strict=True)).response(request)


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
    429: (
        _("尝试次数过多"),
        _("短时间内登录或提交的次数过多，为保护账号安全，系统暂时不再受理。"),
        _("请 15 分钟后再试；如忘记密码，请联系街道党工委的系统管理员重置。"),
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


def too_many_requests(request, exception=None):
    return _error_page(request, 429, 429)


def csrf_failure(request, reason=""):
    return _error_page(request, "csrf", 403)


def server_error(request):
    # Standalone: the error may be the database itself, so nothing here may touch it.
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        # The database is restarting or unreachable: say so, and let the browser retry shortly.
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponseServerError(loader.render_to_string("500.html"))


# -- the inactivity warning (static/js/session-timeout.js) ------------------------------------------


@not_activity
@never_cache
def session_remaining(request):
    """Seconds until the session ends for inactivity; asking is not activity (see IdleTimeoutMiddleware)."""
    remaining = max(seconds_left(request), 0) if request.user.is_authenticated else 0
    return JsonResponse({"remaining": remaining})


@require_POST
@login_required
def session_keepalive(request):
    """ "继续使用" on the warning: counts as activity now."""
    record_activity(request, force=True)
    return JsonResponse({"remaining": seconds_left(request)})
