import ArgumentParser
import Collectives
import Foundation
import NumCore

/// A subcommand that runs as one rank of an MPI job when launched by `mpirun` or `srun`
/// (see ``Ranks``); every other subcommand refuses to start as one of several ranks.
protocol RunsOnRanks {
    /// Whether this invocation runs on ranks (`esans train` only with `--distributed`).
    var runsOnRanks: Bool { get }
}

extension RunsOnRanks {
    var runsOnRanks: Bool { true }
}

/// The ranks a command runs on: joins the MPI job when launched by one (otherwise a single
/// process, exactly as without MPI), and sizes the kernel pool to this rank's share of the
/// machine's cores unless `--threads` says otherwise.
enum Ranks {
    /// How this process was launched.
    static var launch: ProcessGroup { ProcessGroup(environment: ProcessInfo.processInfo.environment) }

    /// This process's communicator; with `threads == 0` under a launcher, the worker pool
    /// gets the cores divided by the ranks on this machine.
    /// - Throws: `ValidationError` when launched as one of several ranks without a loadable Open MPI.
    static func join(threads: Int) throws -> any Communicator {
        let launch = self.launch
        let comm: any Communicator
        do { comm = try launch.join() } catch let e as CommunicatorError { throw ValidationError(e.description) }
        if threads == 0 && comm.size > 1 {
            WorkerPool.configure(threads: launch.threadsPerRank(cores: ProcessInfo.processInfo.activeProcessorCount))
        }
        return comm
    }

    /// Ends MPI (when it was started) once the command is done.
    static func leave(_ comm: any Communicator) {
        (comm as? MPICommunicator)?.finalize()
    }

    /// Why `command` may not start here: it runs on one process only and this one was
    /// launched as one of several ranks (each would repeat the whole job and write the same files).
    static func refusal(for command: ParsableCommand) -> String? {
        let launch = self.launch
        guard launch.launched, launch.announcedSize != 1, !((command as? RunsOnRanks)?.runsOnRanks ?? false) else { return nil }
        let name = type(of: command).configuration.commandName ?? "this command"
        return "`esans \(name)` runs in one process; launched as one of \(launch.announcedSize.map(String.init) ?? "several") MPI ranks, "
            + "it would repeat the whole job on every rank. Run it without mpirun/srun (`esans evaluate` and `esans train --distributed` run on several ranks), "
            + "or set ESANS_MPI=0 to run each rank as a process of its own."
    }
}
