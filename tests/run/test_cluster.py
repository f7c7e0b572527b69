"""run/cluster.py: local paths on a multi-node cluster are refused before any work."""

import pytest

from yayi_batch.config import ConfigError, load_config
from yayi_batch.run.cluster import check_storage_for_cluster


def cfg(*overrides):
    return load_config(None, ["input.paths=[/data/shards]", "output.path=/data/out", *overrides])


def test_one_node_takes_local_paths():
    check_storage_for_cluster(cfg(), 1)


def test_several_nodes_refuse_a_local_output_and_local_inputs():
    with pytest.raises(ConfigError) as err:
        check_storage_for_cluster(cfg(), 2)
    message = str(err.value)
    assert "output.path /data/out" in message and "2 nodes" in message and "output.shared_filesystem" in message
    assert "input.paths /data/shards" in message


def test_shared_filesystem_switches_or_object_storage_are_accepted():
    check_storage_for_cluster(cfg("output.shared_filesystem=true", "input.shared_filesystem=true"), 3)
    check_storage_for_cluster(cfg("input.paths=[s3://in/x]", "output.path=s3://out/y"), 3)
    with pytest.raises(ConfigError, match="input.paths"):
        check_storage_for_cluster(cfg("output.path=s3://out/y"), 2)
