"""The CPU share of the pipeline's light Ray stages (chunking, prompt rows, chat template, parse
and ground, finalize's maps and reduces). Pure.

A fraction of a CPU: on a 2-core box a whole CPU each for these and the engine leaves none for
the reader, and the pipeline waits forever. The engine's share is `engine.cpu_bundle` (CPU) or a
GPU; every pass declares its light stages' share in run/passes.py.
"""

LIGHT_STAGE_CPUS = 0.25
