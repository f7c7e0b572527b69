from __future__ import annotations

import pytest

from yayi_batch.tune.config import TuneConfigError, load_tune_config


def test_committed_recipe_loads_with_overrides():
    cfg = load_tune_config("configs/tune.yaml", ["train.max_steps=7", "data.msra.train=3", "lora.target_modules=[q_proj]"])
    assert cfg.train.max_steps == 7 and cfg.data.msra.train == 3 and cfg.lora.target_modules == ["q_proj"]
    assert cfg.base_model == "embedded:gemma3-270m" and cfg.data.msra.heldout == 200  # the rest as committed


@pytest.mark.parametrize(("override", "field"), [("train.max_steps=0", "train.max_steps"), ("data.heldout_share=1", "data.heldout_share"),
                                                 ("train.nope=1", "train.nope"), ("max_steps", "expected key.path=value"),
                                                 ("output=s3://b/tune", "output")])
def test_errors_name_the_field(override, field):
    with pytest.raises(TuneConfigError, match=field.replace(".", r"\.")):
        load_tune_config("configs/tune.yaml", [override])
