"""A small web view of the mails the SMTP sink saved (for `make run`): list, HTML, text, source.

Everything taken from a mail is escaped; a mail's HTML part is shown only inside a sandboxed
iframe (no scripts, no requests to the network), served with a CSP ``sandbox`` header too.
"""

from __future__ import annotations

import email
import email.policy
import re
import threading
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from html import escape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

_NAME = re.compile(r"^(\d+-\d{6})\.eml$")
_ROUTE = re.compile(r"^/mails/(\d+-\d{6})(\.html|\.txt|\.eml)?$")
_HTML_PART_CSP = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"
_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}"
    "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;"
    "padding:.4rem;text-align:left}pre{white-space:pre-wrap;background:#f6f6f6;padding:1rem}"
    "iframe{width:100%;height:40rem;border:1px solid #ccc}"
)


@dataclass(frozen=True)
class Mail:
    """One saved mail: its id (file name without `.eml`) and parsed message."""

    id: str
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message.get("Subject", ""))

    @property
    def to(self) -> str:
        return str(self.message.get("To", ""))

    @property
    def date(self) -> str:
        """The Date header, or else when the sink saved it (the id starts with time_ns)."""
        raw = self.message.get("Date")
        try:
            when = parsedate_to_datetime(str(raw)) if raw else None
        except (TypeError, ValueError):
            return str(raw)
        if when is None:
            when = datetime.fromtimestamp(int(self.id.split("-")[0]) / 1e9).astimezone()
        return when.strftime("%d/%m/%Y %H:%M:%S")

    def part(self, subtype: str) -> str | None:
        body = self.message.get_body(preferencelist=(subtype,))
        if body is None or body.get_content_subtype() != subtype:
            return None
        content = body.get_content()
        return content if isinstance(content, str) else None


class Mailbox:
    """The .eml files of a maildir, newest first."""

    def __init__(self, maildir: Path) -> None:
        self.maildir = maildir

    def ids(self) -> list[str]:
        names = (path.name for path in self.maildir.glob("*.eml"))
        return sorted((m.group(1) for n in names if (m := _NAME.match(n))), reverse=True)

    def raw(self, mail_id: str) -> bytes | None:
        path = self.maildir / f"{mail_id}.eml"
        return path.read_bytes() if _NAME.match(path.name) and path.is_file() else None

    def get(self, mail_id: str) -> Mail | None:
        raw = self.raw(mail_id)
        if raw is None:
            return None
        message = email.message_from_bytes(raw, policy=email.policy.default)
        return Mail(mail_id, message) if isinstance(message, EmailMessage) else None


def _page(title: str, body: str, *, refresh: bool = False) -> str:
    meta = '<meta http-equiv="refresh" content="5">' if refresh else ""
    return (
        f'<!doctype html><html lang="fr"><head><meta charset="utf-8">{meta}<title>{escape(title)}'
        f"</title><style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def render_list(box: Mailbox) -> str:
    rows = []
    for mail_id in box.ids():
        mail = box.get(mail_id)
        if mail is not None:
            rows.append(
                f"<tr><td>{escape(mail.date)}</td><td>{escape(mail.to)}</td>"
                f'<td><a href="/mails/{mail_id}">{escape(mail.subject or "(sans objet)")}</a>'
                "</td></tr>"
            )
    table = (
        "<table><tr><th>Date</th><th>Destinataire</th><th>Objet</th></tr>"
        + "".join(rows)
        + "</table>"
        if rows
        else "<p>Aucun courriel pour l’instant.</p>"
    )
    return _page(
        "Courriels reçus",
        f"<h1>Courriels reçus ({len(rows)})</h1><p>Dossier : {escape(str(box.maildir))} — "
        f"mise à jour toutes les 5 s</p>{table}",
        refresh=True,
    )


def render_mail(mail: Mail) -> str:
    headers = "".join(
        f"<tr><th>{escape(name)}</th><td>{escape(str(value))}</td></tr>"
        for name, value in mail.message.items()
    )
    html_part = (
        f'<iframe sandbox src="/mails/{mail.id}.html" title="Partie HTML"></iframe>'
        if mail.part("html") is not None
        else "<p>Pas de partie HTML.</p>"
    )
    text = mail.part("plain")
    text_part = f"<pre>{escape(text)}</pre>" if text is not None else "<p>Pas de partie texte.</p>"
    return _page(
        mail.subject or "(sans objet)",
        f'<p><a href="/">← tous les courriels</a> · <a href="/mails/{mail.id}.eml">source</a></p>'
        f"<h1>{escape(mail.subject or '(sans objet)')}</h1><table>{headers}</table>"
        f"<h2>HTML</h2>{html_part}<h2>Texte</h2>{text_part}",
    )


class _Handler(BaseHTTPRequestHandler):
    box: Mailbox

    def do_GET(self) -> None:
        if self.path in ("/", "/mails"):
            return self._send(render_list(self.box), "text/html")
        route = _ROUTE.match(self.path)
        mail = self.box.get(route.group(1)) if route else None
        if route is None or mail is None:
            return self._send(
                _page("Introuvable", "<h1>Courriel introuvable</h1>"), "text/html", 404
            )
        suffix = route.group(2)
        if suffix == ".eml":
            return self._send((self.box.raw(mail.id) or b"").decode(errors="replace"), "text/plain")
        if suffix == ".txt":
            return self._send(mail.part("plain") or "", "text/plain")
        if suffix == ".html":
            return self._send(mail.part("html") or "", "text/html", csp=_HTML_PART_CSP)
        return self._send(render_mail(mail), "text/html")

    def _send(self, body: str, kind: str, status: int = 200, csp: str | None = None) -> None:
        data = body.encode()
        self.send_response(HTTPStatus(status))
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", csp or "default-src 'self' 'unsafe-inline'")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the sink's output is for mails received, not page views."""


def start_viewer(maildir: Path, host: str, port: int) -> ThreadingHTTPServer:
    """Serve the viewer in a daemon thread; call `.shutdown()` to stop it."""
    handler = type("MailViewHandler", (_Handler,), {"box": Mailbox(maildir)})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="mail-viewer", daemon=True).start()
    return server
