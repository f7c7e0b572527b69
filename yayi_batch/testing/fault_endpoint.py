"""A local OpenAI-compatible server for tests: it answers chat completions on a schedule of
faults (429 with Retry-After, 500) before answering, and always fails prompts that contain a
marker, and records when each request came. Pure: the standard library's HTTP server."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ALWAYS_FAIL = "ALWAYS-FAIL"


class FaultEndpoint:
    """`schedule`: what the n-th request of a prompt gets (429, 500, then 200 for the rest)."""

    def __init__(self, schedule: tuple[int, ...] = (429, 500), retry_after: float = 1.0):
        self.schedule, self.retry_after = schedule, retry_after
        self.requests: list[dict[str, Any]] = []  # prompt, status, at, authorization
        self.lock = threading.Lock()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                prompt = body["messages"][-1]["content"] if "messages" in body else body.get("prompt", "")
                with endpoint.lock:
                    seen = sum(r["prompt"] == prompt for r in endpoint.requests)
                    status = 500 if ALWAYS_FAIL in prompt else (endpoint.schedule[seen] if seen < len(endpoint.schedule) else 200)
                    endpoint.requests.append(
                        {"prompt": prompt, "status": status, "at": time.monotonic(), "authorization": self.headers.get("Authorization")}
                    )
                if status == 200:
                    payload = endpoint.answer(prompt, body)
                else:
                    payload = {"error": {"message": f"scheduled {status}", "type": "server_error"}}
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if status == 429:
                    self.send_header("Retry-After", str(endpoint.retry_after))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def answer(self, prompt: str, body: dict[str, Any]) -> dict[str, Any]:
        """A YAYI-style NER answer naming the text's first word as a person."""
        text = prompt.split("Text: ", 1)[-1].split(" \n", 1)[0] if "Text: " in prompt else prompt.split("文本: ", 1)[-1][:2]
        content = json.dumps({"person": [text.split()[0]]} if text.split() else {}, ensure_ascii=False)
        return {
            "id": "x",
            "object": "chat.completion",
            "created": 0,
            "model": body.get("model"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": len(prompt) // 4, "completion_tokens": 7, "total_tokens": len(prompt) // 4 + 7},
        }

    def __enter__(self) -> FaultEndpoint:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
