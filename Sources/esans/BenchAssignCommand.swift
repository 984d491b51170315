import ArgumentParser
import Foundation
import Semantic
import Alignment
import Codebooks

/// `esans bench assign`: does `esans cluster assign` put new items where a refit would?
struct BenchAssignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assign",
        abstract: "Hold out a share of an MSAC fit's items, fit on the rest, assign the held-out ones, and compare with a refit on all.",
        discussion: """
        Uses the aligned modality vectors saved in DIR/msac.safetensors (every `esans cluster` output \
        has them) and the fit's Kp, Ks and seed. The refit is warm-started from the partition with the \
        assigned items in it, so cluster numbers carry over; the figure is the share of held-out items \
        whose assigned cell (primary, secondary) is their cell after the refit, and the same for the \
        primary cluster alone.
        """)

    @Option(help: "An `esans cluster` output directory.") var msac: String
    @Option(help: "Share of the items held out, in (0, 1).") var holdout = 0.1
    @Option(help: "Seed of the held-out draw (default: the fit's seed).") var seed: UInt64?
    @Option(help: "k-means iterations of the fit and of the refit (each stops earlier on convergence; esans cluster uses 20).") var iterations = 20

    func run() throws {
        guard holdout > 0 && holdout < 1 else { throw ValidationError("--holdout must lie in (0, 1), got \(holdout)") }
        let fit = try MSACOutput(directory: URL(fileURLWithPath: msac))
        let names = fit.codebooks.modalityNames
        let saved = try names.map { name -> MSACOutput.SavedModality in
            guard let m = fit.saved[name] else {
                throw ValidationError("\(msac)/\(MSACArtifact.modelFile) has no saved vectors of the \(name) modality (fitted by an older esans? fit again)")
            }
            return m
        }
        let kept = Int((Double(fit.itemIDs.count) * (1 - holdout)).rounded(.down))
        guard fit.codebooks.kp <= kept else {
            throw ValidationError("Kp \(fit.codebooks.kp) exceeds the \(kept) items left after holding out \(holdout); hold out less")
        }
        let t0 = Date()
        let a = AssignmentAgreement.measure(aligned: saved.map(\.aligned), available: saved.map(\.present), names: names,
                                            kp: fit.codebooks.kp, ks: fit.codebooks.ks, holdout: holdout, seed: seed ?? fit.settings.seed,
                                            maxIterations: iterations)
        print("MSAC fit \(msac): \(fit.itemIDs.count) items, modalities \(names.joined(separator: ",")), Kp \(fit.codebooks.kp), Ks \(fit.codebooks.ks)")
        print(String(format: "held out %d items (%.0f%%), fitted on the rest, assigned, refitted on all (%.1f s):", a.heldOut, holdout * 100,
                     Date().timeIntervalSince(t0)))
        print(String(format: "  same cell as the refit:    %d of %d (%.1f%%)", a.sameCell, a.heldOut, a.cellRate * 100))
        print(String(format: "  same primary as the refit: %d of %d (%.1f%%)", a.samePrimary, a.heldOut, a.primaryRate * 100))
        print(String(format: "  (the refit also moved %d of the %d fitted items to another cell, %.1f%%)", a.keptChangedCell, a.kept,
                     a.kept > 0 ? Double(a.keptChangedCell) / Double(a.kept) * 100 : 0))
    }
}
