import Foundation
import Testing

/// The real `openai` Python SDK, unchanged, against `bootstrap --local`: chat, streams, embeddings (the SDK asks
/// for base64 by default and decodes it), deployments and every error class it maps.
@Suite("Gateway: the OpenAI Python SDK against bootstrap --local")
struct GatewayOpenAISDKTests {
    static let script = #"""
import sys, openai
base, alice, bob = sys.argv[1], sys.argv[2], sys.argv[3]
client = openai.OpenAI(base_url=base, api_key=alice, max_retries=0)
print("chat:", client.chat.completions.create(model="echo", messages=[{"role": "user", "content": "sdk hi"}]).choices[0].message.content)
chunks = list(client.chat.completions.create(model="hs", messages=[{"role": "user", "content": "x"}], stream=True,
                                             stream_options={"include_usage": True}))
print("stream:", "".join(c.choices[0].delta.content or "" for c in chunks if c.choices))
print("stream usage:", chunks[-1].usage.completion_tokens if chunks[-1].usage else None)
vectors = client.embeddings.create(model="embed", input=["one", "two"], dimensions=3)
print("embeddings:", len(vectors.data), [len(d.embedding) for d in vectors.data], vectors.usage.prompt_tokens > 0)
floats = client.embeddings.create(model="embed", input="one", dimensions=3, encoding_format="float")
print("same vector:", all(abs(a - b) < 1e-6 for a, b in zip(floats.data[0].embedding, vectors.data[0].embedding)))
seen = set()
for _ in range(30):
    raw = client.chat.completions.with_raw_response.create(model="ha", messages=[{"role": "user", "content": "x"}])
    seen.add(raw.headers.get("x-embedchat-deployment"))
    float(raw.headers.get("x-embedchat-overhead-ms"))
print("deployments:", sorted(seen))
def error(name, call):
    try:
        call()
        print(name, "no error")
    except openai.APIStatusError as e:
        print(name, type(e).__name__, e.status_code, (e.body or {}).get("code"))
error("bad key:", lambda: openai.OpenAI(base_url=base, api_key="sk-nobody", max_retries=0).models.list())
bob_client = openai.OpenAI(base_url=base, api_key=bob, max_retries=0)
error("not allowed:", lambda: bob_client.embeddings.create(model="embed", input="x"))
for _ in range(3):
    bob_client.chat.completions.create(model="echo", messages=[{"role": "user", "content": "x"}])
error("over limit:", lambda: bob_client.chat.completions.create(model="echo", messages=[{"role": "user", "content": "x"}]))
error("unknown model:", lambda: client.embeddings.create(model="nope", input="x"))
error("litellm keyword:", lambda: client.chat.completions.create(model="echo", messages=[{"role": "user", "content": "x"}], extra_body={"api_base": "http://x"}))
error("upstream 429:", lambda: client.chat.completions.create(model="limited", messages=[{"role": "user", "content": "x"}]))
error("first of two 429s:", lambda: client.chat.completions.create(model="cooling", messages=[{"role": "user", "content": "x"}]))
try:
    client.chat.completions.create(model="cooling", messages=[{"role": "user", "content": "x"}])
    print("cooling: no error")
except openai.RateLimitError as e:
    print("cooling:", e.status_code, (e.body or {}).get("code"), "retry-after", e.response.headers.get("retry-after"))
print("bob's models:", [m.id for m in bob_client.models.list()])
"""#

    @Test func theOpenAISDKWorksUnchanged() async throws {
        let harness = try await GatewayHarness.startLocal()
        defer { Task { await harness.stop() } }
        let base = try #require(harness.base)
        let result = try await runCommand(testPython, testPythonPrefix + ["-c", Self.script, base, GatewayHarness.aliceKey, GatewayHarness.bobKey],
                                          environment: ["PYTHONPATH": bootstrapPythonPath])
        #expect(result.status == 0, "\(result.output)")
        let lines = Set(result.output.split(separator: "\n").map(String.init))
        for expected in [
            "chat: echo: sdk hi", "stream: tok0 tok1 tok2 tok3", "embeddings: 2 [3, 3] True", "same vector: True",
            "bad key: AuthenticationError 401 invalid_api_key", "not allowed: PermissionDeniedError 403 model_not_allowed",
            "over limit: RateLimitError 429 rate_limit_exceeded", "unknown model: NotFoundError 404 model_not_found",
            "litellm keyword: BadRequestError 400 unknown_field", "upstream 429: RateLimitError 429 rate_limit_exceeded",
            "first of two 429s: RateLimitError 429 rate_limit_exceeded", "cooling: 429 deployments_cooling_down retry-after 30",
            "bob's models: ['echo']",
        ] {
            #expect(lines.contains(expected), "missing '\(expected)' in \(result.output)")
        }
        #expect(lines.contains { $0.hasPrefix("stream usage: ") && $0 != "stream usage: None" })
        // litellm shuffles between the two deployments until the failing one is cooled down; only index 1 answers.
        #expect(lines.contains("deployments: ['1']"), "\(result.output)")
        #expect(harness.requests(for: "status-500") == 1)
        let log = harness.child.log
        for secret in [GatewayHarness.providerKey, GatewayHarness.aliceKey, GatewayHarness.bobKey, "sdk hi"] {
            #expect(!log.contains(secret), "the log holds \(secret)")
        }
        for line in harness.metricLines { checkEMF(line) }
        #expect(harness.metricLines.contains { $0["route"] as? String == "embeddings" && $0["caller"] as? String == "alice" })
    }
}
