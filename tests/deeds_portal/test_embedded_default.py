"""``make run`` as a developer gets it: SQLite in a file, ``db_worker`` beside the server.

Every process here is a real one with the development settings against a file SQLite database
in the test's own folder: the server's requests and the worker's polling share that file, and
the page cache, as they do on a developer's machine.
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


def dev_environment(tmp_path) -> dict:
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "CACHE_URL", "LOGIN_THROTTLE_CACHE_URL")
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="deeds_portal.settings.dev",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DEV_CACHE_DIR=str(tmp_path / "cache"),
        IMPORT_PENDING_DIR=str(tmp_path / "pending"),
        MEDIA_ROOT=str(tmp_path / "media"),
        SECOND_FACTOR_ENFORCED="false",
        LOG_LEVEL="ERROR",
    )
    return environment


def run_python(environment, code: str, timeout=180) -> str:
    script = "import django\ndjango.setup()\n" + textwrap.dedent(code)
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


SIGN_INS = """
    import time
    from django.test import Client

    outcomes = []
    for attempt in range(8):
        client = Client(SERVER_NAME="127.0.0.1")
        response = client.post(
            "/admin/login/?next=/admin/",
            {"username": "clerk", "password": "pw-clerk-0123", "next": "/admin/"},
        )
        home = client.get("/admin/") if response.status_code == 302 else response
        outcomes.append(f"{response.status_code}/{home.status_code}")
        time.sleep(0.05)
    print(" ".join(outcomes))
"""


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    """A migrated database file, made once for the module and copied by each test."""
    folder = tmp_path_factory.mktemp("migrated")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=dev_environment(folder),
        check=True,
        timeout=600,
    )
    return folder / "db.sqlite3"


@pytest.fixture
def environment(migrated, tmp_path):
    shutil.copy(migrated, tmp_path / "db.sqlite3")
    return dev_environment(tmp_path)


def test_staff_sign_in_while_the_worker_polls_the_same_sqlite_file(environment, tmp_path):
    run_python(
        environment,
        """
        from django.contrib.auth import get_user_model
        get_user_model().objects.create_user("clerk", password="pw-clerk-0123", is_staff=True, is_superuser=True)
        """,
    )
    # The worker polls ten times a second: each poll takes SQLite's write lock.
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--interval", "0.1", "--no-startup-delay", "--no-reload"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        time.sleep(2)  # started and polling
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-2000:]
        outcomes = run_python(environment, SIGN_INS).split()
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.close()
    # Every sign-in lands on the admin's home page; none meets "门户暂时无法访问" (503).
    assert outcomes == ["302/200"] * 8


def test_the_dev_page_cache_is_shared_by_the_server_and_the_worker(tmp_path):
    """The worker's import bumps the public pages' generation; the server's next request sees it."""
    environment = dev_environment(tmp_path)
    read = "from units.public_pages import generation; print(generation())"
    before = int(run_python(environment, read))
    run_python(environment, "from units.public_pages import _bump; _bump()")  # what an import does
    assert int(run_python(environment, read)) == before + 1


TWO_SAVES = """
    import json
    import threading

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from hotline.models import Month

    clerks = [
        get_user_model().objects.create_user(name, password="x", is_staff=True, is_superuser=True)
        for name in ("clerk-1", "clerk-2")
    ]
    month = Month.objects.create(month="2021-06-01", calls=1000, accepted=500, completed=490)
    url = f"/admin/hotline/month/{month.pk}/change/"
    rounds = []
    for round_number in range(6):
        version = Month.objects.get(pk=month.pk).version
        barrier = threading.Barrier(2)
        outcome = {}

        def save(index):
            client = Client(SERVER_NAME="127.0.0.1")
            client.force_login(clerks[index])
            calls = 2000 + 10 * round_number + index
            data = {
                "month": "2021-06-01", "source": "typed", "calls": calls, "accepted": 500,
                "completed": 490, "callbacks": 0, "satisfied": 0, "online_completed": 0,
                "lock_version": version, "_save": "1",
            }
            barrier.wait()
            response = client.post(url, data)
            text = response.content.decode()
            outcome[calls] = [response.status_code, "其他人已保存了这条记录" in text, str(calls) in text]
            connection.close()

        threads = [threading.Thread(target=save, args=(index,)) for index in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        stored = Month.objects.get(pk=month.pk).calls
        rounds.append({"outcome": outcome, "stored": stored})
    print(json.dumps(rounds))
"""


def test_two_simultaneous_saves_of_one_record_never_lose_a_typed_edit(environment):
    """Two clerks save the same month at the same moment, from the same version: one is saved,
    the other is told someone else saved first and gets the form back with what they typed.
    Neither meets an error page (which would lose what they typed) nor overwrites unseen."""
    rounds = json.loads(run_python(environment, TWO_SAVES).strip().splitlines()[-1])
    for each in rounds:
        outcome = {int(calls): result for calls, result in each["outcome"].items()}
        saved = [calls for calls, (status, _told, _kept) in outcome.items() if status == 302]
        assert saved == [each["stored"]], each
        [(refused, (status, told, kept))] = [item for item in outcome.items() if item[0] not in saved]
        assert (status, told, kept) == (200, True, True), each
