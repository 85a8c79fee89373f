"""The batch metrics API (`metrics:getBatch`) against what Azure publishes of it.

No OpenAPI definition of the data-plane batch operation is in ../shared (specs/INDEX.md lists
Microsoft.Insights `metrics_API.json`, the per-resource ARM API). Its shape is built from
Microsoft's "Migrate from the metrics API to the getBatch API"
(https://learn.microsoft.com/azure/azure-monitor/metrics/migrate-to-batch-api): "The two APIs
share a common set of query parameter and response formats" — each item of the batch's
`values` is a per-resource metrics response with `starttime`/`endtime` in place of `timespan`
and a `resourceid` added. So:

* every metric of every batch answer the emulator serves validates against `metrics_API.json`'s
  metric definition (the `value` items of its `Response`), and the rest of each item against
  `Response` once `timespan` is put back;
* the published per-resource example (GetMetric), wrapped as one batch item, goes through the
  bot's converter (`bot.arm.metrics.batch_series`) and keeps its series, dimensions and points.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.arm.metrics import batch_series
from commands.core.metrics import TUNNEL_METRICS, MetricsQuery, split_filter
from sandbox.arm_emulator import SEED_ESTATE, ArmEmulator
from sandbox.estate import load_estate
from tests.conformance.check import specs
from tests.conformance.specs import SPECS
from tests.integration.bot.arm.support import GW_EUN, SUB, make_client
from tests.shared_fixtures import needs_shared

METRICS_DIR = SPECS / "monitor" / "resource-manager" / "Microsoft.Insights" / "stable" / "2024-02-01"
METRICS_FILE = METRICS_DIR / "metrics_API.json"
END = datetime(2026, 3, 23, 14, 0, tzinfo=UTC)


def _answers() -> list[Any]:
    with ArmEmulator(load_estate(SEED_ESTATE)) as emu, make_client(emu) as client:
        emu.record_bodies = True
        base = MetricsQuery(
            SUB, "northeurope", (GW_EUN,), (), "average", END - timedelta(hours=1), END, timedelta(minutes=5)
        )
        for q in (
            MetricsQuery(
                **{
                    **base.__dict__,
                    "names": TUNNEL_METRICS,
                    "aggregation": "total",
                    "filter": split_filter("ConnectionName", "RemoteIP"),
                }
            ),
            MetricsQuery(**{**base.__dict__, "names": ("BgpPeerStatus",), "filter": split_filter("BgpPeerAddress")}),
            MetricsQuery(**{**base.__dict__, "names": ("AverageBandwidth", "P2SBandwidth")}),
        ):
            client.metrics_batch(q)
        return [r.answer_body for r in emu.requests if "metrics:getBatch" in r.path and r.status == 200]


@needs_shared
def test_every_batch_item_is_a_metrics_response_of_metrics_api() -> None:
    answers = _answers()
    assert len(answers) == 3
    ref = "#/definitions/Response"
    checked = 0
    for body in answers:
        for item in body["values"]:
            as_response = {k: v for k, v in item.items() if k not in ("starttime", "endtime", "resourceid")}
            as_response["timespan"] = f"{item['starttime']}/{item['endtime']}"
            problems = specs().definition_errors(ref, as_response, METRICS_FILE)
            assert not problems, [str(p) for p in problems]
            checked += len(item["value"])
    assert checked == len(TUNNEL_METRICS) + 1 + 2


@needs_shared
def test_the_published_get_metric_example_reads_through_the_bots_converter() -> None:
    example = json.loads((METRICS_DIR / "examples" / "GetMetric.json").read_text(encoding="utf-8"))
    body = example["responses"]["200"]["body"]
    rid = "/" + example["parameters"]["resourceUri"]
    start, _, end = body["timespan"].partition("/")
    item = {k: v for k, v in body.items() if k != "timespan"} | {"starttime": start, "endtime": end, "resourceid": rid}
    got = batch_series({"values": [item]}, lambda name: "average")
    published = [(m["name"]["value"], ts) for m in body["value"] for ts in m["timeseries"]]
    assert len(got) == len(published)
    for s, (name, ts) in zip(got, published, strict=True):
        assert s.resource_id == rid and s.name == name
        assert s.dimensions == tuple((m["name"]["value"], m["value"]) for m in ts["metadatavalues"])
        assert [v for _, v in s.points] == [p.get("average") for p in ts["data"]]
