"""A local HTTP endpoint that speaks the small part of BigQuery's REST API the project uses.

Not BigQuery: there is no BigQuery emulator on PyPI and the tests run offline, so this fake records the
requests google-cloud-bigquery (and dbt-bigquery) send and answers in BigQuery's REST shape: datasets
(get/insert), tables (get/list/delete), load jobs (multipart and resumable uploads), job polling. Tables are
created by load jobs with the schema the job carried, so a later ``tables.get`` sees them.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from email import message_from_bytes
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

API = "/bigquery/v2/projects/(?P<project>[^/]+)"


@dataclass
class LoadJob:
    """A load job as received: its configuration and the uploaded bytes."""

    job_id: str
    configuration: dict[str, Any]
    data: bytes


@dataclass
class FakeBigQueryState:
    datasets: dict[str, dict[str, Any]] = field(default_factory=dict)  # "project.dataset" -> resource
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)  # "project.dataset.table" -> resource
    jobs: dict[str, LoadJob] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path)
    uploads: dict[str, dict[str, Any]] = field(default_factory=dict)  # resumable session -> job resource


class _Handler(BaseHTTPRequestHandler):
    state: FakeBigQueryState
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # silence the default stderr log
        pass

    # --- plumbing ---------------------------------------------------------------------------------
    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(
        self, status: int, payload: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> None:
        body = json.dumps(payload).encode() if payload is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _not_found(self, what: str) -> None:
        self._send(404, {"error": {"code": 404, "message": f"Not found: {what}", "status": "NOT_FOUND",
                                   "errors": [{"reason": "notFound", "message": f"Not found: {what}"}]}})  # fmt: skip

    def _route(self, method: str) -> None:
        url = urlparse(self.path)
        self.state.requests.append((method, url.path))
        for pattern, name in ROUTES:
            match = re.fullmatch(pattern, url.path)
            if match and name.startswith(method.lower() + "_"):
                getattr(self, name)(match, parse_qs(url.query))
                return
        self._send(
            400, {"error": {"code": 400, "message": f"fake BigQuery: no route for {method} {url.path}"}}
        )

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PUT(self) -> None:
        self._route("PUT")

    def do_DELETE(self) -> None:
        self._route("DELETE")

    # --- datasets -----------------------------------------------------------------------------------
    def get_dataset(self, m: re.Match[str], q: dict[str, list[str]]) -> None:
        key = f"{m['project']}.{m['dataset']}"
        if key not in self.state.datasets:
            return self._not_found(f"Dataset {m['project']}:{m['dataset']}")
        self._send(200, self.state.datasets[key])

    def post_datasets(self, m: re.Match[str], q: dict[str, list[str]]) -> None:
        resource = json.loads(self._body())
        ref = resource["datasetReference"]
        key = f"{ref['projectId']}.{ref['datasetId']}"
        if key in self.state.datasets:
            return self._send(409, {"error": {"code": 409, "message": f"Already Exists: Dataset {key}"}})
        resource.setdefault("id", f"{ref['projectId']}:{ref['datasetId']}")
        self.state.datasets[key] = resource
        self._send(200, resource)

    # --- tables -------------------------------------------------------------------------------------
    def get_tables(self, m: re.Match[str], q: dict[str, list[str]]) -> None:
        prefix = f"{m['project']}.{m['dataset']}."
        tables = [t for key, t in self.state.tables.items() if key.startswith(prefix)]
        self._send(200, {"kind": "bigquery#tableList", "tables": tables, "totalItems": len(tables)})

    def get_routines(self, m: re.Match[str], q: dict[str, list[str]]) -> None:
        self._send(200, {"routines": []})

    def get_table(self, m: re.Match[str], q: dict[str, list[str]]) -> None:
        key = f"{m['project']}.{m['dataset']}.{m['table']}"
        if key not in self.state.tables:
            return self._not_found(f"Table {m['project']}:{m['dataset']}.{m['table']}")
        self._send(200, self.state.tables[key])

    def delete_table(self, m: re.Match[str], q: dict[str, list[str]]) -> None:
        key = f"{m['project']}.{m['dataset']}.{m['table']}"
        if self.state.tables.pop(key, None) is None:
            return self._not_found(f"Table {key}")
        self._send(204)

    # --- load jobs ----------------------------------------------------------------------------------
    def post_upload(self, m: re.Match[str], q: dict[str, list[str]]) -> None:
        kind = q.get("uploadType", [""])[0]
        body = self._body()
        if kind == "multipart":
            message = message_from_bytes(
                b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n" + body, policy=HTTP
            )
            parts = [part.get_payload(decode=True) for part in message.iter_parts()]
            resource, data = json.loads(bytes(parts[0])), bytes(parts[1])
            return self._send(200, self._finish_load(m["project"], resource, data))
        if kind == "resumable":
            session = uuid.uuid4().hex
            self.state.uploads[session] = json.loads(body)
            host = self.headers["Host"]
            location = f"http://{host}/upload/bigquery/v2/projects/{m['project']}/jobs?uploadType=resumable&upload_id={session}"
            return self._send(200, {}, {"Location": location})
        self._send(400, {"error": {"code": 400, "message": f"unsupported uploadType {kind!r}"}})

    def put_upload(self, m: re.Match[str], q: dict[str, list[str]]) -> None:
        session = q.get("upload_id", [""])[0]
        resource = self.state.uploads.pop(session)
        self._send(200, self._finish_load(m["project"], resource, self._body()))

    def _finish_load(self, project: str, resource: dict[str, Any], data: bytes) -> dict[str, Any]:
        ref = resource.setdefault("jobReference", {})
        ref.setdefault("projectId", project)
        job_id = ref.setdefault("jobId", uuid.uuid4().hex)
        load = resource["configuration"]["load"]
        dest = load["destinationTable"]
        key = f"{dest['projectId']}.{dest['datasetId']}.{dest['tableId']}"
        exists = key in self.state.tables
        if load.get("writeDisposition") == "WRITE_EMPTY" and exists:
            resource["status"] = {
                "state": "DONE",
                "errorResult": {"reason": "duplicate", "message": f"{key} exists"},
            }
            return resource
        table = {"kind": "bigquery#table", "id": f"{dest['projectId']}:{dest['datasetId']}.{dest['tableId']}",
                 "tableReference": dest, "type": "TABLE", "schema": load.get("schema", {"fields": []})}  # fmt: skip
        for option in ("timePartitioning", "clustering", "destinationTableProperties"):
            if option in load:
                table[option] = load[option]
        self.state.tables[key] = table
        self.state.jobs[job_id] = LoadJob(job_id, resource["configuration"], data)
        resource["status"] = {"state": "DONE"}
        resource["statistics"] = {"load": {"outputRows": "0", "inputFileBytes": str(len(data))}}
        return resource

    def get_job(self, m: re.Match[str], q: dict[str, list[str]]) -> None:
        job = self.state.jobs.get(m["job"])
        if job is None:
            return self._not_found(f"Job {m['job']}")
        self._send(200, {"jobReference": {"projectId": m["project"], "jobId": job.job_id},
                         "configuration": job.configuration, "status": {"state": "DONE"}})  # fmt: skip


ROUTES = [
    (API + "/datasets/(?P<dataset>[^/]+)", "get_dataset"),
    (API + "/datasets", "post_datasets"),
    (API + "/datasets/(?P<dataset>[^/]+)/tables", "get_tables"),
    (API + "/datasets/(?P<dataset>[^/]+)/routines", "get_routines"),
    (API + "/datasets/(?P<dataset>[^/]+)/tables/(?P<table>[^/]+)", "get_table"),
    (API + "/datasets/(?P<dataset>[^/]+)/tables/(?P<table>[^/]+)", "delete_table"),
    ("/upload" + API + "/jobs", "post_upload"),
    ("/upload" + API + "/jobs", "put_upload"),
    (API + "/jobs/(?P<job>[^/]+)", "get_job"),
]


class FakeBigQuery:
    """``with FakeBigQuery() as bq: ... bq.endpoint ... bq.state``: a server on a free local port."""

    def __init__(self) -> None:
        self.state = FakeBigQueryState()
        handler = type("Handler", (_Handler,), {"state": self.state})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeBigQuery:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
