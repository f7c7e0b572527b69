"""JobConfig: YAML + overrides, and errors that name the file and the field."""

import datetime as dt
from pathlib import Path

import pytest

from yayi_batch.cli import demo_config
from yayi_batch.config import ConfigError, EngineConfig, apply_override, load_config, parse_yaml
from yayi_batch.schema import Task

REPO = Path(__file__).resolve().parents[1]


def write(tmp_path, text):
    p = tmp_path / "job.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_minimal_config_gets_the_embedded_defaults(tmp_path):
    cfg = load_config(write(tmp_path, "input: {paths: data}\noutput: {path: out}\n"))
    assert cfg.input.paths == ["data"]
    assert cfg.model.source == "embedded:yayi-ie-gemma3-270m"
    assert cfg.extraction.tasks == [Task.NER, Task.RE, Task.EE]
    assert cfg.sampling.temperature == 0.0
    assert cfg.output.run_date == dt.date.today()


def test_overrides_parse_values_as_yaml(tmp_path):
    cfg = load_config(
        write(tmp_path, "input: {paths: [a]}\noutput: {path: out}\n"),
        ["engine.batch_size=7", "extraction.tasks=[ner, ee_args]", "output.run_date=2026-01-02"],
    )
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
    path = write(
        tmp_path, "input: {paths: a}\noutput: {path: o}\nextraction:\n  tasks: [ee]\n  zh: {entity_types: [人物], event_types: []}\n"
    )
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


# --- bad configs name the file and the field ---------------------------------------

BASE = "input: {paths: [in]}\noutput: {path: out}\n"


@pytest.mark.parametrize(
    "text,needle",
    [
        (BASE + "extraction: {tasks: [ner], en: {entity_types: []}}\n", "field extraction.en.entity_types"),
        (BASE + "extraction: {tasks: [ner], zh: {entity_types: []}}\n", "field extraction.zh.entity_types"),
        (BASE + "input: {paths: [in], on_bad_file: maybe}\n", "field input.on_bad_file"),
        (BASE + "input: {paths: [in], duplicate_ids: last}\n", "field input.duplicate_ids"),
        (BASE + "model: {max_model_len: many}\n", "field model.max_model_len"),
        (BASE + "output: {path: out, run_date: ../../etc}\n", "field output.run_date"),
        (BASE + 'output: {path: out, run_date: "2026-11-25/../x"}\n', "field output.run_date"),
        (BASE + "output: {path: out, colour: red}\n", "field output.colour"),
        (
            "input: {paths: [in]}\noutput: {path: out}\nsampling: {max_tokens: 2048}\n",
            "sampling.max_tokens (2048) must be below model.max_model_len (2048)",
        ),
        (
            "input: {paths: [in]}\noutput: {path: out}\nsampling: {max_tokens: 600}\nmodel: {max_model_len: 512}\n",
            "sampling.max_tokens (600) must be below model.max_model_len (512)",
        ),
    ],
)
def test_bad_configs_name_file_and_field(tmp_path, text, needle):
    # yaml: later duplicate top-level keys win, so the BASE sections are overridden per case
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(path) in str(err.value)
    assert needle in str(err.value)


@pytest.mark.parametrize(
    "inp,out,bad",
    [
        ("{tmp}/data", "{tmp}/data/out", True),
        ("{tmp}/data", "{tmp}/data", True),
        ("{tmp}/data/", "{tmp}/data/sub/../out", True),  # resolved
        ("{tmp}/data/**/*.parquet", "{tmp}/data/x/out", True),
        ("{tmp}/data/*.parquet", "{tmp}/data", True),
        ("{tmp}/data/*.parquet", "{tmp}/data/out", False),  # a one-level glob never reads it
        ("{tmp}/data", "{tmp}/data2", False),
        ("{tmp}/data", "{tmp}/out", False),
        ("s3://b/in", "s3://b/in/out", True),
        ("s3://b/in/", "s3://b//in/out", True),
        ("s3://b/in", "s3://b/input", False),
        ("s3://b/in", "s3://other/in/out", False),
        ("s3://b/in", "{tmp}/b/in/out", False),
    ],
)
def test_output_inside_an_input_is_refused(tmp_path, inp, out, bad):
    overrides = [f"input.paths=[{inp.format(tmp=tmp_path)}]", f"output.path={out.format(tmp=tmp_path)}"]
    if bad:
        with pytest.raises(ConfigError, match="output.path .* is inside input path"):
            load_config(None, overrides)
    else:
        load_config(None, overrides)


def test_output_inside_input_through_a_relative_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="is inside input path"):
        load_config(None, ["input.paths=[data]", f"output.path={tmp_path}/data/out"])


def test_model_folder_without_config_json(tmp_path):
    from yayi_batch.model.resolve import resolve_model
    from yayi_batch.model.source import ModelSourceError

    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "model.safetensors").write_bytes(b"")
    with pytest.raises(ModelSourceError, match=r"model .*model: no config.json there"):
        resolve_model(str(tmp_path / "model"), "chat", None, str(tmp_path / "cache"))


def test_cli_prints_one_line_and_exits_2_on_bad_config(tmp_path, capsys):
    from yayi_batch.cli import main

    path = write(tmp_path, BASE + "sampling: {max_tokens: 4096}\n")
    assert main(["run", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"yayi-batch: {path}: invalid config") and "Traceback" not in err


@pytest.mark.parametrize(
    ("n_prompts", "rows_per_block", "max_blocks", "expected"),
    [
        (0, 64, 2000, 64),
        (225, 64, 2000, 64),
        (128_000, 64, 2000, 64),
        (128_001, 64, 2000, 65),
        (384_000, 64, 2000, 192),
        (30_000_000, 256, 2000, 15_000),
        (10, 4, 2, 5),
    ],
)
def test_a_pass_is_cut_into_at_most_max_blocks_blocks(n_prompts, rows_per_block, max_blocks, expected):
    engine = EngineConfig(rows_per_block=rows_per_block, max_blocks=max_blocks)
    rows = engine.block_rows(n_prompts)
    assert rows == expected
    assert -(-n_prompts // rows) <= max_blocks


def test_calibration_off_is_a_word_not_a_yaml_boolean():
    cfg = load_config(None, ["input.paths=[in]", "output.path=out", "model.calibration=off"])
    assert cfg.model.calibration == "off"


@pytest.mark.parametrize(
    ("override", "field", "expected"),
    [
        ("output.report=off", ("output", "report"), False),
        ("output.report=no", ("output", "report"), False),
        ("output.report=yes", ("output", "report"), True),
        ("output.report=True", ("output", "report"), True),
        ("output.report=false", ("output", "report"), False),
        ("model.calibration=on", ("model", "calibration"), "on"),
        ("model.calibration=no", ("model", "calibration"), "no"),
    ],
)
def test_yaml_booleans_are_true_and_false_and_boolean_fields_still_read_words(override, field, expected):
    cfg = load_config(None, ["input.paths=[in]", "output.path=out", override])
    assert getattr(getattr(cfg, field[0]), field[1]) == expected


def test_parse_yaml_reads_yaml_1_2_booleans():
    assert parse_yaml("a: off\nb: true\nc: FALSE\nd: yes\ne: 2026-01-01") == {
        "a": "off",
        "b": True,
        "c": False,
        "d": "yes",
        "e": "2026-01-01",
    }
