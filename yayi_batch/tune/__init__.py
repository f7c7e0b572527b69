"""Instruction tuning of a small model on IE data rendered with the job's own prompt builder.

Pure data layers (`records`, `corpora`, `news`, `render`, `dataset`, `config`) and the engine
side (`train`: Ray Train + torch + peft; `merge`: the adapter into a base model).
"""
