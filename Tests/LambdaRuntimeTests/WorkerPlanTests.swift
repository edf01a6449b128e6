@testable import LambdaRuntime
import Testing

extension LambdaRuntimeTests {
    @Suite("Worker processes: how many, and their pollers")
    struct WorkerPlanTests {
        @Test func oneWorkerPerProcessorWithThePollersSharedEvenly() {
            let plan = WorkerPlan(concurrency: 16, processors: 3)
            #expect(plan.pollers == [6, 5, 5])
            #expect(plan.usesWorkers)
            #expect(plan.description == "3 workers: 6+5+5 pollers")
        }

        @Test func oneProcessWhenThereIsOnePollerOrOneProcessor() {
            #expect(WorkerPlan(concurrency: 1, processors: 8).pollers == [1])
            #expect(WorkerPlan(concurrency: 64, processors: 1).pollers == [64])
            #expect(!WorkerPlan(concurrency: 64, processors: 1).usesWorkers)
        }

        @Test func neverMoreWorkersThanPollers() {
            #expect(WorkerPlan(concurrency: 2, processors: 8).pollers == [1, 1])
            #expect(WorkerPlan(concurrency: 3, processors: 2, requested: 9).pollers == [1, 1, 1])
        }

        @Test func aRequestedCountReplacesTheProcessorCount() {
            #expect(WorkerPlan(concurrency: 16, processors: 2, requested: 1).pollers == [16])
            #expect(WorkerPlan(concurrency: 16, processors: 2, requested: 4).pollers == [4, 4, 4, 4])
        }

        @Test func theRequestedCountIsReadOrRefusedByName() throws {
            #expect(try WorkerPlan.requestedWorkers(nil, variable: "EMBEDCHAT_WORKERS") == nil)
            #expect(try WorkerPlan.requestedWorkers("", variable: "EMBEDCHAT_WORKERS") == nil)
            #expect(try WorkerPlan.requestedWorkers("3", variable: "EMBEDCHAT_WORKERS") == 3)
            for bad in ["0", "-1", "two", "1.5"] {
                let error = #expect(throws: LambdaRuntimeError.self) {
                    try WorkerPlan.requestedWorkers(bad, variable: "EMBEDCHAT_WORKERS")
                }
                #expect(error?.code == .invalidConfiguration)
                #expect(error?.message.contains("EMBEDCHAT_WORKERS must be a positive integer, got '\(bad)'") == true)
            }
        }

        @Test func theAffinityListIsCounted() {
            #expect(WorkerPlan.cpuListCount("0-1") == 2)
            #expect(WorkerPlan.cpuListCount("0-3,8,10-11") == 7)
            #expect(WorkerPlan.cpuListCount("5") == 1)
            #expect(WorkerPlan.cpuListCount("3-1") == nil)
            #expect(WorkerPlan.cpuListCount("x") == nil)
            #expect(WorkerPlan.availableProcessors >= 1)
        }
    }
}
