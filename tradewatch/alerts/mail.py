"""Sending a digest by SMTP (STARTTLS, SSL or plain for a local relay).

Credentials come only from the environment (TRADEWATCH_SMTP_USER / TRADEWATCH_SMTP_PASSWORD),
never from the config file.
"""
from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from core.config import SmtpSettings

USER_ENV = "TRADEWATCH_SMTP_USER"
PASSWORD_ENV = "TRADEWATCH_SMTP_PASSWORD"
SECURITY = ("starttls", "ssl", "none")


class MailError(RuntimeError):
    """Sending failed; the message says what to check."""


def build_message(*, sender: str, recipients: list[str], subject: str, text: str, html: str,
                  message_id: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = " ".join(subject.split())          # no header injection through newlines
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id or make_msgid(domain="tradewatch")
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def send_message(settings: SmtpSettings, message: EmailMessage, *, ssl_context: ssl.SSLContext | None = None,
                 timeout: float = 30.0) -> None:
    """Deliver through the configured server; raises MailError with the reason."""
    if settings.security not in SECURITY:
        raise MailError(f"smtp.security {settings.security!r}: use one of {', '.join(SECURITY)}")
    user, password = os.environ.get(USER_ENV), os.environ.get(PASSWORD_ENV)
    if bool(user) != bool(password):
        raise MailError(f"set both {USER_ENV} and {PASSWORD_ENV}, or neither")
    context = ssl_context or ssl.create_default_context()
    try:
        if settings.security == "ssl":
            client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
        with client:
            client.ehlo()
            if settings.security == "starttls":
                client.starttls(context=context)
                client.ehlo()
            if user:
                if settings.security == "none":
                    raise MailError("refusing to send SMTP credentials without TLS; set smtp.security")
                client.login(user, password)
            client.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"SMTP {settings.host}:{settings.port} ({settings.security}): {exc}") from exc
