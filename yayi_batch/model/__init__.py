"""model: profiles (pure), resolution of a model source into local folders, the YAYI tokenizer
rebuilt from sentencepiece, and the pre-flight check of a model folder."""
