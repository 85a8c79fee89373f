"""Jobs carry no authority of their own: every queue message is sealed with an HMAC.

Whoever can write to the jobs queue (the storage account's data-plane role, a leaked SAS)
could otherwise put a job there that approves a request "as" an approver, or sends a
`/vpn status all` answer to any URL in its `response_url`. So the ack side seals each Job
with a key the storage account never holds (`VPNOPS_SECRET_KEY`, in Key Vault like the
Slack signing secret), and the worker opens the seal before anything runs:

* the message is `{"v": 1, "queue": …, "job": "<the job's JSON, as a string>", "mac": …}`
  and the MAC is HMAC-SHA256 over everything but itself — version, queue name and the
  job's exact bytes — so a change to any field, a message moved to another queue, or a
  job re-encoded differently does not verify (compared in constant time);
* a sealed job older than `MAX_AGE_S` is refused too (a replay of an old message: the
  ledger already refuses one it has finished, this bounds the rest);
* a job's `response_url` must be Slack's (`bot.slack.hooks`), checked after the MAC, so
  not even a job sealed by a compromised ack side can send answers elsewhere.

A message that fails any of this runs nothing and is logged (`job_forged`) without its
content. Keys are derived per purpose from the one deployment secret, so the digest of a
VPN shared key (`digest_key`) can never be used to forge a job or the reverse.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

from bot.runtime.jobs import Job

VERSION = 1
# A response_url lives 30 minutes and the queue keeps a message an hour (MESSAGE_TTL_S);
# re-queued deliveries wait for Slack's Retry-After on top. Older is a replay.
MAX_AGE_S = 2 * 60 * 60
# A clock a little ahead on the ack instance must not refuse its own jobs.
CLOCK_SKEW_S = 5 * 60


class ForgedJob(ValueError):
    """A queue message whose seal does not verify (or that is not sealed at all). The
    message says why, never what the message held."""


def derive(secret_key: str, purpose: str) -> bytes:
    """The key for one purpose ("jobs", "key-digest") derived from the deployment secret
    (HMAC as a PRF, as HKDF-Expand does with one block)."""
    return hmac.new(secret_key.encode("utf-8"), b"vpnops/" + purpose.encode("ascii") + b"\x01", hashlib.sha256).digest()


def digest_key(secret_key: str) -> bytes:
    """The key of shared-key digests (`bot.arm.gateways`)."""
    return derive(secret_key, "key-digest")


@dataclass(frozen=True)
class JobSeal:
    """Seals and opens queue messages for one queue with one deployment secret."""

    key: bytes
    queue: str

    @classmethod
    def for_settings(cls, secret_key: str, queue: str) -> JobSeal:
        return cls(derive(secret_key, "jobs"), queue)

    def _mac(self, job_json: str) -> str:
        msg = b"vpnops-job\x00%d\x00" % VERSION + self.queue.encode("utf-8") + b"\x00" + job_json.encode("utf-8")
        return hmac.new(self.key, msg, hashlib.sha256).hexdigest()

    def seal(self, job: Job) -> str:
        """The queue message text for `job` (JSON; the queue client base64-encodes it)."""
        job_json = job.to_json()
        return json.dumps(
            {"v": VERSION, "queue": self.queue, "job": job_json, "mac": self._mac(job_json)}, separators=(",", ":")
        )

    def open(self, text: bytes | str, now: float | None = None) -> Job:
        """The Job inside a sealed message; ForgedJob when it is not sealed by this key for
        this queue, is too old, or names a response_url that is not Slack's."""
        raw = text.decode("utf-8", "replace") if isinstance(text, bytes | bytearray) else text
        try:
            env: Any = json.loads(raw)
        except ValueError:
            raise ForgedJob("not JSON") from None
        if not isinstance(env, dict) or set(env) != {"v", "queue", "job", "mac"}:
            raise ForgedJob("not a sealed job (expected v, queue, job and mac, nothing else)")
        if env["v"] != VERSION:
            raise ForgedJob(f"unknown seal version {str(env['v'])[:10]!r}")
        job_json, mac, queue = env["job"], env["mac"], env["queue"]
        if not (isinstance(job_json, str) and isinstance(mac, str) and isinstance(queue, str)):
            raise ForgedJob("seal fields of the wrong type")
        if queue != self.queue:
            raise ForgedJob("sealed for another queue")
        if not hmac.compare_digest(mac.encode("ascii", "replace"), self._mac(job_json).encode("ascii")):
            raise ForgedJob("the MAC does not verify")
        try:
            job = Job.from_json(job_json)
        except (ValueError, TypeError) as exc:
            raise ForgedJob(f"sealed, but not a job: {exc}") from None
        age = (time.time() if now is None else now) - float(job.created_at)
        if age > MAX_AGE_S or age < -CLOCK_SKEW_S:
            raise ForgedJob(f"sealed {int(age)} s ago: outside the {MAX_AGE_S} s a job may wait")
        return job
