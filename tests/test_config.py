"""JobConfig: YAML + overrides, and errors that name the file and the field."""

import datetime as dt
from pathlib import Path

import pytest

from yayi_batch.cli import demo_config
from yayi_batch.config import ConfigError, apply_override, load_config
from yayi_batch.schema import Task

REPO = Path(__file__).resolve().parents[1]


def write(tmp_path, text):
    p = tmp_path / "job.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_minimal_config_gets_the_embedded_defaults(tmp_path):
    cfg = load_config(write(tmp_path, "input: {paths: data}\noutput: {path: out}\n"))
    assert cfg.input.paths == ["data"]
    assert cfg.model.source == "embedded:smollm2-135m-instruct"
    assert cfg.extraction.tasks == [Task.NER, Task.RE, Task.EE]
    assert cfg.sampling.temperature == 0.0
    assert cfg.output.run_date == dt.date.today()


def test_overrides_parse_values_as_yaml(tmp_path):
    cfg = load_config(write(tmp_path, "input: {paths: [a]}\noutput: {path: out}\n"),
                      ["engine.batch_size=7", "extraction.tasks=[ner, ee_args]", "output.run_date=2026-01-02"])
    assert cfg.engine.batch_size == 7
    assert cfg.extraction.tasks == [Task.NER, Task.EE_ARGS]
    assert cfg.output.run_date == dt.date(2026, 1, 2)


@pytest.mark.parametrize(
    "text, field",
    [
        ("input: {paths: a}\noutput: {path: o}\nengine: {batch_size: many}\n", "engine.batch_size"),
        ("input: {paths: a}\noutput: {path: o}\nengine: {batch_sise: 3}\n", "engine.batch_sise"),
        ("input: {paths: []}\noutput: {path: o}\n", "input.paths"),
        ("output: {path: o}\n", "input"),
        ("input: {paths: a}\noutput: {path: o}\nmodel: {profile: gpt}\n", "model.profile"),
        ("input: {paths: a}\noutput: {path: o}\nextraction: {tasks: [ner, ner]}\n", "extraction.tasks"),
        ("input: {paths: a}\noutput: {path: o}\nextraction: {tasks: [summarize]}\n", "extraction.tasks.0"),
        ("input: {paths: a}\noutput: {path: o}\nsampling: {max_tokens: 0}\n", "sampling.max_tokens"),
    ],
)
def test_errors_name_the_file_and_the_field(tmp_path, text, field):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert str(path) in message
    assert f"field {field}" in message


def test_event_task_without_event_types_is_rejected(tmp_path):
    path = write(tmp_path, "input: {paths: a}\noutput: {path: o}\nextraction:\n  tasks: [ee]\n  zh: {entity_types: [人物], event_types: []}\n")
    with pytest.raises(ConfigError, match="ee needs zh.event_types"):
        load_config(path)


def test_unreadable_and_non_mapping_files(tmp_path):
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(tmp_path / "missing.yaml")
    with pytest.raises(ConfigError, match="top level must be a mapping"):
        load_config(write(tmp_path, "- a\n- b\n"))
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(write(tmp_path, "input: {paths: [a\n"))


def test_bad_override_syntax():
    with pytest.raises(ConfigError, match="expected key.path=value"):
        apply_override({}, "engine.batch_size")
    with pytest.raises(ConfigError, match="not a section"):
        apply_override({"engine": 3}, "engine.batch_size=2")


def test_fingerprint_follows_prompt_relevant_settings_only(tmp_path):
    base = ["input.paths=[a]", "output.path=o"]
    a = load_config(None, base)
    assert a.fingerprint() == load_config(None, base + ["engine.batch_size=99", "output.path=elsewhere"]).fingerprint()
    assert a.fingerprint() != load_config(None, base + ["sampling.max_tokens=100"]).fingerprint()
    assert a.fingerprint() != load_config(None, base + ["extraction.en.entity_types=[person]"]).fingerprint()


def test_shipped_configs_validate_and_local_equals_the_demo():
    local = load_config(REPO / "configs" / "local.yaml", ["output.path=x"])
    demo = demo_config("x")
    assert local.model_dump(exclude={"input"}) == demo.model_dump(exclude={"input"})
    cluster = load_config(REPO / "configs" / "cluster.yaml")
    assert cluster.model.profile == "yayi-uie"
    assert cluster.engine.cpu_bundle is None
