"""Strings staff read in the admin that Django 5.2 and the libraries we use show in English.

Django 5.2 added these to its admin templates after its Chinese catalogue was last
translated; django-reversion and our automatic models name some things without a
Chinese catalogue. Listed here so that ``makemessages`` keeps them in our catalogue
(``locale/zh_Hans``), whose translations Django uses before its own. The JavaScript
ones (the two-box volunteer picker of SelectFilter2.js) are in ``djangojs.po`` beside it,
kept by hand: ``make messages`` builds only the ``django`` domain.
"""

from django.utils.translation import gettext_noop

ADMIN_STRINGS = [
    # django/contrib/admin/templates/admin/app_list.html (table headers read by screen readers)
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    # admin/auth/user/add_form.html
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    # django-reversion's app and model names (its Chinese catalogue has only the lower-case app name)
    gettext_noop("Reversion"),
    gettext_noop("revision"),
    # suggestions.Support has no verbose name; it appears in the permission pickers
    gettext_noop("support"),
]
