"""The members' figures on the street committee's dashboard: one organization's and each child's, as of a day.

Today's figures are read from the member table, which ``apply_change`` keeps equal to the latest
state of the change log; a past day's figures are computed from the change log itself. Both run
a fixed number of grouped queries whatever the number of communities or members. What is
computed is cached until the data it came from changes (``portal.dashboard.data_version``), so the
committee's repeated looks cost a lookup; the first look after a change pays for one grouped scan.
The portal's dashboard shows these figures through the columns, tables and panels that
``members/portal_parts.py`` registers.
"""

import calendar
import datetime
import itertools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace

import pygal
from django.db import connection
from django.db.models import Count, F, Q, Window
from django.db.models.functions import ExtractMonth, ExtractYear, Lead, Substr
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from pygal.style import Style

from members.attention import ATTENTION_CONDITIONS, ITEMS, with_attention_fields
from members.figures import Figures, aggregates, figures_by_organization, figures_from_row
from members.models import Member, MemberChange, Standing, subtree_counts
from organizations.models import Organization, TreeAsOf
from portal.dashboard import cached, data_version
from portal.registry import Severity

BREAKDOWNS = [
    ("management_type", _("管理方式")),
    ("category", _("人员类别")),
    ("status", _("党员类别")),
    ("age_band", _("年龄")),
]
K = MemberChange.Kind
YEAR_CHANGES = [
    (K.TRANSFER_IN, _("转入")),
    (K.TRANSFER_OUT, _("转出")),
    (K.ADMISSION, _("新发展")),
    (K.DEATH, _("逝世")),
]
# Incomplete records, counted per organization (today's register only).
QUALITY = {
    "missing_phone": (_("缺联系电话"), lambda today: Q(phone="")),
    "missing_address": (_("缺家庭住址"), lambda today: Q(address="")),
    "missing_education": (_("缺学历"), lambda today: Q(education="")),
    "missing_joined_on": (_("缺入党时间"), ATTENTION_CONDITIONS["missing_joined_on"]),
    "lost_contact": (_("失联党员"), ATTENTION_CONDITIONS["lost_contact"]),
    "without_group": (_("未编入党小组"), ATTENTION_CONDITIONS["without_group"]),
}
ROW_ATTENTION = [item.key for item in ITEMS if item.severity == Severity.HIGH]
TREND_MONTHS = 60
RECENT_MONTHS = 12  # the trend a phone shows


@dataclass
class Row:
    """The figures of one organization's subtree."""

    org_id: int
    name: str
    kind_label: str
    figures: Figures
    changes: Counter = field(default_factory=Counter)
    warnings: list = field(default_factory=list)
    attention: dict = field(default_factory=dict)
    quality: dict = field(default_factory=dict)
    is_leaf: bool = False


class Dashboard:
    """The figures of ``org`` and of each of its children on ``day``. The portal's dashboard passes
    its own ``today``, ``version`` and ``tree`` so that they are computed once per page."""

    def __init__(self, org, day, today=None, version=None, tree=None):
        self.org, self.day = org, day
        self.today = today or datetime.date.today()
        self.is_today = day >= self.today
        self.version = version or data_version()
        if tree is not None:
            self.tree = tree

    @cached_property
    def tree(self):
        return TreeAsOf(self.day, under=self.org)

    @cached_property
    def children(self):
        return self.tree.children_of(self.org.pk)

    @cached_property
    def branches(self):
        return [
            pk
            for pk in self.tree.subtree_ids(self.org.pk)
            if self.tree.kind[pk] == Organization.Kind.BRANCH and pk in self.tree.alive
        ]

    # -- assembling ---------------------------------------------------------------------------

    def rows(self):
        """(overview row, child rows), cached on their own: the home page needs only these."""
        key = f"rows:{self.org.pk}:{self.day}:{self.is_today}"
        overview, rows = cached(key, self._rows, self.version)
        return overview, list(rows)

    def _rows(self):
        ids = [self.org.pk, *self.children]
        figures, counts = self._today() if self.is_today else (self._past_figures(ids), {})
        changes = self._year_changes(ids)
        branch_counts = self._branch_counts()
        rows = {}
        for pk in ids:
            found = counts.get(pk, {})
            rows[pk] = Row(
                org_id=pk,
                name=self.tree.name[pk],
                kind_label=self.tree.kind_label(pk),
                figures=figures[pk],
                changes=changes[pk],
                warnings=self._warnings(pk, figures[pk], branch_counts),
                attention={key: found[key] for key in ROW_ATTENTION if key in found},
                quality={key: found[key] for key in QUALITY if key in found},
                is_leaf=not self.tree.children_of(pk),
            )
        return rows[self.org.pk], [rows[pk] for pk in self.children]

    # -- figures ------------------------------------------------------------------------------

    def _past_figures(self, ids):
        return figures_by_organization(self.day, self._orgs(ids), self.tree)

    def _today(self):
        """Figures and attention counts of the selected node and each child, from one scan of
        today's register grouped by child (today's tree is the current one, so a child's members
        share its path prefix; members placed in the node itself form a group of their own)."""
        members = with_attention_fields(Member.objects.current().under(self.org))
        counts = aggregates(self.day, "birth_date")
        conditions = {key: ATTENTION_CONDITIONS[key](self.today) for key in ROW_ATTENTION}
        conditions.update({key: condition(self.today) for key, (_label, condition) in QUALITY.items()})
        counts.update({key: Count("pk", filter=condition) for key, condition in conditions.items()})
        length = (self.org.depth + 1) * Organization.steplen
        grouped = members.annotate(prefix=Substr("organization__path", 1, length)).values("prefix").annotate(**counts)
        by_prefix = {row.pop("prefix"): row for row in grouped.order_by()}
        whole = Counter()
        for row in by_prefix.values():
            whole.update(row)
        rows = {self.org.pk: {"total": 0, **whole}}
        for pk in self.children:
            rows[pk] = by_prefix.get(self.tree.node[pk]["path"], {"total": 0})
        figures = {pk: figures_from_row(self.day, row) for pk, row in rows.items()}
        return figures, rows

    def _orgs(self, ids):
        """Just what the figure functions read of an organization: its id, path and depth."""
        steplen = Organization.steplen
        return [
            SimpleNamespace(pk=pk, path=self.tree.node[pk]["path"], depth=len(self.tree.node[pk]["path"]) // steplen)
            for pk in ids
        ]

    def _branch_counts(self):
        """{branch id: (members, full members)} for the size rules."""
        if self.is_today:
            return subtree_counts(self._orgs(self.branches), Member.objects.current().under(self.org))

        per = figures_by_organization(self.day, self._orgs(self.branches), self.tree) if self.branches else {}
        return {pk: (fig.total, fig.count("status", "full")) for pk, fig in per.items()}

    def _year_changes(self, ids):
        """This year's transfers in and out, new members and deaths, up to the day."""
        start = self.day.replace(month=1, day=1)
        rows = (
            MemberChange.objects.valid()
            .filter(effective_date__range=(start, self.day), kind__in=[k for k, _l in YEAR_CHANGES])
            .values("organization_id", "kind")
            .annotate(n=Count("id"))
            .order_by()
        )
        per_node = defaultdict(Counter)
        for row in rows:
            per_node[row["organization_id"]][row["kind"]] += row["n"]
        result = {}
        for pk in ids:
            total = Counter()
            for node in self.tree.subtree_ids(pk) & per_node.keys():
                total.update(per_node[node])
            result[pk] = total
        return result

    def _warnings(self, pk, figures, branch_counts):
        """DOMAIN.md's size rules for the node and the branches below it."""
        node = self.tree.node[pk]
        warnings = []
        if node["kind"] == Organization.Kind.COMMUNITY:
            org = Organization(kind=node["kind"], level=node["level"])
            warnings += org.rule_warnings(figures.total, figures.count("status", "full"))
        under = self.tree.subtree_ids(pk)
        branch = Organization(kind=Organization.Kind.BRANCH, has_committee=True)  # the size rules only
        weak = sum(
            bool(branch.rule_warnings(*branch_counts.get(branch_pk, (0, 0))))
            for branch_pk in self.branches
            if branch_pk in under
        )
        if weak:
            warnings.append(_("%(n)d个支部少于3名正式党员或超过50名党员") % {"n": weak})
        return warnings

    # -- trend --------------------------------------------------------------------------------

    def trend(self, months=TREND_MONTHS):
        """[(month end, members on the register)] for the past ``months`` months, from the log."""
        if not hasattr(self, "_trend"):
            self._trend = monthly_totals(self.org, month_ends(self.day, months))
        return self._trend


def month_ends(day, months):
    ends = []
    year, month = day.year, day.month
    for _step in range(months):
        last = datetime.date(year, month, calendar.monthrange(year, month)[1])
        ends.append(min(last, day))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return ends[::-1]


def monthly_totals(org, ends):
    """Members on the register under ``org`` at each day of ``ends`` (month ends, the last one
    perhaps a day within its month), as the log says.

    Each valid entry's state holds from its date until the member's next entry; the database
    counts the periods on the register by organization and the months they begin and end in, and
    each month sums the organizations under ``org`` in the tree of that month.
    """
    trees = TreeAsOf.series(ends, under=org)
    subtrees = {id(tree): tree.subtree_ids(org.pk) for tree in trees.values()}
    ever_under = set().union(*subtrees.values())
    size = len(ends) + 1
    diffs = defaultdict(lambda: [0] * size)
    nodes = next(iter(trees.values())).node
    moved_out = {pk for pk in ever_under if not nodes[pk]["path"].startswith(org.path)}
    for org_id, index, step in _steps_on_register(org, moved_out, ends):
        diffs[org_id][index] += step
    running = {pk: list(itertools.accumulate(values)) for pk, values in diffs.items()}
    totals, by_tree = [], {}
    for index, day in enumerate(ends):
        subtree = subtrees[id(trees[day])]
        if id(subtree) not in by_tree:
            by_tree[id(subtree)] = [running[pk] for pk in subtree & running.keys()]
        totals.append((day, sum(counts[index] for counts in by_tree[id(subtree)])))
    return totals


def _month_number(expression):
    return ExtractYear(expression) * 12 + ExtractMonth(expression)


def _steps_on_register(org, moved_out, ends):
    """[(organization id, index of ``ends``, members)]: how many more (or fewer) members were on the
    register at each organization from that month on, one grouped query over the log.

    ``ends`` are month ends, so a day's month says its index; only the last may be a day within
    its month, and no entry after it is read."""
    first_month = ends[0].year * 12 + ends[0].month
    # The members ever under ``org`` in those months: the subtree as it is now by its path, the
    # few organizations ``moved_out`` of it since by id (thousands of ids cost more to send than to find).
    now_under = Organization.objects.under(org).values("pk")
    members = MemberChange.objects.filter(Q(organization__in=now_under) | Q(organization_id__in=moved_out))
    entries = (
        MemberChange.objects.valid()
        .filter(effective_date__lte=ends[-1], member__in=members.values("member_id"))
        .annotate(
            start_month=_month_number("effective_date"),
            next_month=Window(
                Lead(_month_number("effective_date")),
                partition_by=[F("member_id")],
                order_by=[F("effective_date").asc(), F("id").asc()],
            ),
        )
        .values("organization_id", "standing", "start_month", "next_month")
        .order_by()
    )
    inner, params = entries.query.sql_with_params()
    # Grouped outside the window (SQL computes a window after grouping, never before): each period
    # adds one from the month it starts in (or the first month) and takes one off from the month
    # the member's next entry starts in.
    sql = f"""
        WITH periods AS (
            SELECT organization_id, start_month, next_month FROM ({inner}) entries
            WHERE standing = %s AND (next_month IS NULL OR next_month > %s)
        )
        SELECT organization_id, month, SUM(step) FROM (
            SELECT organization_id, CASE WHEN start_month < %s THEN %s ELSE start_month END AS month, 1 AS step
            FROM periods
            UNION ALL
            SELECT organization_id, next_month, -1 FROM periods WHERE next_month IS NOT NULL
        ) steps
        GROUP BY organization_id, month
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, Standing.ACTIVE, first_month, first_month, first_month])
        rows = cursor.fetchall()
    return [(org_id, int(month) - first_month, int(step)) for org_id, month, step in rows]  # EXTRACT: a decimal


CHART_FONT = "'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif"
# Text sizes in the SVG's own units. The page never draws a chart below 0.9 of its own width
# (portal.css, .chart svg), so no label is ever smaller than 14 px on screen.
CHART_TEXT = 16


def _chart(kind, color, **options):
    """A pygal chart that renders as plain inline SVG: no script from anywhere, sharp when printed."""
    style = Style(
        font_family=CHART_FONT,
        colors=(color,),
        background="white",
        plot_background="white",
        label_font_size=CHART_TEXT,
        major_label_font_size=CHART_TEXT,
        value_font_size=CHART_TEXT,
        value_label_font_size=CHART_TEXT,
        tooltip_font_size=CHART_TEXT,
        legend_font_size=CHART_TEXT,
        title_font_size=CHART_TEXT + 2,
        no_data_font_size=CHART_TEXT + 8,
    )
    return kind(js=[], disable_xml_declaration=True, show_legend=False, style=style, **options)


def trend_chart(trend, compact=False):
    """The monthly trend as a line chart; ``compact``: narrow enough for a phone (a year at most)."""
    chart = _chart(
        pygal.Line,
        "#b71c1c",
        width=320 if compact else 720,
        height=260 if compact else 300,
        dots_size=3 if compact else 2,
        x_labels_major_every=4 if compact else 6,
        show_minor_x_labels=False,
        truncate_label=-1,
        max_scale=6 if compact else 12,  # how many steps the value axis has at most
    )
    chart.x_labels = [f"{day:%Y-%m}" for day, _total in trend]
    chart.add(str(_("在册党员")), [total for _day, total in trend])
    return _without_inline_script(chart.render(is_unicode=True))


def age_chart(figures):
    """The age bands as horizontal bars."""
    chart = _chart(
        pygal.HorizontalBar, "#8d6e63", width=320, height=240, print_values=True, truncate_label=-1, max_scale=4
    )
    rows = figures.breakdown("age_band")
    chart.x_labels = [str(label) for _key, label, _count in rows]
    chart.add(str(_("人数")), [count for _key, _label, count in rows])
    return _without_inline_script(chart.render(is_unicode=True))


def _without_inline_script(svg):
    """The chart as the Content-Security-Policy allows it inline: without pygal's configuration
    script (only its tooltips, which are not loaded, read it) and without style attributes. Its
    <style> element gets the page's nonce in the template (``with_style_nonce``)."""
    svg = re.sub(r"<script\b.*?</script>", "", svg, flags=re.DOTALL)
    return svg.replace('style="opacity: 0"', 'opacity="0"')


def member_rows(board):
    """{organization id: Row} of the board's organization and of each child, once per page."""

    def compute():
        figures = Dashboard(board.scope, board.day, today=board.today, version=board.version, tree=board.outline.tree)
        overview, rows = figures.rows()
        return {row.org_id: row for row in [overview, *rows]}

    return board.shared("members.rows", compute)


def figure(read):
    """A column's value: ``read(row)`` of the members' row of that organization."""
    return lambda board, pk: read(member_rows(board)[pk])


def overview(board):
    return member_rows(board)[board.scope.pk]


def trend(board):
    """[(month end, members on the register)] for the past TREND_MONTHS months."""
    return board.shared("members.trend", lambda: monthly_totals(board.scope, month_ends(board.day, TREND_MONTHS)))


def breakdown_rows(dimension):
    return lambda board: [(label, count) for _value, label, count in overview(board).figures.breakdown(dimension)]


def year_change_rows(board):
    return [(label, overview(board).changes[kind]) for kind, label in YEAR_CHANGES]


def overview_sheet_rows(board):
    figures, changes = overview(board).figures, overview(board).changes
    yield ("在册党员", figures.total)
    for dimension, title in BREAKDOWNS:
        for _value, label, count in figures.breakdown(dimension):
            yield (f"{title}：{label}", count)
    yield ("60岁及以上占比", f"{figures.share_60_plus:.1%}")
    for kind, label in YEAR_CHANGES:
        yield (f"{board.day.year}年{label}", changes[kind])


def trend_sheet_rows(board):
    return [(f"{day:%Y-%m}", total) for day, total in trend(board)]


def headline_context(board):
    figures = overview(board).figures
    return {"day": board.day, "total": figures.total, "share": figures.share_60_plus_text}


def charts_context(board):
    return {
        "trend_svg": trend_chart(trend(board)),
        "trend_recent_svg": trend_chart(trend(board)[-RECENT_MONTHS:], compact=True),
        "age_svg": age_chart(overview(board).figures),
    }
