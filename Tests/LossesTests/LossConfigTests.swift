import Foundation
import Runs
import Testing
import NumCore
@testable import Losses

@Suite struct LossConfigTests {
    @Test func everyKindMakesItsLoss() {
        for kind in LossKind.allCases {
            #expect(LossConfig(kind: kind).make().kind == kind)
        }
    }

    @Test func unknownKindInJSONNamesTheSettingAndTheAcceptedValues() throws {
        let json = #"{"kind": "hinge", "temperature": 0.1}"#
        do {
            _ = try JSONDecoder().decode(LossConfig.self, from: Data(json.utf8))
            Issue.record("decoded an unknown loss")
        } catch {
            let text = "\(error)"
            #expect(text.contains("unknown loss 'hinge'") && text.contains("softmax, bsl, ccl, adaptau, bpr"), "\(text)")
        }
        #expect(throws: UnknownSettingValue.self) { try LossKind.named("hinge") }
        #expect(try LossKind.named("bsl") == .bsl)
    }

    @Test func missingKeysTakeDefaultsAndBadKnobsAreReported() throws {
        let c = try JSONDecoder().decode(LossConfig.self, from: Data(#"{"kind": "ccl"}"#.utf8))
        #expect(c.kind == .ccl && c.cclMargin == LossConfig().cclMargin)
        var bad = LossConfig()
        bad.temperature = 0
        bad.cclMargin = 1.5
        #expect(bad.problems().count == 2)
        #expect(LossConfig().problems().isEmpty)
    }
}
