/// How this process was launched: alone, or as one rank of an MPI job (`mpirun`, `mpiexec`,
/// Slurm's `srun --mpi=pmix`, the Kubernetes MPI Operator, which runs `mpirun`), read from
/// the variables the launchers set. Joining the group initialises MPI only when launched by
/// one, so a plain `esans ...` never touches MPI.
public struct ProcessGroup: Sendable, Equatable {
    /// Whether a launcher started this process as a rank (and MPI should be initialised).
    public let launched: Bool
    /// The number of ranks the launcher announced (nil when it did not say).
    public let announcedSize: Int?
    /// Ranks on this machine (Open MPI's `OMPI_COMM_WORLD_LOCAL_SIZE`, MPICH's
    /// `MPI_LOCALNRANKS`, Slurm's tasks per node), 1 when not launched or not announced.
    public let localSize: Int

    /// The launch described by `environment`. `ESANS_MPI=0` (or `off`) runs a launched process
    /// as a single one anyway.
    public init(environment: [String: String]) {
        func int(_ key: String) -> Int? {
            // Slurm writes "2(x3)" for three nodes of two tasks: the leading number is this node's.
            guard let text = environment[key] else { return nil }
            return Int(text.prefix { $0.isNumber })
        }
        let disabled = ["0", "off", "no", "false"].contains(environment["ESANS_MPI"]?.lowercased() ?? "")
        let markers = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"]
        launched = !disabled && markers.contains { environment[$0] != nil }
        announcedSize = launched ? (int("OMPI_COMM_WORLD_SIZE") ?? int("PMI_SIZE") ?? int("SLURM_STEP_NUM_TASKS") ?? int("SLURM_NTASKS")) : nil
        let local = int("OMPI_COMM_WORLD_LOCAL_SIZE") ?? int("MPI_LOCALNRANKS") ?? int("SLURM_STEP_TASKS_PER_NODE") ?? int("SLURM_NTASKS_PER_NODE")
        localSize = launched ? max(1, local ?? 1) : 1
    }

    /// Kernel threads for each rank when none are asked for: the machine's cores shared
    /// between the ranks on it (at least one).
    public func threadsPerRank(cores: Int) -> Int { max(1, cores / localSize) }

    /// This process's communicator: a ``SingleProcessCommunicator`` unless launched, then
    /// the MPI world (``MPICommunicator/initialize()``).
    /// - Throws: ``CommunicatorError/unavailable(_:)`` when launched as one of several ranks
    ///   (or an unannounced number) and Open MPI cannot be loaded: running every rank as a
    ///   whole job of its own would repeat the work and race on the output files. Launched as
    ///   the only rank, a missing library falls back to a single process.
    public func join() throws -> any Communicator {
        guard launched else { return SingleProcessCommunicator() }
        if announcedSize == 1, MPICommunicator.unavailableReason != nil { return SingleProcessCommunicator() }
        do { return try MPICommunicator.initialize() } catch let CommunicatorError.unavailable(why) {
            throw CommunicatorError.unavailable(
                "launched as one of \(announcedSize.map(String.init) ?? "several") MPI ranks, but \(why)")
        }
    }
}
