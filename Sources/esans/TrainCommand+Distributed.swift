import ArgumentParser
import Collectives
import Foundation
import Runs
import Training

extension TrainCommand {
    /// Only `--distributed` runs on ranks; a plain `esans train` refuses to start as one of several.
    var runsOnRanks: Bool { distributed }

    /// `esans train --distributed`: joins the MPI job (or runs as its only rank), trains the
    /// sharded model (``Training/DistributedRun``) and prints on rank 0 alone. Settings the
    /// sharded trainer does not support are refused before anything is written (exit 64).
    func runDistributed(_ config: RunConfig) throws {
        if config.training.sampler == .esans && config.training.semanticIDs == nil {
            throw ValidationError("--distributed with --sampler esans needs --semantic-ids FILE (fit them first: `esans cluster`, or a single-process ESANS run's msac/semantic_ids.tsv)")
        }
        if let problem = DistributedTrainer.unsupported(config) { throw ValidationError(problem) }
        let comm = try Ranks.join(threads: config.training.threads)
        defer { Ranks.leave(comm) }
        if let problem = VirtualShards.problem(count: config.training.virtualShards ?? 1, ranks: comm.size) { throw ValidationError(problem) }
        let root = comm.isRoot
        let run = DistributedRun(directory: URL(fileURLWithPath: output), config: config, comm: comm) { event in
            guard root else { return }
            switch event {
            case .loaded(let ds, let train, let test):
                let part = ds.loadedShards.map { "; each rank maps its users' \($0.shards.count) of \($0.of) data shards" } ?? ""
                print("data: \(ds.name): \(ds.numUsers) users, \(ds.numItems) items, \(train) train, \(test) test; "
                      + "\(comm.size) rank(s), \(config.training.virtualShards ?? 1) virtual shards\(part)")
            case .resumed(let e):
                print("resuming after epoch \(e)")
            case .step:
                break
            case .epochDone(let stats, let metrics, let evalSeconds):
                var line = String(format: "epoch %3d/%d  loss %.4f  train %.2fs  all-to-all %.1f KiB/step", stats.epoch, config.training.epochs,
                                  stats.loss, stats.seconds, Double(stats.bytesMoved) / Double(max(1, stats.steps)) / 1024)
                line += "  peak RSS " + stats.peakResidentBytes.map { String(format: "%.2f", Double($0) / 1_073_741_824) }.joined(separator: "/") + " GiB"
                if let m = metrics {
                    line += String(format: "  eval %.2fs  recall@20 %.4f  ndcg@20 %.4f", evalSeconds, m.values["recall@20"] ?? 0, m.values["ndcg@20"] ?? 0)
                }
                print(line)
            case .note(let n):
                print("note: \(n)")
            }
        }
        let log: MetricsLog
        do { log = try run.run(resume: resume) } catch let e as DistributedRunError { throw ValidationError(e.description) } catch {
            // One rank failing alone would leave the others waiting in a collective.
            if comm.size > 1, let mpi = comm as? MPICommunicator {
                printErr("Error (rank \(comm.rank)): \(ReadableError.message(for: error) ?? String(describing: error))")
                mpi.abort(code: 1)
            }
            throw error
        }
        if root { printFinal(log) }
    }
}
