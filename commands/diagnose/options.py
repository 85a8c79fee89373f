"""The design options in words: what is in place now, a side-by-side table, then each
option in full (from `commands.findings.design`)."""

from __future__ import annotations

from collections.abc import Sequence

from commands.core.reply import Header, Part, Table, Text
from commands.core.text import Rich, em, join, link, rich, strong
from commands.findings.design import OPTION_ROWS, DesignOption, Situation
from commands.findings.joins import names

_SHORT = {"hub_spoke": "Hub+spoke", "gateway_per_region": "GW per region", "virtual_wan": "Virtual WAN"}


def options_parts(s: Situation, options: Sequence[DesignOption]) -> list[Part]:
    """The design options: what was tried, a side-by-side table, then each option in full."""
    tried: list[Rich] = []
    transit = [p for p in s.peerings if p.allow_gateway_transit or p.use_remote_gateways]
    if transit:
        tried.append(rich("peering with gateway transit (", names(p.name for p in transit), ")"))
    if s.connections:
        tried.append(rich("VNet-to-VNet (", names(c.name for c in s.connections), ")"))
    intro = rich(
        "VNets in ",
        " and ".join(site.label for site in s.sites),
        " are joined for VPN users.",
        rich(" In place now: ", join(" and ", tried), ".") if tried else None,
        " Three ways to do it, with what each would change in this estate (prices are not guessed here):",
    )
    parts: list[Part] = [Header("What to do instead"), Text(intro)]
    parts.append(
        Table(
            columns=("", *(f"{i}. {_SHORT.get(o.key, o.key)}" for i, o in enumerate(options, 1))),
            rows=tuple((label, *(o.cells[r] for o in options)) for r, label in enumerate(OPTION_ROWS)),
            caption=rich(strong("Side by side")),
            filename="design-options.txt",
        )
    )
    for i, o in enumerate(options, 1):
        body: list[Rich] = [
            rich(strong(f"{i}. {o.name}"), rich(" — ", em("partly what is here now")) if o.current else None),
            o.idea,
            rich("• ", strong("Users:"), " ", o.users),
            *(rich("• ", c) for c in o.changes),
            rich("• ", strong("Client profiles:"), " ", o.profiles),
            rich(link(o.doc_url, f"Microsoft Learn: {o.name}")),
        ]
        parts.append(Text(join("\n", body)))
    return parts
