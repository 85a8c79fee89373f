"""`/vpn capture start|stop <connection|gateway> [minutes] [filter …]`: packet capture on a VPN
gateway or one connection. Starting needs approval; stopping does not, and happens by itself.

Azure's rules (https://learn.microsoft.com/azure/vpn-gateway/packet-capture):
* a capture runs on the gateway (every tunnel) or on one connection; one gateway-wide
  capture at a time, one capture per connection at a time, at most five in parallel per
  gateway (gateway-wide and per-connection together);
* the filter is `filterData`, a JSON object serialised as a string: `TracingFlags` (the
  documented example's 11), `MaxPacketBufferSize` (bytes), `MaxFileSize` (MB), and
  `Filters`, an array of which one entry is used at a time: `SourceSubnets`,
  `DestinationSubnets` (CIDRs), `SourcePort`, `DestinationPort` (lists of ports),
  `Protocol` (the IANA number: 6 TCP, 17 UDP, 1 ICMP, 50 ESP), `TcpFlags` (FIN 1, SYN 2,
  RST 4, PSH 8, ACK 16, URG 32, or-ed) and `CaptureSingleDirectionTrafficOnly` (false
  captures inner and outer packets);
* `StopPacketCapture` takes `sasUrl`, a container SAS URL Azure writes the capture file to.

Ours: a capture runs 1–45 minutes (its stop is a delayed queue message, which the queue keeps
at most an hour); the stop is scheduled durably when the start is applied, and the sweep stops
any capture past its end whose stop did not run. The SAS URL is minted at the stop, short-lived,
for the container in VPNOPS_CAPTURE_CONTAINER, and never stored, queued, logged or posted: the
thread gets the container's plain URL.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
from datetime import timedelta
from typing import Any

from commands.actions.engine import file_action, new_request
from commands.actions.spec import SENT_NO_ANSWER, SENT_OK, Spec, Verdict
from commands.actions.targets import check_name, connection_or_gateway, split_reason
from commands.core.errors import AzureFailure, UsageError
from commands.core.freshness import fresh_reads
from commands.core.model import Connection, Gateway
from commands.core.registry import Ctx, action, command
from commands.core.reply import Finding, Reply, Text, error_reply
from commands.core.store import AuditEntry, StoreConflict
from commands.core.text import Icon, code, prose, rich, strong, user
from commands.peering.request import SYSTEM, Loaded, audit_entry, load, parse_time, store_of

DOC_CAPTURE = "https://learn.microsoft.com/azure/vpn-gateway/packet-capture"
USAGE = "capture start|stop [connection|gateway] <name> [minutes] [filter src <cidr> dst <cidr> sport <n> dport <n> proto tcp|udp|icmp|esp flags syn,ack one-way]"
EXAMPLE = "/vpn capture start cn-eun-to-aue 10 filter src 10.0.0.0/16 dst 10.1.0.0/16 proto tcp reason: SQL timeouts"
DEFAULT_MINUTES = 10
MAX_MINUTES = 45  # the stop is a delayed queue message; the queue keeps one at most an hour
MAX_PER_GATEWAY = 5
SAS_MINUTES = 30  # the stop's LRO and Azure's upload fit well within it
STOP_CLAIM = timedelta(minutes=5)
PROTOCOLS = {"tcp": 6, "udp": 17, "icmp": 1, "esp": 50}
TCP_FLAGS = {"fin": 1, "syn": 2, "rst": 4, "psh": 8, "ack": 16, "urg": 32}
# The documented example's capture settings (Configure packet capture for VPN gateways).
TRACING_FLAGS = 11
MAX_PACKET_BUFFER_BYTES = 120
MAX_FILE_MB = 200
STOP_ACTION = "capture_stop_due"


# --- parsing ------------------------------------------------------------------------------------


def _ports(word: str, key: str) -> list[int]:
    try:
        ports = [int(p) for p in word.split(",")]
    except ValueError:
        ports = []
    if not ports or any(not 0 <= p <= 65535 for p in ports):
        raise UsageError(
            rich(code(word), f" is not a port list for {key}."), "Ports are 0-65535, comma-separated.", EXAMPLE
        )
    return ports


def _subnets(word: str, key: str) -> list[str]:
    out = []
    for part in word.split(","):
        try:
            out.append(str(ipaddress.ip_network(part, strict=False)))
        except ValueError:
            raise UsageError(
                rich(code(part), f" is not an address range for {key}."), "Give CIDRs, e.g. 10.0.0.0/16.", EXAMPLE
            ) from None
    return out


def parse_filter(words: list[str]) -> dict[str, Any]:
    """The words after `filter` → one entry of filterData's `Filters`."""
    f: dict[str, Any] = {"CaptureSingleDirectionTrafficOnly": False}
    i = 0
    while i < len(words):
        key = words[i].lower()
        if key in ("one-way", "oneway"):
            f["CaptureSingleDirectionTrafficOnly"] = True
            i += 1
            continue
        if i + 1 >= len(words):
            raise UsageError(rich("The filter's ", code(key), " needs a value."), example=EXAMPLE)
        value = words[i + 1]
        if key in ("src", "source"):
            f["SourceSubnets"] = _subnets(value, key)
        elif key in ("dst", "destination"):
            f["DestinationSubnets"] = _subnets(value, key)
        elif key == "sport":
            f["SourcePort"] = _ports(value, key)
        elif key == "dport":
            f["DestinationPort"] = _ports(value, key)
        elif key in ("proto", "protocol"):
            v = value.lower()
            if v not in PROTOCOLS and not (v.isdigit() and 0 <= int(v) <= 255):
                raise UsageError(
                    rich(code(value), " is not a protocol."), "Say tcp, udp, icmp, esp or an IANA number.", EXAMPLE
                )
            f["Protocol"] = PROTOCOLS.get(v, int(v) if v.isdigit() else 0)
        elif key == "flags":
            bits = 0
            for flag in value.lower().split(","):
                if flag not in TCP_FLAGS:
                    raise UsageError(
                        rich(code(flag), " is not a TCP flag."), "Flags: " + ", ".join(TCP_FLAGS) + ".", EXAMPLE
                    )
                bits |= TCP_FLAGS[flag]
            f["TcpFlags"] = bits
        else:
            raise UsageError(
                rich(code(words[i]), " is not a filter word."),
                prose("Filter words: `src`, `dst`, `sport`, `dport`, `proto`, `flags`, `one-way`."),
                EXAMPLE,
            )
        i += 2
    if "TcpFlags" in f and f.get("Protocol", 6) != 6:
        raise UsageError("TCP flags go with proto tcp only.", example=EXAMPLE)
    return f


def filter_data(flt: dict[str, Any] | None) -> str:
    """filterData: the JSON text Azure takes (empty: no filter, Azure's defaults)."""
    if not flt:
        return ""
    body = {
        "TracingFlags": TRACING_FLAGS,
        "MaxPacketBufferSize": MAX_PACKET_BUFFER_BYTES,
        "MaxFileSize": MAX_FILE_MB,
        "Filters": [flt],
    }
    return json.dumps(body, separators=(",", ":"))


def parse(text: str) -> tuple[str, str, str, int, dict[str, Any] | None, str]:
    """(start|stop, kind hint, name, minutes, filter entry or None, reason)."""
    body, reason = split_reason(text)
    words = body.split()
    if not words or words[0].lower() not in ("start", "stop"):
        raise UsageError("Start or stop a capture?", rich("Usage: ", code(f"/vpn {USAGE}")), EXAMPLE)
    verb = words.pop(0).lower()
    kind = words.pop(0).lower() if words and words[0].lower() in ("connection", "gateway") else ""
    if not words:
        raise UsageError("Which connection or gateway?", rich("Usage: ", code(f"/vpn {USAGE}")), EXAMPLE)
    name = check_name(words.pop(0), kind or "connection or gateway", EXAMPLE)
    minutes = DEFAULT_MINUTES
    if words and words[0].isdigit():
        minutes = int(words.pop(0))
        if not 1 <= minutes <= MAX_MINUTES:
            raise UsageError(
                f"A capture runs 1 to {MAX_MINUTES} minutes, not {minutes}.",
                "The bot stops it by itself at the end; start another one for longer.",
                EXAMPLE,
            )
    flt: dict[str, Any] | None = None
    if words and words[0].lower() == "filter":
        flt = parse_filter(words[1:])
        words = []
    if words:
        raise UsageError(
            rich("I do not understand ", code(" ".join(words)), "."), prose("A filter starts with `filter`."), EXAMPLE
        )
    if verb == "stop" and (flt or minutes != DEFAULT_MINUTES):
        raise UsageError("A stop takes only the connection or gateway.", example="/vpn capture stop cn-eun-to-aue")
    return verb, kind, name, minutes, flt, reason


# --- the command ----------------------------------------------------------------------------------


@command("capture", usage=USAGE, example=EXAMPLE)
@fresh_reads()  # the plan an approver approves and the re-reads after a write: Azure now
def capture(ctx: Ctx, args: str) -> Reply | None:
    """Packet capture on a gateway or a connection: start (after approval) for some minutes, with an optional filter; stop (no approval).

    The bot stops the capture by itself at the end of its minutes and posts where the capture file is.
    Filter words: src, dst (CIDRs), sport, dport (ports), proto (tcp, udp, icmp, esp), flags (syn, ack, …), one-way.
    """
    verb, kind, name, minutes, flt, reason = parse(args)
    target = connection_or_gateway(
        ctx, name, kind, "capture start", lambda n: f"/vpn capture start {n} 10 reason: SQL timeouts"
    )
    if verb == "stop":
        return stop_by_hand(ctx, target)
    ctx.out.progress(rich(f"Planning a {minutes}-minute capture on {target.name}…"))
    return _file(ctx, target, minutes, flt, reason)


def _gateway_id(target: Connection | Gateway) -> str:
    return target.gateway1_id if isinstance(target, Connection) else target.id


def running(ctx: Ctx) -> list[Loaded]:
    """Captures the bot started that have not been stopped (newest first)."""
    out = []
    for rec in store_of(ctx).list_requests({"applied", "unknown"}, limit=500):
        cur = Loaded.of(rec)
        if cur.req.kind == "capture_start" and not cur.req.params.get("stopped"):
            out.append(cur)
    return out


def _started(ctx: Ctx) -> list[Loaded]:
    """Captures the bot started, running or stopped (newest first): a stop by hand finds the
    newest one of its target, and says so when it was stopped already."""
    out = []
    for rec in store_of(ctx).list_requests({"applied", "unknown"}, limit=500):
        cur = Loaded.of(rec)
        if cur.req.kind == "capture_start":
            out.append(cur)
    return sorted(out, key=lambda c: c.number, reverse=True)


def preflight(ctx: Ctx, target: Connection | Gateway) -> list[Finding]:
    key = f"capture:{target.id}"
    out: list[Finding] = []
    if ctx.blobs is None:
        out.append(
            Finding(
                "critical",
                "No storage is configured for capture files",
                evidence="Azure writes the capture to a blob container when it stops (StopPacketCapture sasUrl).",
                next_step="Set VPNOPS_CAPTURE_STORAGE (the account's blob endpoint) and VPNOPS_CAPTURE_CONTAINER.",
                doc_url=DOC_CAPTURE,
                key=f"{key}:storage",
            )
        )
    if target.provisioning_state in ("Updating", "Deleting"):
        out.append(
            Finding(
                "critical",
                rich("Another operation is changing ", code(target.name), " right now"),
                evidence=f"provisioningState {target.provisioning_state}",
                key=f"{key}:busy",
            )
        )
    gw = _gateway_id(target).lower()
    on_gateway = [c for c in running(ctx) if str(c.req.params.get("gateway", "")).lower() == gw]
    same = [c for c in on_gateway if c.req.target_id.lower() == target.id.lower()]
    if same:
        out.append(
            Finding(
                "critical",
                rich("A capture is already running on ", code(target.name), f" (request #{same[0].number})"),
                evidence="Azure runs one capture at a time on a connection, and one gateway-wide capture at a time.",
                next_step=rich("Stop it first: ", code(f"/vpn capture stop {target.name}")),
                doc_url=DOC_CAPTURE,
                key=f"{key}:running",
            )
        )
    elif len(on_gateway) >= MAX_PER_GATEWAY:
        out.append(
            Finding(
                "critical",
                f"{len(on_gateway)} captures are already running on this gateway",
                evidence=f"A gateway runs at most {MAX_PER_GATEWAY} packet captures in parallel.",
                doc_url=DOC_CAPTURE,
                key=f"{key}:max",
            )
        )
    if ctx.schedule is None:
        out.append(
            Finding(
                "warning",
                "The stop cannot be scheduled here",
                evidence="This bot has no queue to schedule the stop on; the timer's sweep stops it after its end.",
                key=f"{key}:schedule",
            )
        )
    return out


def _file(ctx: Ctx, target: Connection | Gateway, minutes: int, flt: dict[str, Any] | None, reason: str) -> Reply:
    what = "connection" if isinstance(target, Connection) else "gateway"
    shown = _filter_words(flt)
    rows = [[f"packet capture on {what} {target.name}", "not running", f"running {minutes} min; {shown}"]]
    params = {
        "summary": f"capture packets on {what} {target.name} for {minutes} minutes",
        "rows": rows,
        "locks": [target.id],
        "related": [target.id, _gateway_id(target)],
        "gateway": _gateway_id(target),
        "minutes": minutes,
        "filter_data": filter_data(flt),
        "revert": f"the bot stops it after {minutes} minutes, or now with /vpn capture stop {target.name} (no approval)",
    }
    req = new_request(ctx, "capture_start", target.id, target.name, reason, params)
    return file_action(ctx, req, preflight(ctx, target))


def _filter_words(flt: dict[str, Any] | None) -> str:
    if not flt:
        return "no filter (everything, both directions)"
    bits = []
    for k, label in (
        ("SourceSubnets", "src"),
        ("DestinationSubnets", "dst"),
        ("SourcePort", "sport"),
        ("DestinationPort", "dport"),
    ):
        if k in flt:
            bits.append(f"{label} {','.join(str(x) for x in flt[k])}")
    if "Protocol" in flt:
        names = {v: k for k, v in PROTOCOLS.items()}
        bits.append(f"proto {names.get(flt['Protocol'], flt['Protocol'])}")
    if "TcpFlags" in flt:
        bits.append("flags " + ",".join(n for n, b in TCP_FLAGS.items() if flt["TcpFlags"] & b))
    bits.append("one way" if flt.get("CaptureSingleDirectionTrafficOnly") else "both directions")
    return "filter " + " ".join(bits)


# --- applying the start -------------------------------------------------------------------------


def _recheck(ctx: Ctx, cur: Loaded) -> str:
    req = cur.req
    target: Connection | Gateway
    target = (
        ctx.azure.gateway(req.target_id)
        if "/virtualnetworkgateways/" in req.target_id.lower()
        else ctx.azure.connection(req.target_id)
    )
    if target.provisioning_state in ("Updating", "Deleting"):
        return f"another operation is changing {target.name} (provisioningState {target.provisioning_state}); nothing was started."
    if ctx.blobs is None:
        return "no storage is configured for capture files (VPNOPS_CAPTURE_STORAGE); nothing was started."
    return ""


def _write(ctx: Ctx, cur: Loaded) -> None:
    ctx.azure.start_packet_capture(cur.req.target_id, str(cur.req.params.get("filter_data") or ""))


def _verify(ctx: Ctx, cur: Loaded, sent: str) -> Verdict:
    """No ARM read shows a running capture: Azure's answer to the start is the evidence."""
    req = cur.req
    row = str(req.params["rows"][0][0])
    if sent == SENT_OK:
        return Verdict("applied", "", {row: f"running until {_end(cur)} UTC"})
    if sent == SENT_NO_ANSWER:
        return Verdict(
            "unknown",
            "Azure did not answer the start, so the capture may be running; the bot still stops it at its end.",
            {row: "unknown"},
        )
    return Verdict("not_applied", "Azure refused the start: no capture runs.", {row: "not running"})


def _end(cur: Loaded) -> str:
    start = parse_time(cur.req.write_sent_at or cur.req.created_at)
    return (start + timedelta(minutes=int(cur.req.params.get("minutes") or DEFAULT_MINUTES))).strftime("%H:%M")


def on_applied(ctx: Ctx, cur: Loaded) -> None:
    """Once a start is applied (or may be running): schedule its stop at its end, durably."""
    minutes = int(cur.req.params.get("minutes") or DEFAULT_MINUTES)
    started = parse_time(cur.req.write_sent_at or cur.req.created_at)
    stop_at = started + timedelta(minutes=minutes)
    delay = max(0.0, (stop_at - ctx.now()).total_seconds())
    if ctx.schedule is not None:
        ctx.schedule(STOP_ACTION, str(cur.number), cur.req.channel or ctx.channel, delay)


CAPTURE_START = Spec("capture_start", "Packet capture", _recheck, _write, _verify, on_applied=on_applied)


# --- stopping -------------------------------------------------------------------------------------


@action(STOP_ACTION)
@fresh_reads()  # the plan an approver approves and the re-reads after a write: Azure now
def capture_stop_due(ctx: Ctx, value: str, ref: str) -> Reply | None:
    """The scheduled stop of a capture at the end of its minutes (a delayed job, not a button a
    person sees). Stopping needs no approval; a capture already stopped is left alone."""
    number = int(value) if value.isascii() and value.isdigit() else 0
    cur = load(ctx, number) if number else None
    if cur is None or cur.req.kind != "capture_start":
        return None
    stop_request(ctx, cur, SYSTEM)
    return None


def stop_by_hand(ctx: Ctx, target: Connection | Gateway) -> Reply:
    mine = [c for c in _started(ctx) if c.req.target_id.lower() == target.id.lower()]
    if mine:
        words = stop_request(ctx, mine[0], ctx.user)
        return Reply(fallback=words, visibility="ephemeral").add(Text(rich(words)))
    # A capture started outside the bot: stop it all the same (no approval needed).
    try:
        location = _stop(ctx, target.id)
    except AzureFailure as exc:
        if exc.code == "NoPacketCaptureRunning":
            return error_reply(rich("No packet capture is running on ", code(target.name), "."))
        return error_reply(
            rich("The capture on ", code(target.name), f" could not be stopped: {exc.message or exc.code}."), exc.advice
        )
    store_of(ctx).append_audit(
        AuditEntry(
            at=ctx.now(),
            actor=ctx.user,
            action="capture_stopped",
            subject=target.id,
            scope=target.id,
            before={},
            after={},
            note=f"started outside the bot; file in {location}",
        )
    )
    return Reply(fallback="Capture stopped", visibility="ephemeral").add(
        Text(
            rich(Icon.DONE, " Capture on ", code(target.name), " stopped. The capture file is in ", code(location), ".")
        )
    )


def _stop(ctx: Ctx, target_id: str) -> str:
    """Mint the SAS, stop, forget the SAS; the container's plain URL."""
    if ctx.blobs is None:
        raise AzureFailure(
            "failed",
            "no storage is configured for capture files (VPNOPS_CAPTURE_STORAGE), so Azure has nowhere to write it",
            "NoCaptureStorage",
            target_id,
        )
    sas = ctx.blobs.upload_sas_url(SAS_MINUTES)
    try:
        ctx.azure.stop_packet_capture(target_id, sas)
    finally:
        del sas
    return str(ctx.blobs.container_url())


def stop_request(ctx: Ctx, cur: Loaded, by: str) -> str:
    """Stop the capture of request `cur` once (a conditional claim first: the scheduled stop, the
    sweep and a person never stop it twice); answer in its thread. Returns what happened."""
    from commands.peering.messages import post_in_thread

    now = ctx.now()
    p = cur.req.params
    if p.get("stopped"):
        return f"The capture of request #{cur.number} was stopped at {p.get('stopped_at', '?')}; none is running."
    if p.get("stopping_until") and now < parse_time(str(p["stopping_until"])):
        return f"The capture of request #{cur.number} is being stopped right now."
    try:
        claimed = _save_params(ctx, cur, {"stopping_until": (now + STOP_CLAIM).isoformat()})
    except StoreConflict:
        fresh = load(ctx, cur.number)
        return (
            stop_request(ctx, fresh, by) if fresh is not None and fresh.etag != cur.etag else "Already being stopped."
        )
    try:
        location = _stop(ctx, claimed.req.target_id)
    except AzureFailure as exc:
        words = f"the capture on {claimed.req.target_name} could not be stopped: {exc}. {exc.advice!s}"
        _save_params(ctx, claimed, {"stopping_until": ""}, act="capture_stop_failed", actor=by, note=words)
        post_in_thread(
            ctx,
            claimed,
            Reply(fallback=words).add(Text(rich(Icon.FAILED, " Request ", strong(f"#{cur.number}"), f": {words}"))),
        )
        return words
    who = rich("at the end of its ", str(p.get("minutes")), " minutes") if by == SYSTEM else rich("by ", user(by))
    done = _save_params(
        ctx,
        claimed,
        {"stopped": True, "stopped_at": now.strftime("%H:%M UTC"), "location": location, "stopping_until": ""},
        act="capture_stopped",
        actor=by,
        note=f"file in {location}",
    )
    post_in_thread(
        ctx,
        done,
        Reply(fallback=f"#{cur.number}: capture stopped; file in {location}").add(
            Text(
                rich(
                    Icon.DONE,
                    " Capture of request ",
                    strong(f"#{cur.number}"),
                    " on ",
                    code(claimed.req.target_name),
                    " stopped ",
                    who,
                    ". The capture file is in ",
                    code(location),
                    " (open it with Wireshark).",
                )
            )
        ),
    )
    return f"The capture of request #{cur.number} on {claimed.req.target_name} is stopped; the file is in {location}."


def _save_params(
    ctx: Ctx, cur: Loaded, changes: dict[str, Any], act: str = "", actor: str = "", note: str = ""
) -> Loaded:
    req = dataclasses.replace(cur.req, params={**cur.req.params, **changes})
    entry = audit_entry(ctx, req, actor, act, note=note) if act else None
    rec = store_of(ctx).update_request(cur.number, cur.state, req.to_body(), cur.etag, entry)
    return Loaded.of(rec)


def stop_overdue(ctx: Ctx) -> list[str]:
    """For the sweep: stop every capture past its end whose scheduled stop did not run."""
    lines = []
    now = ctx.now()
    for cur in running(ctx):
        started = parse_time(cur.req.write_sent_at or cur.req.created_at)
        end = started + timedelta(minutes=int(cur.req.params.get("minutes") or DEFAULT_MINUTES))
        if now >= end + timedelta(minutes=1):
            lines.append(f"#{cur.number} capture: {stop_request(ctx, cur, SYSTEM)}")
    return lines
