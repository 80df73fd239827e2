from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``{{ counts|get_item:key }}``: a dictionary value by a variable key (0 when absent)."""
    return mapping.get(key, 0) if mapping else 0
