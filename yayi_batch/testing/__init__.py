"""Test equipment shipped with the package: a tiny random Baichuan 2 in the real file layout
(for the plugin and whole-job tests, and `scripts/make_standin.py`). Not used by the job."""
