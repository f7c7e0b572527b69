"""Labelled corpora: typed records, one tag decoder, and a reader per public format. Pure package.

The tuner trains on what these readers yield, and the quality benchmark and `yayi-batch eval`
score against the same records, so a format is read one way everywhere.
"""
