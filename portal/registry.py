"""What the apps plug into the portal's own pages, the way models plug into ``django.contrib.admin``.

The portal knows no app. The home page, the dashboard (and its export) and ``seed_demo`` show or
run what is registered here; each app registers its parts from its own ``portal_parts`` module,
which ``PortalConfig.ready()`` imports at start-up (``autodiscover_modules("portal_parts")``):

- ``attention``: what needs someone's attention, counted for an organization as of a day, each
  count opening the list of what it counts (home page; dashboard rows for ``Severity.HIGH``);
- ``columns``, ``tables``, ``summaries``, ``sheets``, ``row_warnings``: the dashboard's figures per
  organization as of a day, its small tables of the selected organization, its export's sheets;
- ``panels``: a template and a context function in a named slot of the home page or the dashboard;
- ``demo_steps``: the demo data, built step by step in order;
- ``version_parts``: the tables (and columns) every cached figure is computed from, which the
  portal reads in one query per page as the cache's data version;
- ``provide_scopes()``: the one app that says what an organization is and who may see which (the
  organization tree); the portal handles its objects ("scopes") without looking inside.

Every contribution has a ``key`` (unique within its kind) and an ``order`` (lower first; ties keep
the order of registration). ``Registry.registered()`` adds one for the duration of a ``with`` block.
"""

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import Http404


class Registry:
    """The contributions of one kind, in order."""

    def __init__(self, kind):
        self.kind = kind
        self._items = {}

    def register(self, *items):
        for item in items:
            if item.key in self._items:
                raise ImproperlyConfigured(f"{self.kind} {item.key!r} is registered twice")
            self._items[item.key] = item
        return items[0] if len(items) == 1 else items

    def unregister(self, *keys):
        for key in keys:
            del self._items[key]

    @contextlib.contextmanager
    def registered(self, *items):
        self.register(*items)
        try:
            yield items[0] if len(items) == 1 else items
        finally:
            self.unregister(*(item.key for item in items))

    def __iter__(self):
        return iter(sorted(self._items.values(), key=lambda item: item.order))  # sorted() is stable

    def __getitem__(self, key):
        return self._items[key]

    def __contains__(self, key):
        return key in self._items

    def where(self, **attributes):
        return [item for item in self if all(getattr(item, name) == value for name, value in attributes.items())]


# -- attention ------------------------------------------------------------------------------------


class Severity:
    HIGH = "high"  # a rule is already broken: also shown on every dashboard row
    MEDIUM = "medium"  # due soon
    LOW = "low"  # an incomplete or doubtful record


@dataclass(frozen=True)
class AttentionItem:
    """Something that needs attention, counted per organization.

    ``counter(scopes, day)`` returns ``{scope.pk: {item key: count}}`` for each scope (an
    organization the user may see; all of them are counted in one call): items that share a
    counter are counted together. ``url(scope)`` is the list of exactly what is counted there.
    On the dashboard's rows, ``row_counts(board, pk)`` (if given) hands over counts the app's own
    dashboard parts have already made for the page, instead of the counter counting again.
    """

    key: str
    title: str
    hint: str
    severity: str
    counter: Callable[[list, Any], dict]
    url: Callable[[Any], str]
    unit: str = ""
    row_counts: Callable[[Any, int], dict] | None = None
    order: int = 100


def count_attention(items, scopes, day):
    """{scope.pk: {item key: count}} for ``items``, one call per counter."""
    counts = {scope.pk: {} for scope in scopes}
    counters = {}
    for item in items:
        counters.setdefault(item.counter, []).append(item.key)
    for counter, keys in counters.items():
        if not scopes:
            break
        for pk, found in counter(scopes, day).items():
            counts[pk].update({key: found.get(key, 0) for key in keys})
    return counts


# -- the dashboard --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One figure per organization row of a dashboard table (``table``: "rows" for the main one).

    ``value(board, pk)`` is the figure (shown with ``format``); ``href(board, pk)`` its drill-down
    (or None); ``sort(board, pk)`` makes the column sortable. ``page``/``export`` say where it shows;
    the export uses ``export_label`` (default ``label``) and ``width``.
    """

    key: str
    label: str
    value: Callable[[Any, int], Any]
    table: str = "rows"
    format: str = "{}"
    href: Callable[[Any, int], str | None] | None = None
    sort: Callable[[Any, int], Any] | None = None
    page: bool = True
    export: bool = True
    export_label: str | None = None
    width: int = 9
    order: int = 100


@dataclass(frozen=True)
class Table:
    """A dashboard table beside the main one: a row per child organization, its registered
    columns, and a total row for the selected organization."""

    key: str
    title: str
    today_only: bool = False
    order: int = 100


@dataclass(frozen=True)
class Summary:
    """A small table of the selected organization's figures: ``rows(board)`` gives (label, value)."""

    key: str
    title: Callable[[Any], str]
    rows: Callable[[Any], list]
    order: int = 100


@dataclass(frozen=True)
class Sheet:
    """A sheet of the dashboard's export; ``rows(board)`` gives its rows. The sheet of the main
    table's columns comes at ``ROWS_SHEET_ORDER``."""

    key: str
    title: str
    columns: list  # [(header, width)]
    rows: Callable[[Any], list]
    order: int = 100


ROWS_SHEET_ORDER = 20


@dataclass(frozen=True)
class RowWarnings:
    """Rule warnings of an organization row of the dashboard: ``warnings(board, pk)``."""

    key: str
    warnings: Callable[[Any, int], list]
    order: int = 100


@dataclass(frozen=True)
class Read:
    """A figure of one table that moves whenever its rows do: ``function`` of ``field`` over the
    whole table (the largest id of an append-only table, the latest ``updated_at`` of one changed in
    place, or a count or sum of a column that changes without touching either)."""

    model: Any
    field: str = "updated_at"
    function: str = "MAX"

    FUNCTIONS = ("MAX", "COUNT", "SUM")

    def __post_init__(self):
        if self.function not in self.FUNCTIONS:
            raise ImproperlyConfigured(f"a version read is one of {self.FUNCTIONS}, not {self.function!r}")

    def sql(self, quote):
        """A scalar subquery; the names come from the model's own options, never from input."""
        column = self.model._meta.get_field(self.field).column
        return f"(SELECT {self.function}({quote(column)}) FROM {quote(self.model._meta.db_table)})"


@dataclass(frozen=True)
class VersionPart:
    """What the dashboard's cached figures of an app are computed from (``reads``, a tuple of
    ``Read``): the portal reads every part's figures in one query for the cache key."""

    key: str
    reads: tuple
    order: int = 100


# -- panels ---------------------------------------------------------------------------------------

HOME_SLOTS = ("top", "attention", "body")  # above the organizations; in the attention list; below it
DASHBOARD_SLOTS = ("buttons", "headline", "charts")


@dataclass(frozen=True)
class Panel:
    """A template and its context in a slot of a page.

    Home page: ``context(request, scope, day, today)`` (``scope`` is None in the "top" slot, which is
    shown once above the organizations). Dashboard: ``context(board)``, cached with the page's
    figures. A context of None leaves the panel out.
    """

    key: str
    page: str  # "home" or "dashboard"
    slot: str
    template: str
    context: Callable[..., dict | None]
    order: int = 100

    def __post_init__(self):
        slots = {"home": HOME_SLOTS, "dashboard": DASHBOARD_SLOTS}.get(self.page, ())
        if self.slot not in slots:
            raise ImproperlyConfigured(f"panel {self.key!r}: no slot {self.slot!r} on the {self.page!r} page")


# -- demo data ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoStep:
    """``build(demo)`` adds one app's demo data (``portal.demo.Demo`` carries the seed, the scale,
    the shared random generator and what earlier steps made). ``exists(demo)`` tells the demo is
    already there; ``describe(demo)`` says what it holds in a few words ("3000 名党员")."""

    key: str
    build: Callable[[Any], None]
    order: int = 100
    exists: Callable[[Any], bool] | None = None
    describe: Callable[[Any], str] | None = None


# -- scopes: the organizations the pages are about, and who may see which --------------------------


@dataclass
class Node:
    """A scope as it stood on a day, as the dashboard shows it: ``scope`` is the provider's own
    object (passed back to the provider and to counters), the rest is for display."""

    pk: int
    name: str
    kind_label: str
    is_leaf: bool
    scope: Any = None


@dataclass
class Outline:
    """A scope on a day, its children then and its ancestors from the top."""

    node: Node
    children: list = field(default_factory=list)
    ancestors: list = field(default_factory=list)


class NoScopes:
    """Until an app provides scopes the portal's pages show nothing; only a superuser is let in."""

    def has_any(self, user):
        return bool(getattr(user, "is_superuser", False))

    def top(self, user):
        return []

    def get(self, user, pk):
        raise Http404

    def covers(self, user, scope):
        return bool(getattr(user, "is_superuser", False))

    def outline(self, scope, day):
        return Outline(Node(scope.pk, str(scope), "", True, scope))


_scopes = NoScopes()


def provide_scopes(provider):
    """Called once, by the app that holds the organization tree."""
    global _scopes
    _scopes = provider


def scopes():
    return _scopes


attention = Registry("attention item")
columns = Registry("dashboard column")
tables = Registry("dashboard table")
summaries = Registry("dashboard summary")
sheets = Registry("export sheet")
row_warnings = Registry("row warnings")
version_parts = Registry("version part")
panels = Registry("panel")
demo_steps = Registry("demo step")
