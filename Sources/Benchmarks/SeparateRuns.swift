import ArgumentParser
import Foundation

/// A benchmark run several times, each in a process of its own, with a verdict taken across the runs.
///
/// One process's rounds share its interpreter's string-hash seed, its memory layout and the minutes it ran in, so the
/// 95% interval of its median covers the spread between its rounds, not between runs. On 2026-12-06 the same
/// `gateway --pairs router` binary gave 1.044× (interval 1.039–1.049) in one run and 1.060× (1.044–1.075) in another a
/// few minutes later. A verdict that holds in every one of several separate runs is one a single run cannot give.
enum SeparateRuns {
    /// One timed pair's figures from one run, as a child run prints them for its parent (`--machine-readable`).
    struct PairFigures: Sendable, Equatable {
        let index: Int
        let ratio: Double, lower: Double, upper: Double
        let difference: Double
        /// The ratio the pair is judged against (the Router pairs' 5%), nil for a pair with none.
        let goal: Double?
        let title: String

        static let prefix = "pair-figures"

        /// The line a child prints: tab-separated, the goal empty when there is none, the title last (titles hold no
        /// tab).
        var line: String {
            [Self.prefix, String(index), String(ratio), String(lower), String(upper), String(difference),
             goal.map { String($0) } ?? "", title].joined(separator: "\t")
        }
    }

    /// What every run says about `goal` together: "yes" only when every run's interval is at or under it, "no" only when
    /// every run's is over it.
    static func verdict(_ runs: [PairFigures], goal: Double) -> String {
        if !runs.isEmpty && runs.allSatisfy({ $0.upper <= goal }) { return "yes (every run's 95% CI is at or under it)" }
        if !runs.isEmpty && runs.allSatisfy({ $0.lower > goal }) { return "no (every run's 95% CI is over it)" }
        return "undecided (the runs' 95% CIs disagree or straddle it)"
    }

    /// The summary printed after the runs: each pair's median per-round ratio in every run, their median and range, the
    /// median difference, and the verdict on the pair's goal where it has one.
    static func summary(_ figures: [PairFigures]) -> [String] {
        var lines: [String] = []
        for index in Set(figures.map(\.index)).sorted() {
            let runs = figures.filter { $0.index == index }
            let ratios = runs.map(\.ratio)
            lines.append("\(runs[0].title), \(runs.count) separate runs")
            lines.append(Bench.ratio("  median per-round ratio, median of the runs", middle(ratios))
                         + String(format: "  (runs %@; range %.3f–%.3f)",
                                  ratios.map { String(format: "%.3f", $0) }.joined(separator: ", "),
                                  ratios.min() ?? .nan, ratios.max() ?? .nan))
            lines.append(Bench.row("  difference per request, median of the runs", middle(runs.map(\.difference))))
            if let goal = runs[0].goal {
                lines.append("  within \(String(format: "%.0f%%", (goal - 1) * 100)) in every run? \(verdict(runs, goal: goal))")
            }
        }
        return lines
    }

    /// The median of a few values, the mean of the middle two for an even count (`Bench.median` takes the upper one,
    /// which for two runs would be the larger).
    static func middle(_ values: [Double]) -> Double {
        let sorted = values.sorted(), count = sorted.count
        guard count > 0 else { return .nan }
        return count % 2 == 1 ? sorted[count / 2] : (sorted[count / 2 - 1] + sorted[count / 2]) / 2
    }

    /// Runs this executable with `arguments` (which must make it print `PairFigures` lines) `count` times, one after
    /// another, echoing each run's output, and returns every run's figures.
    /// - Throws: `ValidationError` when a run fails or prints no figures.
    static func run(count: Int, arguments: [String]) throws -> [PairFigures] {
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        var figures: [PairFigures] = []
        for run in 1...count {
            print("run \(run) of \(count), a process of its own:")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            let text = String(decoding: data, as: UTF8.self)
            var found: [PairFigures] = []
            for line in text.split(separator: "\n") {
                if let pair = PairFigures(line: line) { found.append(pair) } else { print("  " + line) }
            }
            guard process.terminationStatus == 0, !found.isEmpty else {
                throw ValidationError("run \(run) of \(count) failed (exit status \(process.terminationStatus))")
            }
            figures += found
        }
        return figures
    }
}

extension SeparateRuns.PairFigures {
    /// Reads a line `line` printed; nil for any other line. (An extension keeps the memberwise initializer.)
    init?(line: Substring) {
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard fields.count == 8, fields[0] == Self.prefix, let index = Int(fields[1]), let ratio = Double(fields[2]),
              let lower = Double(fields[3]), let upper = Double(fields[4]), let difference = Double(fields[5])
        else { return nil }
        let goal = fields[6].isEmpty ? nil : Double(fields[6])
        guard fields[6].isEmpty || goal != nil else { return nil }
        self.init(index: index, ratio: ratio, lower: lower, upper: upper, difference: difference, goal: goal,
                  title: String(fields[7]))
    }
}
