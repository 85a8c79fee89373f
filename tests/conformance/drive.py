"""Every command through the real path, on one estate, with the ARM emulator recording what
was said: each request the bot sent (path, query, body) and each answer (status, headers,
body), as `sandbox.arm_emulator.RequestRecord`s.

The path is the console's (`bot.console.app.Console`): signed slash commands into the Bolt
app, the worker, the real Azure SDKs against the emulator, the Slack emulator. The lines are
the golden transcripts' scripts (`tests/golden/scripts/common.txt` and the estate's own),
then lines made from the estate itself, so an estate with no script (a scenario) is driven
through every command on every resource it holds: `/vpn status` of each gateway and
connection, `/vpn routes` of each gateway, NIC and VM, `/vpn peering` and `/vpn diagnose` of
each VNet, `/vpn checklist` of each SQL server, one peering change per peering (filed by
alice, approved by bob: the one write), and the watch.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sandbox.arm_emulator import RequestRecord
from sandbox.estate import load_estate

ROOT = Path(__file__).resolve().parents[2]
ESTATES_DIR = ROOT / "sandbox" / "estates"
SCRIPTS = ROOT / "tests" / "golden" / "scripts"


def estate_files() -> list[Path]:
    """Every estate in the repo: sandbox/estates/*.json and every scenario under scenarios/
    (the `<name>.json` beside each `<name>.expect.json`)."""
    expected = (ESTATES_DIR / "scenarios").rglob("*.expect.json")
    scenarios = (e.with_name(e.name.removesuffix(".expect.json") + ".json") for e in expected)
    return sorted(ESTATES_DIR.glob("*.json")) + sorted(scenarios)


def _type_is(doc: dict[str, Any], arm_type: str) -> bool:
    return str(doc.get("type", "")).lower() == arm_type.lower()


def _names(estate: dict[str, Any], arm_type: str) -> list[str]:
    return sorted({str(d.get("name") or "") for d in estate.get("resources") or () if _type_is(d, arm_type)} - {""})


def peerings(estate: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(vnet, peering, allowForwardedTraffic) of every peering embedded in the estate's VNets."""
    out = []
    for v in estate.get("resources") or ():
        if not _type_is(v, "Microsoft.Network/virtualNetworks"):
            continue
        for p in (v.get("properties") or {}).get("virtualNetworkPeerings") or ():
            props = p.get("properties") or {}
            out.append((str(v.get("name")), str(p.get("name")), bool(props.get("allowForwardedTraffic"))))
    return out


def _p2s_gateways(estate: dict[str, Any]) -> list[str]:
    return sorted(
        str(d.get("name"))
        for d in estate.get("resources") or ()
        if _type_is(d, "Microsoft.Network/virtualNetworkGateways")
        and (d.get("properties") or {}).get("vpnClientConfiguration")
    )


def _an_address(estate: dict[str, Any]) -> str:
    """A private address of the estate to send a flow to: a private endpoint NIC's, else any NIC's."""
    found = []
    for d in estate.get("resources") or ():
        if _type_is(d, "Microsoft.Network/networkInterfaces"):
            for c in (d.get("properties") or {}).get("ipConfigurations") or ():
                ip = (c.get("properties") or {}).get("privateIPAddress")
                if ip:
                    found.append((".nic." not in str(d.get("name")), str(ip)))
    return sorted(found)[0][1] if found else "10.0.0.4"


def own_lines(estate: dict[str, Any]) -> Iterator[str]:
    """`/vpn` lines that touch every resource of the estate (the peering changes apart)."""
    yield "/vpn status all"
    for name in _names(estate, "Microsoft.Network/virtualNetworkGateways"):
        yield f"/vpn status {name}"
        yield f"/vpn routes gateway {name}"
    for name in _names(estate, "Microsoft.Network/connections"):
        yield f"/vpn status {name}"
        yield f"/vpn connection {name}"
    for name in _p2s_gateways(estate):
        yield f"/vpn p2s {name}"
    for name in _names(estate, "Microsoft.Network/networkInterfaces"):
        yield f"/vpn routes nic {name}"
    for name in _names(estate, "Microsoft.Compute/virtualMachines"):
        yield f"/vpn routes vm {name}"
        # Network Watcher from the VM towards a private endpoint's address (or any).
        yield f"/vpn path {name} {_an_address(estate)} tcp 1433"
    for name in _names(estate, "Microsoft.Network/connections") + _names(
        estate, "Microsoft.Network/virtualNetworkGateways"
    ):
        yield f"/vpn troubleshoot {name}"
        yield f"/vpn logs {name}"
    for name in _names(estate, "Microsoft.Network/virtualNetworks"):
        yield f"/vpn peering {name}"
        yield f"/vpn diagnose {name}"
    for name in _names(estate, "Microsoft.Sql/servers"):
        yield f"/vpn checklist {name}"
    yield "/vpn diagnose"


@dataclass(frozen=True)
class Drive:
    """What one estate's drive produced: the emulator's records and the console's output."""

    estate: Path
    records: tuple[RequestRecord, ...]
    output: str


def drive(estate_path: Path) -> Drive:
    """Run every command on the estate through the console; return what ARM saw."""
    from bot.console.app import Console

    estate = load_estate(estate_path)
    lines = (SCRIPTS / "common.txt").read_text(encoding="utf-8").splitlines()
    own = SCRIPTS / f"{estate_path.stem}.txt"
    if own.exists():
        lines += own.read_text(encoding="utf-8").splitlines()
    out = io.StringIO()
    with Console(estate, out=out) as console:
        console.arm.record_bodies = True
        console.switch_user("alice", quiet=True)
        console.run(lines)
        console.switch_user("alice", quiet=True)
        console.run(own_lines(estate))
        for vnet, peering, forwarded in peerings(estate):
            flag = "off" if forwarded else "on"
            console.run_line(f"/vpn peering {vnet}/{peering} allowForwardedTraffic {flag} reason: conformance")
            console.switch_user("bob", quiet=True)
            console.click("approval_approve")
            console.switch_user("alice", quiet=True)
        console.run(["/watch", "/watch"])
        console.wait()
        records = tuple(console.arm.requests)
    return Drive(estate_path, records, out.getvalue())
