"""The workbench's own pages, served by Datasette (routes registered in plugin.py):

    /<db>/-/measure/<id>           one measure: facts, status history, every report, its figures, reviews
    /<db>/-/article/<id>           an article to read, evidence and figures highlighted
    /<db>/-/review/event/<id>      confirm / reject / correct a measure (logged-in analysts only)
    /<db>/-/review/company/<id>    the same for a company
    /<db>/-/feed/<watchlist>.atom  a watchlist's Atom feed (its self link)

Reads go through Datasette's read connections; a review goes through its write thread into
core.store.corrections, the code `tradewatch review` runs too.
"""
from __future__ import annotations

import json
from urllib.parse import quote

import sqlite_utils
from datasette.utils.asgi import Forbidden, NotFound, Response

from core import countries, hs, vocabulary
from core.store import corrections
from tradewatch.alerts import render_atom, state
from tradewatch.alerts.model import Event
from tradewatch.alerts.wording import measure_phrase, status_label
from tradewatch.datasette.cells import article_url, measure_url
from tradewatch.datasette.highlight import Span, highlight, locate


def _db(datasette, request):
    name = request.url_vars["database"]
    try:
        return name, datasette.get_database(name)
    except KeyError:
        raise NotFound(f"no database {name!r}") from None


async def _one(db, sql: str, params: list) -> dict | None:
    rows = (await db.execute(sql, params)).rows
    return dict(rows[0]) if rows else None


async def _all(db, sql: str, params: list) -> list[dict]:
    return [dict(r) for r in (await db.execute(sql, params)).rows]


def _list(text: str | None) -> list[str]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def _day(value: str | None) -> str:
    return (value or "")[:10]


def status_history(reports: list[dict], effective: str | None) -> list[dict]:
    """"threatened 3 Nov → announced 20 Nov → in effect 1 Jan": each change of status with the day of
    the first report that says it; a stated effective date not yet reported as in effect comes last."""
    steps: list[dict] = []
    for report in reports:
        status = report.get("status")
        if status and (not steps or steps[-1]["status"] != status):
            steps.append({"status": status, "label": status_label(status), "day": _day(report.get("reported")),
                          "scheduled": False})
    if effective and not any(s["status"] == "in_effect" for s in steps):
        steps.append({"status": "in_effect", "label": status_label("in_effect"), "day": effective, "scheduled": True})
    return steps


async def measure_page(datasette, request):
    name, db = _db(datasette, request)
    event_id = request.url_vars["id"]
    event = await _one(db, "SELECT * FROM events WHERE id = ?", [event_id])
    if event is None:
        raise NotFound(f"no measure with id {event_id}")
    targets, chapters = _list(event["targets"]), _list(event["hs_chapters"])
    reports = await _all(db, """
        SELECT m.id, m.status, m.product, m.evidence, m.announced, m.effective, m.article_id,
               coalesce(a.published, a.fetched_at) AS reported, a.title, a.url, a.tier,
               coalesce(nullif(a.site_name, ''), a.source) AS outlet
        FROM event_mentions m JOIN articles a ON a.id = m.article_id
        WHERE m.event_id = ? ORDER BY reported, m.id""", [event_id])
    figures = await _all(db, """
        SELECT figure, kind, value, unit, figure_measure, sentence, reported, outlet, article_id, article_url
        FROM measure_figures_view WHERE measure = ? ORDER BY reported, article_id""", [event_id])
    reviews = await _all(db, "SELECT action, field, value, reviewer, created_at FROM corrections "
                             "WHERE kind = 'event' AND target_id = ? ORDER BY created_at, rowid", [event_id])
    phrase = measure_phrase(Event(id=event_id, type=event["type"], actor=event["actor"], targets=targets,
                                  status=event["status"], product=event["product"] or ""))
    context = {
        "db_name": name, "event": event, "phrase": phrase, "reports": reports, "figures": figures,
        "reviews": reviews, "history": status_history(reports, event["effective"]),
        "actor_name": countries.name_of(event["actor"]) if event["actor"] else "",
        "targets": [(code, countries.name_of(code)) for code in targets],
        "chapters": [(c, hs.chapter_names().get(c.zfill(2), "")) for c in chapters],
        "type_label": vocabulary.event_type(event["type"]).get("label", event["type"]),
        "status_label": status_label(event["status"]),
        "extracted": json.loads(event.get("extracted") or "{}"),
        "article_link": lambda aid: article_url(name, aid),
        "review_url": f"/{quote(name)}/-/review/event/{quote(event_id, safe='')}",
    }
    return Response.html(await datasette.render_template("tradewatch_measure.html", context, request=request))


async def article_page(datasette, request):
    name, db = _db(datasette, request)
    article_id = request.url_vars["id"]
    article = await _one(db, "SELECT id, url, title, text, published, author, source, tier, site_name, story_id, "
                             "language FROM articles WHERE id = ?", [article_id])
    if article is None:
        raise NotFound(f"no article with id {article_id}")
    text = article["text"] or ""
    reports = await _all(db, """
        SELECT m.event_id, m.status, m.evidence, m.char_start, m.char_end, e.type, e.actor, e.targets, e.product,
               e.review FROM event_mentions m JOIN events e ON e.id = m.event_id
        WHERE m.article_id = ? ORDER BY m.char_start""", [article_id])
    figures = await _all(db, "SELECT text, kind, value, unit, measure, char_start, char_end FROM figures "
                             "WHERE article_id = ? ORDER BY char_start", [article_id])
    companies = await _all(db, """
        SELECT DISTINCT c.id, c.name, c.country, c.review FROM company_mentions m JOIN companies c ON c.id = m.company_id
        WHERE m.article_id = ? ORDER BY c.name""", [article_id])
    spans, measures, seen = [], [], set()
    for r in reports:
        phrase = measure_phrase(Event(id=r["event_id"], type=r["type"], actor=r["actor"], targets=_list(r["targets"]),
                                      status=r["status"], product=r["product"] or ""))
        where = locate(text, r["char_start"], r["char_end"], r["evidence"] or "")
        if where:
            spans.append(Span(*where, "evidence", phrase))
        if r["event_id"] not in seen:
            seen.add(r["event_id"])
            measures.append({**r, "phrase": phrase, "url": measure_url(name, r["event_id"]),
                             "in_text": bool(where)})
    for f in figures:
        where = locate(text, f["char_start"], f["char_end"], f["text"] or "")
        if where:
            spans.append(Span(*where, "figure", f"{f['kind']}: {f['value']:g} {f['unit'] or ''}".strip()
                              if isinstance(f["value"], (int, float)) else f["kind"]))
    context = {"db_name": name, "article": article, "body": highlight(text, spans), "measures": measures,
               "figures": figures, "companies": companies,
               "company_review": lambda cid: f"/{quote(name)}/-/review/company/{quote(cid, safe='')}"}
    return Response.html(await datasette.render_template("tradewatch_article.html", context, request=request))


# --- review ---------------------------------------------------------------------------------


def _require_analyst(request) -> str:
    if not request.actor:
        raise Forbidden("Log in (/-/login) to review; the knowledge base is read-only to everyone else.")
    return str(request.actor.get("id") or "analyst")


def _event_form(event: dict) -> dict[str, str]:
    """The event as the review form shows it: names a person reads, lists comma-separated."""
    return {
        "type": event["type"] or "", "actor": event["actor"] or "",
        "targets": ", ".join(_list(event["targets"])), "status": event["status"] or "",
        "product": event["product"] or "", "hs_chapters": ", ".join(_list(event["hs_chapters"])),
        "announced": event["announced"] or "", "effective": event["effective"] or "",
    }


def changed_fields(shown: dict[str, str], submitted: dict[str, str]) -> dict[str, str]:
    """The fields the analyst changed in the form (unchanged ones are not corrections)."""
    return {k: (submitted.get(k) or "").strip() for k in shown if (submitted.get(k) or "").strip() != shown[k].strip()}


async def _posted_review(datasette, request, db, shown: dict, what: str, review, item_id: str, reviewer: str,
                         done_url: str):
    """A review form's POST: (values to show again, error, status, redirect or None)."""
    posted = await request.post_vars()
    action = posted.get("action")
    values = {k: posted.get(k, "") for k in shown}
    sets = changed_fields(shown, values) if action == "correct" else {}
    try:
        if action == "correct" and not sets:
            raise corrections.ReviewError(f"change at least one field, or confirm or reject the {what}")
        if action not in ("confirm", "reject", "correct"):
            raise corrections.ReviewError("choose confirm, reject or save corrections")

        def write(conn):
            return review(conn, item_id, confirm=action == "confirm", reject=action == "reject", sets=sets,
                          reviewer=reviewer)

        await db.execute_write_fn(write, block=True)
    except corrections.ReviewError as exc:
        return values, f"{exc}. Nothing was changed.", 400, None
    datasette.add_message(request, f"Saved: {action} by {reviewer}.", datasette.INFO)
    return values, None, 200, Response.redirect(done_url)


async def review_event_page(datasette, request):
    name, db = _db(datasette, request)
    reviewer = _require_analyst(request)
    event_id = request.url_vars["id"]
    event = await _one(db, "SELECT * FROM events WHERE id = ?", [event_id])
    if event is None:
        raise NotFound(f"no measure with id {event_id}")
    shown, error, status = _event_form(event), None, 200
    values = dict(shown)
    if request.method == "POST":
        values, error, status, redirect = await _posted_review(
            datasette, request, db, shown, "measure", corrections.review_event, event_id, reviewer,
            measure_url(name, event_id))
        if redirect is not None:
            return redirect
    context = {"db_name": name, "event": event, "values": values, "error": error,
               "types": vocabulary.EVENT_TYPES, "statuses": vocabulary.STATUSES,
               "measure_url": measure_url(name, event_id)}
    return Response.html(await datasette.render_template("tradewatch_review_event.html", context, request=request),
                         status=status)


async def review_company_page(datasette, request):
    name, db = _db(datasette, request)
    reviewer = _require_analyst(request)
    company_id = request.url_vars["id"]
    company = await _one(db, "SELECT * FROM companies WHERE id = ?", [company_id])
    if company is None:
        raise NotFound(f"no company with id {company_id}")
    shown = {"name": company["name"] or "", "country": company["country"] or ""}
    values, error, status = dict(shown), None, 200
    if request.method == "POST":
        values, error, status, redirect = await _posted_review(
            datasette, request, db, shown, "company", corrections.review_company, company_id, reviewer,
            f"/{quote(name)}/companies/{quote(company_id, safe='')}")
        if redirect is not None:
            return redirect
    context = {"db_name": name, "company": company, "values": values, "error": error}
    return Response.html(await datasette.render_template("tradewatch_review_company.html", context, request=request),
                         status=status)


async def feed_page(datasette, request):
    """A watchlist's Atom feed (the same one the daily job writes beside its digests)."""
    name, db = _db(datasette, request)
    watchlist = request.url_vars["watchlist"]
    self_url = datasette.absolute_url(request, request.path)

    def build(conn):
        return render_atom(watchlist, state.recent_items(sqlite_utils.Database(conn), watchlist), self_url=self_url)

    body = await db.execute_fn(build)
    return Response(body, content_type="application/atom+xml; charset=utf-8")


ROUTES = [
    (r"^/(?P<database>[^/]+)/-/feed/(?P<watchlist>[^/]+)\.atom$", feed_page),
    (r"^/(?P<database>[^/]+)/-/measure/(?P<id>[^/]+)$", measure_page),
    (r"^/(?P<database>[^/]+)/-/article/(?P<id>[^/]+)$", article_page),
    (r"^/(?P<database>[^/]+)/-/review/event/(?P<id>[^/]+)$", review_event_page),
    (r"^/(?P<database>[^/]+)/-/review/company/(?P<id>[^/]+)$", review_company_page),
]
