// A GenAI-convention agent run exported live with the real OpenTelemetry JS SDK
// (@opentelemetry/sdk-trace-node). The model asks for two deposits to one account in one
// response; both tool calls run concurrently and read the balance before either writes it back:
// a lost update. Spans go through BatchSpanProcessor to the OTLP/HTTP exporter named on the
// command line (`json` or `protobuf`), at OTEL_EXPORTER_OTLP_ENDPOINT. Prints the trace id;
// exits non-zero when any export was not acknowledged.
//
// Run with NODE_PATH pointing at a node_modules folder holding the packages (see .ci/run).
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(process.env.NODE_PATH || ".", "noop.js"));
const { trace, context } = require("@opentelemetry/api");
const { NodeTracerProvider } = require("@opentelemetry/sdk-trace-node");
const { BatchSpanProcessor } = require("@opentelemetry/sdk-trace-base");
const { resourceFromAttributes } = require("@opentelemetry/resources");

const protocol = process.argv[2] || "json";
const { OTLPTraceExporter } =
  protocol === "protobuf"
    ? require("@opentelemetry/exporter-trace-otlp-proto")
    : require("@opentelemetry/exporter-trace-otlp-http");

const failures = [];
const exporter = new OTLPTraceExporter();
const realExport = exporter.export.bind(exporter);
exporter.export = (spans, done) =>
  realExport(spans, (result) => {
    if (result.code !== 0) failures.push(String(result.error || result.code));
    done(result);
  });

const provider = new NodeTracerProvider({
  resource: resourceFromAttributes({ "service.name": `shop-agent-node-${protocol}` }),
  spanProcessors: [new BatchSpanProcessor(exporter, { maxExportBatchSize: 2, scheduledDelayMillis: 50 })],
});
provider.register();
const tracer = trace.getTracer("shop-agent");

const accounts = { "ACC-1001": 100 };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function deposit([callId, amount, memo]) {
  return tracer.startActiveSpan("execute_tool deposit", async (span) => {
    span.setAttribute("gen_ai.operation.name", "execute_tool");
    span.setAttribute("gen_ai.tool.name", "deposit");
    span.setAttribute("gen_ai.tool.call.id", callId);
    span.setAttribute("gen_ai.tool.call.arguments", JSON.stringify({ account_id: "ACC-1001", amount, memo }));
    const previous = accounts["ACC-1001"]; // read
    await sleep(50); // both reads happen before either write
    accounts["ACC-1001"] = previous + amount; // write back: one update is lost
    span.setAttribute(
      "gen_ai.tool.call.result",
      JSON.stringify({ account_id: "ACC-1001", memo, previous_balance: previous, deposited: amount, new_balance: previous + amount }),
    );
    span.end();
  });
}

function chat(input, output) {
  const span = tracer.startSpan("chat scripted-planner");
  span.setAttribute("gen_ai.operation.name", "chat");
  span.setAttribute("gen_ai.provider.name", "function");
  span.setAttribute("gen_ai.request.model", "scripted-planner");
  span.setAttribute("gen_ai.input.messages", JSON.stringify(input));
  span.setAttribute("gen_ai.output.messages", JSON.stringify(output));
  span.end();
}

const user = { role: "user", parts: [{ type: "text", content: "Credit ACC-1001 with the $10 refund and the $20 cashback, then tell me the balance." }] };
const calls = [["call_refund", 10, "refund R-2231"], ["call_cashback", 20, "cashback C-7"]];
const ask = {
  role: "assistant",
  parts: [{ type: "text", content: "Applying both credits now." }].concat(
    calls.map(([id, amount, memo]) => ({ type: "tool_call", id, name: "deposit", arguments: { account_id: "ACC-1001", amount, memo } })),
  ),
};

let traceId;
await tracer.startActiveSpan("invoke_agent shop-ops", async (root) => {
  root.setAttribute("gen_ai.operation.name", "invoke_agent");
  root.setAttribute("gen_ai.agent.name", "shop-ops");
  chat([user], [ask]);
  await Promise.all(calls.map((c) => deposit(c)));
  const results = calls.map(([id, amount]) => ({ role: "tool", parts: [{ type: "tool_call_response", id, response: { new_balance: 100 + amount } }] }));
  chat([user, ask, ...results], [{ role: "assistant", parts: [{ type: "text", content: `Done. The new balance is $${accounts["ACC-1001"]}.` }] }]);
  traceId = root.spanContext().traceId;
  root.end();
});
await provider.shutdown();
console.log(traceId);
if (failures.length > 0) {
  console.error(`${failures.length} export(s) failed: ${failures.join(", ")}`);
  process.exit(1);
}
