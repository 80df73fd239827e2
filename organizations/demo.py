"""The demo street's organization tree and accounts (demo steps registered in organizations/portal_parts.py).

The tree is written with precomputed paths in bulk; each community gets a past (a renamed branch,
a group moved between branches) so that figures as of earlier days differ from today's.
"""

import datetime

from django.contrib.auth import get_user_model

from organizations.models import Organization, OrganizationEvent, Role, expected_community_level

STREET_COMMUNITIES = ["北门", "西上", "新北", "新南", "南大", "城东", "城南", "城西", "城北", "福船岭"]
EXTRA_PREFIXES = [
    "东风",
    "红旗",
    "和平",
    "建设",
    "光明",
    "幸福",
    "团结",
    "胜利",
    "人民",
    "解放",
    "友谊",
    "文化",
    "新华",
]
EXTRA_SUFFIXES = ["东", "西", "南", "北", "中"]
NUMERALS = "一二三四五六七八九十"


class TreeBuilder:
    """Builds the street of ``demo`` (portal.demo.Demo) and leaves ``demo.street`` and
    ``demo.communities`` [(community, branches, groups)] for the steps after it."""

    def __init__(self, demo):
        self.demo = demo
        self.random, self.today, self.history_start = demo.random, demo.today, demo.history_start
        self.per_community = demo.per_community
        self.names = self._community_names(demo.communities_count)

    # -- organizations --------------------------------------------------------------------------

    def _community_names(self, count):
        names = list(STREET_COMMUNITIES)
        for prefix in EXTRA_PREFIXES:
            for suffix in EXTRA_SUFFIXES:
                names.append(prefix + suffix)
        return names[:count]

    def build_tree(self):
        """The street, its communities, branches and groups, written with precomputed paths."""
        established = self.history_start.replace(year=self.history_start.year - 4)
        street = Organization(name=self.demo.street_name, kind=Organization.Kind.STREET, established_on=established)
        plan = [(street, None)]
        self.communities = []
        for name in self.names:
            community = Organization(
                name=f"{name}社区党委",
                kind=Organization.Kind.COMMUNITY,
                level=expected_community_level(self.per_community),
                established_on=established,
            )
            plan.append((community, street))
            branches, groups = self._branches(name, community, established)
            plan += branches + groups
            self.communities.append((community, [b for b, _p in branches], [g for g, _p in groups]))
        self._write_tree(plan)
        self.street = street
        return street

    def _branches(self, name, community, established):
        buildings = max(2, round(self.per_community / 40))
        branches, groups = [], []
        for i in range(buildings):
            branch = Organization(
                name=f"{name}第{NUMERALS[i % 10]}{'' if i < 10 else i}楼栋党支部",
                kind=Organization.Kind.BRANCH,
                branch_kind=Organization.BranchKind.BUILDING,
                has_committee=True,
                established_on=established,
            )
            branches.append((branch, community))
            for j in range(3):
                building_no = i * 3 + j + 1
                group = Organization(
                    name=f"{name}{building_no}号楼党小组", kind=Organization.Kind.GROUP, established_on=established
                )
                groups.append((group, branch))
        for label, kind in (
            ("楼宇联合党支部", Organization.BranchKind.OFFICE),
            ("流动党员党支部", Organization.BranchKind.MOBILE),
        ):
            branches.append(
                (
                    Organization(
                        name=f"{name}{label}",
                        kind=Organization.Kind.BRANCH,
                        branch_kind=kind,
                        established_on=established,
                    ),
                    community,
                )
            )
        return branches, groups

    def _write_tree(self, plan):
        children = {}
        for node, parent in plan:
            if parent is None:
                node.depth, node.path = (
                    1,
                    Organization._get_path(None, 1, Organization.objects.filter(depth=1).count() + 1),
                )
            else:
                siblings = children.setdefault(id(parent), [])
                siblings.append(node)
                node.depth = parent.depth + 1
                node.path = Organization._get_path(parent.path, node.depth, len(siblings))
            node.numchild = 0
        for node, _parent in plan:
            node.numchild = len(children.get(id(node), []))
        Organization.objects.bulk_create([node for node, _parent in plan])
        OrganizationEvent.objects.bulk_create(
            [
                OrganizationEvent(
                    organization=node,
                    kind=OrganizationEvent.Kind.ESTABLISHED,
                    effective_date=node.established_on,
                    new_name=node.name,
                    new_parent=parent,
                )
                for node, parent in plan
            ]
        )

    def reshape_history(self):
        """Give each community a past: a renamed branch and a group moved between branches."""
        for _community, branches, groups in self.communities:
            renamed = branches[0]
            when = self.demo.date_between(self.history_start, self.today - datetime.timedelta(days=400))
            OrganizationEvent.objects.create(
                organization=renamed,
                kind=OrganizationEvent.Kind.RENAMED,
                effective_date=when,
                old_name=renamed.name.replace("楼栋党支部", "片区党支部"),
                new_name=renamed.name,
            )
            moved, old_parent = groups[-1], branches[0]
            # The group sits under the last building branch today; until last year it was under the first.
            OrganizationEvent.objects.create(
                organization=moved,
                kind=OrganizationEvent.Kind.MOVED,
                effective_date=self.today - datetime.timedelta(days=300),
                old_parent=old_parent,
                new_parent=Organization.objects.get_parent(Organization.objects.get(pk=moved.pk)),
            )


def build_tree(demo):
    builder = TreeBuilder(demo)
    demo.street = builder.build_tree()
    demo.communities = builder.communities
    builder.reshape_history()


def tree_exists(demo):
    return Organization.objects.filter(depth=1, name=demo.street_name).exists()


def build_accounts(demo):
    """The demo accounts, one per role: the street's staff and viewer, two community secretaries, a
    branch secretary, and a superuser."""
    first, _branches, _groups = demo.communities[0]
    second = demo.communities[1][0] if len(demo.communities) > 1 else first
    accounts = [
        ("admin", "系统管理员", None, None, "13800000000"),
        ("jiedao", "街道工作人员", Role.Kind.STREET_STAFF, demo.street, "13800000001"),
        ("beimen", f"{first.name}书记", Role.Kind.COMMUNITY_SECRETARY, first, "13800000002"),
        ("xishang", f"{second.name}书记", Role.Kind.COMMUNITY_SECRETARY, second, "13800000003"),
        ("zhibu", f"{_branches[0].name}书记", Role.Kind.BRANCH_SECRETARY, _branches[0], "13800000004"),
        ("chakan", "街道只读查看", Role.Kind.VIEWER, demo.street, "13800000005"),
    ]
    made = []
    for username, title, kind, org, phone in accounts:
        user = get_user_model()(
            username=username, first_name=title, phone=phone, is_superuser=kind is None, is_staff=kind is None
        )
        user.set_password(demo.password)
        user.save()
        if kind:
            Role.objects.create(user=user, organization=org, kind=kind)
        made.append((username, phone, title))
    demo.accounts = made
