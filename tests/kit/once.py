"""Rows made once for the tests of a module (or a class) instead of once per test.

The rows are written inside a transaction that stays open while those tests run and is rolled
back after the last one; each test's own transaction nests inside it as a savepoint, so every
test still starts from exactly these rows and leaves nothing behind. Only for plain ``db``
tests: a transactional test (``live_server``, ``transactional_db``) would commit through it.
"""

from contextlib import contextmanager

from django.db import transaction


@contextmanager
def shared_rows(django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)
