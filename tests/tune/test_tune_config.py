"""The committed recipe and the test config load; errors name every bad field, as the job config's do."""

from __future__ import annotations

import pytest

from yayi_batch.tune.config import TuneConfigError, load_tune_config

FIXTURE = "tests/tune/fixtures/tune.yaml"


def test_committed_recipe_loads_with_overrides():
    cfg = load_tune_config("configs/tune.yaml", ["train.max_steps=7", "lora.target_modules=[q_proj]"])
    assert cfg.train.max_steps == 7 and cfg.lora.target_modules == ["q_proj"]
    assert cfg.base_model == "embedded:gemma3-270m" and cfg.train.method == "lora"
    names = [c.name for c in cfg.corpora]
    assert {"conll2003", "msra", "conll04", "duie", "duee"} <= set(names)
    assert "resume" not in names  # left out of training: the benchmark scores it zero-shot
    assert all(c.path or c.format == "generated-news" for c in cfg.corpora)


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ("train.max_steps=0", "train.max_steps"),
        ("data.heldout_share=1", "data.heldout_share"),
        ("train.nope=1", "train.nope"),
        ("max_steps", "expected key.path=value"),
        ("output=s3://b/tune", "output"),
        ("train.method=qlora", "train.method"),
        ("corpora=[{name: a, format: csv, train: 1}]", "corpora.0.format"),
        ("corpora=[]", "corpora"),
    ],
)
def test_errors_name_the_field(override, field):
    with pytest.raises(TuneConfigError, match=field.replace(".", r"\.")):
        load_tune_config(FIXTURE, [override])


def test_all_errors_are_reported_at_once():
    with pytest.raises(TuneConfigError) as e:
        load_tune_config(FIXTURE, ["train.max_steps=0", "train.batch_size=0"])
    assert "(2 problems)" in str(e.value) and "train.max_steps" in str(e.value) and "train.batch_size" in str(e.value)


def test_repeated_corpus_names_are_refused():
    with pytest.raises(TuneConfigError, match="names repeat"):
        load_tune_config(FIXTURE, ["corpora=[{name: a, format: conll, path: x, train: 1}, {name: a, format: conll, path: y, train: 1}]"])
