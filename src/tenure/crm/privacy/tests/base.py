from __future__ import annotations

import tempfile
from pathlib import Path

from django.test import override_settings

from tenure.crm.testing import TenureTestCase

from . import people


class PrivacyTestCase(TenureTestCase):
    """Zoltan and Olha known in every way (``people.build``), with a var folder of the
    test's own."""

    def setUp(self):
        folder = tempfile.TemporaryDirectory(prefix="tenure-privacy-var-")
        self.addCleanup(folder.cleanup)
        self.var = Path(folder.name)
        override = override_settings(VAR_DIR=self.var)
        override.enable()
        self.addCleanup(override.disable)
        self.shop = people.build(self.admin, self.manager)
        self.zoltan, self.olha = self.shop.zoltan, self.shop.olha
