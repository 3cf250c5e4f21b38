"""An aiosmtpd handler for the Webhooks.Sdk email tests.

Run as: python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c smtp_handler.MaildirHandler MAILDIR
(with .ci on PYTHONPATH). Every accepted message is stored in the Maildir MAILDIR, with the envelope recipients in
an X-Test-Envelope-To header and whether the session used TLS in an X-Test-TLS header (yes or no). Recipients whose local part starts with "tempfail" get 451 on every odd attempt and 250
on every even one (counted per address); local parts starting with "reject" get 550.
"""

import mailbox
import os
import threading

_lock = threading.Lock()
_tempfail_counts = {}


class MaildirHandler:
    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error("MaildirHandler takes one argument: the Maildir path")
        return cls(args[0])

    def __init__(self, maildir):
        self.maildir = maildir
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(maildir, sub), exist_ok=True)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local.startswith("reject"):
            return "550 5.1.1 Mailbox unavailable: rejected by the test server"
        if local.startswith("tempfail"):
            with _lock:
                count = _tempfail_counts.get(address.lower(), 0) + 1
                _tempfail_counts[address.lower()] = count
            if count % 2 == 1:
                return "451 4.3.0 Temporary failure, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8")
        transport = getattr(server, "transport", None)
        secured = getattr(session, "ssl", None) or (transport is not None and transport.get_extra_info("ssl_object") is not None)
        tls = "yes" if secured else "no"
        header = ("X-Test-Envelope-To: " + ", ".join(envelope.rcpt_tos) + "\r\nX-Test-TLS: " + tls + "\r\n").encode("ascii")
        box = mailbox.Maildir(self.maildir, create=True)
        with _lock:
            box.add(header + content)
        return "250 Message accepted for delivery"
