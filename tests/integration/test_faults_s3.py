"""Object storage that misbehaves, against moto's S3 server on 127.0.0.1, fake engine.

A few seconds of outage mid-run and 503 SlowDown replies are retried with backoff (fs.py's
default botocore retry config, which reaches Ray Data's reads and writes through the same fsspec
filesystem) and the run publishes exactly the rows of a clean run; an outage longer than the
retry budget fails the run in one line naming the storage, with the published tables untouched.
"""

import threading
import time

import pytest
from killable_job import recording_generate
from test_resume_s3 import DOCS, N_PROMPTS, committed_checkpoints, config, lines, tables, upload_corpus

from yayi_batch.failures import RunFailed
from yayi_batch.run import run
from yayi_batch.testing.s3 import ThrottlingProxy, restartable_moto_s3

# Every test here takes 5-100 s (moto, retries and their backoff, several runs): out of the development tier.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lake(ray_session, tmp_path_factory):
    """moto with the corpus and a clean run published at lake/clean (module-scoped, so on the
    session's Ray; each test asks for `local_ray` too, which restarts it after a cluster test)."""
    tmp = tmp_path_factory.mktemp("lake")
    with restartable_moto_s3("corpus", "lake") as (fs, options, control):
        upload_corpus(fs, tmp)
        clean = run(config(options, "s3://lake/clean"), generate_fn=recording_generate(str(tmp / "clean.log")))
        yield fs, options, control, clean, tables(fs, "lake/clean")


def _when_committed(fs, out, action):
    """Run `action` in a thread once the first extract block of `out` is committed."""

    def wait_then_act():
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if committed_checkpoints(fs, out):
                    break
            except Exception:
                pass
            time.sleep(0.2)
        action()

    thread = threading.Thread(target=wait_then_act, daemon=True)
    thread.start()
    return thread


def assert_same_rows(fs, out, want):
    got = tables(fs, out)
    for table in want:
        assert got[table].equals(want[table]), f"{table} differs from the clean run"
    assert got["documents"].height == len(DOCS) and got["answers"].height == N_PROMPTS


def test_s3_outage_of_a_few_seconds_mid_run_is_retried_and_publishes_the_clean_rows(lake, tmp_path):
    fs, options, control, clean, want = lake
    outage = {}

    def outage_of_5_seconds():
        outage["at"] = time.monotonic()
        control.stop()
        time.sleep(5)
        control.start()

    thread = _when_committed(fs, "lake/outage", outage_of_5_seconds)
    summary = run(config(options, "s3://lake/outage"), generate_fn=recording_generate(str(tmp_path / "o.log"), delay=1.0))
    thread.join(timeout=30)
    assert "at" in outage, "the outage never happened"
    assert summary.run_id == clean.run_id and summary.outcome == "published"
    assert len(lines(tmp_path / "o.log")) >= N_PROMPTS
    assert_same_rows(fs, "lake/outage", want)


def test_s3_throttling_503_slowdown_is_retried_and_publishes_the_clean_rows(lake, tmp_path):
    fs, options, control, clean, want = lake
    # Every 12th request: 503 SlowDown (every third also passes, in six times the time: each
    # throttled request waits out botocore's backoff).
    proxy = ThrottlingProxy(control.port, every=12)
    try:
        throttled = {**options, "client_kwargs": {"endpoint_url": f"http://127.0.0.1:{proxy.port}"}}
        summary = run(config(throttled, "s3://lake/throttled"), generate_fn=recording_generate(str(tmp_path / "t.log")))
    finally:
        proxy.close()
    assert proxy.throttled > 10, proxy.throttled
    assert summary.outcome == "published"
    assert_same_rows(fs, "lake/throttled", want)


def test_s3_outage_longer_than_the_retry_budget_fails_in_one_line_and_publishes_nothing(lake, tmp_path):
    fs, options, control, clean, want = lake
    fs.invalidate_cache()
    before = {p: fs.info(p)["ETag"] for p in fs.find("lake/clean")}
    short = {**options, "config_kwargs": {"retries": {"max_attempts": 2, "mode": "standard"}}}  # the user's own budget
    thread = _when_committed(fs, "lake/clean", control.stop)
    try:
        with pytest.raises(RunFailed) as info:
            run(
                config(short, "s3://lake/clean", **{"output.force": "true"}),
                generate_fn=recording_generate(str(tmp_path / "d.log"), delay=1.0),
            )
    finally:
        thread.join(timeout=30)
        control.start()
    message = str(info.value)
    assert f"run {clean.run_id}: storage s3://lake/clean failed while " in message
    assert "nothing published (the published tables are untouched)" in message
    assert "Could not connect to the endpoint URL" in message or "Connect" in message, message
    fs.invalidate_cache()
    after = {p: fs.info(p)["ETag"] for p in fs.find("lake/clean") if "/_staging/" not in p}
    assert after == before
    assert_same_rows(fs, "lake/clean", want)
