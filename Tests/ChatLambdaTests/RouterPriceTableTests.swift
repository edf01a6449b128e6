@testable import ChatLambda
import Foundation
import Testing

/// litellm's Router writes each deployment into litellm's process-wide price table, under its id and under its model
/// name. Without the glue's correction, a model litellm has no price for was then priced at 0 (routed and plain calls
/// alike), and a deployment's own price became the price of every plain call of its model.
@Suite("A Router leaves litellm's price table as it found it")
struct RouterPriceTableTests {
    /// The cost of each answered request of `model`, in order (nil where the line has none).
    static func costs(_ fixture: GatewayFixture, _ model: String) -> [Double?] {
        fixture.metrics.all.filter { $0["model"] as? String == model && $0["status"] as? Int == 200 }.map { $0["CostUSD"] as? Double }
    }

    @Test func aModelLitellmHasNoPriceForStaysUnpricedOnceItHasDeployments() async throws {
        let model = "house-\(UUID().uuidString.prefix(8).lowercased())"  // no other test names it
        let fixture = try await GatewayFixture.make { base in
            #"{"plain": \#(GatewayFixture.plain(model, base)), "routed": {"deployments": [\#(GatewayFixture.deployment(model, base))]}}"#
        }
        defer { Task { await fixture.shutdown() } }
        for name in ["plain", "routed", "plain", "routed"] {
            #expect(await fixture.http("/v1/chat/completions", userRequest(name)).json != nil, "\(name) answers")
        }
        #expect(fixture.metrics.all.count == 4)
        #expect(Self.costs(fixture, "plain") == [nil, nil], "a plain call, before and after the Router is made")
        #expect(Self.costs(fixture, "routed") == [nil, nil], "the cost is unknown, not 0")
    }

    @Test func aDeploymentsOwnPriceDoesNotPriceOtherCallsOfItsModel() async throws {
        let price = #", "input_cost_per_token": 0.5"#
        let fixture = try await GatewayFixture.make { base in
            #"{"table": \#(GatewayFixture.plain("gpt-4o-mini", base)), "house": {"deployments": [{"model": "openai/gpt-4o-mini", "api_base": "\#(base)", "api_key_env": "FAKE_KEY"\#(price)}]}}"#
        }
        defer { Task { await fixture.shutdown() } }
        for name in ["table", "house", "table"] {
            #expect(await fixture.http("/v1/chat/completions", userRequest(name)).json != nil, "\(name) answers")
        }
        let table = Self.costs(fixture, "table")
        let before = try #require(table.first ?? nil, "gpt-4o-mini is in litellm's price table")
        #expect(before > 0 && before < 0.01)
        #expect(table.count == 2 && table.last == before, "the plain entry keeps the table's price: \(table)")
        let house = try #require(Self.costs(fixture, "house").first ?? nil)
        let line = try #require(fixture.metrics.all.first { $0["model"] as? String == "house" })
        let tokens = try #require(line["PromptTokens"] as? Int)
        #expect(house >= Double(tokens) * 0.5, "the deployment's answers take its own price: \(house) for \(tokens) tokens")
    }
}
