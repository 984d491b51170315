import Testing
import NumCore
@testable import Semantic
@testable import Alignment

private func random(_ r: Int, _ c: Int, _ rng: inout RandomSource, scale: Float = 1) -> Matrix {
    let m = Matrix(rows: r, cols: c)
    for i in 0..<m.count { m.data[i] = rng.normal() * scale }
    return m
}

@Test func symmetricInfoNCEGradientMatchesFiniteDifferences() {
    var rng = RandomSource(seed: 11)
    let za = random(5, 4, &rng, scale: 0.5), zb = random(5, 4, &rng, scale: 0.5)
    let (_, ga, gb) = ModalityAlignment.symmetricInfoNCE(za, zb, invTemperature: 2)
    let eps: Float = 1e-2
    for (z, g) in [(za, ga), (zb, gb)] {
        for i in 0..<z.count {
            let old = z.data[i]
            z.data[i] = old + eps
            let lp = ModalityAlignment.symmetricInfoNCE(za, zb, invTemperature: 2).0
            z.data[i] = old - eps
            let lm = ModalityAlignment.symmetricInfoNCE(za, zb, invTemperature: 2).0
            z.data[i] = old
            let numeric = (lp - lm) / Double(2 * eps)
            #expect(abs(numeric - Double(g.data[i])) <= 2e-3 + 2e-2 * abs(numeric), "element \(i)")
        }
    }
}

@Test func alignmentRaisesCrossModalRetrieval() {
    // Two modalities are different random linear views (widths 12 and 7) of one latent vector
    // per item; a third of the items lack the second modality.
    var rng = RandomSource(seed: 5)
    let n = 120
    let latent = random(n, 6, &rng)
    let wa = random(6, 12, &rng), wb = random(6, 7, &rng)
    let a = Matrix.product(latent, wa, pool: nil), b = Matrix.product(latent, wb, pool: nil)
    let present = (0..<n).map { $0 % 3 != 0 }
    let mods = [ModalityMatrix(name: "a", vectors: a, present: [Bool](repeating: true, count: n)),
                ModalityMatrix(name: "b", vectors: b, present: present)]
    var c = ModalityAlignment.Config()
    c.dim = 8; c.epochs = 60; c.batchSize = 40; c.temperature = 0.1; c.learningRate = 0.01
    let align = ModalityAlignment(modalities: mods, config: c)
    let before = align.crossModalTop1(mods, 0, 1)
    let losses = align.train(mods)
    let after = align.crossModalTop1(mods, 0, 1)
    #expect(losses.last! < losses.first!)
    #expect(after > before + 0.3, "top-1 before \(before), after \(after)")
    #expect(after > 0.8)
    let y = align.project(mods[1], index: 1)
    #expect(y.rowArray(0).allSatisfy { $0 == 0 }, "an item without the modality projects to zero")
}
