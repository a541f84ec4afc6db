"""The mail viewer of `make run`: lists saved mails, shows their parts, escapes everything."""

from __future__ import annotations

import smtplib
import sys
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest

from devtools.mailview import Mailbox, start_viewer
from tests.support.processes import Process, free_port, port_open, wait_until
from tests.support.services import http_status

HOSTILE = '<script>alert("x")</script> Réunion & co'


def _mail(subject: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "lettre@vie-associative.besancon.fr"
    msg["To"] = "camille@example.org"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime(2026, 3, 2, 7, 0, tzinfo=UTC))
    msg.set_content("Bonjour <b>Camille</b>,\nvoici la lettre.")
    msg.add_alternative("<p>Bonjour <b>Camille</b></p><script>alert(1)</script>", subtype="html")
    return msg


def _get(url: str) -> tuple[str, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - local test server
        return response.read().decode(), dict(response.headers)


@pytest.fixture
def viewer(tmp_path: Path) -> Iterator[str]:
    maildir = tmp_path / "mail"
    maildir.mkdir()
    (maildir / "1772434800000000000-000001.eml").write_bytes(bytes(_mail(HOSTILE)))
    port = free_port()
    server = start_viewer(maildir, "127.0.0.1", port)
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


def test_mail_without_a_date_header_is_dated_when_the_sink_saved_it(tmp_path: Path) -> None:
    msg = _mail("Sans date")
    del msg["Date"]
    (tmp_path / "1772434800000000000-000002.eml").write_bytes(bytes(msg))

    mail = Mailbox(tmp_path).get("1772434800000000000-000002")

    assert mail is not None
    assert mail.date == datetime.fromtimestamp(1772434800).astimezone().strftime(
        "%d/%m/%Y %H:%M:%S"
    )


def test_mail_list_shows_date_recipient_and_escaped_subject(viewer: str) -> None:
    page, _ = _get(f"{viewer}/")

    assert "02/03/2026 07:00:00" in page
    assert "camille@example.org" in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Réunion &amp; co" in page
    assert "<script>" not in page
    assert 'href="/mails/1772434800000000000-000001"' in page


def test_mail_page_escapes_the_text_part_and_sandboxes_the_html_part(viewer: str) -> None:
    page, _ = _get(f"{viewer}/mails/1772434800000000000-000001")
    html_part, headers = _get(f"{viewer}/mails/1772434800000000000-000001.html")
    source, source_headers = _get(f"{viewer}/mails/1772434800000000000-000001.eml")

    assert "Bonjour &lt;b&gt;Camille&lt;/b&gt;," in page
    assert '<iframe sandbox src="/mails/1772434800000000000-000001.html"' in page
    assert "<script>" not in page
    assert "<p>Bonjour <b>Camille</b></p>" in html_part
    assert headers["Content-Security-Policy"].startswith("sandbox;")
    assert "Subject: " in source
    assert source_headers["Content-Type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize(
    "path", ["/mails/../../etc/passwd", "/mails/999-000000", "/mails/1772434800000000000-000001.py"]
)
def test_unknown_or_malformed_mail_paths_answer_404(viewer: str, path: str) -> None:
    assert http_status(f"{viewer}{path}") == 404


@pytest.mark.e2e
@pytest.mark.smtp
def test_mail_sink_saves_a_mail_shows_it_and_stops_on_sigterm_with_code_0(tmp_path: Path) -> None:
    smtp_port, web_port = free_port(), free_port()
    argv = [sys.executable, "-m", "devtools.mailsink", "--port", str(smtp_port)]
    argv += ["--web-port", str(web_port), "--maildir", str(tmp_path / "mail")]
    sink = Process(argv, log=tmp_path / "mailsink.log").start()
    try:
        wait_until(lambda: port_open(smtp_port) and port_open(web_port), timeout=15)
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=5) as client:
            client.send_message(_mail("Votre inscription à la lettre"))

        assert len(list((tmp_path / "mail").glob("*.eml"))) == 1
        page, _ = _get(f"http://127.0.0.1:{web_port}/")
        assert "Votre inscription à la lettre" in page
    finally:
        code = sink.stop()
    assert code == 0, sink.output()
