"""generate: prompt rows -> model answers. `rows` is pure (row pre/post-processing); `engine` is
ray.data.llm + vLLM (imported only where a run needs it)."""
