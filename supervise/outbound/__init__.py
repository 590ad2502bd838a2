"""PURE: what a webhook delivery looks like on the wire, for each kind of receiver.

- `json`: the event as JSON; `X-Supervise-Signature: sha256=<hex>` is HMAC-SHA256 with the target's
  secret over `<X-Supervise-Timestamp>.<body>` (the timestamp in the signature stops replays);
  `X-Supervise-Delivery` is the message id, the same on every retry, so a receiver can drop a
  repeat after a crash between its answer and our commit.
- `wecom`: a 企业微信 group robot (`https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`), markdown.
- `dingtalk`: a 钉钉 group robot (`https://oapi.dingtalk.com/robot/send?access_token=…`), markdown;
  with a secret, the URL is signed as DingTalk's 加签 asks: `&timestamp=<ms>&sign=<urlencoded
  base64 HMAC-SHA256 of "<ms>\\n<secret>">`.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.parse
from dataclasses import dataclass

KINDS = ("json", "wecom", "dingtalk")


@dataclass(frozen=True)
class Request:
    """One HTTP POST to make."""

    url: str
    body: bytes
    headers: dict[str, str]


def build_request(kind: str, url: str, secret: str | None, message_id: int, event: str, payload: dict,
                  now_ms: int) -> Request:
    """The POST that delivers one outbox message to a target of `kind` at `now_ms` (Unix ms)."""
    if kind == "json":
        return _json_request(url, secret, message_id, event, payload, now_ms)
    title, text = markdown(event, payload)
    if kind == "wecom":
        body = {"msgtype": "markdown", "markdown": {"content": text}}
    elif kind == "dingtalk":
        body = {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
        url = dingtalk_signed_url(url, secret, now_ms) if secret else url
    else:
        raise ValueError(f"unknown webhook kind {kind!r}; one of {', '.join(KINDS)}")
    return Request(url, json.dumps(body, ensure_ascii=False).encode("utf-8"),
                   {"Content-Type": "application/json; charset=utf-8"})


def _json_request(url, secret, message_id, event, payload, now_ms) -> Request:
    body = json.dumps({"id": message_id, "event": event, "data": payload}, ensure_ascii=False,
                      sort_keys=True, separators=(",", ":")).encode("utf-8")
    timestamp = str(now_ms // 1000)
    headers = {"Content-Type": "application/json; charset=utf-8", "X-Supervise-Event": event,
               "X-Supervise-Delivery": str(message_id), "X-Supervise-Timestamp": timestamp}
    if secret:
        headers["X-Supervise-Signature"] = "sha256=" + json_signature(secret, timestamp, body)
    return Request(url, body, headers)


def json_signature(secret: str, timestamp: str, body: bytes) -> str:
    """The hex HMAC-SHA256 a receiver recomputes to trust a generic JSON delivery."""
    return hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def dingtalk_signed_url(url: str, secret: str, now_ms: int) -> str:
    """DingTalk's 加签: the robot URL with `timestamp` and `sign` added."""
    to_sign = f"{now_ms}\n{secret}".encode()
    sign = base64.b64encode(hmac.new(secret.encode("utf-8"), to_sign, hashlib.sha256).digest()).decode("ascii")
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={now_ms}&sign={urllib.parse.quote_plus(sign)}"


def accepted(kind: str, status: int, body: bytes) -> tuple[bool, str]:
    """Whether the receiver took the delivery, and what it said. Group robots answer 200 with an
    `errcode` that is not 0 when they refuse a message (bad key, rate limit, bad sign)."""
    if not 200 <= status < 300:
        return False, f"HTTP {status}: {body[:300].decode('utf-8', 'replace')}"
    if kind in ("wecom", "dingtalk"):
        try:
            answer = json.loads(body or b"{}")
        except ValueError:
            return False, f"HTTP {status} with a body that is not JSON"
        if answer.get("errcode", 0) != 0:
            return False, f"errcode {answer.get('errcode')}: {answer.get('errmsg')}"
    return True, f"HTTP {status}"


def markdown(event: str, payload: dict) -> tuple[str, str]:
    """A short title and a markdown text for people reading a group chat (Chinese, English beside)."""
    link = payload.get("link")
    if event == "flags_raised":
        title = f"{payload['district_name']} 新督察标记 {len(payload['flags'])} 条 · new flags"
        lines = [f"### {title}"]
        for f in payload["flags"][:20]:
            review = " · 待核实 for review" if f.get("needs_review") else ""
            lines.append(f"- {f['officer']} {f['officer_name']} · {f['code']} · {f['start_local'][11:16]}–"
                         f"{f['end_local'][11:16]} · {f['summary_zh']}{review}")
        if len(payload["flags"]) > 20:
            lines.append(f"- …… 另有 {len(payload['flags']) - 20} 条 and more")
    elif event == "appeal_filed":
        title = f"申诉 appeal · 标记 #{payload['flag_id']} · {payload['officer']} {payload['officer_name']}"
        lines = [f"### {title}", f"- {payload['code']} · {payload['summary_zh']}",
                 f"- 申诉理由 reason: {payload['reason']}"]
    else:
        title = f"{event} #{payload.get('flag_id', '')}"
        lines = [f"### {title}", json.dumps(payload, ensure_ascii=False)[:500]]
    if link:
        lines.append(f"[查看 open]({link})")
    return title, "\n".join(lines)


def backoff_seconds(attempts: int, first: float = 30.0, cap: float = 3600.0) -> float:
    """How long to wait after the `attempts`-th failure: 30 s, 1 min, 2 min, … at most an hour."""
    return min(cap, first * 2 ** max(0, attempts - 1))
