from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from organizations import hooks
from organizations.access import covers, get_for_user, member_organizations_for, scope_paths, scoped, top_organizations
from organizations.forms import DissolveForm, MoveForm, NodeForm, RenameForm, children_in
from organizations.models import Organization
from portal.forms import add_domain_errors
from portal.models import AuditEntry
from portal.params import pk_or_none

CHILD_KIND = {Organization.Kind.COMMUNITY: Organization.Kind.BRANCH, Organization.Kind.BRANCH: Organization.Kind.GROUP}


MOVABLE = (Organization.Kind.BRANCH, Organization.Kind.GROUP)  # streets and communities stay put


def _refuse(request, node, message):
    messages.error(request, message)
    return redirect("organizations:detail", pk=node.pk)


def _node_for(request, pk, write=False):
    return get_for_user(Organization.objects.all(), request.user, write, pk=pk)


@login_required
def org_index(request):
    tops = top_organizations(request.user)
    if len(tops) == 1:
        return redirect("organizations:detail", pk=tops[0].pk)
    return render(request, "organizations/index.html", {"tops": tops})


def _shape_tree(node, nodes, open_paths):
    """Prepares the flat, path-ordered ``nodes`` for nested ``<details>``: which nodes have children,
    which are open, how many levels close after each one, and how many warnings each closed one hides."""
    for org, after in zip(nodes, [*nodes[1:], None], strict=True):
        org.indent = org.depth - node.depth
        org.has_children = after is not None and after.depth > org.depth
        org.open = org.has_children and (org == node or any(path.startswith(org.path) for path in open_paths))
        org.closers = range(org.depth - (after.depth if after is not None else node.depth))
        org.hidden_warnings = 0
    ancestors = []
    for org in nodes:
        while ancestors and not org.path.startswith(ancestors[-1].path):
            ancestors.pop()
        for ancestor in ancestors[1:]:  # the page's own node is always open
            ancestor.hidden_warnings += len(org.warnings)
        ancestors.append(org)


@login_required
def org_detail(request, pk):
    node = _node_for(request, pk)
    nodes = list(Organization.objects.under(node).existing())
    counts = hooks.member_counts(nodes, under=node)
    for org in nodes:
        org.total, org.full = counts[org.pk]
        org.warnings = org.rule_warnings(org.total, org.full)
    # Open: the way down to the user's own organizations and to the one just changed (?open=).
    shown = scoped(Organization.objects.filter(pk=pk_or_none(request.GET.get("open"))), request.user)
    shown = shown.values_list("path", flat=True)
    _shape_tree(node, nodes, [*(scope_paths(request.user) or []), *shown])
    return render(
        request,
        "organizations/detail.html",
        {
            "node": node,
            "nodes": nodes,
            "ancestors": Organization.objects.get_ancestors(node),
            "can_write": covers(request.user, node, write=True),
            "child_kind": CHILD_KIND.get(node.kind),
        },
    )


def _back_to_tree(node):
    """After a change, show the whole community's tree, where the change can be seen in place."""
    community = Organization.objects.filter(path=node.community_path).first() if node.community_path else None
    return redirect(reverse("organizations:detail", args=[(community or node).pk]) + f"?open={node.pk}#org-{node.pk}")


def _audit(request, node, summary):
    AuditEntry.record(request, AuditEntry.Action.ORGANIZATION, node, summary=summary)


def _form_page(request, node, form, title, action):
    """Shared GET/POST handling: run ``action(cleaned_data)``; domain errors go next to the fields."""
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                message = action(form.cleaned_data)
        except ValidationError as error:
            add_domain_errors(form, error, renames={"dissolved_on": "effective_date", "parent": "parent"})
        else:
            messages.success(request, message)
            return None
    return render(request, "organizations/form.html", {"node": node, "form": form, "title": title})


@login_required
def org_add_child(request, pk):
    parent = _node_for(request, pk, write=True)
    kind = CHILD_KIND.get(parent.kind)
    if kind is None:
        return _refuse(request, parent, _("党小组下不能再设下级组织。"))
    form = NodeForm(request.POST or None)
    if kind != Organization.Kind.BRANCH:
        del form.fields["branch_kind"]

    def create(data):
        child = Organization.establish(parent, user=request.user, kind=kind, **data)
        _audit(request, child, f"新建组织：{child.name}（隶属{parent.name}）")
        return _("已新建%(name)s。") % {"name": child.name}

    title = _("在%(parent)s下新建%(kind)s") % {"parent": parent.name, "kind": Organization.Kind(kind).label}
    return _form_page(request, parent, form, title, create) or redirect("organizations:detail", pk=parent.pk)


@login_required
def org_rename(request, pk):
    node = _node_for(request, pk, write=True)
    form = RenameForm(request.POST or None, initial={"name": node.name})

    def rename(data):
        old = node.name
        node.rename(data["name"], data["effective_date"], request.user)
        _audit(request, node, f"组织更名：{old} → {node.name}")
        return _("已更名为%(name)s。") % {"name": node.name}

    return _form_page(request, node, form, _("更名：%(name)s") % {"name": node.name}, rename) or _back_to_tree(node)


@login_required
def org_move(request, pk):
    node = _node_for(request, pk, write=True)
    if node.kind not in MOVABLE:
        return _refuse(request, node, _("只能调整党支部和党小组的隶属关系。"))
    form = MoveForm(request.POST or None, node=node, user=request.user)

    def move(data):
        old = Organization.objects.get_parent(node)
        node.move_to(data["parent"], data["effective_date"], request.user)
        _audit(request, node, f"调整隶属关系：{node.name}，{old.name} → {data['parent'].name}")
        count = hooks.member_counts([node], under=node)[node.pk][0]
        return _("已将%(name)s调整到%(parent)s，%(count)d名党员随之调整。") % {
            "name": node.name,
            "parent": data["parent"].name,
            "count": count,
        }

    title = _("调整隶属关系：%(name)s") % {"name": node.name}
    return _form_page(request, node, form, title, move) or _back_to_tree(node)


@login_required
def org_dissolve(request, pk):
    node = _node_for(request, pk, write=True)
    if node.kind not in MOVABLE:
        return _refuse(request, node, _("只能撤销党支部和党小组。"))
    form = DissolveForm(request.POST or None, node=node, user=request.user)
    parent = Organization.objects.get_parent(node)

    def dissolve(data):
        target, on = data.get("move_members_to"), data["effective_date"]
        moved = sum(handler(node, target, on, request) for handler in hooks.before_dissolve)
        node.dissolve(on, request.user)
        _audit(request, node, f"撤销组织：{node.name}（{moved}名党员调整）")
        return _("已撤销%(name)s，%(n)d名党员已调整。") % {"name": node.name, "n": moved}

    title = _("撤销：%(name)s") % {"name": node.name}
    return _form_page(request, node, form, title, dissolve) or _back_to_tree(parent)


@login_required
def options(request):
    """<option>s for the next select of the community → branch → group picker."""
    level = request.GET.get("level")
    parent_id = request.GET.get("community" if level == "branch" else "branch", "")
    places = member_organizations_for(request.user)
    parent = scoped(Organization.objects.all(), request.user).filter(pk=pk_or_none(parent_id)).first()
    children = children_in(places.filter(kind=level), parent) if level in ("branch", "group") else []
    return render(request, "organizations/_options.html", {"children": children, "level": level})
