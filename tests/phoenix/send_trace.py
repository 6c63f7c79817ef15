"""Sends one OpenInference-instrumented agent run to an OTLP/HTTP endpoint (Phoenix's
/v1/traces) and prints its trace id: a billing agent whose model asks for two `deposit` calls
at once; the runner executes them in parallel, both read balance 100, and the final answer
reports 120 instead of 130 (a lost update).

Usage: python send_trace.py http://127.0.0.1:PORT/v1/traces PROJECT
"""

import json
import sys
import time

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

endpoint, project = sys.argv[1], sys.argv[2]
provider = TracerProvider(
    resource=Resource.create(
        {"service.name": "billing-agent", "openinference.project.name": project}
    )
)
provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
tracer = provider.get_tracer("openinference.instrumentation.test")

MS = 1_000_000
t0 = time.time_ns()
QUESTION = "Customer ACC-1001 is owed a $10 refund and a $20 goodwill credit. Apply both and tell me the new balance."
CALLS = [
    ("call_r311", {"account_id": "ACC-1001", "amount": 10, "memo": "refund R-311"}, 110),
    ("call_gw20", {"account_id": "ACC-1001", "amount": 20, "memo": "goodwill credit"}, 120),
]
ANSWER = "Done: both credits are applied and ACC-1001 now has a balance of $120."


def at(ms):
    return t0 + ms * MS


root = tracer.start_span(
    "billing-agent",
    start_time=at(0),
    attributes={
        "openinference.span.kind": "AGENT",
        "agent.name": "billing-agent",
        "input.value": QUESTION,
        "input.mime_type": "text/plain",
        "output.value": ANSWER,
        "output.mime_type": "text/plain",
    },
)
ctx = trace.set_span_in_context(root)

llm1 = {
    "openinference.span.kind": "LLM",
    "llm.model_name": "gpt-4.1",
    "llm.provider": "openai",
    "llm.invocation_parameters": json.dumps({"parallel_tool_calls": True}),
    "llm.input_messages.0.message.role": "user",
    "llm.input_messages.0.message.content": QUESTION,
    "llm.output_messages.0.message.role": "assistant",
    "llm.tools.0.tool.json_schema": json.dumps(
        {
            "type": "function",
            "function": {
                "name": "deposit",
                "description": "Credit an amount to an account; returns the previous and new balance.",
                "parameters": {
                    "type": "object",
                    "properties": {
                        "account_id": {"type": "string"},
                        "amount": {"type": "number"},
                        "memo": {"type": "string"},
                    },
                },
            },
        }
    ),
}
for i, (call_id, args, _) in enumerate(CALLS):
    prefix = f"llm.output_messages.0.message.tool_calls.{i}.tool_call"
    llm1[f"{prefix}.id"] = call_id
    llm1[f"{prefix}.function.name"] = "deposit"
    llm1[f"{prefix}.function.arguments"] = json.dumps(args)
span = tracer.start_span("ChatCompletion", context=ctx, start_time=at(2), attributes=llm1)
span.end(end_time=at(840))

# The runner executes both calls at once: overlapping, each reading the balance 100.
for i, (call_id, args, new_balance) in enumerate(CALLS):
    result = {"account_id": "ACC-1001", "amount": args["amount"], "previous_balance": 100, "new_balance": new_balance}
    span = tracer.start_span(
        "deposit",
        context=ctx,
        start_time=at(842 + i),
        attributes={
            "openinference.span.kind": "TOOL",
            "tool.name": "deposit",
            "input.value": json.dumps(args),
            "input.mime_type": "application/json",
            "output.value": json.dumps(result),
            "output.mime_type": "application/json",
        },
    )
    span.end(end_time=at(980 + 20 * i))

llm2 = {
    "openinference.span.kind": "LLM",
    "llm.model_name": "gpt-4.1",
    "llm.provider": "openai",
    "llm.input_messages.0.message.role": "user",
    "llm.input_messages.0.message.content": QUESTION,
    "llm.input_messages.1.message.role": "assistant",
    "llm.output_messages.0.message.role": "assistant",
    "llm.output_messages.0.message.content": ANSWER,
}
for i, (call_id, args, new_balance) in enumerate(CALLS):
    prefix = f"llm.input_messages.1.message.tool_calls.{i}.tool_call"
    llm2[f"{prefix}.id"] = call_id
    llm2[f"{prefix}.function.name"] = "deposit"
    llm2[f"{prefix}.function.arguments"] = json.dumps(args)
    llm2[f"llm.input_messages.{2 + i}.message.role"] = "tool"
    llm2[f"llm.input_messages.{2 + i}.message.tool_call_id"] = call_id
    llm2[f"llm.input_messages.{2 + i}.message.content"] = json.dumps(
        {"account_id": "ACC-1001", "amount": args["amount"], "previous_balance": 100, "new_balance": new_balance}
    )
span = tracer.start_span("ChatCompletion", context=ctx, start_time=at(1002), attributes=llm2)
span.end(end_time=at(1900))
root.end(end_time=at(1902))

provider.force_flush()
provider.shutdown()
print(format(root.get_span_context().trace_id, "032x"))
