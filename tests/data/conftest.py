"""Fixtures for the data tests (helpers in cifar_archive.py); nothing reaches the internet."""

import pytest
from cifar_archive import FakeCifar, FileServer, make_fake_cifar


@pytest.fixture(scope="session")
def fake_cifar() -> FakeCifar:
    return make_fake_cifar()


@pytest.fixture
def server():
    file_server = FileServer()
    yield file_server
    file_server.close()
