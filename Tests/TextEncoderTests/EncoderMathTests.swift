import Foundation
import NumCore
import Testing
@testable import TextEncoder

/// The kernels and the whole forward pass on a tiny random model, against double-precision
/// references (no downloaded weights needed).
@Suite struct EncoderMathTests {
    @Test func erfIsAccurate() {
        var worst = 0.0
        for i in -1200...1200 {
            let x = Double(i) * 0.005
            worst = max(worst, abs(Double(TransformerKernels.erf(Float(x))) - Foundation.erf(x)))
        }
        #expect(worst < 5e-7, "max |erf error| \(worst)")  // 1.5e-7 formula + float rounding
    }

    @Test func geluMatchesExactForm() {
        var worst = 0.0
        for i in -2000...2000 {
            let x = Double(i) * 0.005
            let exact = 0.5 * x * (1 + Foundation.erf(x / 2.0.squareRoot()))
            worst = max(worst, abs(Double(TransformerKernels.gelu(Float(x))) - exact))
        }
        #expect(worst < 1e-6, "max |gelu error| \(worst)")
        #expect(abs(TransformerKernels.gelu(-30)) < 1e-30 && TransformerKernels.gelu(30) == 30)
        // The in-place kernel handles lengths that are not multiples of 8.
        var v: [Float] = (0..<13).map { Float($0) * 0.3 - 2 }
        v.withUnsafeMutableBufferPointer { TransformerKernels.geluInPlace($0.baseAddress!, 13) }
        for i in 0..<13 { #expect(v[i] == TransformerKernels.gelu(Float(i) * 0.3 - 2)) }
    }

    @Test func layerNormNormalises() {
        let cols = 21
        var x: [Float] = (0..<(2 * cols)).map { Float($0 % 7) * 3 + 1000 }
        let gain = [Float](repeating: 2, count: cols), bias = [Float](repeating: 0.5, count: cols)
        let original = x
        x.withUnsafeMutableBufferPointer {
            TransformerKernels.layerNorm($0.baseAddress!, cols: cols, rows: 0..<2, gain: gain, bias: bias, epsilon: 1e-12)
        }
        for r in 0..<2 {
            let row = original[(r * cols)..<((r + 1) * cols)].map(Double.init)
            let mean = row.reduce(0, +) / Double(cols)
            let sd = (row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(cols)).squareRoot()
            for c in 0..<cols {
                #expect(abs(Double(x[r * cols + c]) - ((row[c] - mean) / sd * 2 + 0.5)) < 1e-4)
            }
        }
    }

    @Test func tinyModelMatchesReference() throws {
        let model = TinyBertModel()
        let dir = try model.write()
        defer { try? FileManager.default.removeItem(at: dir) }
        let encoder = try SentenceEncoder(directory: dir)
        #expect(encoder.dimension == 16 && encoder.maxSequenceLength == 12)
        let texts = ["the cat sat on the mat.", "dogs running!", "a", "", "the big red house, the big red dog, the cat",
                     "zebra crossing", "run run run"]
        for batchSize in [1, 3, 32] {
            let got = encoder.encode(texts, batchSize: batchSize)
            #expect(got.rows == texts.count && got.cols == 16)
            for (i, text) in texts.enumerated() {
                let ids = encoder.tokenIDs(text)
                #expect(ids.count <= 12)
                let want = model.referenceEmbedding(ids)
                let diff = (0..<16).map { abs(Double(got[i, $0]) - want[$0]) }.max()!
                #expect(diff < 2e-5, "text \(i) batch \(batchSize): max diff \(diff)")
            }
        }
        // Truncation: the long text fills the 12 positions exactly.
        #expect(encoder.tokenIDs(texts[4]).count == 12)
        #expect(encoder.encode([]).rows == 0)
    }

    @Test func acceptsBertPrefixedNames() throws {
        let model = TinyBertModel()
        let dir = try model.write(prefix: "bert.")
        defer { try? FileManager.default.removeItem(at: dir) }
        let encoder = try SentenceEncoder(directory: dir)
        let got = encoder.encode(["the cat"])
        let want = model.referenceEmbedding(encoder.tokenIDs("the cat"))
        #expect((0..<16).allSatisfy { abs(Double(got[0, $0]) - want[$0]) < 2e-5 })
    }

    @Test func wrongShapeNamesTheTensor() throws {
        let name = "encoder.layer.1.intermediate.dense.weight"
        let dir = try TinyBertModel().write { $0[name] = ([24, 15], [Float](repeating: 0, count: 24 * 15)) }
        defer { try? FileManager.default.removeItem(at: dir) }
        let error = #expect(throws: TextEncoderError.self) { try SentenceEncoder(directory: dir) }
        #expect(error?.item == name)
        #expect(error?.description.contains("model.safetensors") == true)
        #expect(error?.description.contains("[24, 15]") == true)
    }

    @Test func missingTensorNamesTheTensor() throws {
        let name = "encoder.layer.0.attention.self.value.bias"
        let dir = try TinyBertModel().write { $0[name] = nil }
        defer { try? FileManager.default.removeItem(at: dir) }
        let error = #expect(throws: TextEncoderError.self) { try SentenceEncoder(directory: dir) }
        #expect(error?.item == name)
    }

    @Test func missingFilesAreNamed() throws {
        let dir = try TinyBertModel().write()
        defer { try? FileManager.default.removeItem(at: dir) }
        for file in ["model.safetensors", "vocab.txt", "config.json"] {
            try FileManager.default.removeItem(at: dir.appendingPathComponent(file))
            let error = #expect(throws: TextEncoderError.self) { try SentenceEncoder(directory: dir) }
            #expect(error?.file == file)
        }
    }

    @Test func unsupportedConfigIsRejected() throws {
        #expect(throws: TextEncoderError.self) {
            try BertConfig.parse(["vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2,
                                  "intermediate_size": 8, "hidden_act": "relu"], file: "config.json")
        }
        #expect(throws: TextEncoderError.self) {
            try BertConfig.parse(["vocab_size": 10, "hidden_size": 9, "num_hidden_layers": 1, "num_attention_heads": 2,
                                  "intermediate_size": 8], file: "config.json")
        }
        let error = #expect(throws: TextEncoderError.self) {
            try BertConfig.parse(["vocab_size": 10, "num_hidden_layers": 1], file: "config.json")
        }
        #expect(error?.item == "hidden_size")
    }
}
