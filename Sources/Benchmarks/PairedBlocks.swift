import Foundation

/// Two sides measured against each other in adjacent blocks: each round times the reference, the subject, the subject
/// again and the reference again (the order flipped every other round), so a drift of the machine's load within a
/// round touches both sides alike, and a per-round ratio is taken of blocks seconds apart.
struct PairedBlocks {
    /// What the pair's figures are called in the printout.
    let reference: String, subject: String
    /// One timed unit of each side (a block of requests); each returns nothing and throws on a failed request.
    let runReference: () async throws -> Void, runSubject: () async throws -> Void
    /// How many requests one run of a side makes (figures are per request).
    let requests: Int

    /// Microseconds per request of each side, one figure per round.
    private(set) var referenceFigures: [Double] = [], subjectFigures: [Double] = []
    /// CPU microseconds per request of each side (every thread of the process), one figure per round. Unlike the wall
    /// clock, it does not count time the process waited for a core, so another tenant's load moves it less.
    private(set) var referenceCPU: [Double] = [], subjectCPU: [Double] = []

    init(reference: String, subject: String, requests: Int,
         _ runReference: @escaping () async throws -> Void, _ runSubject: @escaping () async throws -> Void) {
        self.reference = reference
        self.subject = subject
        self.requests = requests
        self.runReference = runReference
        self.runSubject = runSubject
    }

    /// One round: reference, subject, subject, reference (subject first on odd rounds).
    mutating func measureRound(_ round: Int) async throws {
        let order = round % 2 == 0 ? [false, true, true, false] : [true, false, false, true]
        var reference = 0.0, subject = 0.0, referenceCPUSeconds = 0.0, subjectCPUSeconds = 0.0
        for isSubject in order {
            let cpuBefore = Bench.processCPUSeconds()
            let seconds = try await Bench.time { try await (isSubject ? runSubject : runReference)() }
            let cpu = Bench.processCPUSeconds() - cpuBefore
            if isSubject { subject += seconds; subjectCPUSeconds += cpu } else { reference += seconds; referenceCPUSeconds += cpu }
        }
        referenceFigures.append(reference / Double(2 * requests) * 1e6)
        subjectFigures.append(subject / Double(2 * requests) * 1e6)
        referenceCPU.append(referenceCPUSeconds / Double(2 * requests) * 1e6)
        subjectCPU.append(subjectCPUSeconds / Double(2 * requests) * 1e6)
    }

    /// Per-round subject / reference.
    var ratios: [Double] { zip(subjectFigures, referenceFigures).map { $0 / $1 } }
    /// Per-round subject − reference, µs per request.
    var differences: [Double] { zip(subjectFigures, referenceFigures).map { $0 - $1 } }

    /// The printout: both medians, the ratio of medians, the median per-round ratio with the middle 80% of the rounds'
    /// ratios and a 95% confidence interval of that median, the difference in µs, and whether `goal` (e.g. 1.05) is met.
    func report(goal: Double?) -> [String] {
        let ratios = ratios, differences = differences
        let interval = PairedBlocks.medianInterval(ratios)
        var lines = [
            Bench.row(reference, Bench.median(referenceFigures)),
            Bench.row(subject, Bench.median(subjectFigures)),
            Bench.ratio("  ratio of medians", Bench.median(subjectFigures) / Bench.median(referenceFigures)),
            Bench.ratio("  median per-round ratio", Bench.median(ratios))
                + String(format: "  (middle 80%% of rounds %.3f–%.3f; 95%% CI of median %.3f–%.3f)",
                         PairedBlocks.quantile(ratios, 0.1), PairedBlocks.quantile(ratios, 0.9), interval.lower, interval.upper),
            Bench.row("  difference per request", Bench.median(differences))
                + String(format: "  (middle 80%% of rounds %.1f to %.1f µs)",
                         PairedBlocks.quantile(differences, 0.1), PairedBlocks.quantile(differences, 0.9)),
        ]
        let cpuRatios = zip(subjectCPU, referenceCPU).map { $0 / $1 }
        let cpuInterval = PairedBlocks.medianInterval(cpuRatios)
        lines.append(Bench.row("  CPU per request, all threads: reference", Bench.median(referenceCPU))
                     + String(format: ", subject %.2f µs", Bench.median(subjectCPU)))
        lines.append(Bench.ratio("  CPU: median per-round ratio", Bench.median(cpuRatios))
                     + String(format: "  (middle 80%% of rounds %.3f–%.3f; 95%% CI of median %.3f–%.3f)",
                              PairedBlocks.quantile(cpuRatios, 0.1), PairedBlocks.quantile(cpuRatios, 0.9),
                              cpuInterval.lower, cpuInterval.upper))
        if let goal {
            let verdict = interval.upper <= goal ? "yes (the whole 95% CI of the median ratio is at or under it)"
                : interval.lower > goal ? "no (the whole 95% CI of the median ratio is over it)"
                : "undecided (the 95% CI of the median ratio straddles it; run more rounds)"
            lines.append("  within \(String(format: "%.0f%%", (goal - 1) * 100))? \(verdict)")
        }
        return lines
    }

    /// The figures a run of its own hands `SeparateRuns`: the median per-round ratio, its interval, the difference and
    /// the `goal` it is judged against.
    func figures(index: Int, goal: Double?) -> SeparateRuns.PairFigures {
        let interval = PairedBlocks.medianInterval(ratios)
        return SeparateRuns.PairFigures(index: index, ratio: Bench.median(ratios), lower: interval.lower,
                                        upper: interval.upper, difference: Bench.median(differences), goal: goal,
                                        title: subject)
    }

    /// The value at fraction `q` of the sorted values (nearest rank).
    static func quantile(_ values: [Double], _ q: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted[min(sorted.count - 1, max(0, Int((Double(sorted.count - 1) * q).rounded())))]
    }

    /// A distribution-free 95% confidence interval of the median: the order statistics n/2 ∓ 0.98·√n (the binomial
    /// with p = ½ in its normal approximation), so no assumption about the rounds' spread.
    static func medianInterval(_ values: [Double]) -> (lower: Double, upper: Double) {
        let sorted = values.sorted(), n = Double(sorted.count)
        guard sorted.count >= 6 else { return (.nan, .nan) }
        let half = 0.98 * n.squareRoot()
        let low = max(0, Int((n / 2 - half).rounded(.down)) - 1)
        let high = min(sorted.count - 1, Int((n / 2 + half).rounded(.up)))
        return (sorted[low], sorted[high])
    }
}
