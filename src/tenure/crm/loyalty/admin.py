from django.contrib import admin

from tenure.crm.lib.admin import ReadOnlyAdmin

from .models import (
    Account,
    Entry,
    Lot,
    LotUse,
    Multiplier,
    Programme,
    Referral,
    ReferralCode,
    Tier,
    TierMove,
)


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    """The one row of settings (``Programme.current()``): changed, never added twice or
    deleted (a second row would take the first one's id on PostgreSQL, whose sequence the
    first one's fixed id did not advance)."""

    list_display = ["points_per_unit", "pending_days", "point_value", "max_share",
                    "expiry_days"]

    def has_add_permission(self, request) -> bool:
        return not Programme.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    """The tiers: their minimums and benefits (reviewed nightly, ``tiers.review``)."""

    list_display = ["name", "rank", "min_spend", "min_points", "multiplier", "birthday_bonus"]
    ordering = ["rank"]


@admin.register(Multiplier)
class MultiplierAdmin(admin.ModelAdmin):
    """Earning multipliers by product or category (``loyalty/multipliers.py``): a product's
    beats its categories', the nearest category wins, the tier's multiplies on top."""

    list_display = ["__str__", "product", "category", "multiplier"]
    raw_id_fields = ["product"]
    list_select_related = ["product", "category"]


@admin.register(TierMove)
class TierMoveAdmin(ReadOnlyAdmin):
    """The tiers' history is append-only: written by ``loyalty/tiers.py``."""

    list_display = ["at", "account", "from_tier", "to_tier", "kind"]
    list_filter = ["kind"]
    raw_id_fields = ["account"]
    date_hierarchy = "at"


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    """Balances move only with the ledger (``loyalty/ledger.py``)."""

    list_display = ["customer", "balance", "pending"]
    raw_id_fields = ["customer"]
    search_fields = ["customer__name", "customer__email"]


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    """The ledger is append-only: read here, written by ``loyalty/ledger.py``."""

    list_display = ["at", "account", "kind", "points", "pending_points", "key", "reason"]
    list_filter = ["kind"]
    search_fields = ["key", "cause", "reason"]
    date_hierarchy = "at"


@admin.register(Lot)
class LotAdmin(ReadOnlyAdmin):
    list_display = ["account", "points", "remaining", "pending", "available_at", "expires_at"]


@admin.register(LotUse)
class LotUseAdmin(ReadOnlyAdmin):
    list_display = ["entry", "lot", "points"]


@admin.register(ReferralCode)
class ReferralCodeAdmin(ReadOnlyAdmin):
    list_display = ["code", "customer"]
    search_fields = ["code", "customer__name", "customer__email"]


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    """Referrals are recorded and decided by ``loyalty/referrals.py``."""

    list_display = ["created_at", "referrer", "referred", "status", "reason", "decided_at"]
    list_filter = ["status"]
    raw_id_fields = ["referrer", "referred"]
