from django.contrib import admin

from tenure.crm.lib.admin import ReadOnlyAdmin

from .models import Answer, Invitation, Survey


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    """Surveys: the pages under /feedback/ are the usual place to edit them."""

    list_display = ["name", "kind", "trigger", "stage", "delay_days", "min_interval_days",
                    "follow_up_low_scores", "is_active"]
    list_filter = ["kind", "trigger", "is_active"]
    search_fields = ["name", "question"]
    raw_id_fields = ["follow_up_assignee"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    """Invitations are written when a survey is sent, never by hand."""

    list_display = ["survey", "customer", "occasion", "created_at", "expires_at", "sent_by"]
    list_filter = ["survey"]
    list_select_related = ["survey", "customer", "sent_by"]
    search_fields = ["customer__name", "customer__email", "occasion"]
    date_hierarchy = "created_at"


@admin.register(Answer)
class AnswerAdmin(ReadOnlyAdmin):
    """Answers are the customers' own words, recorded from the answer page."""

    list_display = ["customer", "kind", "score", "answered_at", "comment"]
    list_filter = ["kind", "score"]
    list_select_related = ["customer"]
    search_fields = ["customer__name", "customer__email", "comment"]
    date_hierarchy = "answered_at"
