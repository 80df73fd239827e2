"""What an app above the tree plugs into the tree's own pages, the way apps plug into the portal.

The organizations app imports no app above it. The app that keeps the Party members (members)
tells it, from its ``portal_parts`` module:

- ``provide_member_counts(counts)``: ``counts(nodes, under=None)`` gives ``{node.pk: (members,
  full members)}`` over each node's subtree (only members under ``under`` when given). The tree
  page, the admin's list, the size rules (``Organization.rule_warnings``) and the move message
  use it; without a provider every count is (0, 0).
- ``before_dissolve``: ``handler(node, target, on, request)`` is called in the dissolving
  transaction before the node closes; it moves what the node still holds to ``target`` (the
  form's "调整到", may be None), raising a ValidationError when it cannot, and returns how many
  members it moved.
- ``node_urls``: URL patterns served under ``/organizations/`` in the ``organizations`` namespace
  by an app above (the printed roster of a node).
- ``models.add_dissolve_check``: a rule that refuses to close an organization.
"""

_member_counts = None
before_dissolve = []
node_urls = []


def provide_member_counts(counts):
    global _member_counts
    _member_counts = counts


def member_counts(nodes, under=None):
    if _member_counts is None:
        return {node.pk: (0, 0) for node in nodes}
    return _member_counts(nodes, under=under)
