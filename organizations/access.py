"""The one place that decides what a user may see and change.

A role on an organization covers its whole subtree. Every view, form choice, export, import and
admin page filters through ``scoped``: an object outside the user's scope answers 404 (its
existence is not revealed), an object the user may see but not change answers 403.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from organizations.models import Organization, TreeAsOf
from portal.params import pk_or_none
from portal.registry import Node, Outline

# How each model reaches its organization; None for the organization itself. Apps above the tree
# add theirs with ``scope_by`` (the tree knows no app above it).
ORGANIZATION_LOOKUP = {
    "organizations.organization": None,
    "organizations.role": "organization",
}


def scope_by(model_label, lookup):
    """Let ``scoped`` narrow ``model_label``'s rows through ``lookup``, the path to their organization."""
    ORGANIZATION_LOOKUP[model_label.lower()] = lookup


def _roles(user):
    """The user's roles, read once per request (cached on the user object)."""
    if not getattr(user, "is_authenticated", False):
        return []
    if not hasattr(user, "_portal_roles"):
        user._portal_roles = list(user.roles.select_related("organization"))
    return user._portal_roles


def has_any_role(user):
    return bool(getattr(user, "is_superuser", False) or _roles(user))


def can_write_anything(user):
    return bool(getattr(user, "is_superuser", False) or any(role.can_write for role in _roles(user)))


def scope_paths(user, write=False, reveal=False):
    """Path prefixes the user's roles cover (with ``reveal``: only roles that may see full ID numbers);
    None means everything (superuser)."""
    if getattr(user, "is_superuser", False):
        return None
    return sorted(
        {
            role.organization.path
            for role in _roles(user)
            if (role.can_write or not write) and (role.can_reveal_id or not reveal)
        }
    )


def scoped(queryset, user, write=False, reveal=False):
    """``queryset`` narrowed to what ``user`` may see (or, with ``write``, change; with ``reveal``,
    see full ID numbers and phones of)."""
    paths = scope_paths(user, write, reveal)
    if paths is None:
        return queryset
    if not paths:
        return queryset.none()
    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    lookup = ORGANIZATION_LOOKUP[queryset.model._meta.label_lower]
    if lookup is None:
        return queryset.filter(condition)
    # Ids of the organizations in scope, not a join on their paths: the foreign key's index
    # then picks the rows, so a secretary's pages cost the same in a street or a district.
    return queryset.filter(**{f"{lookup}__in": Organization.objects.filter(condition).values("pk")})


def covers(user, organization, write=False, reveal=False):
    paths = scope_paths(user, write, reveal)
    return paths is None or any(organization.path.startswith(path) for path in paths)


def get_for_user(queryset, user, write=False, **lookup):
    """The object, or 404 when it is outside the user's scope, or 403 when it may not be changed."""
    obj = scoped(queryset, user).filter(**lookup).first()
    if obj is None:
        raise Http404
    if write and not scoped(queryset, user, write=True).filter(pk=obj.pk).exists():
        raise PermissionDenied
    return obj


def holds_role(user, organization, kinds):
    """Whether one of ``user``'s roles of ``kinds`` covers ``organization`` (a superuser: always). For
    the few rules narrower than "may write" (who reads a sensitive visit's notes)."""
    if getattr(user, "is_superuser", False):
        return True
    return any(role.kind in kinds and organization.path.startswith(role.organization.path) for role in _roles(user))


def organizations_for(user, write=False, reveal=False):
    return scoped(Organization.objects.all(), user, write, reveal)


def member_organizations_for(user, write=True):
    """Branches and groups the user may place members in (form choices)."""
    return organizations_for(user, write).filter(kind__in=Organization.MEMBER_KINDS, dissolved_on__isnull=True)


def can_reveal_id(user, organization):
    """Whether ``user`` may see full ID numbers of members in ``organization``."""
    return covers(user, organization, reveal=True)


def organization_param(request):
    """The ``?org=`` organization if the user may see it (else 404), or the user's highest one."""
    org_id = pk_or_none(request.GET.get("org"))
    if org_id:
        return get_for_user(Organization.objects.all(), request.user, pk=org_id)
    organization = organizations_for(request.user).order_by("depth", "path").first()
    if organization is None:
        raise PermissionDenied
    return organization


def top_organizations(user):
    """The organizations the user's roles sit on, highest first, without nested duplicates."""
    if getattr(user, "is_superuser", False):
        return list(Organization.objects.filter(depth=1))
    tops = []
    for org in sorted({role.organization for role in _roles(user)}, key=lambda org: org.path):
        if not any(org.path.startswith(top.path) for top in tops):
            tops.append(org)
    return tops


class OrganizationScopes:
    """What the portal's pages are about: organizations, and who may see which (``provide_scopes``)."""

    def has_any(self, user):
        return has_any_role(user)

    def top(self, user):
        return top_organizations(user)

    def get(self, user, pk):
        return get_for_user(Organization.objects.all(), user, pk=pk)

    def covers(self, user, scope):
        return covers(user, scope)

    def outline(self, scope, day):
        """``scope`` and its children as they stood on ``day``; ``tree`` (the ``TreeAsOf``) is kept
        for the parts that compute per child."""
        tree = TreeAsOf(day, under=scope)
        outline = Outline(
            node=self._node(tree, scope.pk),
            children=[self._node(tree, pk) for pk in tree.children_of(scope.pk)],
            ancestors=[],
        )
        pk = tree.parent.get(scope.pk)
        while pk is not None and pk in tree.node:
            outline.ancestors.insert(0, self._node(tree, pk))
            pk = tree.parent.get(pk)
        outline.tree = tree
        return outline

    @staticmethod
    def _node(tree, pk):
        node = tree.node[pk]
        path = node["path"]
        scope = Organization(pk=pk, path=path, depth=len(path) // Organization.steplen, name=tree.name[pk])
        return Node(pk, tree.name[pk], str(tree.kind_label(pk)), not tree.children_of(pk), scope)
