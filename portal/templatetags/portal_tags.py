from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``{{ counts|get_item:key }}``: a dictionary value by a variable key (0 when absent)."""
    return mapping.get(key, 0) if mapping else 0


@register.simple_tag(takes_context=True)
def panel(context, part):
    """``{% panel part %}``: a registered panel (portal/registry.py) in its slot, its template rendered
    with its own context plus the page's request and user; the context processors do not run again."""
    template = context.template.engine.get_template(part.template)
    return template.render(
        context.new({"request": context.get("request"), "user": context.get("user"), **part.context})
    )
