"""model/node.py: per-node resolution with a file lock, and errors that name the path and the node."""

import threading
import time

import pytest

from yayi_batch.model import node
from yayi_batch.model.embedded import EMBEDDED_MODEL
from yayi_batch.model.node import ModelSpec, resolve_on_this_node
from yayi_batch.model.profiles import PROFILES
from yayi_batch.model.resolve import ResolvedModel
from yayi_batch.model.source import ModelSourceError


def spec(tmp_path, source=EMBEDDED_MODEL, tokenizer=None):
    return ModelSpec(source, "chat", tokenizer, str(tmp_path / "cache"), {})


def test_a_missing_local_model_folder_names_the_path_and_the_node(tmp_path):
    missing = tmp_path / "no-such-model"
    with pytest.raises(ModelSourceError) as err:
        resolve_on_this_node(spec(tmp_path, str(missing)))
    message = str(err.value)
    assert str(missing) in message and "on node" in message and "every node" in message
    assert "Repo id" not in message  # not transformers' hub-id validation error


def test_a_local_folder_without_config_json_is_refused(tmp_path):
    (tmp_path / "model").mkdir()
    with pytest.raises(ModelSourceError, match="no config.json"):
        resolve_on_this_node(spec(tmp_path, str(tmp_path / "model")))


def test_a_missing_tokenizer_folder_is_refused(tmp_path):
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    with pytest.raises(ModelSourceError, match="tokenizer folder .* does not exist on node"):
        resolve_on_this_node(spec(tmp_path, str(model), tokenizer=str(tmp_path / "tok")))


def test_concurrent_tasks_on_one_node_resolve_once(tmp_path, monkeypatch):
    """Eight threads ask at once; the lock lets one convert while the others wait, then reuse."""
    state = {"active": 0, "max_active": 0, "converted": 0}
    lock = threading.Lock()
    target = tmp_path / "cache" / "models" / "m"

    def fake_resolve(source, profile, tokenizer, cache_dir, storage_options=None):
        with lock:
            state["active"] += 1
            state["max_active"] = max(state["max_active"], state["active"])
        if not target.exists():  # what ensure_embedded_model does: convert unless already there
            time.sleep(0.2)
            target.mkdir(parents=True)
            state["converted"] += 1
        with lock:
            state["active"] -= 1
        return ResolvedModel(str(target), None, PROFILES[profile])

    monkeypatch.setattr(node, "resolve_model", fake_resolve)
    results = []
    threads = [threading.Thread(target=lambda: results.append(resolve_on_this_node(spec(tmp_path)).path)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [str(target)] * 8
    assert state["converted"] == 1 and state["max_active"] == 1


def test_spec_cache_dir_is_absolute_and_fixed_by_the_driver(tmp_path, monkeypatch):
    monkeypatch.setenv("YAYI_BATCH_CACHE", str(tmp_path / "c"))

    class Cfg:
        source, profile, tokenizer, cache_dir, storage_options = EMBEDDED_MODEL, "chat", None, None, {}

    assert ModelSpec.from_config(Cfg).cache_dir == str(tmp_path / "c")
    Cfg.cache_dir = "~/x"
    assert ModelSpec.from_config(Cfg).cache_dir.startswith("/")
    assert not ModelSpec.from_config(Cfg).is_local_path
    Cfg.source = "s3://bucket/model"
    assert not ModelSpec.from_config(Cfg).is_local_path
    Cfg.source = "/models/x"
    assert ModelSpec.from_config(Cfg).is_local_path
