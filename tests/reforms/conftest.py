import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _no_cached_figures():
    """The catalogue's figures are cached; a test's rolled-back rows must not leave theirs behind."""
    cache.clear()
    yield
    cache.clear()
