"""A restarted PostgreSQL is picked up by the next request, without restarting the portal."""

import pytest
from django.db import close_old_connections, connection


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a server connection to lose needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_the_first_request_after_the_database_dropped_its_connections_succeeds(client):
    assert client.get("/healthz").status_code == 200
    connection.ensure_connection()
    kept_between_requests = connection.connection.get_backend_pid()
    # What a PostgreSQL restart does to every connection the app servers keep (CONN_MAX_AGE).
    import psycopg2

    with psycopg2.connect(**connection.get_connection_params()) as other:
        other.autocommit = True
        other.cursor().execute("SELECT pg_terminate_backend(%s)", [kept_between_requests])
    other.close()

    close_old_connections()  # what Django runs as each request starts and ends
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert connection.connection.get_backend_pid() != kept_between_requests


@pytest.fixture
def database_down(transactional_db):
    """PostgreSQL stops answering: every new connection is refused."""
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"  # nothing listens there
    yield
    connection.close()
    connection.settings_dict["PORT"] = port


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a server connection to lose needs PostgreSQL")
@pytest.mark.parametrize("path", ["/", "/projects/"])
def test_while_the_database_is_down_pages_say_so_and_ask_to_come_back(client, database_down, path):
    response = client.get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "暂时无法访问" in response.text
    assert client.get("/healthz").status_code == 503
