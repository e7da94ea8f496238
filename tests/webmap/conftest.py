import pytest

from webmap import create_app


@pytest.fixture
def app(store, tmp_path):
    return create_app({"database_url": store.url,
                       "instance_dir": str(tmp_path / "instance"), "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()
