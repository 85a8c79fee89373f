"""Running `/vpn routes` over the in-memory fake of Azure, and reading its answers as text.

No tests here: helpers shared by the `/vpn routes` answer tests in this folder.
"""

from __future__ import annotations

from commands.core.registry import Ctx, DomainSettings
from commands.core.reply import Context, Fields, Finding, Header, Reply, Table, Text
from commands.routes.command import routes
from tests.fakes import FakeAzure, RecordingMessenger


def run(az: FakeAzure, args: str) -> tuple[list[Reply], RecordingMessenger]:
    out = RecordingMessenger()
    ctx = Ctx(azure=az, out=out, settings=DomainSettings(concurrency=4, progress_every_s=0.05))
    reply = routes(ctx, args)
    replies = [*out.responses, *([reply] if reply is not None else [])]
    return replies, out


def text_of(reply: Reply) -> str:
    """Every text of `reply` in its readable form (code keeps its backticks, bold loses its stars)."""
    bits: list[object] = [reply.fallback]
    for p in reply.parts + reply.thread:
        if isinstance(p, Header | Text | Context):
            bits.append(p.text)
        elif isinstance(p, Finding):
            bits += [p.title, p.evidence, p.next_step]
        elif isinstance(p, Fields):
            bits += [f"{k!s}: {v!s}" for k, v in p.items]
        elif isinstance(p, Table):
            bits.append(p.caption)
    return "\n".join(str(b) for b in bits)


def tables(reply: Reply) -> list[Table]:
    return [p for p in (reply.parts + reply.thread) if isinstance(p, Table)]
