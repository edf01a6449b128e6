import ChatLambda
import LiteLLM
import ProviderFakes
import Testing

@Suite("Image URLs at the gateway: capped, and refused without echoing them")
struct ImageLimitTests {
    func body(images: Int) -> String {
        let parts = (0..<images).map { _ in #"{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}"# }
        return #"{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"what"},"# + parts.joined(separator: ",") + "]}]}"
    }

    @Test func theCapIsAcceptedAndOneMoreIsRefused() throws {
        let cap = RequestValidation.maximumImageParts
        #expect(try RequestValidation.decode(Array(body(images: cap).utf8)).messages.count == 1)
        do {
            _ = try RequestValidation.decode(Array(body(images: cap + 1).utf8))
            Issue.record("\(cap + 1) images were accepted")
        } catch {
            #expect(error.status == 400)
            #expect(error.param == "messages[0].content[\(cap + 1)].image_url")
            #expect(error.message.contains("at most \(cap) images"))
        }
    }

    /// `echo` is an OpenAI-compatible route at an `api_base`, so the server fetches its images itself; a loopback
    /// address is refused before any connection, as a 400 that names the part but not the URL.
    @Test func anImageAtALoopbackAddressIsA400WithoutItsURL() async throws {
        let fixture = try await ChatFixture.make()
        defer { Task { await fixture.shutdown() } }
        let url = "https://127.0.0.1:\(fixture.server.port)/_fake/image/png"
        let body = #"{"model":"echo","messages":[{"role":"user","content":[{"type":"text","text":"what"},{"type":"image_url","image_url":{"url":"\#(url)"}}]}]}"#
        let error = try #require(await fixture.chat(body).failure)
        #expect(error.status == 400 && error.code == "image_fetch_failed", "\(error)")
        let text = String(decoding: ChatHTTPResponse(error).body, as: UTF8.self)
        #expect(text.contains("messages[0].content[1]") && !text.contains("127.0.0.1") && !text.contains("_fake"), "\(text)")
        #expect(fixture.server.recordedRequests.isEmpty, "\(fixture.server.recordedRequests)")
    }

    /// A model with deployments is held to the same rule: its Router must not hand litellm (or the provider) an image
    /// URL the server would have refused for a plain entry. Buffered and streamed.
    @Test(arguments: [false, true])
    func aRoutedModelsImageAtALoopbackAddressIsA400WithoutItsURL(streaming: Bool) async throws {
        let fixture = try await GatewayFixture.make { base in
            #"{"ha": {"deployments": [\#(GatewayFixture.deployment("echo", base)), \#(GatewayFixture.deployment("echo", base))]}}"#
        }
        defer { Task { await fixture.shutdown() } }
        let url = "https://127.0.0.1:\(fixture.server.port)/_fake/image/png"
        let body = #"{"model":"ha","stream":\#(streaming),"messages":[{"role":"user","content":[{"type":"text","text":"what"},{"type":"image_url","image_url":{"url":"\#(url)"}}]}]}"#
        let error = try #require(await fixture.http("/v1/chat/completions", body).failure)
        #expect(error.status == 400 && error.code == "image_fetch_failed", "\(error)")
        let text = String(decoding: ChatHTTPResponse(error).body, as: UTF8.self)
        #expect(text.contains("messages[0].content[1]") && !text.contains("127.0.0.1") && !text.contains("_fake"), "\(text)")
        #expect(fixture.server.recordedRequests.isEmpty, "\(fixture.server.recordedRequests)")
    }
}
