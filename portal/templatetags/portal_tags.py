from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``{{ counts|get_item:key }}``: a dictionary value by a variable key (0 when absent)."""
    return mapping.get(key, 0) if mapping else 0


@register.filter
def get_pair(mapping, dimension_and_value):
    """``{{ figures.counts|get_pair:"status,full" }}``: a count keyed by (dimension, value)."""
    dimension, value = dimension_and_value.split(",", 1)
    return mapping.get((dimension, value), 0) if mapping else 0
