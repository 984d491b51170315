/// A setting with a fixed set of named values (a loss, a sampler, a schedule): parsed once at
/// the edge, typed everywhere below, and stored in `config.json` by name. Decoding an unknown
/// name fails with a message that names the setting and lists the accepted values.
public protocol NamedSetting: RawRepresentable, CaseIterable, Codable, Sendable, Hashable where RawValue == String {
    /// What the setting is called in messages (`loss`, `sampler`, `learning-rate schedule`).
    static var settingName: String { get }
}

extension NamedSetting {
    /// The accepted names, comma-separated, in declaration order.
    public static var acceptedNames: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// The message for a name that is not one of the accepted values.
    public static func unknownValueMessage(_ name: String) -> String {
        "unknown \(settingName) '\(name)' (accepted: \(acceptedNames))"
    }

    /// The value called `name`, or an error that says which names are accepted.
    public static func named(_ name: String) throws -> Self {
        guard let value = Self(rawValue: name) else { throw UnknownSettingValue(message: unknownValueMessage(name)) }
        return value
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard let value = Self(rawValue: name) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: Self.unknownValueMessage(name))
        }
        self = value
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// A name that is not one of a setting's values.
public struct UnknownSettingValue: Error, CustomStringConvertible {
    /// Names the setting and lists the accepted values.
    public let message: String
    /// An error with `message`.
    public init(message: String) { self.message = message }
    public var description: String { message }
}
