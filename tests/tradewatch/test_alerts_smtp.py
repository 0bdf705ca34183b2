"""Digest mail through a real SMTP server (aiosmtpd) started by the test on 127.0.0.1."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import socket
import ssl

import pytest

pytest.importorskip("aiosmtpd")
from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402

from tests.tradewatch.fixtures.alerts.kbfixture import build_kb  # noqa: E402
from tradewatch.alerts import run_digests, state  # noqa: E402
from tradewatch.alerts.mail import MailError, build_message, send_message  # noqa: E402
from core.config import Config, ConfigError, SmtpSettings, Watchlist, parse_config  # noqa: E402


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


def _self_signed(tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def test_daily_digest_round_trip(tmp_path, smtp_server):
    inbox, port = smtp_server
    kb, _ = build_kb(tmp_path / "kb.db")
    config = Config(
        watchlists=[Watchlist(name="chips", countries=["JP"], email=["desk@example.org", "lead@example.org"])],
        smtp=SmtpSettings(host="127.0.0.1", port=port, security="none", sender="tradewatch@example.org"),
    )
    results = run_digests(kb.db, config, tmp_path / "out")
    assert results[0].error is None and results[0].mailed_to == ["desk@example.org", "lead@example.org"]
    assert len(inbox.messages) == 1
    mail_from, rcpts, raw = inbox.messages[0]
    assert mail_from == "tradewatch@example.org"
    assert rcpts == ["desk@example.org", "lead@example.org"]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"].startswith("tradewatch: 2 new for chips")
    assert message["Message-ID"] == f"<{results[0].digest_id}@tradewatch>"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "threatened → announced" in text and "threatened → announced" in html
    assert "<!DOCTYPE html>" in html
    assert state.pending(kb.db) == []
    # the next run has nothing new: no second mail
    run_digests(kb.db, config, tmp_path / "out")
    assert len(inbox.messages) == 1
    kb.close()


def test_failed_send_stays_pending_and_is_retried(tmp_path, smtp_server):
    inbox, port = smtp_server
    kb, _ = build_kb(tmp_path / "kb.db")
    watch = Watchlist(name="chips", countries=["JP"], email=["desk@example.org"])
    closed_port = _free_port()
    down = Config(watchlists=[watch], smtp=SmtpSettings(host="127.0.0.1", port=closed_port, security="none"))
    result = run_digests(kb.db, down, tmp_path / "out")[0]
    assert result.error and "127.0.0.1" in result.error
    assert len(state.pending(kb.db)) == 1
    up = Config(watchlists=[watch], smtp=SmtpSettings(host="127.0.0.1", port=port, security="none"))
    results = run_digests(kb.db, up, tmp_path / "out")
    assert results[0].digest_id == result.digest_id and results[0].mailed_to == ["desk@example.org"]
    assert len(inbox.messages) == 1                      # the same digest, once; nothing new after it
    assert state.pending(kb.db) == []
    kb.close()


def test_starttls_with_credentials_from_environment(tmp_path, monkeypatch):
    cert_file, key_file = _self_signed(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert_file, key_file)
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        def text(value):
            return value.decode() if isinstance(value, bytes) else value

        ok = isinstance(auth_data, LoginPassword) and (text(auth_data.login), text(auth_data.password)) == ("alice", "s3cret")
        logins.append((mechanism, ok))
        return AuthResult(success=ok, handled=False)         # unhandled failure: the server answers 535

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port(), tls_context=server_context,
                            require_starttls=True, authenticator=authenticator, auth_require_tls=True)
    controller.start()
    try:
        settings = SmtpSettings(host="127.0.0.1", port=controller.port, security="starttls", sender="tw@example.org")
        client_context = ssl.create_default_context(cafile=str(cert_file))
        message = build_message(sender=settings.sender, recipients=["desk@example.org"], subject="hi\nBcc: x@y",
                                text="plain", html="<p>html</p>")
        monkeypatch.setenv("TRADEWATCH_SMTP_USER", "alice")
        monkeypatch.setenv("TRADEWATCH_SMTP_PASSWORD", "wrong")
        with pytest.raises(MailError, match="535|uthentication"):
            send_message(settings, message, ssl_context=client_context)
        monkeypatch.setenv("TRADEWATCH_SMTP_PASSWORD", "s3cret")
        send_message(settings, message, ssl_context=client_context)
        assert logins[-1][1] is True
        assert len(inbox.messages) == 1
        received = email.message_from_bytes(inbox.messages[0][2], policy=email.policy.default)
        assert received["Subject"] == "hi Bcc: x@y" and received["Bcc"] is None   # no header injection
        # an untrusted certificate is refused
        with pytest.raises(MailError):
            send_message(settings, message)
    finally:
        controller.stop()


def test_credentials_never_from_config():
    with pytest.raises(ConfigError, match="unknown key"):
        parse_config({"smtp": {"host": "mail.example.org", "password": "x"}})


def test_refuses_credentials_over_plaintext(monkeypatch, smtp_server):
    inbox, port = smtp_server
    monkeypatch.setenv("TRADEWATCH_SMTP_USER", "alice")
    monkeypatch.setenv("TRADEWATCH_SMTP_PASSWORD", "s3cret")
    message = build_message(sender="a@example.org", recipients=["b@example.org"], subject="s", text="t", html="h")
    with pytest.raises(MailError, match="without TLS"):
        send_message(SmtpSettings(host="127.0.0.1", port=port, security="none"), message)
    assert inbox.messages == []
