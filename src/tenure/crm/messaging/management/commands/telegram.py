"""``tenure telegram poll``: read the bot's updates (/start binds a chat, /stop withdraws)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tenure.crm.lib.arguments import positive_int
from tenure.crm.messaging import channels, inbound


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _("Read what customers send to the shop's Telegram bot: /start with a link's "
                 "token binds their chat, /stop withdraws their messenger consent. The worker "
                 "does this every minute; this command does it now, or keeps doing it with "
                 "--forever.")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["poll"])
        parser.add_argument("--forever", action="store_true",
                            help=_("keep reading (long polling) until stopped"))
        parser.add_argument("--wait", type=positive_int, default=25, metavar="SECONDS",
                            help=_("with --forever, how long each request waits for updates"))

    def handle(self, *args, **options):
        if not settings.TELEGRAM_TOKEN:
            raise CommandError(_("Set TENURE_TELEGRAM_TOKEN to the bot's token first."))
        try:
            while True:
                handled = inbound.read_telegram(options["wait"] if options["forever"] else 0)
                if options["verbosity"]:
                    self.stdout.write(_("%(count)d update(s) handled") % {"count": handled})
                if not options["forever"]:
                    return
        except channels.ChannelError as error:
            raise CommandError(str(error)) from error
        except KeyboardInterrupt:
            return
