"""Addresses staff used before every import became one job model: they still lead to the job."""

from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import redirect
from django.urls import path

from .models import ImportJob


def my_imports(request):
    return redirect("admin:imports_importjob_changelist")


def ledger_job(request, job_id):
    return redirect("admin:imports_importjob_change", job_id)


def case_job(request, case_import_id):
    job = ImportJob.objects.filter(details__case_import_id=case_import_id).only("pk").first()
    return redirect("admin:imports_importjob_change", job.pk) if job else my_imports(request)


def case_upload(request):
    return redirect("admin:imports_importjob_upload", "hotline.case")


# Signed-in staff only: where an old id leads would otherwise tell a stranger which jobs exist.
urlpatterns = [
    path("units/ledgerimport/", staff_member_required(my_imports)),
    path("units/ledgerimport/<int:job_id>/change/", staff_member_required(ledger_job)),
    path("hotline/caseimport/", staff_member_required(my_imports)),
    path("hotline/caseimport/add/", staff_member_required(case_upload)),
    path("hotline/caseimport/<int:case_import_id>/change/", staff_member_required(case_job)),
]
