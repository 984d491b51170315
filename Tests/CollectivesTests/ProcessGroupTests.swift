import Foundation
import Testing
@testable import Collectives

/// Launch detection from the launchers' variables, and the single-process fallback.
@Suite struct ProcessGroupTests {
    @Test func plainProcessIsSingle() throws {
        let g = ProcessGroup(environment: ["PATH": "/usr/bin", "SLURM_NTASKS": "4"])
        #expect(!g.launched && g.announcedSize == nil && g.localSize == 1)
        #expect(g.threadsPerRank(cores: 8) == 8)
        let comm = try g.join()
        #expect(comm is SingleProcessCommunicator && comm.size == 1)
    }

    @Test func openMPIAndSlurmLaunches() {
        let ompi = ProcessGroup(environment: ["OMPI_COMM_WORLD_SIZE": "4", "OMPI_COMM_WORLD_LOCAL_SIZE": "4", "OMPI_COMM_WORLD_RANK": "2"])
        #expect(ompi.launched && ompi.announcedSize == 4 && ompi.localSize == 4)
        #expect(ompi.threadsPerRank(cores: 2) == 1 && ompi.threadsPerRank(cores: 16) == 4)
        let srun = ProcessGroup(environment: ["PMIX_RANK": "0", "SLURM_STEP_NUM_TASKS": "6", "SLURM_STEP_TASKS_PER_NODE": "2(x3)"])
        #expect(srun.launched && srun.announcedSize == 6 && srun.localSize == 2)
        let off = ProcessGroup(environment: ["OMPI_COMM_WORLD_SIZE": "4", "ESANS_MPI": "off"])
        #expect(!off.launched && off.localSize == 1)
    }

    /// Launched as one of several ranks with no MPI library: an error that says what to
    /// install, not R copies of the whole job. (The library path is forced to a missing file;
    /// the shim loads once per process, so this test must not share a process with a real MPI run.)
    @Test func severalRanksWithoutTheLibraryIsAnError() {
        setenv("ESANS_MPI_LIBRARY", "/nonexistent/libmpi.so.40", 1)
        defer { unsetenv("ESANS_MPI_LIBRARY") }  // read once; kept from the CLI tests' children
        #expect(MPICommunicator.unavailableReason?.contains("apt-get install libopenmpi-dev") == true)
        let g = ProcessGroup(environment: ["OMPI_COMM_WORLD_SIZE": "2"])
        #expect(throws: CommunicatorError.self) { try g.join() }
        do { _ = try g.join() } catch { #expect("\(error)".contains("launched as one of 2 MPI ranks")) }
        // Announced as the only rank, it runs as a single process.
        let alone = try? ProcessGroup(environment: ["OMPI_COMM_WORLD_SIZE": "1"]).join()
        #expect(alone is SingleProcessCommunicator)
    }
}
