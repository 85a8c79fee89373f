"""What linking the bot's own changes to their request threads costs (issue 22).

    .venv/bin/python bench/permalinks.py

1. Through the console (signed slash commands and clicks → Bolt → worker → the real SDKs →
   the ARM emulator; the Slack emulator for Slack), three peering changes are asked and
   approved, then `/vpn changes` and `/vpn status all` are run on the seed estate. Counted:
   the bot's changes linked in each answer, the distinct request threads they name, and the
   `chat.getPermalink` calls Slack received for it (the design: one per distinct thread per
   answer, at most `MAX_PER_REPLY`; none for an answer that names no thread).
2. The walk every reply now takes before rendering (`link_threads` on a reply without any
   thread reference): microseconds per reply of 300 findings, best of 5.

The last line is the result:
permalinks answers=A linked_changes=C distinct_threads=T getpermalink_calls=G walk_us_300_findings=W
"""

from __future__ import annotations

import io
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.console.app import Console  # noqa: E402
from bot.slack.permalinks import link_threads  # noqa: E402
from commands.core.reply import Finding, Reply  # noqa: E402
from commands.core.text import code, rich  # noqa: E402
from sandbox.estate import load_estate  # noqa: E402

CHANGES = (
    ("vnet-eun/peer-eun-to-aue allowForwardedTraffic off", 1),
    ("vnet-eun/peer-eun-to-aue allowForwardedTraffic on", 2),
    ("vnet-aue/peer-aue-to-eun allowForwardedTraffic off", 3),
)
LINK = re.compile(r"<(https://[^|>]+)\|request #(\d+)>")


def _answer(con: Console, line: str) -> tuple[int, int, int]:
    seen, calls = len(con.slack.messages()), len(con.slack.calls_to("chat.getPermalink"))
    con.run([line])
    posted = "".join(str(m.blocks) for m in con.slack.messages()[seen:])
    links = LINK.findall(posted)
    made = len(con.slack.calls_to("chat.getPermalink")) - calls
    print(f"  {line}: {len(links)} linked, {len({n for _, n in links})} threads, {made} chat.getPermalink")
    return len(links), len({n for _, n in links}), made


def main() -> int:
    con = Console(load_estate(ROOT / "sandbox" / "estates" / "seed.json"), out=io.StringIO())
    totals = [0, 0, 0]
    answers = 0
    try:
        for args, number in CHANGES:
            con.run(["/as alice", f"/vpn peering {args} reason: bench", "/as bob", f"/approve {number}"])
        for line in ("/vpn changes all since 2h", "/vpn status all"):
            for i, v in enumerate(_answer(con, line)):
                totals[i] += v
            answers += 1
    finally:
        con.close()
    big = Reply(fallback="x").add(
        *(Finding("warning", rich(code(f"gw-{i}"), " is down"), evidence=rich("e ", code("x"))) for i in range(300))
    )
    best = min(_timed(big) for _ in range(5))
    print(
        f"permalinks answers={answers} linked_changes={totals[0]} distinct_threads={totals[1]} "
        f"getpermalink_calls={totals[2]} walk_us_300_findings={best:.0f}"
    )
    return 0


def _timed(reply: Reply) -> float:
    t = time.perf_counter()
    link_threads(reply, lambda c, ts: "")
    return (time.perf_counter() - t) * 1e6


if __name__ == "__main__":
    raise SystemExit(main())
