import Foundation
import Testing
import TestSupport

/// `esans train --resume`, `evaluate` and `index eval` refuse run files that are damaged or
/// were built from other data, with a message naming the file and the problem.
@Suite struct IntegrityCLITests {
    /// A LightGCN directory: 30 users with six training items and one test item over 40 items.
    static func writeData(_ dir: URL, extra: Bool = false) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var train = "", test = ""
        for u in 0..<30 {
            train += "\(u) " + (0..<6).map { String((u * 7 + $0) % 40) }.joined(separator: " ") + (extra && u == 0 ? " 39" : "") + "\n"
            test += "\(u) \((u * 7 + 9) % 40)\n"
        }
        try train.write(to: dir.appendingPathComponent("train.txt"), atomically: true, encoding: .utf8)
        try test.write(to: dir.appendingPathComponent("test.txt"), atomically: true, encoding: .utf8)
    }

    @Test func resumeAndEvaluateRefuseOtherDataAndDamage() throws {
        let tmp = TempDir()
        let data = tmp.file("data"), run = tmp.file("run"), index = tmp.file("index")
        try Self.writeData(data)
        let args = ["train", "--data", data.path, "--format", "lightgcn", "--epochs", "1", "--dim", "8", "--negatives", "16",
                    "--validation", "0", "--output", run.path]
        let trained = try CLI.run(args)
        #expect(trained.code == 0, "\(trained.err)")
        let built = try CLI.run(["index", "build", "--run", run.path, "--lists", "4", "--output", index.path])
        #expect(built.code == 0, "\(built.err)")
        let model = run.appendingPathComponent("model.safetensors")

        // A flipped byte in the checkpoint: resume refuses it, naming the file.
        let original = try Data(contentsOf: model)
        var damaged = original
        damaged[damaged.count / 2] ^= 0x20
        try damaged.write(to: model)
        let resumedDamaged = try CLI.run(args + ["--resume"])
        #expect(resumedDamaged.code != 0 && resumedDamaged.err.contains("\(model.path): payload checksum mismatch"), "\(resumedDamaged.err)")
        try original.write(to: model)

        // The data changed under the same path: resume, evaluate and index eval refuse.
        try Self.writeData(data, extra: true)
        let resumed = try CLI.run(args + ["--resume"])
        #expect(resumed.code != 0 && resumed.err.contains("\(model.path): was built from a different dataset (fingerprint "), "\(resumed.err)")
        let evaluated = try CLI.run(["evaluate", "--run", run.path])
        #expect(evaluated.code != 0 && evaluated.err.contains("was built from a different dataset"), "\(evaluated.err)")
        // With the data restored, the index built from it loads again; a damaged index does not.
        try Self.writeData(data)
        let indexFile = index.appendingPathComponent("ivf.safetensors")
        var ivf = try Data(contentsOf: indexFile)
        ivf[ivf.count - 2] ^= 0x01
        try ivf.write(to: indexFile)
        let evalIndex = try CLI.run(["index", "eval", "--run", run.path, "--index", index.path, "--queries", "10", "--latency-queries", "5",
                                     "--repeats", "1", "--nprobe", "1,2", "--k", "5"])
        #expect(evalIndex.code != 0 && evalIndex.err.contains("\(indexFile.path): payload checksum mismatch"), "\(evalIndex.err)")
    }
}
