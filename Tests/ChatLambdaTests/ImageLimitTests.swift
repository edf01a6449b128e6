import ChatLambda
import LiteLLM
import Testing

@Suite("Image parts per request are capped")
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
}
