"""Template access to the disclosure rule (members/disclosure.py) for pages whose views live elsewhere."""

from django import template

from members import disclosure

register = template.Library()


@register.filter
def disclosed(member, user):
    """``{% with shown=member|disclosed:request.user %}``: the member's numbers as the user may see them."""
    return disclosure.disclose(member, user)


@register.simple_tag(takes_context=True)
def file_text(context, message, organization):
    """A message about a roster row, as the request's user may see it."""
    return disclosure.file_text(message, context["request"].user, organization)
