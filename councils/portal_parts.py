"""What the councils app plugs into the layers below it (portal/registry.py, organizations/hooks.py).
Imported once at start-up by ``PortalConfig.ready()``; nothing below imports this app."""

from councils import appraisal_views
from members import hooks as member_hooks
from organizations.access import scope_by

# -- the organization tree: how each model reaches the organization that scopes it -----------------

scope_by("councils.meeting", "organization")
scope_by("councils.attendance", "meeting__organization")
scope_by("councils.decision", "meeting__organization")
scope_by("councils.minutesrevision", "meeting__organization")
scope_by("councils.attachment", "meeting__organization")
scope_by("councils.followuptask", "meeting__organization")
scope_by("councils.monthlytheme", "organization")
scope_by("councils.schedulerule", "street")
scope_by("councils.exemption", "organization")
scope_by("councils.appraisalround", "organization")
scope_by("councils.appraisal", "round__organization")

# -- a member's page: their appraisals, with the evidence of each year ----------------------------

member_hooks.member_sections.register(
    member_hooks.MemberSection(
        "councils.appraisals", "councils/_member_appraisals.html", appraisal_views.member_section, 20
    )
)
