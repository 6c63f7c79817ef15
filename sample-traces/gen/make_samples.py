"""Writes fanout's sample traces (OTLP/JSON + native JSONL) and expected.json from the scenario
descriptions in scenarios.py, so both formats carry the same calls, ids, results and times.

Usage: python3 sample-traces/gen/make_samples.py sample-traces
Then run sample-traces/check.py and read the diff before committing: the outputs are reviewed by
hand, not trusted blindly."""
import datetime
import hashlib
import json
import os
import random
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def h(s, n):
    return hashlib.sha256(s.encode()).hexdigest()[:n]


def epoch_ns(iso):
    dt = datetime.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return int(dt.timestamp()) * 10**9 + dt.microsecond * 1000


def rfc3339(ns):
    secs, frac = divmod(ns, 10**9)
    dt = datetime.datetime.fromtimestamp(secs, datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + ".%09dZ" % frac


def js(v):
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def s_attr(k, v):
    return {"key": k, "value": {"stringValue": v}}


def i_attr(k, v):
    return {"key": k, "value": {"intValue": str(v)}}


def arr_attr(k, vs):
    return {"key": k, "value": {"arrayValue": {"values": [{"stringValue": v} for v in vs]}}}


def tool_defs(sc):
    return [
        {"type": "function", "name": t["name"], "description": t["description"], "parameters": t["parameters"]}
        for t in sc["tools"]
    ]


FINISH = {
    "openai": {"tool": "tool_calls", "stop": "stop"},
    "anthropic": {"tool": "tool_use", "stop": "end_turn"},
}


def build_timeline(sc):
    """Absolute ns times for the root, each chat and each tool call."""
    rng = random.Random(sc["name"])
    jitter = lambda: rng.randrange(0, 1000)
    t = epoch_ns(sc["start"])
    root_start = t
    t += 2_100_000 + jitter()
    chats = []
    for turn in sc["turns"]:
        c_start = t
        c_end = c_start + turn["dur_us"] * 1000 + jitter()
        calls = []
        for c in turn.get("calls", []):
            s = c_end + c["start_us"] * 1000 + jitter()
            e = s + c["dur_us"] * 1000 + jitter()
            calls.append((s, e))
        chats.append((c_start, c_end, calls))
        t = max([c_end] + [e for _, e in calls]) + 1_300_000 + jitter()
    root_end = chats[-1][1] + 900_000 + jitter()
    return root_start, root_end, chats


def history(sc, upto):
    msgs = [{"role": "user", "parts": [{"type": "text", "content": sc["user"]}]}]
    for turn in sc["turns"][:upto]:
        msgs.append(
            {
                "role": "assistant",
                "parts": [{"type": "tool_call", "id": c["id"], "name": c["name"], "arguments": c["args"]} for c in turn["calls"]],
            }
        )
        for c in turn["calls"]:
            resp = c["result"] if "result" in c else {"error": c["error"]["message"]}
            msgs.append({"role": "tool", "parts": [{"type": "tool_call_response", "id": c["id"], "response": resp}]})
    return msgs


def output_msg(turn):
    if turn.get("calls"):
        parts = [{"type": "tool_call", "id": c["id"], "name": c["name"], "arguments": c["args"]} for c in turn["calls"]]
        return [{"role": "assistant", "parts": parts, "finish_reason": "tool_call"}]
    return [{"role": "assistant", "parts": [{"type": "text", "content": turn["text"]}], "finish_reason": "stop"}]


def otlp(sc):
    root_start, root_end, chats = build_timeline(sc)
    tid = sc["trace_id"]
    root_id = h(sc["name"] + ":root", 16)
    spans = []
    defs = js(tool_defs(sc))
    sysi = js([{"type": "text", "content": sc["system"]}])
    fin = FINISH[sc["provider"]]
    tot_in = tot_out = 0
    for i, (turn, (cs, ce, calls)) in enumerate(zip(sc["turns"], chats)):
        cid = h(f"{sc['name']}:chat:{i}", 16)
        has_calls = bool(turn.get("calls"))
        tot_in += turn["tokens"][0]
        tot_out += turn["tokens"][1]
        spans.append(
            {
                "traceId": tid,
                "spanId": cid,
                "parentSpanId": root_id,
                "name": "chat " + sc["model"],
                "kind": 3,
                "startTimeUnixNano": str(cs),
                "endTimeUnixNano": str(ce),
                "attributes": [
                    s_attr("gen_ai.operation.name", "chat"),
                    s_attr("gen_ai.provider.name", sc["provider"]),
                    s_attr("gen_ai.request.model", sc["model"]),
                    s_attr("gen_ai.system_instructions", sysi),
                    s_attr("gen_ai.input.messages", js(history(sc, i))),
                    s_attr("gen_ai.tool.definitions", defs),
                    s_attr("gen_ai.response.id", turn["response_id"]),
                    s_attr("gen_ai.response.model", sc["response_model"]),
                    arr_attr("gen_ai.response.finish_reasons", [fin["tool" if has_calls else "stop"]]),
                    i_attr("gen_ai.usage.input_tokens", turn["tokens"][0]),
                    i_attr("gen_ai.usage.output_tokens", turn["tokens"][1]),
                    s_attr("gen_ai.output.messages", js(output_msg(turn))),
                ],
                "status": {"code": 0},
            }
        )
        for c, (s, e) in zip(turn.get("calls", []), calls):
            attrs = [
                s_attr("gen_ai.operation.name", "execute_tool"),
                s_attr("gen_ai.tool.name", c["name"]),
                s_attr("gen_ai.tool.call.id", c["id"]),
                s_attr("gen_ai.tool.type", "function"),
                s_attr("gen_ai.tool.call.arguments", js(c["args"])),
            ]
            status = {"code": 0}
            if "result" in c:
                attrs.append(s_attr("gen_ai.tool.call.result", js(c["result"])))
            else:
                attrs.append(s_attr("error.type", c["error"]["type"]))
                status = {"code": 2, "message": c["error"]["message"]}
            spans.append(
                {
                    "traceId": tid,
                    "spanId": h(f"{sc['name']}:tool:{c['id']}", 16),
                    "parentSpanId": root_id,
                    "name": "execute_tool " + c["name"],
                    "kind": 1,
                    "startTimeUnixNano": str(s),
                    "endTimeUnixNano": str(e),
                    "attributes": attrs,
                    "status": status,
                }
            )
    final = sc["turns"][-1]["text"]
    spans.append(
        {
            "traceId": tid,
            "spanId": root_id,
            "name": "invoke_agent " + sc["agent"],
            "kind": 1,
            "startTimeUnixNano": str(root_start),
            "endTimeUnixNano": str(root_end),
            "attributes": [
                s_attr("gen_ai.operation.name", "invoke_agent"),
                s_attr("gen_ai.agent.name", sc["agent"]),
                s_attr("gen_ai.provider.name", sc["provider"]),
                s_attr("gen_ai.request.model", sc["model"]),
                s_attr("gen_ai.conversation.id", sc["conversation"]),
                s_attr("gen_ai.input.messages", js([{"role": "user", "parts": [{"type": "text", "content": sc["user"]}]}])),
                s_attr(
                    "gen_ai.output.messages",
                    js([{"role": "assistant", "parts": [{"type": "text", "content": final}], "finish_reason": "stop"}]),
                ),
                i_attr("gen_ai.usage.input_tokens", tot_in),
                i_attr("gen_ai.usage.output_tokens", tot_out),
            ],
            "status": {"code": 0},
        }
    )
    # Exporters send spans when they end: children first, the root last.
    spans.sort(key=lambda s: int(s["endTimeUnixNano"]))
    for s in spans:
        for k in ("flags", "droppedAttributesCount", "droppedEventsCount", "droppedLinksCount"):
            s[k] = 257 if k == "flags" else 0
        s["events"] = []
        s["links"] = []
    doc = {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [
                        s_attr("service.name", sc["service"]),
                        s_attr("service.version", sc["service_version"]),
                        s_attr("telemetry.sdk.language", "python"),
                        s_attr("telemetry.sdk.name", "opentelemetry"),
                        s_attr("telemetry.sdk.version", "1.38.0"),
                    ],
                    "droppedAttributesCount": 0,
                },
                "scopeSpans": [
                    {
                        "scope": {"name": sc["scope"], "version": "0.4.2"},
                        "spans": spans,
                    }
                ],
            }
        ]
    }
    return doc, (root_start, root_end, chats)


def native(sc, times):
    root_start, root_end, chats = times
    tf = (lambda ns: ns) if sc["native_times"] == "nanos" else rfc3339
    lines = [
        {"fanout": "native", "version": 1, "producer": "fanout sample-traces (hand-made scenario)", "created_at": rfc3339(root_end)}
    ]
    lines.append(
        {
            "type": "run",
            "id": native_trace_id(sc),
            "service": sc["service"],
            "agent": sc["agent"],
            "provider": sc["provider"],
            "started_at": tf(root_start),
            "ended_at": tf(root_end),
            "instructions": sc["system"],
            "input": sc["user"],
            "tools": [{"name": t["name"], "description": t["description"], "parameters": t["parameters"]} for t in sc["tools"]],
        }
    )
    fin = FINISH[sc["provider"]]
    prev_calls = []
    for i, (turn, (cs, ce, calls)) in enumerate(zip(sc["turns"], chats)):
        if i == 0:
            inp = [{"role": "user", "content": sc["user"]}]
        else:
            inp = [
                {"role": "tool", "tool_call_id": c["id"], "content": c["result"] if "result" in c else {"error": c["error"]["message"]}}
                for c in prev_calls
            ]
        mc = {
            "type": "model_call",
            "id": f"mc{i + 1}",
            "model": sc["model"],
            "started_at": tf(cs),
            "ended_at": tf(ce),
            "input": inp,
        }
        if turn.get("calls"):
            mc["finish_reason"] = fin["tool"]
            mc["tool_calls"] = [{"id": c["id"], "name": c["name"], "arguments": c["args"]} for c in turn["calls"]]
        else:
            mc["output"] = turn["text"]
            mc["finish_reason"] = fin["stop"]
        mc["usage"] = {"input_tokens": turn["tokens"][0], "output_tokens": turn["tokens"][1]}
        lines.append(mc)
        for c, (s, e) in zip(turn.get("calls", []), calls):
            tc = {"type": "tool_call", "id": c["id"], "name": c["name"], "arguments": c["args"]}
            if "result" in c:
                tc["result"] = c["result"]
            else:
                tc["error"] = c["error"]
            tc["started_at"] = tf(s)
            tc["ended_at"] = tf(e)
            if c.get("accesses"):
                tc["accesses"] = c["accesses"]
            lines.append(tc)
        prev_calls = turn.get("calls", [])
    lines.append({"type": "final_answer", "text": sc["turns"][-1]["text"], "model_call": f"mc{len(sc['turns'])}"})
    return "".join(js(l) + "\n" for l in lines)


def native_trace_id(sc):
    """The native twin gets its own trace id, so ingesting both files keeps two traces."""
    return h("native:" + sc["name"], 32)


def expected(sc):
    batches = []
    n = 0
    for i, turn in enumerate(sc["turns"]):
        if turn.get("calls"):
            n += 1
            batches.append(
                {
                    "id": f"b{n}",
                    "model_call": i,
                    "calls": [c["id"] for c in turn["calls"]],
                    "parallel": len(turn["calls"]) > 1,
                }
            )
    n_tools = sum(len(t.get("calls", [])) for t in sc["turns"])
    return {
        "files": [sc["name"] + ".otlp.json", sc["name"] + ".native.jsonl"],
        "scenario": sc["summary"],
        "trace_id": sc["trace_id"],
        "native_trace_id": native_trace_id(sc),
        "service": sc["service"],
        "agent": sc["agent"],
        "span_count": 1 + len(sc["turns"]) + n_tools,
        "model_call_count": len(sc["turns"]),
        "tool_call_count": n_tools,
        "batches": batches,
        "conflicts": sc["conflicts"],
        "final_answer": {
            "text": sc["turns"][-1]["text"],
            "correct": sc["final_correct"],
            "should_say": sc["should_say"],
        },
        "culprit_batch": sc["culprit"],
        "why_path": sc.get("why_path", []),
    }


def pretty(v, ind=0):
    """Indented JSON, but each attribute (a {key, value} object) and each small leaf on one line."""
    pad = " " * (ind + 2)
    if isinstance(v, dict):
        if "key" in v and "value" in v or len(js(v)) < 60:
            return json.dumps(v, ensure_ascii=False, separators=(", ", ": "))
        items = [pad + json.dumps(k) + ": " + pretty(x, ind + 2) for k, x in v.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * ind + "}"
    if isinstance(v, list):
        if not v:
            return "[]"
        items = [pad + pretty(x, ind + 2) for x in v]
        return "[\n" + ",\n".join(items) + "\n" + " " * ind + "]"
    return json.dumps(v, ensure_ascii=False)


sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scenarios import SCENARIOS  # noqa: E402

exp = {
    "format": 1,
    "about": "Ground truth for the bundled sample traces; see README.md. trace_id is the OTLP file's, native_trace_id the native twin's (distinct, so both can be stored side by side). Indices are 0-based; "
    "batch ids follow fanout's b1, b2, ... in model-call order; resources are in fanout's "
    "normalized (lowercase) form; conflict calls list the writer (or the call meant to go first) first.",
    "traces": {},
}
for sc in SCENARIOS:
    doc, times = otlp(sc)
    with open(os.path.join(OUT, sc["name"] + ".otlp.json"), "w") as f:
        f.write(pretty(doc) + "\n")
    with open(os.path.join(OUT, sc["name"] + ".native.jsonl"), "w") as f:
        f.write(native(sc, times))
    exp["traces"][sc["name"]] = expected(sc)
with open(os.path.join(OUT, "expected.json"), "w") as f:
    json.dump(exp, f, indent=2, ensure_ascii=False)
    f.write("\n")
