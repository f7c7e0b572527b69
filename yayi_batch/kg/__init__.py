"""Knowledge graph from a published yayi-batch output (``yayi-batch kg``). Pure: no ray, no vllm.

Modules, one job each: ``canonical`` (normalization and keys), ``source`` (read a published
output per date), ``build`` (polars lazy builders), ``stage`` (the incremental per-date stage),
``graph`` (orchestration), ``ladybug_load``, ``neo4j_csv``, ``report_section``, ``cli``, ``schema``.
"""
