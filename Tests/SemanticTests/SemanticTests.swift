import Testing
@testable import Semantic
