import pytest

from ml import registry
from ml.inference import CURRENT, SERVED_MODEL


@pytest.fixture
def models(tmp_path):
    for version in ("cnn-a", "cnn-b"):
        (tmp_path / version).mkdir()
        (tmp_path / version / SERVED_MODEL).write_bytes(b"flatbuffer")
    (tmp_path / CURRENT).write_text("cnn-a\n")
    return tmp_path


def test_set_serving_switches_current_atomically(models):
    registry.set_serving(models, "cnn-b")
    assert registry.serving_version(models) == "cnn-b"
    assert sorted(p.name for p in models.iterdir()) == [CURRENT, "cnn-a", "cnn-b"]  # no temp


def test_set_serving_refuses_unknown_versions(models):
    with pytest.raises(registry.RegistryError, match="no model version 'cnn-zzz'"):
        registry.set_serving(models, "cnn-zzz")
    assert registry.serving_version(models) == "cnn-a"


def test_a_folder_without_current_is_not_a_registry(tmp_path):
    with pytest.raises(registry.RegistryError, match="CURRENT"):
        registry.serving_version(tmp_path)
