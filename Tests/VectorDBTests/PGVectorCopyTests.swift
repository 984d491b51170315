import Foundation
import Testing
@testable import VectorDB

@Suite struct PGVectorCopyTests {
    @Test func vectorLiteralsReadBackToTheSameFloats() {
        let v: [Float] = [0.1, -2.5e-7, 1, 0, -0.33333334, Float.leastNormalMagnitude, 3.4028235e38]
        let text = PGVectorCopy.vectorLiteral(v)
        #expect(text.hasPrefix("[0.1,") && text.hasSuffix("]") && !text.contains(" "))
        #expect(PGVectorCopy.parseVector(text) == v)
        #expect(PGVectorCopy.parseVector("[1, 2.5,-3e-05]") == [1, 2.5, -3e-05])
        #expect(PGVectorCopy.parseVector("[]") == [])
        #expect(PGVectorCopy.parseVector("1,2") == nil && PGVectorCopy.parseVector("[1,x]") == nil && PGVectorCopy.parseVector("[1,,2]") == nil)
    }

    @Test func rowsEscapeTheirIdsAndWriteNullCodes() {
        #expect(PGVectorCopy.escapeField("plain id") == "plain id")
        #expect(PGVectorCopy.escapeField("a\tb\nc\rd\\e") == "a\\tb\\nc\\rd\\\\e")
        #expect(PGVectorCopy.escapeField("été\t✓") == "été\\t✓")
        var out = ""
        PGVectorCopy.appendRow(id: "x\ty", vector: [Float(1), 0.5], primary: 3, secondary: 0, to: &out)
        PGVectorCopy.appendRow(id: "42", vector: [Float(-1), 2], primary: nil, secondary: nil, to: &out)
        #expect(out == "x\\ty\t[1.0,0.5]\t3\t0\n42\t[-1.0,2.0]\t\\N\t\\N\n")
    }

    @Test func textArraysAndRedactedConnectionStrings() {
        #expect(PGVectorIndex.textArray(["a", "b\"c", "d\\e", "f,g"]) == "{\"a\",\"b\\\"c\",\"d\\\\e\",\"f,g\"}")
        #expect(PGVectorIndex.textArray([]) == "{}")
        #expect(PostgresConnection.redacted("postgresql://me:s3cret@127.0.0.1:5432/db") == "postgresql://me:***@127.0.0.1:5432/db")
        #expect(PostgresConnection.redacted("host=h password=s3cret user=u") == "host=h password=*** user=u")
        #expect(PostgresConnection.redacted("postgresql://me@h/db") == "postgresql://me@h/db")
    }
}
