import Foundation
import Testing
import TestSupport
@testable import Encoders

enum JPEGFixture {
    static let jpeg = Data(base64Encoded: Lite0ReferenceData.jpegBase64, options: .ignoreUnknownCharacters)!
    static let pillowPixels = [UInt8](Data(base64Encoded: Lite0ReferenceData.jpegDecodedBase64, options: .ignoreUnknownCharacters)!)
    static let available = JPEGDecoder.isAvailable
    static let skipMessage: Comment = "JPEG decoding unavailable (install libjpeg62-turbo-dev and rebuild)"
}

/// libjpeg through the CJPEG shim, on a tiny synthetic JPEG (a generated pattern written by
/// Pillow) and on bad inputs.
@Suite(.enabled(if: JPEGFixture.available, JPEGFixture.skipMessage))
struct JPEGDecoderTests {
    @Test func decodesLikePillow() throws {
        let image = try JPEGDecoder.decode(data: JPEGFixture.jpeg, name: "pattern.jpg")
        #expect(image.width == 40 && image.height == 32)
        #expect(image.pixels.count == JPEGFixture.pillowPixels.count)
        let diffs = zip(image.pixels, JPEGFixture.pillowPixels).map { abs(Int($0) - Int($1)) }
        #expect(diffs.max()! <= 1, "max difference to Pillow's decode \(diffs.max()!)")
        // And it is the pattern (JPEG is lossy: close, not equal).
        let source = Lite0Fixture.pattern(height: 32, width: 40)
        let err = zip(image.pixels, source.pixels).map { Double(abs(Int($0) - Int($1))) }.reduce(0, +) / Double(source.pixels.count)
        // (The pattern's fine texture costs q90 about 8 levels on average; garbage is ~85.)
        #expect(err < 12, "mean absolute error to the source pattern \(err)")
    }

    @Test func decodesAFile() throws {
        let dir = TempDir()
        let url = dir.file("p.jpg")
        try JPEGFixture.jpeg.write(to: url)
        #expect(try JPEGDecoder.decode(file: url).width == 40)
        let missing = try #require(throws: EncoderError.self) { try JPEGDecoder.decode(file: dir.file("none.jpg")) }
        #expect(missing.file == "none.jpg" && missing.problem.contains("cannot read file"))
    }

    @Test func badDataIsAnErrorNamingTheFile() throws {
        let cases: [(Data, String)] = [
            (Data(), "too short"),
            (Data("definitely not a jpeg".utf8), "not a JPEG"),
            (JPEGFixture.jpeg.prefix(JPEGFixture.jpeg.count - 60), "truncated: Premature end of JPEG file"),
            (JPEGFixture.jpeg.prefix(JPEGFixture.jpeg.count / 2), "missing SOS marker"),
            (JPEGFixture.jpeg.prefix(40), "JPEG"),
        ]
        for (data, reason) in cases {
            let e = try #require(throws: EncoderError.self) { try JPEGDecoder.decode(data: data, name: "bad.jpg") }
            #expect(e.file == "bad.jpg" && e.problem.contains(reason), "\(e)")
            #expect(e.description.hasPrefix("bad.jpg: cannot decode JPEG: "))
        }
        // Garbage after a valid start of image.
        var garbage = Data(JPEGFixture.jpeg.prefix(2))
        garbage.append(Data((0..<500).map { UInt8(($0 * 37) & 0xFF) }))
        #expect(throws: EncoderError.self) { try JPEGDecoder.decode(data: garbage, name: "bad.jpg") }
    }

    @Test func corruptBytesNeverCrash() {
        var failures = 0
        for i in stride(from: 2, to: JPEGFixture.jpeg.count, by: 3) {
            var bad = JPEGFixture.jpeg
            bad[i] ^= 0xA5
            do { _ = try JPEGDecoder.decode(data: bad, name: "bad.jpg") } catch { failures += 1 }
        }
        #expect(failures > 0)
    }

    @Test func refusesImagesOverThePixelLimit() throws {
        let e = try #require(throws: EncoderError.self) { try JPEGDecoder.decode(data: JPEGFixture.jpeg, name: "big.jpg", maxPixels: 1_000) }
        #expect(e.problem.contains("larger than the limit of 1000 pixels"))
    }
}

@Suite struct JPEGAvailabilityTests {
    /// Without libjpeg every decode fails with the install hint; with it, nothing is reported.
    @Test func reportsUnavailabilityWithTheFix() throws {
        if let why = JPEGDecoder.unavailableReason {
            #expect(why.contains("libjpeg62-turbo"))
            let e = try #require(throws: EncoderError.self) { try JPEGDecoder.decode(data: JPEGFixture.jpeg, name: "x.jpg") }
            #expect(e.problem.contains("JPEG decoding unavailable"))
        } else {
            #expect(JPEGDecoder.isAvailable)
            #expect(try JPEGDecoder.decode(data: JPEGFixture.jpeg, name: "x.jpg").height == 32)
        }
    }
}
