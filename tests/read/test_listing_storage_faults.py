"""Input listing against object storage that refuses, times out, or denies access: one line
naming the URI and the endpoint, exit code 2, before Ray starts (no botocore traceback)."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from yayi_batch.cli import main
from yayi_batch.config import InputConfig
from yayi_batch.read import InputError, list_inputs

pytestmark = pytest.mark.s3

DENIED = (
    b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message>'
    b"<RequestId>1</RequestId></Error>"
)


class _Denies(BaseHTTPRequestHandler):
    def _deny(self):
        self.send_response(403)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(DENIED)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(DENIED)

    do_GET = do_HEAD = do_PUT = do_POST = _deny

    def log_message(self, *args):
        pass


@pytest.fixture
def denying_endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Denies)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def silent_endpoint():
    """Accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    held = []
    stop = threading.Event()

    def accept():
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(sock.accept()[0])
            except OSError:
                continue

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    stop.set()
    for c in held:
        c.close()
    sock.close()


@pytest.fixture
def closed_endpoint():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


def _options(endpoint: str) -> dict:
    # Few retries and short timeouts: the defaults (10 attempts, 60 s timeouts) would take minutes.
    return {
        "key": "k",
        "secret": "s",
        "client_kwargs": {"endpoint_url": endpoint, "region_name": "us-east-1"},
        "config_kwargs": {"retries": {"max_attempts": 2, "mode": "standard"}, "connect_timeout": 1, "read_timeout": 1},
    }


@pytest.mark.parametrize(
    ("endpoint_fixture", "cause"),
    [("closed_endpoint", "EndpointConnectionError"), ("silent_endpoint", "Timeout"), ("denying_endpoint", "Access")],
)
@pytest.mark.slow
def test_listing_fails_in_one_line_naming_uri_and_endpoint(request, endpoint_fixture, cause):
    endpoint = request.getfixturevalue(endpoint_fixture)
    with pytest.raises(InputError) as e:
        list_inputs(InputConfig(paths=["s3://lake/in/"], storage_options=_options(endpoint)))
    message = str(e.value)
    assert message.startswith("input s3://lake/in/: storage failed at " + endpoint)
    assert cause.lower() in message.lower() and "\n" not in message


def test_the_cli_says_it_in_one_line_before_ray_starts(closed_endpoint, capsys, tmp_path, monkeypatch):
    from yayi_batch.run import job

    started = []
    monkeypatch.setattr(job, "_init_ray", lambda cfg: started.append(cfg))  # Ray may already run in this process
    code = main(
        [
            "run",
            "--config",
            "configs/local.yaml",
            "--input",
            "s3://lake/in/",
            "--output",
            str(tmp_path / "out"),
            "--set",
            f"input.storage_options={json.dumps(_options(closed_endpoint))}",
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.count("\n") == 0
    assert err.startswith(f"yayi-batch: input s3://lake/in/: storage failed at {closed_endpoint}: EndpointConnectionError")
    assert "secret" not in err and not started
