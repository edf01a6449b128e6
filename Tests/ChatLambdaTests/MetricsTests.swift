@testable import ChatLambda
import Foundation
import Testing

@Suite("The per-request EMF line")
struct MetricsTests {
    @Test func theLineIsCloudWatchEMFWithDimensionsMetricsAndValues() throws {
        let started = ContinuousClock.now
        var record = RequestMetrics(route: "chat", started: started)
        record.model = "fast"
        record.caller = "team-a"
        record.status = 200
        record.providerTime = .milliseconds(300)
        record.timeToFirstToken = .milliseconds(120)
        record.promptTokens = 31
        record.completionTokens = 96
        record.cost = 0.0000623
        record.deployment = "1"
        let line = try #require(try JSONSerialization.jsonObject(with: Data(record.emfLine(at: started + .milliseconds(312), timestamp: 1_796_000_000_000))) as? [String: Any])
        let aws = try #require(line["_aws"] as? [String: Any])
        #expect(aws["Timestamp"] as? Int == 1_796_000_000_000)
        let directive = try #require((aws["CloudWatchMetrics"] as? [[String: Any]])?.first)
        #expect(directive["Namespace"] as? String == "embedchat")
        #expect(directive["Dimensions"] as? [[String]] == [["model", "caller"], ["model"], ["caller"]])
        let names = (directive["Metrics"] as? [[String: String]])?.compactMap { $0["Name"] } ?? []
        #expect(Set(names) == ["Latency", "Requests", "Errors", "PromptTokens", "CompletionTokens", "TimeToFirstToken", "CostUSD"])
        for name in names { #expect(line[name] is NSNumber, "\(name) has a value") }
        #expect(line["Latency"] as? Double == 312)
        #expect(line["overheadMs"] as? Double == 12)
        #expect(line["TimeToFirstToken"] as? Double == 120)
        #expect(line["Errors"] as? Int == 0)
        #expect(line["model"] as? String == "fast" && line["caller"] as? String == "team-a" && line["deployment"] as? String == "1")
    }

    @Test func aFailureCountsAsAnErrorAndUnknownFiguresAreLeftOut() throws {
        var record = RequestMetrics(route: "embeddings")
        record.status = 429
        let line = try #require(try JSONSerialization.jsonObject(with: Data(record.emfLine())) as? [String: Any])
        #expect(line["Errors"] as? Int == 1)
        #expect(line["CostUSD"] == nil && line["TimeToFirstToken"] == nil && line["deployment"] == nil)
        let names = ((line["_aws"] as? [String: Any])?["CloudWatchMetrics"] as? [[String: Any]])?.first?["Metrics"] as? [[String: String]]
        #expect(names?.contains { $0["Name"] == "CostUSD" } == false, "a metric without a value is not declared")
    }
}
