from django import template

from tenure.crm.privacy.models import Erasure

register = template.Library()


@register.inclusion_tag("privacy/_erasure_notice.html")
def erasure_notice(customer):
    """Say on a customer's page that their personal data was erased, when and by whom."""
    return {"erasure": Erasure.objects.of(customer.pk).select_related("erased_by").first()}
