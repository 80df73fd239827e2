"""What the services app plugs into the layers below it (portal/registry.py, organizations/hooks.py).
Imported once at start-up by ``PortalConfig.ready()``; nothing below imports this app."""

from organizations.access import scope_by

# -- the organization tree: how each model reaches the organization that scopes it -----------------

scope_by("services.serviceteam", "organization")
scope_by("services.teammembership", "team__organization")
scope_by("services.activity", "organization")
scope_by("services.serviceentry", "organization")
scope_by("services.inserviceregistration", "organization")
scope_by("services.servicetarget", "organization")
scope_by("services.feedbackletter", "organization")
scope_by("services.household", "organization")
scope_by("services.pairing", "household__organization")
scope_by("services.carevisit", "organization")
scope_by("services.visitdue", "organization")
scope_by("services.residentunit", "organization")
scope_by("services.cobuildingagreement", "organization")
