"""JobConfig: the whole job in one validated object, from YAML plus command-line overrides.

Validated before Ray starts: a bad config fails in a second, naming the file and the field,
not ten minutes later inside an actor. Pure module: no ray, no vllm.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from yayi_batch.model.embedded import EMBEDDED_MODEL
from yayi_batch.model.profiles import PROFILES
from yayi_batch.schema import Task


class ConfigError(ValueError):
    """A config that cannot run; the message names the file and the field."""


class _Strict(BaseModel):
    # Unknown keys are errors: a typo in a nightly config must not be silently ignored.
    model_config = ConfigDict(extra="forbid")


Strict = _Strict  # the base of every config model (the tune config's too)
M = TypeVar("M", bound=BaseModel)


class InputConfig(_Strict):
    paths: list[str] = Field(min_length=1, description="files, folders, globs or fsspec URIs of Parquet shards")
    id_column: str = "id"
    text_column: str = "text"
    passthrough_columns: list[str] = Field(default_factory=list, description="carried into `documents`")
    # repr=False: credentials may sit here; a logged or printed config never shows them.
    storage_options: dict[str, Any] = Field(default_factory=dict, repr=False, description="fsspec options (endpoint, region)")
    # Nightly mode: skip shards that a published manifest with the same config fingerprint
    # already covers (same path and etag/mtime), and add to the date partition.
    since_manifest: bool = False
    # An unreadable shard (corrupt, truncated, not Parquet): fail naming it, or skip it (an
    # errors row `bad_file` and the manifest's `skipped_inputs` record it).
    on_bad_file: Literal["fail", "skip"] = "fail"
    # The same document id twice: fail naming up to 20 ids and their files, or keep the first
    # (file order, then row order); later ones become `invalid` documents with an errors row.
    duplicate_ids: Literal["fail", "keep_first"] = "fail"
    # Local input paths on a cluster of several nodes must be on a filesystem every node mounts
    # at the same path; set true to assert that (otherwise such a run is refused up front).
    shared_filesystem: bool = False

    @field_validator("paths", mode="before")
    @classmethod
    def _one_path_is_a_list(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v


class LangSchema(_Strict):
    """What the prompts ask for, in one language (type names are part of the prompt)."""

    entity_types: list[str] = Field(min_length=1)
    relation_types: list[str] = Field(default_factory=list, description="empty: open relation extraction")
    event_types: list[str] = Field(default_factory=list)
    event_roles: list[str] = Field(default_factory=list)


def _default_zh() -> LangSchema:
    return LangSchema(
        entity_types=["人物", "机构", "地点"],
        relation_types=["任职于", "位于", "收购", "投资", "创立"],
        event_types=["收购", "投资", "会见", "任命", "诉讼", "发布"],
        event_roles=["时间", "地点", "主体", "对象", "金额"],
    )


def _default_en() -> LangSchema:
    return LangSchema(
        entity_types=["person", "organization", "location"],
        relation_types=["works for", "located in", "acquired", "invested in", "founded"],
        event_types=["acquisition", "investment", "meeting", "appointment", "lawsuit", "launch"],
        event_roles=["time", "place", "agent", "target", "amount"],
    )


class ExtractionConfig(_Strict):
    tasks: list[Task] = Field(default_factory=lambda: [Task.NER, Task.RE, Task.EE], min_length=1)
    lang: Literal["auto", "zh", "en"] = "auto"
    zh: LangSchema = Field(default_factory=_default_zh)
    en: LangSchema = Field(default_factory=_default_en)
    # The README variants omit the trailing "答案：" the training rows carry; keep it by default.
    answer_cue: bool = True

    @model_validator(mode="before")
    @classmethod
    def _partial_schema_keeps_defaults(cls, data: Any) -> Any:
        # `en: {entity_types: [...]}` changes the entity types, not every other list too.
        if isinstance(data, dict):
            for lang, default in (("zh", _default_zh), ("en", _default_en)):
                if isinstance(data.get(lang), dict):
                    data = {**data, lang: {**default().model_dump(), **data[lang]}}
        return data

    @field_validator("tasks")
    @classmethod
    def _no_duplicate_tasks(cls, v: list[Task]) -> list[Task]:
        if len(set(v)) != len(v):
            raise ValueError(f"tasks repeat: {[t.value for t in v]}")
        return v

    @model_validator(mode="after")
    def _events_need_types(self) -> ExtractionConfig:
        for lang in ("zh", "en"):
            schema: LangSchema = getattr(self, lang)
            # English has an untyped event prompt (the model README's); Chinese has none.
            if Task.EE in self.tasks and lang == "zh" and not schema.event_types:
                raise ValueError(f"task ee needs {lang}.event_types")
            if Task.EE_ARGS in self.tasks and not schema.event_roles:
                raise ValueError(f"task ee_args needs {lang}.event_roles")
        return self


class ChunkConfig(_Strict):
    # Sized in tokens of the model's tokenizer; 0 = derive from max_model_len - max_tokens - template.
    # 256: the embedded default was tuned on passages up to 360 characters and misses most of a
    # long chunk; on held-out NER documents of 30 sentences entity F1 rose from 0.28 (whole
    # document) to 0.47-0.51 at 256 tokens and 0.53 at 128 (docs/quality.md). A large model reads
    # whole documents: configs/cluster.yaml sets 0.
    max_chunk_tokens: int = Field(256, ge=0)
    overlap_tokens: int = Field(0, ge=0)


class ModelConfig(_Strict):
    source: str = Field(
        EMBEDDED_MODEL,
        description="a local folder, an s3:// URI, or an embedded model: embedded:yayi-ie-gemma3-270m (the tuned default), embedded:gemma3-270m, embedded:smollm2-135m-instruct",
    )
    profile: str = "chat"
    tokenizer: str | None = None
    cache_dir: str | None = Field(None, description="per-node cache; default ~/.cache/yayi-batch or $YAYI_BATCH_CACHE")
    max_model_len: int = Field(2048, ge=128)
    # Raw confidence -> observed precision, per task (parse/calibration.py). Default: the
    # `calibration.json` an embedded tuned model ships beside its adapter; none for other models.
    calibration: str | None = Field(None, description="a calibration.json fit with yayi-batch eval --fit-calibration; off: raw")
    storage_options: dict[str, Any] = Field(default_factory=dict, repr=False, description="fsspec options for an s3:// model (endpoint)")

    @field_validator("profile")
    @classmethod
    def _known_profile(cls, v: str) -> str:
        if v not in PROFILES:
            raise ValueError(f"unknown profile {v!r}; choose one of {sorted(PROFILES)}")
        return v


class FaultConfig(_Strict):
    """Test switch: make the engine fail every prompt of one batch (off unless set)."""

    # The batch, 0-based, in the order batches of `engine.batch_size` prompts reach the engine stage.
    batch_index: int = Field(0, ge=0)
    message: str = "injected fault"


class OpenAIEndpointConfig(_Strict):
    """`engine.backend: openai`: an OpenAI-compatible endpoint (vllm serve, a hosted model)."""

    base_url: str | None = Field(None, description="e.g. http://127.0.0.1:8000/v1")
    model: str | None = Field(None, description="the model name the endpoint serves")
    api_key_env: str = Field("OPENAI_API_KEY", description="the environment variable holding the key (never in the config)")
    concurrency: int = Field(8, ge=1, description="requests in flight per engine replica (engine.concurrency actors)")
    requests_per_minute: float | None = Field(None, gt=0, description="over all replicas")
    tokens_per_minute: float | None = Field(None, gt=0, description="over all replicas (prompt estimate + max_tokens)")
    max_retries: int = Field(6, ge=0, description="retries of 408/409/429/5xx, with backoff, honouring Retry-After")
    timeout_s: float = Field(120.0, gt=0)
    # json_schema: the answer schema as `response_format` (vLLM serve and most servers take it);
    # none: free text, read by the same lenient parser.
    structured: Literal["json_schema", "none"] = "json_schema"
    extra_body: dict[str, Any] = Field(default_factory=dict, description="extra request fields, e.g. top_k")


class EngineConfig(_Strict):
    # vllm: vLLM in Ray actors (ray.data.llm); openai: an OpenAI-compatible endpoint (engine.openai).
    backend: Literal["vllm", "openai"] = "vllm"
    openai: OpenAIEndpointConfig = Field(default_factory=OpenAIEndpointConfig)
    batch_size: int = Field(16, ge=1)
    concurrency: int = Field(1, ge=1, description="engine replicas (actors)")
    # CPUs per engine replica when running on CPU (the embedded default); null on a GPU cluster.
    cpu_bundle: int | None = Field(1, ge=1)
    accelerator_type: str | None = None
    engine_kwargs: dict[str, Any] = Field(default_factory=dict)
    # Measured on the embedded default (benchmarks/structured_outputs.py, 36 prompts): 0% of free
    # answers parsed vs 89% guided, and guided was 2.3x faster (answers close early).
    structured_outputs: bool = Field(True, description="schema-guided JSON decoding")
    # Items per list and characters per string of a guided answer: 5 and 40 cut recall on long
    # chunks (held-out NER F1 0.22-0.26 against 0.27-0.28 at 20 and 80, whole documents).
    structured_max_items: int = Field(20, ge=1)
    # The log-probability of every generated token (vLLM `logprobs=0`: the chosen token only, no
    # extra work for the alternatives): what each record's `confidence` is computed from.
    logprobs: bool = True
    structured_max_chars: int = Field(80, ge=1)
    # Batches of batch_size prompts in flight per replica; ray.data.llm releases a batch only when
    # all of its prompts are done. Ray warns below max_num_seqs / batch_size (8 on CPU), but on
    # 2 CPU cores more was not faster (benchmarks/job_vs_engine.py, same tokens out): 900 short
    # prompts 463.9 s at 4, 451.8 s at 8, 447.1 s at 16; the 213 demo prompts 182-195 s at 4,
    # 202-210 s at 16. On a GPU, raise it to max_num_seqs / batch_size.
    max_concurrent_batches: int = Field(4, ge=1)
    # Prompts per block: the unit that streams to the writer and that Ray Data's checkpoint
    # commits, so a killed run redoes only the blocks that were in flight.
    rows_per_block: int = Field(64, ge=1)
    # Ray Data keeps a stats record per block and operator on the driver until a pass ends
    # (ray-project/ray#66016; ~20 KB a block here), so a pass never cuts its prompts into more
    # blocks than this: a larger corpus gets larger blocks, and the driver's memory stays bounded.
    max_blocks: int = Field(2000, ge=1)
    # An answer the engine failed is an `engine_error` row (its documents `partial`/`failed`) and
    # the run goes on; true: the run stops after the pass, names the failed prompts, publishes nothing.
    fail_on_error: bool = False
    # Fault injection for tests (see generate/rows.py): null in every real run.
    inject_fault: FaultConfig | None = None

    @model_validator(mode="after")
    def _endpoint_named(self) -> EngineConfig:
        if self.backend == "openai" and not (self.openai.base_url and self.openai.model):
            raise ValueError("engine.backend openai needs engine.openai.base_url and engine.openai.model")
        return self

    def block_rows(self, n_prompts: int) -> int:
        """Prompts per block for a pass of `n_prompts`: rows_per_block, or more when the pass
        would otherwise be cut into more than max_blocks blocks."""
        return max(self.rows_per_block, -(-n_prompts // self.max_blocks))


class SamplingConfig(_Strict):
    temperature: float = Field(0.0, ge=0.0)
    top_p: float = Field(1.0, gt=0.0, le=1.0)
    # Always sent: vLLM otherwise takes sampling from the checkpoint's generation_config.json
    # (Baichuan 2 ships top_k 5, repetition_penalty 1.05 there).
    top_k: int = Field(0, ge=0, description="0 = off")
    max_tokens: int = Field(256, ge=1)
    repetition_penalty: float = Field(1.0, gt=0.0)
    # An answer cut at max_tokens is asked again once on each half of its chunk (both recorded).
    retry_truncated: bool = True


class IcebergConfig(_Strict):
    """Where `output.format: iceberg` commits the tables (pyiceberg catalog properties)."""

    # Any pyiceberg catalog: {type: rest, uri: https://..., warehouse: ...}, glue, hive, sql. Empty:
    # a SQL catalog in a SQLite file beside a local output (`{output}/_iceberg/catalog.db`), the
    # output as warehouse. S3 endpoint and credentials default to output.storage_options.
    catalog: dict[str, Any] = Field(default_factory=dict, repr=False)
    catalog_name: str = "yayi"
    namespace: str = "yayi"
    table_prefix: str = Field("", description="prepended to each table name, e.g. ie_ -> yayi.ie_entities")


class OutputConfig(_Strict):
    path: str
    # parquet: Hive-partitioned Parquet folders with _SUCCESS and a manifest. iceberg: one Iceberg
    # table per output table, partitioned by run date, one commit per table (publish/iceberg.py).
    format: Literal["parquet", "iceberg"] = "parquet"
    iceberg: IcebergConfig = Field(default_factory=IcebergConfig)
    run_date: dt.date = Field(default_factory=dt.date.today)
    storage_options: dict[str, Any] = Field(default_factory=dict, repr=False)
    report: bool = True
    # Rows whose confidence is below this go to the `low_confidence` table instead of their own
    # (counted in the summary, never dropped); 0 keeps every row in its table.
    min_confidence: float = Field(0.0, ge=0.0, le=1.0)
    # A run whose manifest is already published is a no-op; force computes and replaces it.
    force: bool = False
    # Workers on every node write staging files and the driver publishes them: on a cluster of
    # several nodes a local path must be a shared filesystem (NFS, ...); set true to assert it.
    shared_filesystem: bool = False


class RayConfig(_Strict):
    address: str | None = Field(None, description="None: join the job's cluster or start a local one")
    # Logical CPUs of a local Ray started by the job. The engine's vLLM threads do the heavy work;
    # reader, prompt and parse steps need slots beside it, and on 2 cores Ray would otherwise
    # give the engine one and the chat-template actor the other, and the reader waits forever.
    local_num_cpus: int | None = Field(None, ge=1, description="default: max(4, os.cpu_count())")


class JobConfig(_Strict):
    input: InputConfig
    output: OutputConfig
    extraction: ExtractionConfig = Field(default_factory=ExtractionConfig)
    chunk: ChunkConfig = Field(default_factory=ChunkConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    engine: EngineConfig = Field(default_factory=EngineConfig)
    sampling: SamplingConfig = Field(default_factory=SamplingConfig)
    ray: RayConfig = Field(default_factory=RayConfig)

    @model_validator(mode="after")
    def _answer_fits_the_context(self) -> JobConfig:
        if self.sampling.max_tokens >= self.model.max_model_len:
            raise ValueError(
                f"sampling.max_tokens ({self.sampling.max_tokens}) must be below model.max_model_len "
                f"({self.model.max_model_len}): the prompt needs room too"
            )
        return self

    @model_validator(mode="after")
    def _output_not_inside_an_input(self) -> JobConfig:
        # A folder (or a `**` glob) is read recursively: the output must not be under it. A plain
        # glob reads one level: the output must not be that folder.
        out = _location(self.output.path)
        for path in self.input.paths:
            inp = _location(_glob_base(path))
            recursive = not any(ch in path for ch in "*?[") or "**" in path
            inside = out[1].startswith(inp[1].rstrip("/") + "/") if recursive else False
            if out[0] == inp[0] and (out[1] == inp[1] or inside):
                raise ValueError(
                    f"output.path {self.output.path!r} is inside input path {path!r}: a rerun would read "
                    f"its own output; write somewhere else"
                )
        return self

    def fingerprint(self) -> str:
        """What "the same job" means: a changed prompt, schema, model or sampling is a new one."""
        relevant = {
            "extraction": self.extraction.model_dump(mode="json"),
            "chunk": self.chunk.model_dump(mode="json"),
            "model": self.model.model_dump(mode="json", exclude={"cache_dir", "storage_options"}),
            "sampling": self.sampling.model_dump(mode="json"),
            "structured": self.engine.model_dump(
                mode="json", include={"structured_outputs", "structured_max_items", "structured_max_chars"}
            ),
            # the endpoint's model answers, not model.source (which then only sizes the chunks)
            **(
                {"endpoint": self.engine.openai.model_dump(mode="json", include={"model", "structured", "extra_body"})}
                if self.engine.backend == "openai"
                else {}
            ),
            "input": self.input.model_dump(mode="json", include={"id_column", "text_column", "passthrough_columns"}),
            "templates": _templates_version(),
            "min_confidence": self.output.min_confidence,
        }
        blob = json.dumps(relevant, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def _glob_base(path: str) -> str:
    """The folder part of a path before its first glob character (`data/*.parquet` -> `data`)."""
    cut = min((i for i, ch in enumerate(path) if ch in "*?["), default=None)
    if cut is None:
        return path
    return path[:cut].rsplit("/", 1)[0] if "/" in path[:cut] else "."


def _location(path: str) -> tuple[str, str]:
    """(protocol, absolute normalized path): local paths resolved, `s3://bucket/prefix` as bucket/prefix."""
    if "://" in path and not path.startswith("file://"):
        proto, rest = path.split("://", 1)
        return proto.lower(), "/".join(p for p in rest.split("/") if p and p != ".")
    return "file", str(Path(path.removeprefix("file://")).expanduser().resolve())


def _templates_version() -> str:
    from yayi_batch.prompts.templates import TEMPLATES_VERSION

    return TEMPLATES_VERSION


_SECRET_WORDS = ("secret", "key", "token", "password", "credential", "storage_options")


def _shown(assignment: str) -> str:
    """An override as an error message may show it: the value of anything credential-like hidden."""
    key = assignment.split("=", 1)[0]
    if "=" in assignment and any(w in key.lower() for w in _SECRET_WORDS):
        return f"{key}=***"
    return assignment


class _Loader(yaml.SafeLoader):
    """YAML without implicit dates: `2026-13-45` stays a string, and the field that takes it
    (`output.run_date`) says what is wrong with it, instead of the YAML loader's traceback.
    Booleans as YAML 1.2 reads them (true/false): `model.calibration: off` is the word off, and a
    boolean field still reads on/off/yes/no through pydantic."""


_YAML12_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", _YAML12_BOOL, list("tTfF"))


def parse_yaml(text: str) -> Any:
    """YAML as `yaml.safe_load` reads it, but for dates (a SafeLoader: no object construction)."""
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def apply_override(data: dict[str, Any], assignment: str) -> None:
    """`a.b.c=value` sets data["a"]["b"]["c"]; the value is parsed as YAML (numbers, lists, null)."""
    shown = _shown(assignment)
    if "=" not in assignment:
        raise ConfigError(f"override {assignment!r}: expected key.path=value")
    key, raw = assignment.split("=", 1)
    parts = [p for p in key.strip().split(".") if p]
    if not parts:
        raise ConfigError(f"override {shown!r}: empty key")
    node = data
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"override {shown!r}: {part} is not a section")
        node = child
    try:
        node[parts[-1]] = parse_yaml(raw) if raw.strip() else ""
    except yaml.YAMLError as exc:
        raise ConfigError(f"override {shown!r}: value is not valid YAML" + ("" if shown != assignment else f": {exc}")) from None


def load_config(path: str | Path | None, overrides: list[str] | tuple[str, ...] = ()) -> JobConfig:
    """Read YAML (optional), apply overrides, validate. Errors name the file and the field."""
    return load_model(JobConfig, path, overrides)


def load_model(model: type[M], path: str | Path | None, overrides: list[str] | tuple[str, ...] = ()) -> M:
    """Any strict config model from YAML and `key.path=value` overrides; a `ConfigError` lists
    every problem, each naming its field, and never shows a credential-like value."""
    source = str(path) if path else "<command line>"
    data: dict[str, Any] = {}
    if path:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{source}: cannot read config: {exc.strerror}") from None
        try:
            data = parse_yaml(text) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{source}: not valid YAML: {exc}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{source}: the top level must be a mapping, got {type(data).__name__}")
    for assignment in overrides:
        apply_override(data, assignment)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(source, exc)) from None


def _problem(err: Any) -> str:
    """One validation error: the field, what is wrong, and the value given (unless credential-like)."""
    where = ".".join(str(p) for p in err["loc"])
    msg = err["msg"].removeprefix("Value error, ")
    if not where:  # a check across sections (model_validator) names its fields in the message itself
        return msg
    value = err.get("input")
    secret = any(w in where.lower() for w in _SECRET_WORDS)
    shown = "" if secret or isinstance(value, dict) or err["type"] in ("missing", "extra_forbidden") else f" (got {value!r:.80})"
    return f"field {where}: {msg}{shown}"


def _describe(source: str, exc: ValidationError) -> str:
    """One line for one problem; a line per problem under a header for several."""
    problems = [_problem(err) for err in exc.errors()]
    if len(problems) == 1:
        return f"{source}: invalid config: {problems[0]}"
    return "\n".join([f"{source}: invalid config ({len(problems)} problems)", *(f"  {p}" for p in problems)])
