"""fs.with_retries: the S3 defaults the job adds, and the user's own options winning."""

from yayi_batch.fs import S3_RETRIES, with_retries


def test_s3_gets_retries_and_no_listing_cache():
    options = with_retries("s3://bucket/prefix", {"key": "k"})
    assert options["config_kwargs"]["retries"] == S3_RETRIES
    assert options["use_listings_cache"] is False
    assert options["key"] == "k"


def test_the_users_own_settings_win():
    mine = {"use_listings_cache": True, "config_kwargs": {"retries": {"max_attempts": 2}}}
    options = with_retries("s3://bucket/prefix", mine)
    assert options["use_listings_cache"] is True
    assert options["config_kwargs"]["retries"] == {"max_attempts": 2}


def test_other_filesystems_are_left_alone():
    assert with_retries("/tmp/x", {"auto_mkdir": True}) == {"auto_mkdir": True}
    assert with_retries("memory://x", None) == {}
