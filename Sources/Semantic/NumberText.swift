/// A number read from a `float` field of an atomic file, written as text (a token, a year):
/// an integral value in `Int`'s range without a fraction (`1995`), any other as Swift prints
/// it (`2.5`, `1e+30`). Never traps, however large the number.
enum NumberText {
    static func of(_ value: Double) -> String {
        if value == value.rounded(), let exact = Int(exactly: value) { return String(exact) }
        return String(value)
    }
}
