import pytest

from webmap import create_app


@pytest.fixture
def app(store, tmp_path):
    """The app on the test's store. Tiles are encoded in the request: a pyramid built in a
    child process would outlive the test and its (PostGIS) database; the tests of the pyramid
    make their own app."""
    return create_app({"database_url": store.url, "instance_dir": str(tmp_path / "instance"),
                       "TESTING": True, "tiles_build": "off"})


@pytest.fixture
def client(app):
    return app.test_client()
