import pytest

from tests.publication.support import Setup


@pytest.fixture
def setup(database_url, tmp_path):
    platform = Setup(database_url, f"sqlite:///{tmp_path}/survey.sqlite")
    yield platform
    platform.dispose()
