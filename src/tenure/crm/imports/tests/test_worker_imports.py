"""Uploads imported by the worker: queued by the page, run by the "imports" job."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import Permission
from django.urls import reverse

from tenure.crm.imports import queue
from tenure.crm.imports.models import ImportRun, ImportStatus
from tenure.crm.imports.permissions import required_permissions
from tenure.crm.imports.storage import uploads_dir
from tenure.crm.imports.tests.test_import_permissions import user_with
from tenure.crm.imports.tests.test_upload_page import Uploading
from tenure.crm.jobs.models import PeriodicJob, WorkerProcess
from tenure.crm.jobs.schedule import SCHEDULE
from tenure.crm.jobs.worker import Worker
from tenure.crm.sales.models import Order
from tenure.crm.testing import TenureTestCase

MAPPING = {"col0": "customer", "col1": "date", "col2": "amount", "col3": ""}


class WorkerImportTest(Uploading, TenureTestCase):
    def setUp(self):
        super().setUp()
        self.worker = WorkerProcess.start()  # a worker is alive: uploads go to it

    def queue_upload(self, user=None) -> ImportRun:
        self.login(user or self.admin)
        preview = self.upload()
        response = self.client.post(preview, MAPPING)
        run = ImportRun.objects.get()
        self.assertRedirects(response, reverse("imports:detail", args=[run.pk]),
                             fetch_redirect_response=False)
        return run

    def test_the_page_queues_the_import_and_the_worker_runs_it(self):
        run = self.queue_upload()

        # Nothing is written in the request; the page says the import waits for the worker.
        self.assertEqual((run.status, Order.objects.count()), (ImportStatus.QUEUED, 0))
        page = self.client.get(reverse("imports:detail", args=[run.pk]))
        self.assertContains(page, "Waiting for the worker")
        self.assertContains(page, '<meta http-equiv="refresh" content="2">', html=False)
        self.assertNotContains(page, "No worker is running")
        # The page asked the worker to run its imports job now.
        job = PeriodicJob.objects.get(name=queue.JOB)
        self.assertIsNotNone(job.next_run_at)

        self.worker.stop()
        totals = Worker(schedule=[j for j in SCHEDULE if j.name == queue.JOB]).run(
            until_idle=True)

        run.refresh_from_db()
        self.assertEqual(totals.jobs[queue.JOB], "1 import(s) done, 0 failed")
        self.assertEqual((run.status, run.rows, run.inserted, run.rejected, run.user),
                         (ImportStatus.DONE, 3, 2, 1, self.admin))
        self.assertEqual(sorted(Order.objects.values_list("customer__external_id", "total")),
                         [("c1", Decimal("10.50")), ("c2", Decimal("20.00"))])
        self.assertFalse((uploads_dir() / run.upload).exists())  # the upload is removed
        page = self.client.get(reverse("imports:detail", args=[run.pk]))
        self.assertNotContains(page, "http-equiv", html=False)
        self.assertContains(page, '<div class="value">2</div><div class="label">inserted',
                            html=False)

    def test_mapping_and_rights_are_checked_before_the_run_is_queued(self):
        self.login(self.admin)
        preview = self.upload()

        response = self.client.post(preview, {"col0": "customer", "col1": "", "col2": "",
                                              "col3": ""})

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "no column for the required field")
        self.assertFalse(ImportRun.objects.exists())

    def test_a_run_whose_user_was_deleted_imports_nothing(self):
        run = self.queue_upload()
        self.admin.delete()

        queue.run_queued()

        run.refresh_from_db()
        self.assertEqual(run.status, ImportStatus.FAILED)
        self.assertIn("no longer exists", run.error)
        self.assertEqual(Order.objects.count(), 0)
        self.assertFalse((uploads_dir() / run.upload).exists())

    def test_a_run_left_by_a_dead_worker_starts_again_and_another_is_not_taken_twice(self):
        run = self.queue_upload()
        ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.RUNNING,
                                                   worker=self.worker)
        self.assertEqual(queue.run_queued(), "")  # its worker is alive: left alone

        self.worker.stop()
        self.assertEqual(queue.run_queued(), "1 import(s) done, 0 failed")
        self.assertEqual(queue.run_queued(), "")
        self.assertEqual(Order.objects.count(), 2)

    def test_the_page_says_when_no_worker_is_running_for_a_queued_run(self):
        run = self.queue_upload()
        self.worker.stop()

        page = self.client.get(reverse("imports:detail", args=[run.pk]))

        self.assertContains(page, "No worker is running")

    def test_progress_is_read_from_the_upload_folder(self):
        run = self.queue_upload()
        progress = queue.Progress(uploads_dir() / run.upload)
        progress.advance(120)

        self.assertEqual(queue.rows_written(run), 120)
        page = self.client.get(reverse("imports:detail", args=[run.pk]))
        self.assertContains(page, "120 rows written so far.")

    def test_rights_are_checked_when_queued_and_again_when_the_worker_runs(self):
        user = user_with("editor", *required_permissions("orders"))
        self.login(user)
        preview = self.upload()
        user.user_permissions.remove(Permission.objects.get(codename="add_order"))
        refused = self.client.post(preview, MAPPING)
        self.assertEqual(refused.status_code, 403)
        self.assertFalse(ImportRun.objects.exists())

        user = user_with("editor2", *required_permissions("orders"))
        run = self.queue_upload(user)
        user.user_permissions.remove(Permission.objects.get(codename="add_order"))
        self.assertEqual(queue.run_queued(), "0 import(s) done, 1 failed")
        run.refresh_from_db()
        self.assertEqual(run.status, ImportStatus.FAILED)
        self.assertIn("You may not import", run.error)
        self.assertEqual(Order.objects.count(), 0)
