"""What the organization tree plugs into the portal (portal/registry.py): it is what the portal's
pages are about (the scopes), and it adds its own figures to the dashboard."""

from django.utils.translation import gettext_lazy as _

from organizations import demo
from organizations.access import OrganizationScopes
from organizations.models import Organization, OrganizationEvent
from portal import registry

registry.provide_scopes(OrganizationScopes())

registry.version_parts.register(
    registry.VersionPart("organizations.events", (registry.Read(OrganizationEvent, "id"),), 20),
    registry.VersionPart("organizations.tree", (registry.Read(Organization),), 40),
)


def structure(board):
    return board.shared("organizations.structure", lambda: board.outline.tree.structure(board.scope.pk))


registry.summaries.register(registry.Summary("organizations.structure", lambda board: _("组织数量"), structure, 90))
registry.sheets.register(
    registry.Sheet("organizations.structure", "组织数量", [("类型", 20), ("数量", 10)], structure, 40)
)
registry.demo_steps.register(
    registry.DemoStep("organizations.tree", demo.build_tree, 10, exists=demo.tree_exists),
    registry.DemoStep("organizations.accounts", demo.build_accounts, 20),
)
