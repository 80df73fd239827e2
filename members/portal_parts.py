"""What the members app plugs into the layers below it: the portal's pages (portal/registry.py) and
the organization tree's rules and pages (organizations/hooks.py)."""

from django.urls import path

from members import views
from members.changes import move_members_out, refuse_dissolving_with_members
from members.models import Member, subtree_counts
from organizations import hooks
from organizations.access import scope_by
from organizations.models import add_dissolve_check

# -- the organization tree -------------------------------------------------------------------------

scope_by("members.member", "organization")
scope_by("members.memberchange", "member__organization")
scope_by("members.importbatch", "organization")


def member_counts(nodes, under=None):
    return subtree_counts(nodes, Member.objects.current().under(under) if under is not None else None)


hooks.provide_member_counts(member_counts)
add_dissolve_check(refuse_dissolving_with_members)
hooks.before_dissolve.append(move_members_out)
hooks.node_urls.append(path("<int:pk>/roster/print/", views.roster_print, name="roster_print"))
