"""A GenAI-convention agent run exported live with the real OpenTelemetry Python SDK.

The model asks for two deposits to one account in one response; the runner executes them on two
threads at once, and both read the balance before either writes it back: a lost update. Spans go
through BatchSpanProcessor to the OTLP exporter named on the command line (`http` for
http/protobuf, `grpc`), at the endpoint in OTEL_EXPORTER_OTLP_ENDPOINT. Exits non-zero when any
export was not acknowledged. Prints the trace id.
"""

import json
import sys
import threading
import time

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExportResult

protocol = sys.argv[1] if len(sys.argv) > 1 else "http"
if protocol == "grpc":
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
else:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

failures = []


class Checked(OTLPSpanExporter):
    """The real exporter, remembering every export that was not acknowledged."""

    def export(self, spans):
        result = super().export(spans)
        if result != SpanExportResult.SUCCESS:
            failures.append(result)
        return result


provider = TracerProvider(resource=Resource.create({"service.name": f"shop-agent-{protocol}"}))
# Small batches, so one trace arrives in several requests (children first).
provider.add_span_processor(BatchSpanProcessor(Checked(), max_export_batch_size=2, schedule_delay_millis=50))
tracer = provider.get_tracer("shop-agent")

accounts = {"ACC-1001": 100}
start_both = threading.Barrier(2)


def deposit(call_id, amount, memo):
    with tracer.start_as_current_span("execute_tool deposit") as span:
        args = {"account_id": "ACC-1001", "amount": amount, "memo": memo}
        span.set_attribute("gen_ai.operation.name", "execute_tool")
        span.set_attribute("gen_ai.tool.name", "deposit")
        span.set_attribute("gen_ai.tool.call.id", call_id)
        span.set_attribute("gen_ai.tool.call.arguments", json.dumps(args))
        start_both.wait()
        previous = accounts["ACC-1001"]  # read
        time.sleep(0.05)  # both reads happen before either write
        accounts["ACC-1001"] = previous + amount  # write back: one update is lost
        result = {"account_id": "ACC-1001", "memo": memo, "previous_balance": previous,
                  "deposited": amount, "new_balance": previous + amount}
        span.set_attribute("gen_ai.tool.call.result", json.dumps(result))


def chat(input_messages, output_messages):
    with tracer.start_as_current_span("chat scripted-planner") as span:
        span.set_attribute("gen_ai.operation.name", "chat")
        span.set_attribute("gen_ai.provider.name", "function")
        span.set_attribute("gen_ai.request.model", "scripted-planner")
        span.set_attribute("gen_ai.input.messages", json.dumps(input_messages))
        span.set_attribute("gen_ai.output.messages", json.dumps(output_messages))


user = {"role": "user", "parts": [{"type": "text", "content": "Credit ACC-1001 with the $10 refund and the $20 cashback, then tell me the balance."}]}
calls = [("call_refund", 10, "refund R-2231"), ("call_cashback", 20, "cashback C-7")]
ask = {"role": "assistant", "parts": [{"type": "text", "content": "Applying both credits now."}] + [
    {"type": "tool_call", "id": cid, "name": "deposit", "arguments": {"account_id": "ACC-1001", "amount": amt, "memo": memo}}
    for cid, amt, memo in calls]}

with tracer.start_as_current_span("invoke_agent shop-ops") as root:
    root.set_attribute("gen_ai.operation.name", "invoke_agent")
    root.set_attribute("gen_ai.agent.name", "shop-ops")
    chat([user], [ask])
    context = trace.set_span_in_context(root)
    from opentelemetry import context as ctx

    def run(call):
        token = ctx.attach(context)
        try:
            deposit(*call)
        finally:
            ctx.detach(token)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results = [{"role": "tool", "parts": [{"type": "tool_call_response", "id": cid,
                "response": {"new_balance": 100 + amt}}]} for cid, amt, _ in calls]
    answer = {"role": "assistant", "parts": [{"type": "text", "content": f"Done. The new balance is ${accounts['ACC-1001']}."}]}
    chat([user, ask] + results, [answer])
    trace_id = format(root.get_span_context().trace_id, "032x")

provider.shutdown()
print(trace_id)
if failures:
    print(f"{len(failures)} export(s) failed: {failures}", file=sys.stderr)
    sys.exit(1)
