import ArgumentParser
import Runs
import Foundation
import NumCore
import Datasets
import Models
import Serving
import Training

/// A finished run read back from its directory (shared by `evaluate`, `export`, `index`):
/// a thin wrapper over ``ServingRun`` that reports load problems as command-line errors.
struct LoadedRun {
    let run: ServingRun
    var config: RunConfig { run.config }
    var dataset: Dataset { run.dataset }
    var model: TwoTowerModel { run.model }
    var users: Matrix { run.users }
    var items: Matrix { run.items }

    init(directory dir: URL) throws {
        do { run = try ServingRun(directory: dir) } catch let e as ServingError {
            throw ValidationError(e.message)
        }
        for note in run.notes { printErr("note: \(note)") }
    }
}
