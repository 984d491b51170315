import ArgumentParser
import Collectives
import Foundation

/// `esans bench collectives`: checks every collective of this process's group and times two
/// of them; meant to be launched by `mpirun -np R` (alone it checks the group of one).
struct BenchCollectivesCommand: ParsableCommand, RunsOnRanks {
    static let configuration = CommandConfiguration(
        commandName: "collectives",
        abstract: "Check the MPI collectives on every rank (launch with mpirun -np R) and time all-reduce and all-to-all.",
        discussion: """
        Every rank runs each collective on values whose results it can predict; rank 0 prints \
        one line per rank that failed (exit 1) or "collectives ok", then the mean time of an \
        all-reduce of --doubles doubles and of an all-to-all of as many bytes in all.
        """)

    @Option(help: "Doubles per all-reduce in the timing.") var doubles = 1 << 20
    @Option(help: "Timed repetitions.") var repeats = 5

    func validate() throws {
        guard doubles > 0 && doubles <= 1 << 27 else { throw ValidationError("--doubles must lie in 1...\(1 << 27)") }
        guard repeats > 0 else { throw ValidationError("--repeats must be positive") }
    }

    func run() throws {
        let comm = try Ranks.join(threads: 1)
        defer { Ranks.leave(comm) }
        let failures = CollectivesSelfCheck.run(comm)
        // Every rank's failures, as text, reach rank 0.
        let report = comm.allGatherv(Array((failures.map { "rank \(comm.rank): \($0)" }.joined(separator: "\n")).utf8))
        let bad = report.filter { !$0.isEmpty }.map { String(decoding: $0, as: UTF8.self) }
        let values = [Double](repeating: 1, count: doubles)
        let t0 = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<repeats { _ = comm.allReduceSum(values) }
        let t1 = DispatchTime.now().uptimeNanoseconds
        let perRank = doubles * 8 / comm.size
        let send = (0..<comm.size).map { _ in [UInt8](repeating: UInt8(comm.rank & 0xFF), count: perRank / max(comm.size, 1)) }
        for _ in 0..<repeats { _ = comm.allToAllv(send) }
        let t2 = DispatchTime.now().uptimeNanoseconds
        guard comm.isRoot else {
            if !bad.isEmpty { throw ExitCode.failure }
            return
        }
        let version = (comm is MPICommunicator ? MPICommunicator.libraryVersion : nil)?.split(separator: "\n").first.map(String.init) ?? "no MPI (one process)"
        print("\(comm.size) rank\(comm.size == 1 ? "" : "s"), \(version)")
        for line in bad { print(line) }
        if !bad.isEmpty { throw ExitCode.failure }
        print("collectives ok")
        print(String(format: "allReduceSum of %d doubles: %.2f ms; allToAllv of %d bytes per rank: %.2f ms",
                     doubles, Double(t1 - t0) / 1e6 / Double(repeats), perRank, Double(t2 - t1) / 1e6 / Double(repeats)))
    }
}
