"""The Starlette application: routes, the security headers, and the guard against other origins.

Pages are server-rendered (Jinja2); htmx swaps in search results as one types and loads the slow
parts of a page (sample rows, quarantine, ML sections) in their own requests. Every asset is served
from this app (``static/``), and the Content-Security-Policy allows nothing else, so a page cannot
make a request outside the host it came from. Only ``Host: 127.0.0.1``/``localhost`` is served
(no DNS rebinding), and a POST from another origin is refused.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

import catalog
import quality
from catalog.access import Principal
from lakehouse.errors import LakehouseError, NotFoundError, plain
from lakehouse.settings import Settings
from lakehouse.ui import dataset, model, render, search, sql
from lakehouse.ui.viewer import COOKIE, Viewer, viewer_for

STATIC = Path(__file__).parent / "static"
HOSTS = ("127.0.0.1", "localhost")
CSP = ("default-src 'none'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")  # fmt: skip
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
           "X-Frame-Options": "DENY", "Cache-Control": "no-store"}  # fmt: skip
Handler = Callable[[Request, FormData | None], Response]
Endpoint = Callable[[Request], Awaitable[Response]]


class Pages:
    """The routes' shared state: settings, the principal fixed at start (None: administrator), templates."""

    def __init__(self, settings: Settings, principal: Principal | None) -> None:
        self.settings = settings
        self.principal = principal
        self.env = render.environment()

    def viewer(self, request: Request) -> Viewer:
        return viewer_for(self.settings, self.principal, request.cookies.get(COOKIE))

    def html(self, request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        viewer = context.pop("viewer", None) or self.viewer(request)
        page = self.env.get_template(template).render(viewer=viewer, request=request, **context)
        return HTMLResponse(page, status_code=status)

    def fragment(self, request: Request, full: str, part: str, **context: Any) -> HTMLResponse:
        """The part alone for htmx, the whole page otherwise (a link opened directly)."""
        return self.html(request, part if request.headers.get("HX-Request") else full, **context)

    def home(self, request: Request, form: FormData | None = None) -> Response:
        return self.search(request)

    def search(self, request: Request, form: FormData | None = None) -> Response:
        viewer = self.viewer(request)
        text = request.query_params.get("q", "")
        return self.fragment(request, "search.html", "_results.html", viewer=viewer,
                             **search.results(viewer, text))  # fmt: skip

    def api_search(self, request: Request, form: FormData | None = None) -> Response:
        found = search.results(self.viewer(request), request.query_params.get("q", ""))
        if "error" in found:
            return JSONResponse({"error": found["error"]}, status_code=400)
        return JSONResponse(as_json(found["result"]))

    def dataset(self, request: Request, form: FormData | None = None) -> Response:
        viewer = self.viewer(request)
        context = dataset.page(viewer, request.path_params["name"])
        if context["d"].kind == "model":
            return RedirectResponse(f"/model/{render.path(context['d'].name)}", status_code=303)
        return self.html(request, "dataset.html", viewer=viewer, **context)

    def api_dataset(self, request: Request, form: FormData | None = None) -> Response:
        viewer = self.viewer(request)
        return JSONResponse(
            as_json(catalog.show(viewer.settings, request.path_params["name"], view=viewer.view()))
        )

    def sample(self, request: Request, form: FormData | None = None) -> Response:
        viewer = self.viewer(request)
        return self.html(
            request, "_sample.html", viewer=viewer, **dataset.sample(viewer, request.path_params["name"])
        )

    def quarantine(self, request: Request, form: FormData | None = None) -> Response:
        viewer = self.viewer(request)
        context = dataset.quarantine(viewer, request.path_params["name"])
        return self.html(request, "_quarantine.html", viewer=viewer, **context)

    def lineage(self, request: Request, form: FormData | None = None) -> Response:
        viewer = self.viewer(request)
        info = catalog.show(viewer.settings, request.path_params["name"], view=viewer.view())
        return self.html(request, "lineage.html", viewer=viewer, info=info, d=info.dataset)

    def datadocs(self, request: Request, form: FormData | None = None) -> Response:
        """A file of the GX Data Docs site, read-only, for the administrator (``dataset._docs`` says why)."""
        if self.viewer(request).principal is not None:
            raise NotFoundError("Data Docs are shown to the administrator only", hint="they hold raw values")
        return FileResponse(quality.page_file(self.settings, request.path_params["path"]))

    def model(self, request: Request, form: FormData | None = None) -> Response:
        viewer = self.viewer(request)
        return self.html(
            request, "model.html", viewer=viewer, **model.page(viewer, request.path_params["name"])
        )

    def model_report(self, request: Request, form: FormData | None = None) -> Response:
        """The retrain report (``HOME/reports/retrain``) as written, sandboxed by its own policy."""
        path = model.report_file(self.viewer(request), request.path_params["name"])
        return HTMLResponse(
            path.read_text(encoding="utf-8"), headers={"Content-Security-Policy": model.REPORT_CSP}
        )

    def model_section(self, request: Request, form: FormData | None = None) -> Response:
        viewer = self.viewer(request)
        p = request.path_params
        return self.html(
            request, "_section.html", viewer=viewer, **model.section(viewer, p["name"], p["function"])
        )

    def sql_page(self, request: Request, form: FormData | None = None) -> Response:
        return self.html(request, "sql.html", q="", dialect="auto", dialects=sql.DIALECTS, table=None)

    def sql_run(self, request: Request, form: FormData | None = None) -> Response:
        viewer = self.viewer(request)
        assert form is not None  # a POST: read by the guard
        text, dialect = str(form.get("q", "")), str(form.get("dialect", "auto"))
        table = sql.run(viewer, text, dialect)
        if form.get("format") == "csv" and table.error is None:
            headers = {"Content-Disposition": 'attachment; filename="result.csv"'}
            return Response(sql.as_csv(table), media_type="text/csv; charset=utf-8", headers=headers)
        return self.fragment(request, "sql.html", "_table.html", viewer=viewer, q=text, dialect=dialect,
                             dialects=sql.DIALECTS, table=table, limit=sql.SHOWN)  # fmt: skip

    def choose(self, request: Request, form: FormData | None = None) -> Response:
        """Narrow an administrator's page to a policy user (``user`` empty: back to the administrator)."""
        viewer = self.viewer(request)
        user = request.query_params.get("user", "")
        response = RedirectResponse("/", status_code=303)
        if viewer.fixed:
            return response
        if user and user not in viewer.users():
            raise NotFoundError(
                f"no user {user!r} in the access policy", hint=f"users: {', '.join(viewer.users())}"
            )
        if user:
            response.set_cookie(COOKIE, user, httponly=True, samesite="strict")
        else:
            response.delete_cookie(COOKIE)
        return response


def as_json(value: Any) -> Any:
    """Dataclasses, tuples and datetimes as JSON values (what ``--json`` prints)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: as_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value if value is None or isinstance(value, str | int | float | bool) else str(value)


def _guarded(pages: Pages, handler: Handler) -> Endpoint:
    """The handler on a worker thread (the library is synchronous), errors rendered as the CLI's one line,
    and the security headers on every answer."""

    async def run(request: Request) -> Response:
        if request.method == "POST" and not _same_origin(request):
            response: Response = Response("refused: a request from another origin", status_code=403)
        else:
            try:
                form = await request.form() if request.method == "POST" else None
                response = await run_in_threadpool(handler, request, form)
            except LakehouseError as exc:
                status = 404 if isinstance(exc, NotFoundError) else 400
                if request.url.path.startswith("/api/"):
                    response = JSONResponse({"error": plain(str(exc))}, status_code=status)
                else:
                    response = pages.html(request, "error.html", status=status, message=plain(str(exc)))
        own = response.headers.get("Content-Security-Policy")  # the sandboxed retrain report's own policy
        response.headers.update(HEADERS)
        if own is not None:
            response.headers["Content-Security-Policy"] = own
        return response

    return run


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == request.headers.get("host")


class _Static(StaticFiles):
    async def get_response(self, path: str, scope: Any) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update({k: v for k, v in HEADERS.items() if k != "Cache-Control"})
        return response


def create_app(
    settings: Settings, principal: Principal | None = None, hosts: tuple[str, ...] = HOSTS
) -> Starlette:
    """The web page for ``settings`` as ``principal`` (None: the administrator, who may narrow it to a user)."""
    pages = Pages(settings, principal)
    table: list[tuple[str, Handler, list[str]]] = [
        ("/", pages.home, ["GET"]),
        ("/search", pages.search, ["GET"]),
        ("/api/search", pages.api_search, ["GET"]),
        ("/dataset/{name}", pages.dataset, ["GET"]),
        ("/dataset/{name}/sample", pages.sample, ["GET"]),
        ("/dataset/{name}/quarantine", pages.quarantine, ["GET"]),
        ("/api/dataset/{name}", pages.api_dataset, ["GET"]),
        ("/lineage/{name}", pages.lineage, ["GET"]),
        ("/datadocs/{path:path}", pages.datadocs, ["GET"]),
        ("/model/{name}", pages.model, ["GET"]),
        ("/model/{name}/retrain-report", pages.model_report, ["GET"]),
        ("/model/{name}/{function}", pages.model_section, ["GET"]),
        ("/sql", pages.sql_page, ["GET"]),
        ("/sql", pages.sql_run, ["POST"]),
        ("/as", pages.choose, ["GET"]),
    ]
    routes: list[Route | Mount] = [Route(p, _guarded(pages, h), methods=m) for p, h, m in table]
    # vega, vega-lite, vega-embed: the one vendored copy, beside the retrain report that inlines them
    static = _Static(directory=STATIC, packages=[("warehouse.retrain", "vendor")])
    routes.append(Mount("/static", static, name="static"))
    middleware = [Middleware(TrustedHostMiddleware, allowed_hosts=list(hosts))]
    return Starlette(routes=routes, middleware=middleware)
