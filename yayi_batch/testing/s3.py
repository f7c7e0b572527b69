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


class MotoControl:
    """The moto server of `restartable_moto_s3`: stop it (port closed, requests refused) and start it
    again on the same port; moto keeps its buckets in the process, so the objects survive."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        self._cls = ThreadedMotoServer
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        self.host, self.port = self.server.get_host_and_port()
        self.up = True

    def stop(self) -> None:
        if self.up:
            self.server.stop()
            self.server._server.server_close()  # stop() leaves the socket listening: close it
            self.up = False

    def start(self) -> None:
        if not self.up:
            self.server = self._cls(ip_address="127.0.0.1", port=self.port, verbose=False)
            self.server.start()
            self.up = True


@contextlib.contextmanager
def restartable_moto_s3(*buckets: str) -> Iterator[tuple[s3fs.S3FileSystem, dict, MotoControl]]:
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    control = MotoControl()
    url = f"http://{control.host}:{control.port}"
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST")).read()
    options = {"key": "testing", "secret": "testing", "client_kwargs": {"endpoint_url": url}}
    fs = s3fs.S3FileSystem(**options)
    for bucket in buckets:
        fs.call_s3("create_bucket", Bucket=bucket)
    try:
        yield fs, options, control
    finally:
        control.stop()


SLOW_DOWN = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
    b"<Message>Please reduce your request rate.</Message><RequestId>proxy</RequestId></Error>"
)
_HOP = {"connection", "keep-alive", "transfer-encoding", "expect", "proxy-connection", "te", "upgrade"}


class ThrottlingProxy:
    """An HTTP proxy on 127.0.0.1 in front of moto that answers 503 SlowDown to every `every`-th
    request (while `active`), and forwards the rest unchanged."""

    def __init__(self, target_port: int, every: int = 3) -> None:
        import http.client
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        proxy = self
        self.every, self.active, self.requests, self.throttled = every, True, 0, 0
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    out = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                        if size == 0:
                            while self.rfile.readline().strip():
                                pass
                            return out
                        out += self.rfile.read(size)
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _handle(self) -> None:
                body = self._body()
                with lock:
                    proxy.requests += 1
                    throttle = proxy.active and proxy.requests % proxy.every == 0
                    proxy.throttled += throttle
                if throttle:
                    payload = b"" if self.command == "HEAD" else SLOW_DOWN
                    self.send_response(503)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(SLOW_DOWN)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                conn = http.client.HTTPConnection("127.0.0.1", target_port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
                if body or self.command in ("PUT", "POST"):
                    headers["Content-Length"] = str(len(body))
                conn.request(self.command, self.path, body=body or None, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in _HOP and k.lower() != "content-length":
                        self.send_header(k, v)
                self.send_header(
                    "Content-Length",
                    str(resp.getheader("Content-Length") if self.command == "HEAD" and resp.getheader("Content-Length") else len(data)),
                )
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                conn.close()

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
