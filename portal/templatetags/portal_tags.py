from django import template
from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import mark_safe

from portal.middleware import seconds_left

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``{{ counts|get_item:key }}``: a dictionary value by a variable key (0 when absent)."""
    return mapping.get(key, 0) if mapping else 0


@register.filter
def with_style_nonce(svg, nonce):
    """A chart's inline SVG with its <style> elements carrying the page's CSP nonce."""
    return mark_safe(str(svg).replace("<style", f'<style nonce="{escape(nonce)}"'))  # noqa: S308 (our own SVG)


@register.simple_tag(takes_context=True)
def session_seconds_left(context):
    """Seconds until the signed-in user's session ends for inactivity (for the warning's script)."""
    return seconds_left(context["request"])


@register.simple_tag
def session_warning_seconds():
    return settings.SESSION_IDLE_WARNING


@register.simple_tag(takes_context=True)
def panel(context, part):
    """``{% panel part %}``: a registered panel (portal/registry.py) in its slot, its template rendered
    with its own context plus the page's request and user; the context processors do not run again."""
    template = context.template.engine.get_template(part.template)
    return template.render(
        context.new({"request": context.get("request"), "user": context.get("user"), **part.context})
    )
