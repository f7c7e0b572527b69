"""Security: credentials never reach logs, manifests, reports, tables, _SUCCESS or
exception messages. A whole run against moto's S3 with recognisable fake keys, then every
output object and everything logged is searched for them."""

import logging

import pytest

from yayi_batch.config import load_config
from yayi_batch.read import list_inputs
from yayi_batch.run import run
from yayi_batch.testing.corpus import write_corpus
from yayi_batch.testing.fake_engine import fake_generate
from yayi_batch.testing.s3 import moto_s3

KEY = "AKIAFAKEKEY1234567890"
SECRET = "secretFAKE/abc"


def leaks(text: str | bytes) -> list[str]:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return [s for s in (KEY, SECRET) if s in text]


@pytest.mark.slow
@pytest.mark.s3
def test_fake_keys_appear_nowhere(local_ray, tmp_path, caplog, capfd):
    # INFO is what the CLI logs at. (At DEBUG, botocore itself logs signed request headers,
    # which carry the access key id: never run a production job with botocore at DEBUG.)
    caplog.set_level(logging.INFO)
    corpus = write_corpus(tmp_path / "corpus")
    with moto_s3("corpus", "lake") as (fs, options):
        for f in corpus.iterdir():
            fs.put(str(f), f"corpus/news/{f.name}")
        creds = {**options, "key": KEY, "secret": SECRET}  # moto accepts any key pair
        cfg = load_config(
            None,
            [
                "input.paths=[s3://corpus/news/]",
                "output.path=s3://lake/yayi",
                "output.run_date=2026-11-25",
                "extraction.tasks=[ner]",
                "output.report=true",
                "sampling.retry_truncated=false",
            ],
        )
        cfg.input.storage_options = creds
        cfg.output.storage_options = creds
        assert not leaks(repr(cfg)) and not leaks(str(cfg))  # a logged config hides them
        summary = run(cfg, generate_fn=fake_generate)
        assert not leaks(repr(summary)) and not leaks(str(summary.as_dict()))

        objects = [p for p in fs.find("lake/yayi") if not p.endswith("/")]
        names = {p.rsplit("/", 1)[1] for p in objects}
        assert "_SUCCESS" in names and "index.html" in names and any(p.endswith(".json") for p in objects)
        assert any("/errors/" in p for p in objects) and any("/documents/" in p for p in objects)
        leaked = {p: leaks(fs.cat(p)) for p in objects}
        assert not any(leaked.values()), {p: v for p, v in leaked.items() if v}
        assert not leaks(" ".join(objects))  # nor in object names

        # A failed S3 access: a missing bucket, a missing prefix; the messages carry no secret.
        for bad in ("s3://no-such-bucket/x/", "s3://corpus/missing/", "s3://no-such-bucket/*.parquet"):
            bad_cfg = load_config(None, [f"input.paths=[{bad}]", "output.path=s3://lake/other"])
            bad_cfg.input.storage_options = creds
            with pytest.raises(Exception) as exc:
                list_inputs(bad_cfg.input)
            assert not leaks(str(exc.value)) and not leaks(repr(exc.value)), exc.value
            assert not leaks("".join(__import__("traceback").format_exception(exc.value)))

    captured = capfd.readouterr()
    assert not leaks(caplog.text), [(r.name, r.levelname, r.getMessage()[:300]) for r in caplog.records if leaks(r.getMessage())]
    assert not leaks(captured.out) and not leaks(captured.err), "stdout/stderr"


def test_override_errors_hide_credential_values():
    from yayi_batch.config import ConfigError

    with pytest.raises(ConfigError) as exc:
        load_config(None, ["input.paths=[a]", "output.path=o", f"input.storage_options.secret=[{SECRET}"])
    assert not leaks(str(exc.value)) and "input.storage_options.secret=***" in str(exc.value)
    cfg = load_config(None, ["input.paths=[a]", "output.path=o", f"input.storage_options={{key: {KEY}, secret: {SECRET}}}"])
    assert cfg.input.storage_options["secret"] == SECRET and not leaks(repr(cfg))
