"""Suite-wide settings, the shared Ray, and the tiers.

Every test gets a tier marker from the fixtures it uses (`pytest_collection_modifyitems`):
- `unit`: none of the below; pure functions and files on disk, seconds;
- `ray`: `local_ray`: the one in-process Ray of the test run (started once, shared);
- `engine`: `real_engine`: the real vLLM CPU engine with a real model, minutes;
- `cluster`: `ray_cluster`, `ray_head`: `ray start` nodes and `ray job submit`, minutes;
- `s3` (beside its tier): a module that serves S3 with moto (yayi_batch/testing/s3.py);
- `slow` (beside its tier): every `engine` and `cluster` test, and the `unit`/`ray` tests marked
  by hand because they take more than ~5 s here (moto faults with backoff, several runs, fuzzing).
The development tier: `pytest -m "not slow"`; the README's command runs all.
"""

import os

import pytest

# A parser bug raises in tests instead of hiding as an `internal_error` invalid answer (see
# yayi_batch/parse/__init__.py); set before any Ray worker starts, so workers inherit it.
os.environ["YAYI_BATCH_PARSE_RAISE"] = "1"

TIER_FIXTURES = {
    "engine": {"real_engine"},
    "cluster": {"ray_cluster", "ray_head"},
    "ray": {"local_ray", "ray_session"},
}
S3_HELPERS = ("moto_s3", "restartable_moto_s3", "moto_server")


def pytest_collection_modifyitems(config, items):
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        tiers = [tier for tier, fixtures in TIER_FIXTURES.items() if used & fixtures]
        for tier in tiers or ["unit"]:
            item.add_marker(tier)
        if {"engine", "cluster"} & set(tiers):
            item.add_marker("slow")
        module = getattr(item, "module", None)
        if module is not None and any(hasattr(module, name) for name in S3_HELPERS):
            item.add_marker("s3")


def _start_ray():
    import ray

    if not ray.is_initialized():
        ray.init(address="local", num_cpus=4, include_dashboard=False)


@pytest.fixture(scope="session")
def ray_session():
    """The in-process Ray every `ray` test shares: started once per test run, not per module."""
    import ray

    _start_ray()
    yield
    ray.shutdown()


@pytest.fixture
def local_ray(ray_session):
    """The shared Ray, up (a cluster test before may have stopped it)."""
    _start_ray()
    yield


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    """A tiny random Llama folder (model files, tokenizer, chat template), made once per run."""
    from yayi_batch.testing.tiny_model import tiny_model_folder

    return tiny_model_folder(tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="session")
def real_engine():
    """The real engine tier: the embedded default model on vLLM's CPU build (the model is
    converted and merged into the cache by the first run that needs it)."""
    from yayi_batch.model.embedded import EMBEDDED_MODEL

    return EMBEDDED_MODEL


@pytest.fixture
def ray_cluster():
    """Tests that start their own Ray nodes (`ray start`): the in-process Ray is stopped first, so
    that its ports and its temp dir are free; the next `ray` test starts it again."""
    import ray

    if ray.is_initialized():
        ray.shutdown()
    yield
