#!/usr/bin/env python3
"""Consistency check of the bundled sample traces: run `python3 sample-traces/check.py`.

For every scenario in expected.json: the OTLP/JSON file parses, ids are lowercase hex of the right
length, int64s are decimal strings, every parent exists, spans are listed in end order, children
lie inside the root, the tool spans of each parallel batch overlap (unless
its expected conflicts are below observed), tool-call ids join the chat
output to the execute_tool spans, and the native JSONL file carries the same calls, arguments,
results and times. Prints one line per file and exits 1 on the first inconsistency."""
import datetime
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
HEX = re.compile(r"^[0-9a-f]+$")


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def attrs(span):
    out = {}
    for kv in span["attributes"]:
        v = kv["value"]
        if "stringValue" in v:
            out[kv["key"]] = v["stringValue"]
        elif "intValue" in v:
            if not isinstance(v["intValue"], str) or not v["intValue"].isdigit():
                fail(f"{span['name']}: intValue {kv['key']} is not a decimal string")
            out[kv["key"]] = int(v["intValue"])
        elif "arrayValue" in v:
            out[kv["key"]] = [x["stringValue"] for x in v["arrayValue"]["values"]]
    return out


def ns(v):
    if isinstance(v, int):
        return v
    m = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{9})Z$", v)
    if not m:
        fail(f"time {v!r} is neither unix nanos nor RFC 3339 with 9 fraction digits")
    secs = datetime.datetime.fromisoformat(m.group(1) + "+00:00").timestamp()
    return int(secs) * 10**9 + int(m.group(2))


def check_otlp(name, exp):
    with open(os.path.join(HERE, name + ".otlp.json")) as f:
        doc = json.load(f)
    spans = [s for rs in doc["resourceSpans"] for ss in rs["scopeSpans"] for s in ss["spans"]]
    if len(spans) != exp["span_count"]:
        fail(f"{name}: {len(spans)} spans, expected.json says {exp['span_count']}")
    by_id = {}
    for s in spans:
        for key, n in (("traceId", 32), ("spanId", 16), ("parentSpanId", 16)):
            if key in s and (len(s[key]) != n or not HEX.match(s[key])):
                fail(f"{name}: {key} {s[key]!r} is not {n} lowercase hex characters")
        if s["traceId"] != exp["trace_id"]:
            fail(f"{name}: span {s['spanId']} has trace id {s['traceId']}")
        for key in ("startTimeUnixNano", "endTimeUnixNano"):
            if not isinstance(s[key], str) or not s[key].isdigit():
                fail(f"{name}: {key} of {s['spanId']} is not a decimal string")
        if int(s["endTimeUnixNano"]) < int(s["startTimeUnixNano"]):
            fail(f"{name}: span {s['spanId']} ends before it starts")
        if s["spanId"] in by_id:
            fail(f"{name}: duplicate span id {s['spanId']}")
        by_id[s["spanId"]] = s
    ends = [int(s["endTimeUnixNano"]) for s in spans]
    if ends != sorted(ends):
        fail(f"{name}: spans are not listed in end order")
    roots = [s for s in spans if "parentSpanId" not in s]
    if len(roots) != 1 or not roots[0]["name"].startswith("invoke_agent "):
        fail(f"{name}: expected one invoke_agent root")
    root = roots[0]
    r0, r1 = int(root["startTimeUnixNano"]), int(root["endTimeUnixNano"])
    for s in spans:
        if s is root:
            continue
        if s["parentSpanId"] not in by_id:
            fail(f"{name}: parent of {s['spanId']} is missing")
        if not (r0 <= int(s["startTimeUnixNano"]) and int(s["endTimeUnixNano"]) <= r1):
            fail(f"{name}: {s['spanId']} is outside the root")
    chats = sorted((s for s in spans if attrs(s).get("gen_ai.operation.name") == "chat"), key=lambda s: int(s["startTimeUnixNano"]))
    tools = {attrs(s)["gen_ai.tool.call.id"]: s for s in spans if attrs(s).get("gen_ai.operation.name") == "execute_tool"}
    if len(chats) != exp["model_call_count"] or len(tools) != exp["tool_call_count"]:
        fail(f"{name}: model/tool call counts differ from expected.json")
    batches = []
    for i, c in enumerate(chats):
        out = json.loads(attrs(c)["gen_ai.output.messages"])
        calls = [p for m in out for p in m["parts"] if p["type"] == "tool_call"]
        if i + 1 < len(chats) and int(c["endTimeUnixNano"]) > int(chats[i + 1]["startTimeUnixNano"]):
            fail(f"{name}: chat spans overlap")
        if calls:
            batches.append({"model_call": i, "calls": [p["id"] for p in calls]})
        for p in calls:
            t = tools.get(p["id"])
            if t is None:
                fail(f"{name}: no execute_tool span for {p['id']}")
            ta = attrs(t)
            if json.loads(ta["gen_ai.tool.call.arguments"]) != p["arguments"] or ta["gen_ai.tool.name"] != p["name"]:
                fail(f"{name}: {p['id']} name/arguments differ between chat output and tool span")
            if int(t["startTimeUnixNano"]) < int(c["endTimeUnixNano"]):
                fail(f"{name}: {p['id']} starts before its chat span ended")
            if i + 1 < len(chats) and int(t["endTimeUnixNano"]) > int(chats[i + 1]["startTimeUnixNano"]):
                fail(f"{name}: {p['id']} ends after the next chat span started")
        # A batch whose expected conflicts are below observed ran its siblings one after another.
        latent = any(c["severity"] != "observed" and c["batch"] == f"b{len(batches)}" for c in exp["conflicts"])
        if len(calls) > 1 and not latent:
            iv = [(int(tools[p["id"]]["startTimeUnixNano"]), int(tools[p["id"]]["endTimeUnixNano"])) for p in calls]
            if max(a for a, _ in iv) >= min(b for _, b in iv):
                fail(f"{name}: the tool spans of batch {i} do not all overlap")
    got = [{"model_call": b["model_call"], "calls": b["calls"]} for b in batches]
    want = [{"model_call": b["model_call"], "calls": b["calls"]} for b in exp["batches"]]
    if got != want:
        fail(f"{name}: batches {got} differ from expected.json {want}")
    final = json.loads(attrs(root)["gen_ai.output.messages"])[0]["parts"][0]["content"]
    if final != exp["final_answer"]["text"]:
        fail(f"{name}: final answer differs from expected.json")
    for c in exp["conflicts"]:
        if any(cid not in tools for cid in c["calls"]):
            fail(f"{name}: a conflict names an unknown call")
    return root, chats, tools


def check_native(name, exp, root, chats, tools):
    with open(os.path.join(HERE, name + ".native.jsonl")) as f:
        recs = [json.loads(line) for line in f if line.strip()]
    head, run = recs[0], recs[1]
    if head.get("fanout") != "native" or head.get("version") != 1 or run.get("type") != "run":
        fail(f"{name}.native.jsonl: bad header or run record")
    if run["id"] != exp["native_trace_id"] or run["id"] == exp["trace_id"]:
        fail(f"{name}.native.jsonl: the run id must be expected.json's native_trace_id, not the OTLP trace id")
    if ns(run["started_at"]) != int(root["startTimeUnixNano"]):
        fail(f"{name}.native.jsonl: run start differs from the OTLP root")
    mcs = [r for r in recs if r.get("type") == "model_call"]
    tcs = {r["id"]: r for r in recs if r.get("type") == "tool_call"}
    if len(mcs) != len(chats) or set(tcs) != set(tools):
        fail(f"{name}.native.jsonl: calls differ from the OTLP file")
    for mc, chat in zip(mcs, chats):
        if ns(mc["started_at"]) != int(chat["startTimeUnixNano"]) or ns(mc["ended_at"]) != int(chat["endTimeUnixNano"]):
            fail(f"{name}.native.jsonl: {mc['id']} times differ")
    for cid, tc in tcs.items():
        span = tools[cid]
        ta = attrs(span)
        if ns(tc["started_at"]) != int(span["startTimeUnixNano"]) or ns(tc["ended_at"]) != int(span["endTimeUnixNano"]):
            fail(f"{name}.native.jsonl: {cid} times differ")
        if tc["arguments"] != json.loads(ta["gen_ai.tool.call.arguments"]):
            fail(f"{name}.native.jsonl: {cid} arguments differ")
        if "result" in tc and tc["result"] != json.loads(ta["gen_ai.tool.call.result"]):
            fail(f"{name}.native.jsonl: {cid} result differs")
        if "error" in tc and ta.get("error.type") != tc["error"]["type"]:
            fail(f"{name}.native.jsonl: {cid} error differs")
    final = [r for r in recs if r.get("type") == "final_answer"]
    if len(final) != 1 or final[0]["text"] != exp["final_answer"]["text"]:
        fail(f"{name}.native.jsonl: final answer differs")


def main():
    with open(os.path.join(HERE, "expected.json")) as f:
        expected = json.load(f)
    for name, exp in expected["traces"].items():
        root, chats, tools = check_otlp(name, exp)
        check_native(name, exp, root, chats, tools)
        print(f"ok {name}: {exp['span_count']} spans, {len(exp['batches'])} batches, {len(exp['conflicts'])} conflicts")


main()
