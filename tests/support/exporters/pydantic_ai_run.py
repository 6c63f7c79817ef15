"""A real Pydantic AI agent exporting its own OpenTelemetry spans to a live `fanout serve`.

The model is Pydantic AI's offline FunctionModel (no network, no key): its first response asks
for two deposits into one account at once, and Pydantic AI runs the two tool calls concurrently.
Both read the balance before either writes it back, so one deposit is lost (100 + 10 + 20 ends at
120, not 130) and the final answer reports the wrong balance. The spans are the agent's own
instrumentation (`Agent.instrument_all`), exported over OTLP/HTTP protobuf to
OTEL_EXPORTER_OTLP_ENDPOINT. Prints the trace id.
"""

import asyncio

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from pydantic_ai import Agent
from pydantic_ai.messages import ModelResponse, TextPart, ToolCallPart, ToolReturnPart
from pydantic_ai.models.function import AgentInfo, FunctionModel
from pydantic_ai.models.instrumented import InstrumentationSettings

provider = TracerProvider(resource=Resource.create({"service.name": "pydantic-ai-bank"}))
provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
trace.set_tracer_provider(provider)
Agent.instrument_all(InstrumentationSettings(tracer_provider=provider))

balances = {"acct-7": 100}


def respond(messages, info: AgentInfo) -> ModelResponse:
    returns = [p for p in messages[-1].parts if isinstance(p, ToolReturnPart)]
    if not returns:
        return ModelResponse(
            parts=[
                ToolCallPart("deposit", {"account": "acct-7", "amount": 10}, tool_call_id="call_a"),
                ToolCallPart("deposit", {"account": "acct-7", "amount": 20}, tool_call_id="call_b"),
            ]
        )
    last = max(r.content["balance"] for r in returns)
    return ModelResponse(parts=[TextPart(f"Both deposits are in: acct-7 now holds {last}.")])


agent = Agent(FunctionModel(respond), name="bank")


@agent.tool_plain
async def deposit(account: str, amount: int) -> dict:
    """Adds `amount` to the account and returns the new balance."""
    current = balances[account]
    await asyncio.sleep(0.05)  # the sibling reads the same balance meanwhile
    balances[account] = current + amount
    return {"account": account, "balance": balances[account]}


tracer = trace.get_tracer("fanout-test")
with tracer.start_as_current_span("bank request") as root:
    result = agent.run_sync("Deposit 10 and then 20 into acct-7.")
    trace_id = format(root.get_span_context().trace_id, "032x")
provider.shutdown()
assert balances["acct-7"] == 120, balances
print(trace_id)
