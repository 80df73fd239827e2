"""What the organization tree plugs into the portal (portal/registry.py)."""

from organizations.access import OrganizationScopes
from portal import registry

registry.provide_scopes(OrganizationScopes())
