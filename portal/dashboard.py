"""The dashboard: one organization and a row per child, as of a day, with what every app registers.

The portal only assembles: the rows are the scope's children on the day (``scopes().outline``),
their figures the registered columns, the rest registered tables, summaries, panels and sheets
(portal/registry.py). What is computed is cached until the data it came from changes
(``data_version``), so the committee's repeated looks cost a lookup.
"""

import datetime
import hashlib
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection
from django.utils.functional import Promise, cached_property

from portal import registry
from portal.registry import Severity


def data_version():
    """Changes whenever anything a figure is computed from does: each app says what (the ``Read``s of
    its ``registry.version_parts``), and every page reads them all in one query."""
    return hashlib.sha1(repr(read_versions()).encode()).hexdigest()[:16]


def read_versions():
    """{read: value} of every registered part's reads, in one query of scalar subqueries (each an
    indexed look-up of a maximum or a small table's count); a read two parts share is read once."""
    reads = list(dict.fromkeys(read for part in registry.version_parts for read in part.reads))
    if not reads:
        return {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(read.sql(connection.ops.quote_name) for read in reads))
        return dict(zip(reads, cursor.fetchone(), strict=True))


def request_version(request):
    """``data_version()`` once per request: every panel of a page asks for it."""
    if not hasattr(request, "_portal_data_version"):
        request._portal_data_version = data_version()
    return request._portal_data_version


def cached(key, compute, version):
    """``compute()``, remembered until the data it came from changes (``version``)."""
    key = f"dashboard:{key}:{version}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, 24 * 60 * 60)
    return value


def plain(value):
    """A lazily translated label as text: unpickling a lazy string costs more than the page it is on."""
    return str(value) if isinstance(value, Promise) else value


@dataclass
class Row:
    """One organization of the dashboard: what the registered parts say of it."""

    node: registry.Node
    values: dict = field(default_factory=dict)  # column key: value
    hrefs: dict = field(default_factory=dict)  # column key: drill-down
    sorts: dict = field(default_factory=dict)  # column key: sort value
    warnings: list = field(default_factory=list)
    attention: dict = field(default_factory=dict)  # item key: count (today only)

    @property
    def warning_count(self):
        return len(self.warnings) + sum(self.attention.values())


class Board:
    """The dashboard of ``scope`` as of ``day``. Parts read ``scope``, ``day``, ``today``, ``is_today``
    and ``outline``, and share work through ``shared``. Figures of a period (hours served, visits
    made) cover ``start``..``day``: from 1 January of the day's year unless another start is given."""

    def __init__(self, scope, day, today=None, start=None):
        self.scope, self.day = scope, day
        self.start = start if start is not None and start <= day else day.replace(month=1, day=1)
        self.today = today or datetime.date.today()
        self.is_today = day >= self.today
        self.version = data_version()
        self._shared = {}

    @cached_property
    def outline(self):
        return registry.scopes().outline(self.scope, self.day)

    def shared(self, key, compute):
        """``compute()`` once per board: what several parts of one app need (a scan, a trend)."""
        if key not in self._shared:
            self._shared[key] = compute()
        return self._shared[key]

    def page(self):
        """Everything the page and the export show, computed once per day and state of the data."""
        return cached(f"page:{self.scope.pk}:{self.start}:{self.day}:{self.is_today}", self._page, self.version)

    def _page(self):
        overview, rows = self._rows()
        return {
            "overview": overview,
            "rows": rows,
            "ancestors": self.outline.ancestors,
            "summaries": [
                (plain(summary.title(self)), [(plain(label), value) for label, value in summary.rows(self)])
                for summary in registry.summaries
            ],
            "tables": [
                (table.key, self._table(table)) for table in registry.tables if self.is_today or not table.today_only
            ],
            "panels": self._panels(),
            # Plain values only: the cache pickles the page, and parts may be lambdas.
            "sheets": [
                (sheet.order, sheet.title, sheet.columns, [[plain(value) for value in row] for row in sheet.rows(self)])
                for sheet in registry.sheets
            ],
        }

    def _rows(self):
        nodes = [self.outline.node, *self.outline.children]
        rows = [Row(node) for node in nodes]
        for column in registry.columns.where(table="rows"):
            for row in rows:
                row.values[column.key] = plain(column.value(self, row.node.pk))
                if column.href:
                    row.hrefs[column.key] = column.href(self, row.node.pk)
                if column.sort:
                    row.sorts[column.key] = column.sort(self, row.node.pk)
        for part in registry.row_warnings:
            for row in rows:
                row.warnings += [plain(warning) for warning in part.warnings(self, row.node.pk)]
        if self.is_today:  # what needs attention is known for today's register only
            self._attention(rows[1:])
        return rows[0], rows[1:]

    def _attention(self, rows):
        items = registry.attention.where(severity=Severity.HIGH)
        counted = [item for item in items if item.row_counts is None]
        counts = registry.count_attention(counted, [row.node.scope for row in rows], self.today)
        for row in rows:
            for item in items:
                found = counts[row.node.pk] if item.row_counts is None else item.row_counts(self, row.node.pk)
                row.attention[item.key] = found.get(item.key, 0)

    def _table(self, table):
        """{organization id: [value per column]} for the selected organization and each child."""
        table_columns = registry.columns.where(table=table.key)
        nodes = [self.outline.node, *self.outline.children]
        return {node.pk: [plain(column.value(self, node.pk)) for column in table_columns] for node in nodes}

    def _panels(self):
        found = {}
        for panel in registry.panels.where(page="dashboard"):
            context = panel.context(self)
            if context is not None:
                found[panel.key] = context
        return found
