"""What an app above the register plugs into the register's own pages, the way apps plug into the
portal (portal/registry.py) and into the tree's pages (organizations/hooks.py). The members app
imports no app above it; the app that contributes registers from its own ``portal_parts`` module:

- ``member_sections``: sections of a member's page, below the member's own record and change log
  (services: the services the member gave, the care visits paid to them). Each ``MemberSection``
  has a ``key``, an ``order`` (lower first), a ``template`` and ``context(request, member)``, which
  gives the template's context, or None to leave the section out. The context function answers
  for its own scoping: it shows only what the request's user may see.
"""

from collections.abc import Callable
from dataclasses import dataclass

from portal.registry import Registry


@dataclass(frozen=True)
class MemberSection:
    key: str
    template: str
    context: Callable
    order: int = 100


@dataclass(frozen=True)
class Shown:
    """A section to render (``{% panel %}`` takes a template and its context)."""

    template: str
    context: dict


member_sections = Registry("member page section")


def sections_for(request, member):
    """The registered sections of ``member``'s page that have something to show, in order."""
    shown = []
    for section in member_sections:
        context = section.context(request, member)
        if context is not None:
            shown.append(Shown(section.template, context))
    return shown
