from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render

from units.models import Unit
from units.public_pages import public_page

from .forms import ProjectFilterForm
from .models import ProgressUpdate, Project, Round

PAGE_SIZE = 20


@public_page(Project, ProgressUpdate, Round, Unit, params=("page", *ProjectFilterForm.base_fields))
def project_list(request):
    form = ProjectFilterForm(request.GET or None)
    projects = form.filter(
        Project.objects.published().with_progress().select_related("round", "unit")
    ).current_round_first()
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "projects/list.html", {"form": form, "page": page})


@public_page(Project, ProgressUpdate, Round, Unit)
def project_detail(request, pk):
    project = get_object_or_404(
        Project.objects.published().with_progress().select_related("round", "unit"), pk=pk
    )
    updates = list(project.updates.approved().order_by("-date", "-pk"))
    # The latest photo makes the card a chat app shows for a shared link.
    share_photo = next((update for update in updates if update.photo), None)
    return render(
        request, "projects/detail.html", {"project": project, "updates": updates, "share_photo": share_photo}
    )


def progress_photo(request, name):
    """Serve an uploaded progress photo: public once its update is approved and its project
    published, else (waiting for review, sent back, a draft) only to staff who may see it."""
    update = ProgressUpdate.objects.filter(photo=name).select_related("project").first()
    if update is None:
        raise Http404
    public = update.is_approved and update.project.is_published
    if not public:
        user = request.user
        visible = (
            user.is_staff
            and user.has_perm("projects.view_project")
            and Project.objects.for_user(user).filter(pk=update.project_id).exists()
        )
        if not visible:
            raise Http404
    try:
        photo = update.photo.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(photo)
    # Short public caching: a project taken back to draft stops being served soon.
    response["Cache-Control"] = "public, max-age=3600" if public else "private, no-store"
    return response
