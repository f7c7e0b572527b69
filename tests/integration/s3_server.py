"""moto's S3 server on 127.0.0.1 (a real HTTP S3 API) for tests; buckets made through s3fs."""

from __future__ import annotations

import contextlib
import os
import urllib.request
from collections.abc import Iterator

import s3fs


@contextlib.contextmanager
def moto_s3(*buckets: str) -> Iterator[tuple[s3fs.S3FileSystem, dict]]:
    from moto.server import ThreadedMotoServer

    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    # moto keeps its buckets in process-wide state that outlives a server: start empty, or one
    # test sees the objects another one uploaded.
    urllib.request.urlopen(urllib.request.Request(f"http://{host}:{port}/moto-api/reset", method="POST")).read()
    options = {"key": "testing", "secret": "testing", "client_kwargs": {"endpoint_url": f"http://{host}:{port}"}}
    fs = s3fs.S3FileSystem(**options)
    for bucket in buckets:
        fs.call_s3("create_bucket", Bucket=bucket)
    try:
        yield fs, options
    finally:
        server.stop()
