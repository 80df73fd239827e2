"""The organization tree: street committee → community → branch → stairwell group.

The tree is a materialized path (django-treebeard), so "everything under this community" is one
``path LIKE 'prefix%'`` query. Renames and moves are logged as ``OrganizationEvent``s so that the
tree can be rebuilt as it stood on any past date (``TreeAsOf``).
"""

import bisect
import datetime
from collections import Counter, defaultdict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

# Rule thresholds from DOMAIN.md.
BRANCH_MIN_FULL_MEMBERS = 3
BRANCH_COMMITTEE_FULL_MEMBERS = 7
BRANCH_MAX_MEMBERS = 50
GENERAL_BRANCH_MEMBERS = 50
COMMUNITY_COMMITTEE_MEMBERS = 100


# What an app above the tree adds to the rules for closing an organization: each check is called as
# ``check(organization, on)`` and raises a ValidationError to refuse (members: "still has members").
DISSOLVE_CHECKS = []


def add_dissolve_check(check):
    DISSOLVE_CHECKS.append(check)
    return check


class OrganizationQuerySet(MP_NodeQuerySet):
    def under(self, organization):
        """The organization and everything below it, in one query."""
        return self.filter(path__startswith=organization.path)

    def existing(self, on=None):
        on = on or datetime.date.today()
        return self.filter(models.Q(dissolved_on__isnull=True) | models.Q(dissolved_on__gt=on))


class OrganizationManager(MP_NodeManager.from_queryset(OrganizationQuerySet)):
    def get_queryset(self):
        return OrganizationQuerySet(self.model, using=self._db).order_by("path")


class Organization(MP_Node):
    class Kind(models.TextChoices):
        STREET = "street", _lazy("街道党工委")
        COMMUNITY = "community", _lazy("社区党组织")
        BRANCH = "branch", _lazy("党支部")
        GROUP = "group", _lazy("党小组")

    class Level(models.TextChoices):
        BRANCH = "branch", _lazy("社区党支部")
        GENERAL_BRANCH = "general_branch", _lazy("社区党总支")
        COMMITTEE = "committee", _lazy("社区党委")

    class BranchKind(models.TextChoices):
        BUILDING = "building", _lazy("楼栋党支部")
        OFFICE = "office", _lazy("楼宇党支部")
        MARKET = "market", _lazy("市场党支部")
        JOINT = "joint", _lazy("联合党支部")
        MOBILE = "mobile", _lazy("流动党员党支部")
        LAID_OFF = "laid_off", _lazy("下岗失业党员支部")
        OTHER = "other", _lazy("其他党支部")

    PARENT_KIND = {Kind.STREET: None, Kind.COMMUNITY: Kind.STREET, Kind.BRANCH: Kind.COMMUNITY, Kind.GROUP: Kind.BRANCH}
    MEMBER_KINDS = (Kind.BRANCH, Kind.GROUP)

    name = models.CharField(_lazy("名称"), max_length=100)
    kind = models.CharField(_lazy("类型"), max_length=16, choices=Kind.choices)
    level = models.CharField(_lazy("社区党组织级别"), max_length=16, choices=Level.choices, blank=True)
    branch_kind = models.CharField(_lazy("支部类型"), max_length=16, choices=BranchKind.choices, blank=True)
    has_committee = models.BooleanField(
        _lazy("已设支部委员会"), default=False, help_text=_lazy("正式党员7名以上的支部应设支部委员会。")
    )
    established_on = models.DateField(_lazy("成立日期"), null=True, blank=True)
    dissolved_on = models.DateField(_lazy("撤销日期"), null=True, blank=True)
    # Tells cached figures that the tree changed (moves also leave an event: they bypass save()).
    updated_at = models.DateTimeField(_lazy("更新时间"), auto_now=True, db_index=True)

    objects = OrganizationManager()

    node_order_by = []

    class Meta:
        verbose_name = _lazy("组织")
        verbose_name_plural = _lazy("组织")
        indexes = [models.Index(fields=["kind"])]

    def __str__(self):
        return self.name

    # -- validation ---------------------------------------------------------------------------

    def clean(self):
        errors = {}
        if self.kind == self.Kind.COMMUNITY and not self.level:
            errors["level"] = _("请选择社区党组织的级别（党支部、党总支或党委）。")
        if self.kind != self.Kind.COMMUNITY and self.level:
            errors["level"] = _("只有社区党组织才有级别。")
        if self.kind == self.Kind.BRANCH and not self.branch_kind:
            errors["branch_kind"] = _("请选择支部类型。")
        if self.kind != self.Kind.BRANCH and self.branch_kind:
            errors["branch_kind"] = _("只有党支部才有支部类型。")
        today = datetime.date.today()
        if self.established_on and self.established_on > today:
            errors["established_on"] = _("成立日期不能晚于今天。")
        if self.dissolved_on and self.dissolved_on > today:
            errors["dissolved_on"] = _("撤销日期不能晚于今天。")
        if self.established_on and self.dissolved_on and self.dissolved_on < self.established_on:
            errors["dissolved_on"] = _("撤销日期不能早于成立日期。")
        if errors:
            raise ValidationError(errors)

    @classmethod
    def validate_parent(cls, kind, parent):
        expected = cls.PARENT_KIND[kind]
        if expected is None and parent is not None:
            raise ValidationError({"parent": _("街道党工委是最上级组织，不能有上级。")})
        if expected is not None and (parent is None or parent.kind != expected):
            raise ValidationError(
                {
                    "parent": _("%(kind)s的上级必须是%(parent)s。")
                    % {"kind": cls.Kind(kind).label, "parent": cls.Kind(expected).label}
                }
            )
        if parent is not None and parent.dissolved_on:
            raise ValidationError({"parent": _("上级组织“%(name)s”已撤销。") % {"name": parent.name}})

    # -- life cycle: every step is logged so that the past can be rebuilt ----------------------

    @classmethod
    @transaction.atomic
    def establish(cls, parent, *, user=None, **fields):
        """Create a node under ``parent`` (None for a street) after checking its kind."""
        node = cls(**fields)
        cls.validate_parent(node.kind, parent)
        node.full_clean(exclude=["path", "depth", "numchild"])
        if parent is None:
            node = cls.objects.add_root(instance=node)
        else:
            node = cls.objects.add_child(parent, instance=node)
        OrganizationEvent.objects.create(
            organization=node,
            kind=OrganizationEvent.Kind.ESTABLISHED,
            effective_date=node.established_on or datetime.date.today(),
            new_name=node.name,
            new_parent=parent,
            recorded_by=user,
        )
        return node

    @transaction.atomic
    def rename(self, new_name, on, user=None):
        new_name = (new_name or "").strip()
        if not new_name:
            raise ValidationError({"name": _("名称不能为空。")})
        self._check_event_date(on)
        OrganizationEvent.objects.create(
            organization=self,
            kind=OrganizationEvent.Kind.RENAMED,
            effective_date=on,
            old_name=self.name,
            new_name=new_name,
            recorded_by=user,
        )
        self.name = new_name
        self.save(update_fields=["name"])

    @transaction.atomic
    def move_to(self, new_parent, on, user=None):
        """Move this node (and everything below it) under ``new_parent``; members go along."""
        old_parent = Organization.objects.get_parent(self)
        if new_parent.pk == getattr(old_parent, "pk", None):
            raise ValidationError({"parent": _("新的上级与原上级相同。")})
        self.validate_parent(self.kind, new_parent)
        if new_parent.path.startswith(self.path):
            raise ValidationError({"parent": _("不能移到自己的下级组织之下。")})
        if new_parent.path[: self.steplen] != self.path[: self.steplen]:
            raise ValidationError({"parent": _("只能在本街道内调整隶属关系。")})
        self._check_event_date(on)
        OrganizationEvent.objects.create(
            organization=self,
            kind=OrganizationEvent.Kind.MOVED,
            effective_date=on,
            old_parent=old_parent,
            new_parent=new_parent,
            recorded_by=user,
        )
        Organization.objects.move(self, new_parent, "last-child")
        self.refresh_from_db()

    @transaction.atomic
    def dissolve(self, on, user=None):
        self._check_event_date(on)
        if Organization.objects.under(self).exclude(pk=self.pk).existing(on).exists():
            raise ValidationError({"dissolved_on": _("请先撤销或转移下级组织。")})
        for check in DISSOLVE_CHECKS:
            check(self, on)
        OrganizationEvent.objects.create(
            organization=self,
            kind=OrganizationEvent.Kind.DISSOLVED,
            effective_date=on,
            recorded_by=user,
        )
        self.dissolved_on = on
        self.save(update_fields=["dissolved_on"])

    def _check_event_date(self, on):
        if on > datetime.date.today():
            raise ValidationError({"effective_date": _("生效日期不能晚于今天。")})
        if self.established_on and on < self.established_on:
            raise ValidationError({"effective_date": _("生效日期不能早于组织成立日期。")})
        latest = self.events.exclude(kind=OrganizationEvent.Kind.ESTABLISHED).order_by("-effective_date").first()
        if latest and on < latest.effective_date:
            raise ValidationError(
                {"effective_date": _("生效日期不能早于该组织上一次变更（%(d)s）。") % {"d": latest.effective_date}}
            )

    # -- reading ------------------------------------------------------------------------------

    @property
    def kind_label(self):
        """The name of the node's form: 社区党委, 楼栋党支部, 党小组…"""
        if self.kind == self.Kind.COMMUNITY and self.level:
            return self.get_level_display()
        if self.kind == self.Kind.BRANCH and self.branch_kind:
            return self.get_branch_kind_display()
        return self.get_kind_display()

    @property
    def street_path(self):
        return self.path[: self.steplen]

    @property
    def community_path(self):
        return self.path[: 2 * self.steplen] if self.depth >= 2 else None

    def rule_warnings(self, total, full):
        """DOMAIN.md's rules for this node, given its current member counts (whole subtree)."""
        warnings = []
        if self.kind == self.Kind.BRANCH:
            if full < BRANCH_MIN_FULL_MEMBERS:
                text = _("正式党员仅%(n)d名，少于3名不足以单独设立支部。") % {"n": full}
                warnings.append(RuleWarning(text, RuleWarning.FEW_FULL))
            if total > BRANCH_MAX_MEMBERS:
                text = _("党员%(n)d名，超过50名，宜分设支部。") % {"n": total}
                warnings.append(RuleWarning(text, RuleWarning.TOO_BIG))
            if full >= BRANCH_COMMITTEE_FULL_MEMBERS and not self.has_committee:
                text = _("正式党员%(n)d名，7名以上应设支部委员会。") % {"n": full}
                warnings.append(RuleWarning(text, RuleWarning.COMMITTEE))
        elif self.kind == self.Kind.COMMUNITY:
            expected = expected_community_level(total)
            if self.level and self.level != expected:
                text = _("党员%(n)d名，级别宜为%(expected)s（现为%(level)s）。") % {
                    "n": total,
                    "expected": self.Level(expected).label,
                    "level": self.get_level_display(),
                }
                warnings.append(RuleWarning(text, RuleWarning.LEVEL))
        return warnings


class RuleWarning(str):
    """One broken size rule, said of one organization; ``kind`` says which rule, so that the same
    rule broken by twenty branches can be shown as one line with a count."""

    FEW_FULL, TOO_BIG, COMMITTEE, LEVEL = "few_full", "too_big", "committee", "level"
    TITLES = {
        FEW_FULL: _lazy("正式党员不足3名的支部"),
        TOO_BIG: _lazy("党员超过50名、宜分设的支部"),
        COMMITTEE: _lazy("正式党员7名以上、应设支部委员会的支部"),
        LEVEL: _lazy("级别与党员人数不符的社区党组织"),
    }

    def __new__(cls, text, kind):
        warning = super().__new__(cls, text)
        warning.kind = kind
        return warning

    def __reduce__(self):  # cached dashboard rows are pickled
        return RuleWarning, (str(self), self.kind)


def group_warnings(warned):
    """``[(organization, [warning, ...]), ...]`` as one group per rule, in the order the rules are
    first met: ``[{"kind", "title", "entries": [(organization, warning), ...]}, ...]``."""
    groups = {}
    for org, warnings in warned:
        for warning in warnings:
            kind = getattr(warning, "kind", None) or "other"
            title = RuleWarning.TITLES.get(kind, _lazy("其他提示"))
            groups.setdefault(kind, {"kind": kind, "title": title, "entries": []})["entries"].append((org, warning))
    return list(groups.values())


def expected_community_level(total):
    if total >= COMMUNITY_COMMITTEE_MEMBERS:
        return Organization.Level.COMMITTEE
    if total >= GENERAL_BRANCH_MEMBERS:
        return Organization.Level.GENERAL_BRANCH
    return Organization.Level.BRANCH


class OrganizationEvent(models.Model):
    """Append-only history of a node: established, renamed, moved, dissolved."""

    class Kind(models.TextChoices):
        ESTABLISHED = "established", _lazy("成立")
        RENAMED = "renamed", _lazy("更名")
        MOVED = "moved", _lazy("调整隶属关系")
        DISSOLVED = "dissolved", _lazy("撤销")

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="events", verbose_name=_lazy("组织")
    )
    kind = models.CharField(_lazy("变更类型"), max_length=16, choices=Kind.choices)
    effective_date = models.DateField(_lazy("生效日期"))
    old_name = models.CharField(_lazy("原名称"), max_length=100, blank=True)
    new_name = models.CharField(_lazy("新名称"), max_length=100, blank=True)
    old_parent = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_lazy("原上级")
    )
    new_parent = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_lazy("新上级")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_lazy("记录人"),
    )
    recorded_at = models.DateTimeField(_lazy("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _lazy("组织变更记录")
        verbose_name_plural = _lazy("组织变更记录")
        ordering = ["effective_date", "id"]
        indexes = [models.Index(fields=["effective_date"])]

    def __str__(self):
        return f"{self.effective_date} {self.organization} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("组织变更记录不可修改。"))
        super().save(*args, **kwargs)


class TreeAsOf:
    """The organization tree as it stood at the end of ``day``: parents, names, living nodes.

    Built from the current tree by undoing every rename and move dated after ``day``. The tree is
    small (a district has a few thousand nodes), so this is two queries and a walk in memory;
    ``series`` builds the trees of many days from one read.
    """

    FIELDS = ("id", "path", "name", "kind", "level", "branch_kind", "established_on", "dissolved_on")

    def __init__(self, day, events=None, under=None, base=None):
        self.day = day
        base = base or self.base(self.load_nodes(under))
        events = events if events is not None else self.load_events()
        # What no event changes is shared by the trees of a series; parents and names are copies.
        self.node, self.kind = base["node"], base["kind"]
        self.parent, self.name = dict(base["parent"]), dict(base["name"])
        for org_id, kind, effective_date, old_name, old_parent_id in events:  # newest first
            if effective_date <= day:
                break
            if org_id not in self.node:
                continue  # outside the part of the tree that was read
            if kind == OrganizationEvent.Kind.MOVED:
                self.parent[org_id] = old_parent_id
            else:
                self.name[org_id] = old_name
        self.children = defaultdict(list)
        for pk, parent_id in self.parent.items():
            if parent_id is not None:
                self.children[parent_id].append(pk)

    @staticmethod
    def base(nodes):
        """The maps of today's tree that the trees of past days start from."""
        id_by_path = {node["path"]: node["id"] for node in nodes}
        steplen = Organization.steplen
        return {
            "node": {node["id"]: node for node in nodes},
            "parent": {node["id"]: id_by_path.get(node["path"][:-steplen]) for node in nodes},
            "name": {node["id"]: node["name"] for node in nodes},
            "kind": {node["id"]: node["kind"] for node in nodes},
        }

    @cached_property
    def alive(self):
        """The nodes established by the day and not dissolved by it."""
        day = self.day
        return {
            pk
            for pk, node in self.node.items()
            if (node["established_on"] is None or node["established_on"] <= day)
            and (node["dissolved_on"] is None or node["dissolved_on"] > day)
        }

    @staticmethod
    def load_nodes(under=None):
        """Every node, or only those that matter for ``under``: its ancestors, its subtree now, and
        whatever was moved out of it (which belonged to it before), so a community's pages do not
        read the whole district's tree."""
        nodes = Organization.objects.order_by("path")
        if under is not None:
            ancestors = [under.path[:end] for end in range(Organization.steplen, len(under.path), Organization.steplen)]
            condition, paths = Q(path__in=ancestors), {under.path}
            while True:
                subtree = Q()
                for path in paths:
                    subtree |= Q(path__startswith=path)
                ids = Organization.objects.filter(subtree).values("pk")
                moved_out = OrganizationEvent.objects.filter(kind=OrganizationEvent.Kind.MOVED, old_parent__in=ids)
                moved_paths = moved_out.values_list("organization__path", flat=True)
                more = {path for path in moved_paths if not any(path.startswith(known) for known in paths)}
                if not more:
                    break
                paths |= more
            nodes = nodes.filter(condition | subtree)
        return list(nodes.values(*TreeAsOf.FIELDS))

    @staticmethod
    def load_events():
        """Renames and moves, newest first."""
        events = OrganizationEvent.objects.filter(
            kind__in=[OrganizationEvent.Kind.MOVED, OrganizationEvent.Kind.RENAMED]
        )
        return list(
            events.order_by("-effective_date", "-id").values_list(
                "organization_id", "kind", "effective_date", "old_name", "old_parent_id"
            )
        )

    @classmethod
    def series(cls, days, under=None):
        """{day: tree} for many days from one read; days between the same renames and moves share
        a tree (its ``alive`` is that of the first of them: ask a tree of its own day for that)."""
        base, events = cls.base(cls.load_nodes(under)), cls.load_events()
        dates = sorted({event[2] for event in events})
        trees, by_epoch = {}, {}
        for day in days:
            epoch = bisect.bisect_right(dates, day)  # which events had happened by then
            if epoch not in by_epoch:
                by_epoch[epoch] = cls(day, events=events, base=base)
            trees[day] = by_epoch[epoch]
        return trees

    def kind_label(self, org_id):
        """The node's form as ``Organization.kind_label`` names it."""
        node = self.node[org_id]
        return self._form_label(node["kind"], node["level"], node["branch_kind"])

    @staticmethod
    def _form_label(kind, level, branch_kind):
        if kind == Organization.Kind.COMMUNITY and level:
            return Organization.Level(level).label
        if kind == Organization.Kind.BRANCH and branch_kind:
            return Organization.BranchKind(branch_kind).label
        return Organization.Kind(kind).label

    def structure(self, org_id):
        """[(form, count)] of the living organizations below ``org_id`` on that day: communities by
        level, then branches by kind, then groups."""
        forms = Counter(
            (self.node[pk]["kind"], self.node[pk]["level"], self.node[pk]["branch_kind"])
            for pk in self.subtree_ids(org_id) - {org_id}
            if pk in self.alive
        )
        order = [Organization.Kind.COMMUNITY, Organization.Kind.BRANCH, Organization.Kind.GROUP]
        rows = [
            (kind, self._form_label(kind, level, branch_kind), n) for (kind, level, branch_kind), n in forms.items()
        ]
        return [(label, n) for _kind, label, n in sorted(rows, key=lambda row: (order.index(row[0]), str(row[1])))]

    def children_of(self, org_id):
        """Living children on that day, in path order."""
        return sorted(
            (pk for pk in self.children.get(org_id, ()) if pk in self.alive), key=lambda pk: self.node[pk]["path"]
        )

    def subtree_ids(self, org_id):
        """``org_id`` and every node below it on that day (remembered: pages ask many times)."""
        if not hasattr(self, "_subtrees"):
            self._subtrees = {}
        if org_id in self._subtrees:
            return self._subtrees[org_id]
        found, stack = set(), [org_id]
        while stack:
            node = stack.pop()
            if node not in found:
                found.add(node)
                stack.extend(self.children.get(node, ()))
        self._subtrees[org_id] = frozenset(found)
        return self._subtrees[org_id]


class Role(models.Model):
    """A user's role on one organization; it covers the organization's whole subtree."""

    class Kind(models.TextChoices):
        STREET_STAFF = "street_staff", _lazy("街道工作人员")
        COMMUNITY_SECRETARY = "community_secretary", _lazy("社区党组织书记")
        BRANCH_SECRETARY = "branch_secretary", _lazy("支部书记")
        VIEWER = "viewer", _lazy("只读查看")

    # The kind of organization each role sits on; a viewer may sit anywhere.
    ORGANIZATION_KIND = {
        Kind.STREET_STAFF: "street",
        Kind.COMMUNITY_SECRETARY: "community",
        Kind.BRANCH_SECRETARY: "branch",
    }

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles", verbose_name=_lazy("用户")
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="roles", verbose_name=_lazy("组织")
    )
    kind = models.CharField(_lazy("角色"), max_length=32, choices=Kind.choices)

    class Meta:
        db_table = "portal_role"  # the table it had when roles lived in the portal app
        verbose_name = _lazy("角色")
        verbose_name_plural = _lazy("角色")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization", "kind"], name="unique_role"),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_kind_display()} · {self.organization}"

    def clean(self):
        expected = self.ORGANIZATION_KIND.get(self.kind)
        if expected and self.organization_id and self.organization.kind != expected:
            raise ValidationError(
                {
                    "organization": _("“%(role)s”只能设在%(kind)s上。")
                    % {"role": self.get_kind_display(), "kind": Organization.Kind(expected).label}
                }
            )

    @property
    def can_write(self):
        return self.kind != self.Kind.VIEWER

    @property
    def can_reveal_id(self):
        """Only the street and the community's secretary need full ID numbers (transfers, letters)."""
        return self.kind in (self.Kind.STREET_STAFF, self.Kind.COMMUNITY_SECRETARY)
