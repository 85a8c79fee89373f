"""The gateway and connection actions that change something: reset, packet capture.

Routes (POST, api-version any the emulator serves), in the shapes of Azure's published
examples (`../shared/fixtures/real/specs/…/2025-03-01/examples/`):

* `virtualNetworkGateways/{g}/reset[?gatewayVip=<ip>]` — VirtualNetworkGateways_Reset: 202
  with `Azure-AsyncOperation` and `Location` (final-state-via location), the gateway
  `Updating` until the operation ends; the `Location` URL answers the gateway
  (VirtualNetworkGatewayReset.json). `gatewayVip` must be one instance's public IP of an
  active-active gateway (bgpSettings.bgpPeeringAddresses[].tunnelIpAddresses);
* `connections/{c}/resetconnection` — VirtualNetworkGatewayConnections_ResetConnection: 202
  only (VirtualNetworkGatewayConnectionReset.json), no result;
* `…/startPacketCapture` (body `{"filterData": "<JSON text>"}`, optional) and
  `…/stopPacketCapture` (body `{"sasUrl": "…"}`) on a gateway or a connection: 202, then
  the result is a JSON string, `"{\\"Status\\":\\"Successful\\",\\"Data\\":null}"`
  (VirtualNetworkGatewayConnectionStartPacketCapture.json, …StopPacketCapture.json).

Failure modes: 403 when the action is denied (`…/reset/action`, `…/resetconnection/action`,
`…/startPacketCapture/action`, `…/stopPacketCapture/action`); 409
`AnotherOperationInProgress` while the resource is `Updating`; 400 for a `gatewayVip` that
is no instance of the gateway, a capture started twice or stopped when none runs, a
`filterData` that is not JSON, a stop without an https SAS URL (codes marked * in
sandbox/README.md: no public record of the exact code); the `lro_failed` fault makes the
operation end Failed. Every action that was carried out is in `Estate.action_log` (what
the bench counts: a reset done twice is two entries).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from sandbox.arm import ids
from sandbox.arm.state import CONNECTION, GATEWAY, ArmError

if TYPE_CHECKING:
    from sandbox.arm.handler import Answer, Router

WRITE_ACTIONS: dict[str, frozenset[str]] = {
    GATEWAY: frozenset({"reset", "startpacketcapture", "stoppacketcapture"}),
    CONNECTION: frozenset({"resetconnection", "startpacketcapture", "stoppacketcapture"}),
}
CAPTURE_RESULT = json.dumps({"Status": "Successful", "Data": None}, separators=(",", ":"))


def is_write_action(type_key: str, action: str) -> bool:
    return action.lower() in WRITE_ACTIONS.get(type_key, frozenset())


def write_action(router: Router, rp: ids.Parsed, rk: str, action: str) -> Answer:
    """One of WRITE_ACTIONS on the resource `rk` (already known to exist)."""
    router._deny(f"{rp.resource_type}/{action}/action", router.path.rsplit("/", 1)[0])
    estate = router.estate
    name = action.lower()
    with estate.lock:
        doc = estate.resources.get(rk)
        if doc is None:
            raise ArmError(404, "ResourceNotFound", f"The Resource '{rp.resource_type}/{rp.names[-1]}' was not found.")
        props = doc.setdefault("properties", {})
        if props.get("provisioningState") == "Updating" or rk in estate.pending:
            raise ArmError(
                409,
                "AnotherOperationInProgress",
                f"Another operation on this or dependent resource is in progress. To retrieve status of the operation use uri: "
                f"{router.emu.base_url}{router.path}. Wait for it to finish, then retry.",
            )
        entry: dict[str, Any] = {
            "action": name,
            "resource": str(doc.get("id", rk)),
            "at": datetime.now(UTC).isoformat(),
        }
        target = ""
        result: Any = None
        if name == "reset":
            vip = router.query.get("gatewayVip") or router.query.get("gatewayvip") or ""
            if vip:
                _check_vip(doc, vip)
                entry["gatewayVip"] = vip
            target = rk
            stored = [estate.resources.get(ids.key(str(c.get("id", "")))) for c in estate.gateway_connections(rk)]
            _reestablish([c for c in stored if c is not None], vip)
        elif name == "resetconnection":
            target = rk
            _reestablish([doc], "")
        elif name == "startpacketcapture":
            entry["filterData"] = _start_capture(estate, rk, router.body)
            result = CAPTURE_RESULT
        else:
            entry["container"] = _stop_capture(estate, rk, router.body)
            entry["file"] = f"{rp.names[-1]}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}.pcap"
            result = CAPTURE_RESULT
        if target:
            props["provisioningState"] = "Updating"
        op = estate.new_operation(
            str(doc.get("location") or "global"), rp.namespace, router.api_version, result=result, target=target
        )
        estate.action_log.append(entry)
    failed = router.emu.faults.fire("POST", router.path, ("lro_failed",))
    if failed is not None:
        op.error = {"code": failed.error_code, "message": failed.error_message}
    if name == "stoppacketcapture" and failed is None:
        entry["uploaded"] = _upload(str(router.body.get("sasUrl")), entry["file"])
    if name == "resetconnection":
        op.target = ""  # 202 only: the operation has no result to read back
        with estate.lock:
            estate.pending.pop(rk, None)
            props["provisioningState"] = "Succeeded"
    return router._accepted(202, None, op)


def _reestablish(connections: list[dict[str, Any]], vip: str) -> None:
    """After a reset the tunnels of a connection that was up come back: their
    `lastConnectionEstablishedUtcTime` is now (one instance's only, when `vip` names it and
    the tunnel names carry it). A connection that was down stays down."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    for c in connections:
        props = c.setdefault("properties", {})
        if props.get("connectionStatus") != "Connected":
            continue
        tunnels = [t for t in props.get("tunnelConnectionStatus") or [] if isinstance(t, dict)]
        mine = [t for t in tunnels if vip and vip in str(t.get("tunnel", ""))] or tunnels
        for t in mine:
            if t.get("connectionStatus") == "Connected":
                t["lastConnectionEstablishedUtcTime"] = now
        if not tunnels:
            props["tunnelConnectionStatus"] = [
                {"tunnel": "tunnel0", "connectionStatus": "Connected", "lastConnectionEstablishedUtcTime": now}
            ]


def _check_vip(doc: dict[str, Any], vip: str) -> None:
    props = doc.get("properties") or {}
    vips = [
        str(ip)
        for a in (props.get("bgpSettings") or {}).get("bgpPeeringAddresses") or []
        for ip in a.get("tunnelIpAddresses") or []
    ]
    if not props.get("activeActive") or vip not in vips:
        raise ArmError(
            400,
            "InvalidGatewayVip",
            f"The gatewayVip '{vip}' is not the public IP of an instance of gateway {doc.get('id')}"
            + (
                f"; its instances are {', '.join(vips)}."
                if props.get("activeActive")
                else ", which is not active-active."
            ),
        )


def _upload(sas_url: str, blob: str) -> int:
    """Write the capture file into the container through the SAS URL, as Azure does at stop
    (Put Blob, https://learn.microsoft.com/rest/api/storageservices/put-blob) — only to a
    loopback storage emulator (Azurite): the sandbox never reaches out. The HTTP status (0:
    not attempted or unreachable); a SAS Azurite refuses shows as its 403."""
    parts = urlsplit(sas_url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        return 0
    url = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}/{blob}?{parts.query}"
    data = b"\xd4\xc3\xb2\xa1" + bytes(20)  # a pcap global header, no packets
    req = urllib.request.Request(
        url, data=data, method="PUT", headers={"x-ms-blob-type": "BlockBlob", "x-ms-version": "2021-08-06"}
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return 0


def _start_capture(estate: Any, rk: str, body: Any) -> str:
    if rk in estate.captures:
        raise ArmError(
            400,
            "PacketCaptureAlreadyRunning",
            "A packet capture is already running on this resource. Stop it first (stopPacketCapture).",
        )
    flt = body.get("filterData") if isinstance(body, dict) else None
    if flt:
        try:
            parsed = json.loads(flt) if isinstance(flt, str) else None
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            raise ArmError(400, "InvalidFilterData", "filterData must be a JSON object serialised as a string.")
    estate.captures[rk] = {"filterData": flt or "", "started": datetime.now(UTC).isoformat()}
    return str(flt or "")


def _stop_capture(estate: Any, rk: str, body: Any) -> str:
    sas = body.get("sasUrl") if isinstance(body, dict) else None
    parts = urlsplit(sas) if isinstance(sas, str) else None
    if parts is None or parts.scheme not in ("https", "http") or "sig" not in parse_qs(parts.query):
        raise ArmError(
            400,
            "InvalidSasUrl",
            "stopPacketCapture needs sasUrl: the URL of a blob container with a SAS token (sp includes w).",
        )
    if rk not in estate.captures:
        raise ArmError(400, "NoPacketCaptureRunning", "No packet capture is running on this resource.")
    estate.captures.pop(rk)
    container = f"{parts.scheme}://{parts.netloc}{parts.path}"
    estate.capture_files.append({"resource": rk, "container": container})
    return container
