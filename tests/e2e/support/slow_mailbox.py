"""An aiosmtpd handler that stores like aiosmtpd.handlers.Mailbox, but only after waiting
DELAY seconds per message: a slow server, so a test can stop a sender mid-batch."""

import asyncio

from aiosmtpd.handlers import Mailbox


class SlowMailbox(Mailbox):
    def __init__(self, mail_dir, delay):
        super().__init__(mail_dir)
        self.delay = float(delay)

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 2:
            parser.error("SlowMailbox takes MAILDIR DELAY")
        return cls(args[0], args[1])
