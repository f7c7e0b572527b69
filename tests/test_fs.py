"""fs.s3_defaults: the S3 defaults the job adds, and the user's own options winning."""

from yayi_batch.fs import S3_RETRIES, s3_defaults


def test_s3_gets_retries_and_no_listing_cache():
    options = s3_defaults("s3://bucket/prefix", {"key": "k"})
    assert options["config_kwargs"]["retries"] == S3_RETRIES
    assert options["use_listings_cache"] is False
    assert options["key"] == "k"


def test_the_users_own_settings_win():
    mine = {"use_listings_cache": True, "config_kwargs": {"retries": {"max_attempts": 2}}}
    options = s3_defaults("s3://bucket/prefix", mine)
    assert options["use_listings_cache"] is True
    assert options["config_kwargs"]["retries"] == {"max_attempts": 2}


def test_other_filesystems_are_left_alone():
    assert s3_defaults("/tmp/x", {"auto_mkdir": True}) == {"auto_mkdir": True}
    assert s3_defaults("memory://x", None) == {}
